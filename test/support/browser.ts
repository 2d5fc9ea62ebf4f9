// Shared Chromium launcher for browser tests (widget and console): Debian's chromium driven by playwright-core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { consoleBundle } from './console-bundle.ts';
import type { Config } from '../../server/config.ts';
import { login, startStack, type TestStack } from './server.ts';
import { callOk, connectAgent, eventually, type AgentClient } from './sockets.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Flags fixed by the team rules: headless, no sandbox (we run as root in a container), and no background
// traffic so tests never reach for the internet.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/** Directory for screenshots and other artifacts (git-ignored); created on demand. */
export function artifactPath(fileName: string): string {
  const dir = join(process.cwd(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, fileName);
}

/**
 * For a browser test file: the browser contexts and sockets a test opens (push them here) are closed after it, and
 * the Chromium and stack `owned` returns after the file.
 */
/**
 * A console browser test's set-up: the console bundle built from this source (the server serves
 * public/build/console.js), a stack, Chromium, and the demo agent's own socket (to act beside the page).
 */
async function startConsoleBed(config: Partial<Config> = { rateLimitLoginsPerMinute: 60 }): Promise<{ stack: TestStack; browser: Browser; agentApi: AgentClient }> {
  await consoleBundle();
  const stack = await startStack({ config });
  const agentApi = await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
  return { stack, browser: await launchBrowser(), agentApi };
}

/**
 * The same, for a whole console test file: set up before its tests, closed after them, with the browser contexts and
 * sockets a test opens (push them onto `contexts` and `sockets`) closed after each test.
 */
export function consoleTestBed(config?: Partial<Config>) {
  const bed = {} as Awaited<ReturnType<typeof startConsoleBed>> & { contexts: BrowserContext[]; sockets: { close(): void }[] };
  Object.assign(bed, closedAfterEachTest(() => bed));
  beforeAll(async () => void Object.assign(bed, await startConsoleBed(config)), 120_000);
  return bed;
}

/**
 * A chat a shopper handed off, held by the demo agent: assigned to them by itself (they are online), or accepted here
 * through the bed's agent connection when the assignment pass has not come round yet.
 */
export async function heldByTheDemoAgent(bed: { stack: TestStack; agentApi: AgentClient }, conversationId: number): Promise<void> {
  await eventually(async () => {
    const [row] = await bed.stack.env.sql`select assignee_id from conversations where id = ${conversationId}`;
    if (row.assignee_id === null) await callOk(bed.agentApi, 'conversation:accept', { conversationId }).catch(() => undefined);
    return row.assignee_id !== null;
  }, 10_000, 'the chat assigned');
}

/**
 * A console page at `path` on the bed's server, signed in as `account` (the demo agent unless said; null: left on the
 * login page), 1440×900, the browser's language `browserLocale`, the console's own language `consoleLanguage` when
 * given ('zh': Simplified; 'zh-TW' / 'zh-HK': Traditional). Page errors and dialogs are collected (dialogs accepted).
 */
export async function signedInConsole(
  bed: { browser: Browser; stack: TestStack; contexts: BrowserContext[] },
  path: string,
  options: { account?: { email: string; password: string } | null; browserLocale?: string; consoleLanguage?: 'en' | 'zh' | 'zh-TW' | 'zh-HK' } = {},
): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: options.browserLocale ?? 'en-GB' });
  bed.contexts.push(context);
  if (options.consoleLanguage) {
    // 'zh' is Simplified whatever the browser's language; zh-TW / zh-HK the console's Traditional (console/src/i18n.ts).
    const [language, script] = options.consoleLanguage === 'en' ? ['en', null] : ['zh', options.consoleLanguage === 'zh' ? 'zh-CN' : options.consoleLanguage];
    await context.addInitScript(([language, script]) => {
      localStorage.setItem('sd.locale', language!);
      if (script) localStorage.setItem('sd.script', script);
    }, [language, script]);
  }
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.accept(); });
  await page.goto(`${bed.stack.url}${path}`);
  if (options.account !== null) await signInOnLoginPage(page, options.account ?? bed.stack.agent);
  return { page, errors, dialogs };
}

export function closedAfterEachTest<Socket extends { close(): void }>(owned: () => { browser?: Browser; stack?: { close(): Promise<void> } }) {
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    const { browser, stack } = owned();
    await browser?.close();
    await stack?.close();
  });
  return { contexts, sockets };
}

/**
 * Signs in on the console's login page open in `page`, then waits for `readyTestId` (by default the top bar's
 * "who am I": the console has loaded its session).
 */
export async function signInOnLoginPage(page: Page, account: { email: string; password: string }, readyTestId: string | null = 'whoami'): Promise<void> {
  await page.getByTestId('login-form').waitFor();
  await page.fill('input[name=email]', account.email);
  await page.fill('input[name=password]', account.password);
  await page.click('button[type=submit]');
  if (readyTestId) await page.getByTestId(readyTestId).waitFor();
}
