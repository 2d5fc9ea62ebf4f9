// A Chinese console words the live connection's refusals in Chinese, in Debian's Chromium (playwright-core) against
// a real server, Postgres and Redis (the console bundle built from this source by consoleBundle(), via the test bed):
// taking a chat someone took meanwhile, transferring to a teammate who went offline meanwhile (named in the
// sentence), and replying to a chat resolved meanwhile. Each used to show the server's English sentence.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually, type WidgetClient } from '../support/sockets.ts';

const bed = consoleTestBed();

/** A Chinese console (a zh-TW browser, the console set to Chinese), signed in as the demo agent. */
const chineseConsole = async (path: string): Promise<Page> =>
  (await signedInConsole(bed, path, { browserLocale: 'zh-TW', consoleLanguage: 'zh' })).page;

async function queuedChat(text: string): Promise<number> {
  const shopper = await connectWidget(bed.stack.url, (await widgetSession(bed.stack.url, { locale: 'zh-CN' })).visitorToken);
  bed.sockets.push(shopper as WidgetClient);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `zh-refusal-${Date.now()}`, text });
  await callOk(shopper, 'handoff:request', { conversationId });
  await eventually(async () => (await bed.stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status === 'queued', 10_000, 'queued');
  return conversationId;
}

describe('a Chinese console', () => {
  it("words the live connection's refusals in Chinese: taken meanwhile, transfer to someone offline, reply to a resolved chat", async () => {
    const { sql } = bed.stack.env;
    // Everyone Away: nothing is assigned by itself.
    await sql`update users set presence = 'away', presence_choice = 'away'`;
    const [sam] = await sql<{ id: number }[]>`select id from users where email = ${bed.stack.agent.email}`;
    const [ada] = await sql<{ id: number; name: string }[]>`select id, name from users where email = ${bed.stack.admin.email}`;

    // Taken meanwhile: the admin holds it, unknown to Sam's page (changed in the database, nobody told).
    const taken = await queuedChat('我想找人工客服');
    const page = await chineseConsole(`/console/conversations/${taken}`);
    const header = page.locator('.conversation-header');
    const error = page.locator('.conversation > p.error[role=alert]');
    await header.getByTestId('accept').waitFor();
    await sql`update conversations set status = 'assigned', assignee_id = ${ada.id}, assigned_at = now() where id = ${taken}`;
    await header.getByTestId('accept').click();
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toBe('这个会话已被其他人接入或已关闭。');

    // Sam holds another chat; the admin, Away and listed, goes offline before Sam presses Transfer.
    const held = await queuedChat('请帮我查一下订单');
    await callOk(bed.agentApi, 'conversation:accept', { conversationId: held });
    await page.goto(`${bed.stack.url}/console/conversations/${held}`);
    await header.getByTestId('transfer-to').waitFor();
    await header.getByTestId('transfer-to').selectOption(String(ada.id));
    await sql`update users set presence = 'offline', presence_choice = 'offline' where id = ${ada.id}`;
    await header.getByTestId('transfer').click();
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toBe(`${ada.name} 已离线，看不到这个会话。请转给在线的同事，或在内部备注中提及对方。`);
    expect((await sql`select assignee_id from conversations where id = ${held}`)[0].assignee_id).toBe(sam.id);
    await page.screenshot({ path: artifactPath('console-zh-refusal-offline.png') });

    // Resolved meanwhile (nobody told the page): the reply is refused, in Chinese, and comes back into the box.
    await sql`update conversations set status = 'resolved', resolved_at = now() where id = ${held}`;
    const input = page.getByTestId('reply-input');
    await input.pressSequentially('还在吗？');
    await input.press('Enter');
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toMatch(/^未发送：会话已解决；请重新打开后再回复。\s?文字已放回输入框。$/);
    expect(await input.inputValue()).toBe('还在吗？');
  });
});
