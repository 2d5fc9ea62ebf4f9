// Shared steps of the widget's browser tests: a fresh bundle, pages on the demo
// shop, and reading what the widget shows. Locators pierce the widget's open
// shadow root (playwright's CSS engine does that by default).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureBundles } from '../../server/bundles.ts';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { consoleBundle, withBundleLock } from '../support/console-bundle.ts';
import { launchBrowser } from '../support/browser.ts';
import { login, startStack, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, eventually, type AgentClient } from '../support/sockets.ts';
import type { Responder } from '../../server/services/responder.ts';

/** Rebuilds public/build/widget.js when its sources changed; a directory lock keeps parallel test files from writing it at once. */
export async function freshWidgetBundle(): Promise<void> {
  await withBundleLock(() => ensureBundles(() => {}));
}

export interface WidgetPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Messages of any alert/confirm/prompt the page opened. */
  dialogs: string[];
}

export async function newWidgetPage(
  browser: Browser,
  contexts: BrowserContext[],
  options: { locale?: string; viewport?: { width: number; height: number }; reducedMotion?: 'reduce'; timezoneId?: string } = {},
): Promise<WidgetPage> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? { width: 1280, height: 860 },
    acceptDownloads: true,
    reducedMotion: options.reducedMotion,
    timezoneId: options.timezoneId, // undefined: the machine's zone
  });
  contexts.push(context);
  const page = await context.newPage();
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { context, page, requests, dialogs };
}

export async function openDemo(stack: TestStack, page: Page, query = ''): Promise<void> {
  await page.goto(`${stack.url}/demo${query}`);
  await page.locator('.launcher').waitFor();
}

/**
 * Opens the panel (if closed) and waits until the socket is connected. A widget that was open in another tab opens
 * itself once its session is back; a click landing just after that closes it again, so this clicks until it is open.
 */
export async function openWidget(page: Page): Promise<void> {
  await page.locator('.launcher').waitFor();
  await expect.poll(async () => {
    if (await page.locator('.panel').isHidden()) await page.locator('.launcher').click();
    return page.locator('.panel').isVisible();
  }, { interval: 300 }).toBe(true);
  await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
}

export async function send(page: Page, text: string): Promise<void> {
  await page.locator('#sd-input').fill(text);
  await page.locator('#sd-input').press('Enter');
}

/** Message bubbles in screen order: author label, text and delivery state. */
export async function bubbles(page: Page): Promise<{ who: string; text: string; state: string | null }[]> {
  return page.locator('.log .msg').evaluateAll((nodes) => nodes.map((n) => ({
    who: (n.querySelector('.who')?.firstChild?.textContent ?? '').trim(),
    text: n.querySelector('.bubble .text')?.textContent ?? '',
    state: n.querySelector('.meta')?.getAttribute('data-state') ?? null,
  })));
}

/**
 * Waits for an answer (not the shopper's own bubble) containing `text`. On a timeout the error shows what the chat
 * held instead, and the connection's state: a bare "locator timed out" says nothing about why.
 */
export async function waitForAnswer(page: Page, text: string | RegExp, timeout: number): Promise<void> {
  try {
    await page.locator('.log .msg:not(.mine)', { hasText: text }).waitFor({ timeout });
  } catch (error) {
    const shown = await bubbles(page).catch(() => []);
    const state = await page.locator('.status').getAttribute('data-state').catch(() => null);
    throw new Error(`no answer with ${String(text)} in ${timeout} ms; connection ${state}; the chat showed ${JSON.stringify(shown)}`, { cause: error });
  }
}

/** The conversation a shopper's message landed in (waits until it is stored). */
export async function conversationOf(stack: TestStack, customerText: string): Promise<number> {
  return eventually(async () => {
    const [row] = await stack.env.sql<{ conversation_id: number }[]>`
      select conversation_id from messages where body = ${customerText} and author_type = 'customer' order by id desc limit 1`;
    return row?.conversation_id;
  }, 10_000, `conversation of "${customerText}"`);
}

/** Runs `run` with the first server's bot replaced by `responder` (a scripted bot), and puts the bot back after. */
export async function withResponder(stack: TestStack, responder: Responder, run: () => Promise<void>): Promise<void> {
  const seat = stack.servers[0].handle.ctx.responder;
  const previous = seat.current;
  seat.current = responder;
  try {
    await run();
  } finally {
    seat.current = previous;
  }
}

export interface WidgetTestBed {
  stack: TestStack;
  browser: Browser;
  /** A console's socket, signed in as the demo agent. */
  agent: AgentClient;
  /** Browser contexts the tests open; closed after each test. */
  contexts: BrowserContext[];
}

/**
 * For a widget test file: a fresh widget bundle, a stack, Chromium and the demo agent's socket (with the presence
 * given, if any), all closed after the file; the contexts a test opens are closed after it. The fields are filled
 * in before the first test runs.
 */
export function widgetTestBed(options: { stack?: Parameters<typeof startStack>[0]; consoleBundle?: boolean; agentPresence?: 'online' | 'offline' } = {}): WidgetTestBed {
  const bed = { contexts: [] as BrowserContext[] } as WidgetTestBed;
  beforeAll(async () => {
    await freshWidgetBundle(); // the server serves public/build/widget.js: built from this source
    if (options.consoleBundle) await consoleBundle();
    bed.stack = await startStack(options.stack);
    bed.browser = await launchBrowser();
    const { token } = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    bed.agent = await connectAgent(bed.stack.url, token);
    if (options.agentPresence) await callOk(bed.agent, 'presence:set', { presence: options.agentPresence });
  }, 120_000);
  afterEach(async () => {
    for (const context of bed.contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    bed.agent?.close();
    await bed.browser?.close();
    await bed.stack?.close();
  });
  return bed;
}
