// The console in Traditional Chinese for agents in Taiwan or Hong Kong (console/src/i18n.ts, traditional.ts): every
// Chinese string converts through the generated table as the server converts (server/services/chinese-script.ts),
// names filled into a string stay as written; and in Debian's Chromium against a real server, a browser in Taiwan
// gets the console in Taiwan's Traditional by itself, the language menu switches between the scripts, and the choice
// stays after a reload; the reply box's article picker names each category in the chosen language and script.
import { describe, expect, it } from 'vitest';
import { _dictionariesForTests } from '../../console/src/i18n.ts';
import { inScript } from '../../console/src/traditional.ts';
import { inShoppersScript } from '../../server/services/chinese-script.ts';
import { consoleTestBed, heldByTheDemoAgent, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';

describe("the console's Traditional strings", () => {
  it('convert every Chinese string as the server would, for Taiwan and for Hong Kong', async () => {
    const strings = Object.entries(_dictionariesForTests.zh);
    expect(strings.length).toBeGreaterThan(500);
    for (const script of ['zh-TW', 'zh-HK'] as const) {
      for (const [key, text] of strings) expect({ key, text: inScript(text, script) }).toEqual({ key, text: await inShoppersScript(text, script) });
    }
    expect(inScript('退出登录', 'zh-TW')).toBe('登出'); // Taiwan's word
    expect(inScript('自动化规则“{rule}”已执行。', 'zh-TW')).toBe('自動化規則「{rule}」已執行。'); // and quotation marks
    expect(inScript('退出登录', 'zh-HK')).toBe('退出登錄');
    expect(inScript('退出登录', 'zh-CN')).toBe('退出登录');
  });
});

const bed = consoleTestBed();

describe('an agent in Taiwan', () => {
  it('gets the console in Traditional from a browser in Taiwan, can switch scripts, and keeps the choice', async () => {
    const { page, errors } = await signedInConsole(bed, '/console', { browserLocale: 'zh-TW' });
    const nav = () => page.locator('.topbar nav a').allTextContents();
    await expect.poll(nav).toEqual(['收件箱', '留言', '客戶']);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-TW');
    const menu = page.locator('.topbar select.lang');
    expect(await menu.inputValue()).toBe('zh-TW');

    await menu.selectOption('zh-CN');
    await expect.poll(nav).toEqual(['收件箱', '留言', '客户']);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await menu.selectOption('zh-HK');
    await expect.poll(nav).toEqual(['收件箱', '留言', '客户']); // Hong Kong writes 户 as the mainland does
    await expect.poll(() => page.locator('.topbar select.lang').getAttribute('aria-label')).toBe('語言');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-HK');
    await menu.selectOption('zh-TW');
    await page.reload();
    await expect.poll(nav).toEqual(['收件箱', '留言', '客戶']);
    expect(await page.locator('.topbar select.lang').inputValue()).toBe('zh-TW');
    await page.locator('.topbar select.lang').selectOption('en');
    await expect.poll(nav).toEqual(['Inbox', 'Messages left', 'Customers']);
    expect(errors).toEqual([]);
  });
});

describe("the reply box's article picker", () => {
  it("names each article's category as the knowledge-base page does: in the console's language and script", async () => {
    await bed.stack.env.sql`insert into articles (slug, locale, title, category, status, body)
      values ('swap-a-size', 'en', 'Swapping a size', 'returns', 'published', 'Send it back within 30 days.'),
             ('gift-wrapping', 'en', 'Gift wrapping', 'gift-wrap', 'published', 'Ask at checkout.')`;
    const session = await widgetSession(bed.stack.url, {});
    const shopper = await connectWidget(bed.stack.url, session.visitorToken);
    bed.sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'picker-category-1', text: 'Can I swap my shoes for a bigger size?' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await heldByTheDemoAgent(bed, conversationId);

    const { page, errors } = await signedInConsole(bed, `/console/conversations/${conversationId}`, { consoleLanguage: 'zh-TW' });
    await page.getByTestId('insert-article').click();
    const picker = page.getByTestId('article-picker');
    const listed = () => picker.locator('li').allTextContents();
    // 退换货 in Traditional; an admin's own category as written (capitalised), never a raw key such as "returns".
    await expect.poll(listed).toEqual(['Gift wrapping Gift-wrap · en', 'Swapping a size 退換貨 · en']);
    await page.locator('.topbar select.lang').selectOption('en');
    await expect.poll(listed).toEqual(['Gift wrapping Gift-wrap · en', 'Swapping a size Returns and exchanges · en']);
    expect(errors).toEqual([]);
  });
});
