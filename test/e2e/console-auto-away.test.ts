// Automatic Away in Chromium: the console reports the agent's input, an admin sets "Set agents Away after N
// minutes" on the Team page, an idle agent's console shows the banner (in their language) and "I'm back" returns
// them Online. One "minute" of the setting is one second here (autoAwayUnitSeconds, tests only).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { eventually } from '../support/sockets.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let browser: Browser;
const { contexts } = closedAfterEachTest(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: build it from this source
  stack = await startStack({ config: { autoAwayUnitSeconds: 1, rateLimitLoginsPerMinute: 60 }, server: { backgroundTimers: true } });
  browser = await launchBrowser();
}, 120_000);

async function signIn(email: string, password: string, path = '/console', before: (page: Page) => void = () => {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  before(page);
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}${path}`);
  await signInOnLoginPage(page, { email, password });
  return page;
}

const shown = async (page: Page) => (await page.getByTestId('presence-toggle').getAttribute('data-presence')) ?? '';
const agentRow = async () => (await stack.env.sql<{ presence: string; auto_away_minutes: number | null; last_active_at: Date }[]>`
  select presence, auto_away_minutes, last_active_at from users where lower(email) = lower(${stack.agent.email})`)[0];

describe('automatic Away in the console', () => {
  it('reports input, shows the banner once the agent is set Away, and "I\'m back" returns them Online', async () => {
    // Long while the agent's console is checked (a loaded machine may take seconds), short once the admin sets it.
    const adminSession = await login(stack.url, stack.admin.email, stack.admin.password);
    const setAwayAfter = async (minutes: number) =>
      expect((await httpAs(stack.url, 'PUT', '/api/admin/team-settings', adminSession, { awayAfterMinutes: minutes })).status).toBe(200);
    await setAwayAfter(240);
    // What the console sends, from its first connection on.
    const reports: string[] = [];
    const agent = await signIn(stack.agent.email, stack.agent.password, '/console', (page) => {
      page.on('websocket', (ws) => ws.on('framesent', (frame) => void (String(frame.payload).includes('presence:activity') && reports.push(String(frame.payload)))));
    });
    await expect.poll(() => shown(agent)).toBe('online');
    // The console tells the server about the agent's input (throttled per tab): the server's idle clock moves.
    const before = (await agentRow()).last_active_at;
    await agent.mouse.move(200, 200);
    await agent.mouse.move(300, 260);
    await eventually(async () => reports.length > 0, 10_000, 'an activity report sent');
    // (A report sent just before `before` was read holds this one back up to 30 s: the per-tab throttle.)
    await eventually(async () => (await agentRow()).last_active_at > before, 40_000, 'the activity recorded');

    // The admin sets the team setting on the Team page.
    const admin = await signIn(stack.admin.email, stack.admin.password, '/console/admin/team');
    const setting = admin.getByTestId('away-setting');
    await expect.poll(() => setting.locator('input[name=awayAfterMinutes]').inputValue()).toBe('240');
    await setting.locator('input[name=awayAfterMinutes]').fill('3');
    await setting.getByRole('button').click();
    await expect.poll(() => admin.getByTestId('away-setting-status').textContent()).toBe('Saved.');

    // The agent, doing nothing, is set Away: the banner says so on whatever page they are.
    const banner = agent.getByTestId('auto-away-banner');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain('You were set to Away after 3 minutes without activity.');
    await agent.screenshot({ path: artifactPath('console-auto-away.png') });
    expect(await shown(agent)).toBe('away');
    expect(await agentRow()).toMatchObject({ presence: 'away', auto_away_minutes: 3 });
    // In Chinese too (changing the language is not "I'm back").
    await agent.locator('select.lang').selectOption('zh-CN');
    await expect.poll(() => banner.textContent()).toContain('您已 3 分钟没有操作，已被设为离开。');
    expect(await agent.getByTestId('auto-away-back').textContent()).toBe('我回来了');
    expect(await shown(agent)).toBe('away');
    await agent.locator('select.lang').selectOption('en');

    // Longer, so the agent is not set Away again while the test looks; then "I'm back".
    await setAwayAfter(240);
    await agent.getByTestId('auto-away-back').click();
    await expect.poll(() => shown(agent)).toBe('online');
    await expect.poll(() => banner.count()).toBe(0);
    expect(await agentRow()).toMatchObject({ presence: 'online', auto_away_minutes: null });
  });
});
