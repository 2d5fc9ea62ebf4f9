// Simplified content shown to a shopper who reads Traditional (server/services/chinese-script.ts): which locales ask
// for it, that phrases decide ambiguous characters (头发 / 发货), that Taiwan gets its own words and Hong Kong its own
// forms, and that a bot decision's reply, quick replies and article titles are converted alike.
import { describe, expect, it } from 'vitest';
import { decisionInShoppersScript, htmlInScript, inShoppersScript, traditionalVariant } from '../../server/services/chinese-script.ts';
import type { ResponderDecision } from '../../server/services/responder.ts';

describe('which locales read Traditional', () => {
  it('reads the region, the script and Cantonese; Simplified and other languages are left alone', () => {
    expect(['zh-TW', 'zh_TW', 'zh-Hant', 'zh-Hant-TW', 'ZH-tw'].map(traditionalVariant)).toEqual(Array(5).fill('zh-TW'));
    expect(['zh-HK', 'zh-MO', 'zh-Hant-HK', 'yue', 'yue-HK'].map(traditionalVariant)).toEqual(Array(5).fill('zh-HK'));
    expect(['zh', 'zh-CN', 'zh-SG', 'zh-Hans-HK', 'yue-Hans-CN', 'en', 'en-TW', '', null, undefined].map(traditionalVariant)).toEqual(Array(10).fill(null));
  });
});

describe('the conversion', () => {
  it('decides an ambiguous character by its phrase', async () => {
    expect(await inShoppersScript('头发剪短了，明天发货', 'zh-TW')).toBe('頭髮剪短了，明天發貨');
    expect(await inShoppersScript('之后再来，皇后', 'zh-HK')).toBe('之後再來，皇后');
  });

  it("gives Taiwan its words and Hong Kong its forms", async () => {
    expect(await inShoppersScript('请更新软件，里面有信息', 'zh-TW')).toBe('請更新軟體，裡面有資訊');
    expect(await inShoppersScript('请更新软件，里面有信息', 'zh-HK')).toBe('請更新軟件，裏面有信息');
    // Shop words OpenCC leaves in the mainland's form, as Taiwan writes them (Hong Kong keeps them).
    expect(await inShoppersScript('包邮门槛是多少？退款多久到账？请登录账号，或到便利店自提', 'zh-TW')).toBe('免運門檻是多少？退款多久入帳？請登入帳號，或到超商自取');
    expect(await inShoppersScript('包邮门槛是多少？', 'zh-HK')).toBe('包郵門檻是多少？');
  });

  it('leaves English, order numbers, links and Simplified readers as they are', async () => {
    const mixed = '订单 NW-10023 已发货，详情：https://shop.test/help/track-order?locale=zh';
    expect(await inShoppersScript(mixed, 'zh-TW')).toBe('訂單 NW-10023 已發貨，詳情：https://shop.test/help/track-order?locale=zh');
    expect(await inShoppersScript(mixed, 'zh-CN')).toBe(mixed);
    expect(await inShoppersScript('Your order has shipped.', 'zh-TW')).toBe('Your order has shipped.');
  });

  it('leaves web addresses alone, a path in Chinese included, and in a page its markup but for the words a reader sees', async () => {
    expect(await inShoppersScript('请访问 https://shop.example.com/产品/发货说明 查看', 'zh-TW')).toBe('請訪問 https://shop.example.com/产品/发货说明 檢視');
    // An image's address keeps its Chinese file name; its alt text, a search box's hint and label, a title are read.
    expect(await htmlInScript('<p>产品图：<img src="https://cdn.example/产品图.jpg" alt="产品"><a href="/help/x" title="发货说明">发货说明</a></p>', 'zh-TW'))
      .toBe('<p>產品圖：<img src="https://cdn.example/产品图.jpg" alt="產品"><a href="/help/x" title="發貨說明">發貨說明</a></p>');
    expect(await htmlInScript('<input type="hidden" name="q" value="发货"><input type="search" aria-label="搜索帮助中心" placeholder="搜索帮助中心">', 'zh-TW'))
      .toBe('<input type="hidden" name="q" value="发货"><input type="search" aria-label="搜尋幫助中心" placeholder="搜尋幫助中心">');
  });

  it('keeps text that is Traditional already', async () => {
    expect(await inShoppersScript('頭髮、後來、裡面', 'zh-TW')).toBe('頭髮、後來、裡面');
  });
});

describe("a bot decision in the shopper's script", () => {
  const decision: ResponderDecision = {
    action: 'answer',
    reply: '退货与退款 — 运费\n退货运费由我们承担。\n阅读全文：https://shop.test/help/returns?locale=zh',
    quickReplies: [{ label: '转人工', value: 'handoff' }],
    metadata: {
      decision: 'answer', intent: null, confidence: 0.8, encoder: 'lexical',
      articles: [{ id: 3, slug: 'returns', title: '退货与退款', url: 'https://shop.test/help/returns?locale=zh' }],
      quickReplies: [{ label: '转人工', value: 'handoff' }],
    },
  };

  it('converts the reply, the labels and the titles alike, links the Traditional article page, and keeps what the bot reads back', async () => {
    const said = await decisionInShoppersScript(decision, 'zh-TW');
    expect(said.reply).toBe('退貨與退款 — 運費\n退貨運費由我們承擔。\n閱讀全文：https://shop.test/help/returns?locale=zh-TW');
    expect(said.quickReplies).toEqual([{ label: '轉人工', value: 'handoff' }]);
    expect(said.metadata.quickReplies).toEqual([{ label: '轉人工', value: 'handoff' }]);
    expect(said.metadata.articles).toEqual([{ id: 3, slug: 'returns', title: '退貨與退款', url: 'https://shop.test/help/returns?locale=zh-TW' }]);
    // The widget sets the first line as a heading when it starts with the article's title: still true.
    expect(said.reply.startsWith(said.metadata.articles![0].title)).toBe(true);
  });

  it('is the same decision for a Simplified reader', async () => {
    expect(await decisionInShoppersScript(decision, 'zh-CN')).toBe(decision);
  });
});
