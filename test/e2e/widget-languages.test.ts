// The widget in Chinese when nobody can answer: no place in a queue nobody serves, and the line the server
// stores for a left message shown in the widget's language. Chromium (playwright-core) on /demo?lang=zh against a
// real server, Postgres and Redis; the one agent is connected but offline.
import { describe, expect, it } from 'vitest';
import { artifactPath } from '../support/browser.ts';
import { callOk } from '../support/sockets.ts';
import { conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed({ agentPresence: 'offline' });

describe('the widget in Chinese with nobody available', () => {
  it('offers a message instead of a queue place, and shows the left message in Chinese', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts, { locale: 'zh-CN' });
    await openDemo(bed.stack, page, '?lang=zh');
    await openWidget(page);
    await send(page, '你好，我的包裹还没到');
    const conversationId = await conversationOf(bed.stack, '你好，我的包裹还没到');

    // Ask for a person: queued, with nobody online.
    await page.locator('.head .person-btn').click();
    await page.locator('.head .person-btn').waitFor({ state: 'hidden' }); // the chat is queued
    const notice = page.locator('.notice', { hasText: '留言' }).filter({ has: page.getByRole('button', { name: '留言' }) });
    await notice.first().waitFor();

    await notice.first().getByRole('button', { name: '留言' }).click();
    const form = page.locator('[data-card="offline"]');
    await form.getByLabel('邮箱').fill('li.wei@example.com');
    await form.getByLabel('留言内容').fill('请告诉我包裹什么时候到');
    await form.getByRole('button', { name: '提交' }).click();
    await form.getByText('谢谢！我们已收到您的留言，会通过邮件回复您。').waitFor();

    // The stored line arrives after the queue position (one socket, in order): once it is shown, the position
    // has been handled too. It reads in the widget's language, not the stored English.
    const line = page.locator('.log .system', { hasText: 'li.wei@example.com' });
    await line.waitFor();
    expect(await line.textContent()).toBe('已给团队留言（我们会回复到 li.wei@example.com）：请告诉我包裹什么时候到');
    const [stored] = await bed.stack.env.sql<{ body: string }[]>`
      select body from messages where conversation_id = ${conversationId} and metadata->>'event' = 'offline_message'`;
    expect(stored.body).toMatch(/^Message left for the team/); // the English text stays for transcripts and exports
    await page.screenshot({ path: artifactPath('widget-zh-message-left.png') });

    const shown = (await page.locator('.panel').innerText());
    expect(shown).not.toContain('下一位就是您');
    expect(shown).not.toMatch(/排在第 \d+ 位/);
    expect(shown).not.toContain('Message left for the team');

    // An agent comes back and takes the chat: that line is in Chinese too.
    await callOk(bed.agent, 'presence:set', { presence: 'online' });
    await page.locator('.log .system', { hasText: '已加入对话' }).waitFor();
    expect(await page.locator('.log .system').allTextContents()).not.toContainEqual(expect.stringContaining('joined the chat'));
    await callOk(bed.agent, 'presence:set', { presence: 'offline' });
  });
});
