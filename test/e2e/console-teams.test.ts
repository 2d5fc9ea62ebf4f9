// Teams in the console, in Debian's Chromium (playwright-core) against a real server, Postgres and Redis: an admin
// creates a team on Team & settings → Teams, adds an agent and an intent to it; a chat the bot then hands off about
// that intent shows the team's badge in the inbox (which can filter by team) and in the conversation's header.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, nextEvent, type WidgetClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';
import { consoleBundle } from '../support/console-bundle.ts';

/** Hands off every message, naming the intent the text names ("handoff:<intent>"). */
class HandoffResponder implements Responder {
  readonly name = 'scripted-team-e2e';
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    const intent = context.text.split(':')[1] ?? null;
    return { action: 'handoff', reply: 'Connecting you with a person.', metadata: { decision: 'handoff', intent, confidence: 0.9, articles: [], encoder: 'none' } };
  }
}

let stack: TestStack;
let browser: Browser;
const { contexts, sockets } = closedAfterEachTest<WidgetClient>(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60 }, server: { responder: new HandoffResponder() } });
  await stack.env.sql`insert into intents (name) values ('refund_status'), ('size_help'), ('return_item'), ('return_policy')`;
  // A label that reads like another intent's name in words: the two are told apart by their raw names.
  await stack.env.sql`update intents set label = ${stack.env.sql.json({ en: 'Refund status' })} where name = 'size_help'`;
  browser = await launchBrowser();
}, 120_000);

