// Shared Chromium launcher for browser tests (widget and console): Debian's chromium driven by playwright-core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

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
