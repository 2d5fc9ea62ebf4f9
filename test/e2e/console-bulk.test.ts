// Bulk actions in the console's inbox, in Debian's Chromium (playwright-core) against a real server, Postgres and
// Redis: the agent ticks chats (or all shown), labels them, resolves them after confirming, and is told which could
// not be resolved and why, in its language (a teammate's chat stays ticked). Shoppers are socket.io clients.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let browser: Browser;
const { contexts, sockets } = closedAfterEachTest<WidgetClient | AgentClient>(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60 } });
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity)
                      values ('bulk-e2e-other@demo.shop', 'Olga Other', 'agent', ${await hashPassword('other-agent-pw')}, 5)`;
  browser = await launchBrowser();
}, 120_000);

async function consolePage(account: { email: string; password: string } = stack.agent, path = '/console', language?: 'zh'): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  if (language) await context.addInitScript((locale) => localStorage.setItem('sd.locale', locale), language);
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.accept(); }); // confirmations are agreed to
  await page.goto(`${stack.url}${path}`);
  await signInOnLoginPage(page, account);
  return { page, errors, dialogs };
}

/** A shopper's chat, held by `agentEmail` when given; returns its id. */
async function chat(text: string, holder?: { email: string; password: string }): Promise<number> {
  const shopper = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
  sockets.push(shopper);
  const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `bulk-${text.length}-${Date.now()}`, text });
  if (holder) {
    const agent = await connectAgent(stack.url, (await login(stack.url, holder.email, holder.password)).token);
    sockets.push(agent);
    await callOk(agent, 'conversation:accept', { conversationId: sent.conversationId });
  }
  return sent.conversationId;
}

const statusOf = async (id: number) => (await stack.env.sql<{ status: string }[]>`select status from conversations where id = ${id}`)[0].status;
const tickOf = (page: Page, id: number) => page.locator(`li:has([data-conversation-id="${id}"]) [data-testid="bulk-tick"]`);

describe('bulk actions in the inbox', () => {
  it('labels and resolves the ticked chats, and names the one that could not be resolved', async () => {
    const mine = await chat('Bulk one: where is my order?', stack.agent);
    const botChat = await chat('Bulk two: do you ship to Peru?');
    const theirs = await chat('Bulk three: refund please', { email: 'bulk-e2e-other@demo.shop', password: 'other-agent-pw' });
    const { page, errors } = await consolePage();
    await page.getByTestId('view-open').click();
    await page.getByTestId('open-status').selectOption('all'); // the bot's chat too (All open shows waiting and assigned ones by default)
    for (const id of [mine, botChat, theirs]) await tickOf(page, id).waitFor();
    await expect(page.getByTestId('bulk-resolve').count()).resolves.toBe(0); // nothing ticked: no actions offered

    for (const id of [mine, botChat, theirs]) await tickOf(page, id).check();
    await expect(page.getByTestId('bulk-bar').textContent()).resolves.toContain('3 selected');
    await page.getByTestId('bulk-label').fill('Peak Season');
    await page.getByTestId('bulk-label-add').click();
    await expect(page.getByTestId('bulk-outcome').textContent()).resolves.toBe('Labelled 3 "peak season".');
    const labels = await stack.env.sql<{ labels: string[] }[]>`select labels from conversations where id in (${mine}, ${botChat}, ${theirs})`;
    expect(labels.every((r) => r.labels.includes('peak season'))).toBe(true);

    // Labelling cleared the selection; tick them again and resolve.
    for (const id of [mine, botChat, theirs]) await tickOf(page, id).check();
    await page.getByTestId('bulk-resolve').click();
    const outcome = page.getByTestId('bulk-outcome');
    await outcome.filter({ hasText: 'Resolved' }).waitFor();
    expect(await outcome.textContent()).toBe('Resolved 2. 1 could not be: Only the agent holding this chat (or an admin) can resolve it.');
    expect(await outcome.getAttribute('role')).toBe('alert');
    expect([await statusOf(mine), await statusOf(botChat), await statusOf(theirs)]).toEqual(['resolved', 'resolved', 'assigned']);
    // The open view drops the resolved ones; the refused one is still listed and still ticked.
    await page.locator(`[data-conversation-id="${mine}"]`).waitFor({ state: 'detached' });
    expect(await tickOf(page, theirs).isChecked()).toBe(true);
    await expect(page.getByTestId('bulk-bar').textContent()).resolves.toContain('1 selected');
    expect(errors).toEqual([]);
  });

  it('words the refusals in the Chinese console, alike ones once with how many chats each stopped', async () => {
    const mine = await chat('Bulk seven: my order?', stack.agent);
    const raced = await chat('Bulk eight: still waiting', stack.agent);
    const olga = { email: 'bulk-e2e-other@demo.shop', password: 'other-agent-pw' };
    const theirs = [await chat('Bulk nine: refund?', olga), await chat('Bulk ten: exchange?', olga)];
    const { page, errors } = await consolePage(stack.agent, '/console', 'zh');
    await page.getByTestId('view-open').click();
    for (const id of [mine, raced, ...theirs]) await tickOf(page, id).check();
    // The batch is held on its way while the agent resolves one of its chats from elsewhere: refused as already resolved.
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    let reached!: () => void;
    const arrived = new Promise<void>((resolve) => { reached = resolve; });
    await page.route('**/api/conversations/bulk', async (route) => { reached(); await held; await route.continue(); });
    await page.getByTestId('bulk-resolve').click();
    await arrived;
    const elsewhere = await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
    sockets.push(elsewhere);
    await callOk(elsewhere, 'conversation:resolve', { conversationId: raced });
    release();
    await expect.poll(() => page.getByTestId('bulk-outcome').textContent())
      .toBe('已结束 1 个。3 个未能处理：（2 个）Olga Other 正在处理这个会话：只有其本人或管理员可以执行此操作。请联系对方，或接管会话。（1 个）这个会话已经解决了。');
    expect([await statusOf(mine), ...(await Promise.all(theirs.map(statusOf)))]).toEqual(['resolved', 'assigned', 'assigned']);
    expect(errors).toEqual([]);
  });

  it('says what was done when resolving empties the list, and offers no Resolve in the Resolved view', async () => {
    await stack.env.sql`update conversations set status = 'resolved', resolved_at = now() where status <> 'resolved'`;
    const one = await chat('Bulk five: hello?');
    const two = await chat('Bulk six: anyone?');
    const { page, errors } = await consolePage();
    await page.getByTestId('view-open').click();
    await page.getByTestId('open-status').selectOption('bot'); // chats with the bot (All open shows waiting and assigned ones by default)
    for (const id of [one, two]) await tickOf(page, id).waitFor();
    await page.getByTestId('bulk-all').check();
    await page.getByTestId('bulk-resolve').click();
    await expect.poll(() => page.getByTestId('bulk-outcome').textContent()).toBe('Resolved 2.');
    await expect.poll(() => page.getByTestId('inbox-item').count()).toBe(0);
    await page.getByTestId('view-resolved').click();
    await tickOf(page, one).check();
    await page.getByTestId('bulk-label').waitFor(); // labelling is offered…
    expect(await page.getByTestId('bulk-resolve').count()).toBe(0); // …resolving what is resolved is not
    expect(errors).toEqual([]);
  });

  it("deactivating asks first, says how many chats went back to the queue, and the agent's console says why they were signed out", async () => {
    const held = await chat('Bulk four: still there?', { email: 'bulk-e2e-other@demo.shop', password: 'other-agent-pw' });
    const agentConsole = await consolePage({ email: 'bulk-e2e-other@demo.shop', password: 'other-agent-pw' });
    await agentConsole.page.getByTestId('inbox').waitFor();
    const admin = await consolePage(stack.admin, '/console/admin/team');
    const row = admin.page.locator('tr', { hasText: 'bulk-e2e-other@demo.shop' });
    await row.getByTestId('deactivate').click();
    await admin.page.getByText(/Olga Other is deactivated\. Chats they held moved back to the queue: 1\./).waitFor();
    expect(admin.dialogs[0]).toMatch(/^Deactivate Olga Other\? They are signed out at once .* the chats they hold \(1\) go back to the queue\.$/);
    // Back in the queue, which may already have given it to someone online: not to Olga, in any case.
    const [after] = await stack.env.sql<{ assignee: string | null }[]>`
      select u.email as assignee from conversations c left join users u on u.id = c.assignee_id where c.id = ${held}`;
    expect(after.assignee).not.toBe('bulk-e2e-other@demo.shop');
    // The agent's open console lands on the login page, which says what happened.
    await agentConsole.page.getByTestId('signed-out-reason').waitFor();
    expect(await agentConsole.page.getByTestId('signed-out-reason').textContent()).toBe('An admin deactivated your account, so you were signed out. Your open chats went back to the queue.');
    expect([...agentConsole.errors, ...admin.errors]).toEqual([]);
  });
});
