// For the browser tests of the console's knowledge-base pages (the editor, the unanswered page): the console bundle
// built from this source, a server with the knowledge base (and room for the admin signing in once per page), and
// Debian's Chromium, set up before the file's tests and closed after them. `seed`: the demo intents and articles, and
// the first intent model trained from them (for the intents page's test box), before the server listens.
import { beforeAll } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { closedAfterEachTest, launchBrowser } from './browser.ts';
import { consoleBundle } from './console-bundle.ts';
import { startStack, type TestStack } from './server.ts';

export function knowledgeBaseConsoleBed(options: { seed?: boolean } = {}) {
  // The browser contexts a test pushes onto `contexts` are closed after it (as signedInConsole's are).
  const bed = {} as { stack: TestStack; browser: Browser; contexts: BrowserContext[]; sockets: { close(): void }[] };
  Object.assign(bed, closedAfterEachTest(() => bed));
  beforeAll(async () => {
    await consoleBundle(); // the server serves public/build/console.js: built from this source
    bed.stack = await startStack({ server: { extensions: [knowledgeBaseExtension(options.seed ? { prepare: { seed: true } } : {})] }, config: { rateLimitLoginsPerMinute: 60 } });
    bed.browser = await launchBrowser();
  }, 180_000);
  return bed;
}