async function adminPage(path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000); // a missing element fails with its locator rather than the test's timeout
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}${path}`);
  await signInOnLoginPage(page, stack.admin);
  return page;
}

describe('teams in the console', () => {
  it('creates a team with an agent and an intent, then shows its badge on a chat handed off about that intent', async () => {
    const page = await adminPage('/console/admin/team');
    await page.getByTestId('tab-teams').click();
    await page.getByTestId('teams').waitFor();
    await page.getByPlaceholder('New team, e.g. Returns & refunds').fill('Returns & refunds');
    await page.getByRole('button', { name: 'Create team' }).click();
    const row = page.locator('[data-testid=team-group-row][data-name="Returns & refunds"]');
    await row.waitFor();

    await row.getByTestId('team-members-add').selectOption({ label: 'Sam Agent' });
    await row.getByTestId('team-members-chip').filter({ hasText: 'Sam Agent' }).waitFor();
    // Intents go by what the console calls them (their labels, else the name in words), in that order, the raw name on
    // hover, and beside a display name two intents share.
    expect(await row.getByTestId('team-intents-add').locator('option').allTextContents())
      .toEqual(['Add an intent…', 'Refund status (refund_status)', 'Refund status (size_help)', 'Return item', 'Return policy']);
    await row.getByTestId('team-intents-add').selectOption({ label: 'Refund status (refund_status)' });
    const refundChip = row.getByTestId('team-intents-chip').filter({ hasText: 'Refund status (refund_status)' });
    await refundChip.waitFor();
    expect(await refundChip.getAttribute('title')).toBe('refund_status');
    // Two quick picks while the list is still reloading: both are kept (the second was built on the list as loaded
    // before the first, and undid it).
    await page.route('**/api/admin/teams', async (route) => {
      if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => undefined); // the page may have moved on meanwhile
    });
    await row.getByTestId('team-intents-add').selectOption({ label: 'Return item' });
    await row.getByTestId('team-intents-add').selectOption({ label: 'Return policy' });
    await expect.poll(async () => (await stack.env.sql<{ name: string }[]>`
      select i.name from team_intents ti join intents i on i.id = ti.intent_id join teams t on t.id = ti.team_id
      where t.name = 'Returns & refunds' order by i.name`).map((r) => r.name), { timeout: 10_000 }).toEqual(['refund_status', 'return_item', 'return_policy']);
    await row.getByTestId('team-intents-chip').filter({ hasText: 'Return policy' }).waitFor();
    expect(await row.getByTestId('team-intents-chip').count()).toBe(3);
    await page.unroute('**/api/admin/teams');
    await page.screenshot({ path: artifactPath('console-teams.png') });
    const [team] = await stack.env.sql<{ id: number; members: string[]; intents: string[] }[]>`
      select t.id, array(select u.name from team_members m join users u on u.id = m.user_id where m.team_id = t.id) as members,
             array(select i.name from team_intents ti join intents i on i.id = ti.intent_id where ti.team_id = t.id) as intents
      from teams t where t.name = 'Returns & refunds'`;
    expect(team).toMatchObject({ members: ['Sam Agent'] });

    // A refund hand-off (nobody online: it waits in the queue, tagged) and a sizing one (no team).
    const handOff = async (text: string, clientId: string) => {
      const shopper = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
      sockets.push(shopper);
      let id: number | undefined;
      // Handed off: queued, or already assigned to the admin's console (Online) by the time it is announced.
      const queued = nextEvent<ConversationSummary>(shopper, 'conversation:updated', (c) => c.id === id && (c.status === 'queued' || c.status === 'assigned'));
      ({ conversationId: id } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId, text }));
      await queued;
      return id!;
    };
    const refund = await handOff('handoff:refund_status', 'teams-e2e-1');
    const sizing = await handOff('handoff:size_help', 'teams-e2e-2');

    await page.goto(`${stack.url}/console`);
    // All open: the admin's console is Online, so the chats may be assigned to her meanwhile.
    await page.getByTestId('view-open').click();
    const item = (id: number) => page.locator(`[data-testid=inbox-item][data-conversation-id="${id}"]`);
    await item(sizing).waitFor();
    expect(await item(refund).getByTestId('team-badge').textContent()).toBe('Returns & refunds');
    expect(await item(sizing).getByTestId('team-badge').count()).toBe(0);
    // The team filter keeps the refund and drops the sizing question.
    await page.getByTestId('team-filter').selectOption({ label: 'Returns & refunds' });
    await item(sizing).waitFor({ state: 'detached' });
    await item(refund).click();
    expect(await page.getByTestId('conversation-team').textContent()).toBe('Returns & refunds');
    await page.screenshot({ path: artifactPath('console-team-badge.png') });
  });

  it("team table: a member's languages and capacity show as picked, and quick picks are all kept", async () => {
    const page = await adminPage('/console/admin/team');
    const row = page.locator(`[data-testid=team-row][data-email="${stack.agent.email}"]`);
    await row.waitFor();
    await stack.env.sql`update users set languages = '{}' where email = ${stack.agent.email}`;
    await page.reload();
    await row.waitFor();
    // The list reloads slowly: the boxes keep what was clicked, and the second tick builds on the first.
    await page.route('**/api/admin/team', async (route) => {
      if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => undefined);
    });
    const box = (language: string) => row.getByTestId('languages').getByRole('checkbox', { name: language });
    await box('en').check();
    await box('zh').check();
    expect(await box('en').isChecked()).toBe(true);
    await row.locator('input[type=number]').fill('7');
    // The list comes back (here the languages' reload; in use, anyone's presence changing) before the box is left:
    // what was typed stays, and leaving the box saves it.
    await page.waitForResponse((response) => response.url().endsWith('/api/admin/team') && response.request().method() === 'GET');
    await page.waitForTimeout(100);
    expect(await row.locator('input[type=number]').inputValue()).toBe('7');
    await row.locator('input[type=number]').press('Tab');
    expect(await row.locator('input[type=number]').inputValue()).toBe('7');
    await expect.poll(async () => (await stack.env.sql<{ languages: string[]; capacity: number }[]>`
      select languages, capacity from users where email = ${stack.agent.email}`)[0], { timeout: 10_000 }).toEqual({ languages: ['en', 'zh'], capacity: 7 });
    await expect.poll(() => page.getByTestId('team-notice').textContent()).toBeTruthy();
    expect(await box('en').isChecked()).toBe(true);
    expect(await box('zh').isChecked()).toBe(true);
    await page.unroute('**/api/admin/team');
  });
});
