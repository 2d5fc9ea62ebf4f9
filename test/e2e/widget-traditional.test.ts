// The widget for a shopper in Taiwan or Hong Kong: its own words (written in Simplified, widget/src/i18n.ts) shown in
// Traditional through a small generated table (widget/src/traditional-table.ts; traditional-tables.test.ts checks it is
// current), which must convert every string as the server converts the bot's replies (server/services/chinese-script.ts);
// and, in Chromium against a real server, the widget, the shop's greeting and the bot's reply in the shopper's script.
import { describe, expect, it } from 'vitest';
import { STRINGS } from '../../widget/src/i18n.ts';
import { stringsFor, useTraditionalTable } from '../../widget/src/traditional.ts';
import { TRADITIONAL_TABLES } from '../../widget/src/traditional-table.ts';
import { inShoppersScript } from '../../server/services/chinese-script.ts';
import { newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

describe("the widget's Traditional table", () => {
  it('converts every string as the server would, for Taiwan and for Hong Kong', async () => {
    expect(stringsFor('zh', 'zh-TW')).toBe(STRINGS.zh); // Simplified until the server's table has come
    for (const tag of ['zh-TW', 'zh-HK'] as const) useTraditionalTable(tag, TRADITIONAL_TABLES[tag]);
    for (const tag of ['zh-TW', 'zh-HK'] as const) {
      const traditional = stringsFor('zh', tag);
      const simplified = STRINGS.zh as unknown as Record<string, unknown>;
      let compared = 0;
      for (const [key, value] of Object.entries(simplified)) {
        if (typeof value !== 'string') continue;
        expect({ key, text: (traditional as unknown as Record<string, unknown>)[key] }).toEqual({ key, text: await inShoppersScript(value, tag) });
        compared++;
      }
      for (const [code, text] of Object.entries(STRINGS.zh.refusals)) expect(traditional.refusals[code]).toBe(await inShoppersScript(text, tag));
      // Wording functions: their result converted, what they were given kept.
      expect(traditional.unread(3)).toBe(await inShoppersScript(STRINGS.zh.unread(3), tag));
      expect(traditional.agentJoined('Ada')).toBe(await inShoppersScript(STRINGS.zh.agentJoined('Ada'), tag));
      expect(compared).toBeGreaterThan(60);
    }
    // What a wording function is given stays as written: an agent's name, the shopper's own message.
    expect(stringsFor('zh', 'zh-TW').agentJoined('马丽')).toBe('马丽 已加入對話。');
    expect(stringsFor('zh', 'zh-TW').messageLeft('a@b.c', '我的订单发货了吗')).toBe(
      (await inShoppersScript(STRINGS.zh.messageLeft('a@b.c', '@@'), 'zh-TW')).replace('@@', '我的订单发货了吗'));
    expect(stringsFor('zh', 'zh-TW').chatTitle).toBe('線上諮詢'); // Taiwan's word for "online"
    expect(stringsFor('zh', 'zh-HK').chatTitle).toBe('在線諮詢');
    expect(stringsFor('zh', 'zh-CN')).toBe(STRINGS.zh);
    expect(stringsFor('en', 'en')).toBe(STRINGS.en);
  });
});

const bed = widgetTestBed();

describe('a shopper in Taiwan', () => {
  it("sees the widget, the shop's greeting and the bot's reply in Traditional; a shopper in China in Simplified", async () => {
    const seen: Record<string, { title: string; placeholder: string | null; log: string; chip: string }> = {};
    for (const locale of ['zh-TW', 'zh-CN']) {
      const { page } = await newWidgetPage(bed.browser, bed.contexts, { locale });
      await openDemo(bed.stack, page, '?lang=zh');
      await openWidget(page);
      await send(page, `你好 ${locale}`);
      await page.locator('.log .msg', { hasText: locale === 'zh-TW' ? '自動助手' : '自动助手' }).waitFor();
      seen[locale] = {
        title: (await page.locator('.head').innerText()).split('\n')[0],
        placeholder: await page.locator('#sd-input').getAttribute('placeholder'),
        log: await page.locator('.log').innerText(),
        chip: (await page.locator('.chip').first().innerText()).trim(),
      };
    }
    expect(seen['zh-TW'].title).toContain('線上諮詢'); // the widget's own words, Taiwan's "online"
    expect(seen['zh-TW'].placeholder).toBe('請輸入訊息…');
    expect(seen['zh-TW'].log).toContain('您好！關於訂單、配送或退貨的問題都可以問我們。'); // the shop's greeting setting
    expect(seen['zh-TW'].log).toContain('您好！我是自動助手。需要人工客服嗎？'); // the bot's reply, converted by the server
    expect(seen['zh-TW'].chip).toBe('轉人工');
    expect(seen['zh-CN'].title).toContain('在线咨询');
    expect(seen['zh-CN'].placeholder).toBe('请输入消息…');
    expect(seen['zh-CN'].log).toContain('您好！关于订单、配送或退货的问题都可以问我们。');
    expect(seen['zh-CN'].log).toContain('您好！我是自动助手。需要人工客服吗？');
    expect(seen['zh-CN'].chip).toBe('转人工');
  });

  it('asks for the settings in its script only when the browser says Taiwan or Hong Kong; other values are refused', async () => {
    const ask = (query: string) => fetch(`${bed.stack.url}/api/widget/settings?site=demo${query}`);
    const [plain, hongKong, unknown] = await Promise.all([ask(''), ask('&script=zh-HK'), ask('&script=zh-XX')]);
    const plainSettings = await plain.json();
    expect(plainSettings.greeting.zh).toBe('您好！关于订单、配送或退货的问题都可以问我们。');
    expect(plainSettings.traditionalStrings).toBeUndefined();
    const hongKongSettings = await hongKong.json();
    expect(hongKongSettings.greeting).toEqual({ en: 'Hi there! Ask us anything about your order, shipping or returns.', zh: '您好！關於訂單、配送或退貨的問題都可以問我們。' });
    expect(hongKongSettings.traditionalStrings).toEqual(TRADITIONAL_TABLES['zh-HK']); // the widget's own strings travel with them
    expect(unknown.status).toBe(400);
  });
});
