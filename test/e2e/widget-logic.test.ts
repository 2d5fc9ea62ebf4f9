// The widget's pure rules, without a browser: language choice, link safety,
// readable colours, the outbox's order and de-duplication keys, how article answers read, and the usual reply time.
import { describe, expect, it } from 'vitest';
import { pickLang, refusalText, STRINGS } from '../../widget/src/i18n.ts';
import { safeHref } from '../../widget/src/dom.ts';
import { brandColors, contrastRatio } from '../../widget/src/colors.ts';
import { Outbox, newClientId } from '../../widget/src/outbox.ts';
import { createStore } from '../../widget/src/storage.ts';
import { articleReplyParts } from '../../widget/src/article-reply.ts';
import { replyWait } from '../../widget/src/reply-time.ts';
import { stringsFor, useTraditionalTable } from '../../widget/src/traditional.ts';
import { TRADITIONAL_TABLES } from '../../widget/src/traditional-table.ts';

describe('language choice', () => {
  it('embed attribute beats the shop setting, which beats the browser, which beats the page', () => {
    expect(pickLang({ embed: 'zh', shopSetting: 'en', browser: ['en-US'], page: 'en' })).toBe('zh');
    expect(pickLang({ embed: null, shopSetting: 'zh', browser: ['en-US'], page: 'en' })).toBe('zh');
    expect(pickLang({ shopSetting: 'auto', browser: ['zh-CN', 'en'], page: 'en' })).toBe('zh');
    expect(pickLang({ shopSetting: 'auto', browser: ['fr-FR', 'zh-TW'], page: 'en' })).toBe('zh');
    expect(pickLang({ shopSetting: 'auto', browser: ['fr-FR'], page: 'zh-Hans' })).toBe('zh');
    expect(pickLang({ shopSetting: 'auto', browser: ['de'], page: 'de' })).toBe('en');
    expect(pickLang({ embed: 'xx', browser: ['en-GB'] })).toBe('en');
  });

  it('has every English string in Chinese too', () => {
    expect(Object.keys(STRINGS.zh).sort()).toEqual(Object.keys(STRINGS.en).sort());
  });
});

describe('links', () => {
  const base = 'https://chat.example.com/';
  it('keeps http(s) links, resolving relative ones against the chat server', () => {
    expect(safeHref('https://shop.example/kb/returns', base)).toBe('https://shop.example/kb/returns');
    expect(safeHref('/kb/returns', base)).toBe('https://chat.example.com/kb/returns');
  });
  it('refuses script, data and other schemes', () => {
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', '', null, 42]) {
      expect(safeHref(bad, base)).toBeNull();
    }
  });
});

describe('brand colours', () => {
  it('picks the text colour with at least 4.5:1 contrast for typical brand colours', () => {
    for (const colour of ['#2563eb', '#ffeb3b', '#000000', '#ffffff', '#16a34a', '#f97316', '#7c3aed', '#e11d48']) {
      const { background, foreground } = brandColors(colour);
      expect(contrastRatio(background, foreground)).toBeGreaterThanOrEqual(4.5);
    }
  });
  it('keeps the hue of a colour it darkens: a pink with more blue than green stays pink', () => {
    for (const colour of ['#d9467a', '#c8507a', '#e05a8a']) {
      const { background, foreground } = brandColors(colour);
      expect(contrastRatio(background, foreground)).toBeGreaterThanOrEqual(4.5);
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16));
      expect(r > b && b > g, `${colour} → ${background}`).toBe(true);
    }
  });
  it('falls back to the default for an invalid colour', () => {
    expect(brandColors('red; background:url(x)').background).toBe('#2563eb');
  });
});

describe('outbox', () => {
  it('keeps items in the order written, removes by client id, and makes ids the server accepts', () => {
    const outbox = new Outbox(createStore('test'));
    const ids = [newClientId(), newClientId(), newClientId()];
    ids.forEach((clientId, i) => outbox.add({ clientId, text: `m${i}`, createdAt: new Date().toISOString() }));
    expect(outbox.items().map((i) => i.text)).toEqual(['m0', 'm1', 'm2']);
    expect(outbox.remove(ids[1])).toBe(true);
    expect(outbox.remove(ids[1])).toBe(false);
    expect(outbox.items().map((i) => i.text)).toEqual(['m0', 'm2']);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_:.-]{1,64}$/); // the server's clientId pattern
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps a refused item in its place, out of the sending order, until it is retried or removed', () => {
    const outbox = new Outbox(createStore('test-failed'));
    const [a, b, c] = [newClientId(), newClientId(), newClientId()];
    for (const [clientId, text] of [[a, 'a'], [b, 'b'], [c, 'c']]) outbox.add({ clientId, text, createdAt: new Date().toISOString() });
    const refused = { ...outbox.items()[0], failed: { code: 'internal', message: 'Something went wrong', after: 7 } };
    expect(outbox.update(refused)).toBe(true);
    expect(outbox.items().map((i) => [i.text, i.failed?.after ?? null])).toEqual([['a', 7], ['b', null], ['c', null]]);
    expect(outbox.pending().map((i) => i.text)).toEqual(['b', 'c']);
    // Retry: the same item, same client id, back in its turn (first, as it was written first).
    const { failed: _, ...retried } = outbox.items()[0];
    outbox.update(retried);
    expect(outbox.pending().map((i) => i.clientId)).toEqual([a, b, c]);
    expect(outbox.remove(a)).toBe(true);
    expect(outbox.update({ ...retried })).toBe(false); // gone (sent or removed in another tab): nothing comes back
  });
});

describe('article answers', () => {
  const articles = [{ title: 'Shipping times and carriers', url: 'https://shop.test/help/shipping-times?locale=en' }];
  const stored = 'Shipping times and carriers — How long standard shipping takes\nStandard shipping takes 3 to 5 business days.\n\nRead more: https://shop.test/help/shipping-times?locale=en';

  it('sets the article line as a heading and drops the link line the article list repeats', () => {
    expect(articleReplyParts(stored, articles)).toEqual({
      heading: 'Shipping times and carriers — How long standard shipping takes',
      body: 'Standard shipping takes 3 to 5 business days.',
    });
  });

  it('drops a Chinese answer\'s link line too (full-width colon)', () => {
    const zh = '退货政策 — 退货期限\n收货后 30 天内可申请退货。\n\n查看全文：https://shop.test/help/return-policy?locale=zh';
    expect(articleReplyParts(zh, [{ title: '退货政策', url: 'https://shop.test/help/return-policy?locale=zh' }])).toEqual({
      heading: '退货政策 — 退货期限',
      body: '收货后 30 天内可申请退货。',
    });
  });

  it('keeps everything when the message is not an article answer or links elsewhere', () => {
    expect(articleReplyParts(stored, [])).toEqual({ heading: null, body: stored });
    const elsewhere = 'Our returns window is 30 days.\n\nRead more: https://other.example/returns';
    expect(articleReplyParts(elsewhere, [{ title: 'Return policy', url: 'https://shop.test/help/return-policy' }])).toEqual({ heading: null, body: elsewhere });
  });
});

describe('usual reply time', () => {
  it('rounds the median up to a figure read at a glance, and says nothing without one or past a day', () => {
    expect(replyWait(null)).toBeNull();
    expect(replyWait(undefined)).toBeNull();
    expect(replyWait(35)).toEqual({ unit: 'under-minute' });
    expect(replyWait(60)).toEqual({ unit: 'minutes', count: 1 });
    expect(replyWait(61)).toEqual({ unit: 'minutes', count: 2 });
    expect(replyWait(4 * 60 + 12)).toEqual({ unit: 'minutes', count: 5 });
    expect(replyWait(46 * 60)).toEqual({ unit: 'hours', count: 1 });
    expect(replyWait(90 * 60)).toEqual({ unit: 'hours', count: 2 });
    expect(replyWait(24 * 3600)).toEqual({ unit: 'hours', count: 24 });
    expect(replyWait(24 * 3600 + 61)).toBeNull();
    expect(STRINGS.en.replyTime({ unit: 'minutes', count: 5 })).toBe('We usually reply in about 5 min');
    expect(STRINGS.en.replyTime({ unit: 'hours', count: 1 })).toBe('We usually reply in about 1 hour');
    expect(STRINGS.en.replyTime({ unit: 'under-minute' })).toBe('We usually reply in under a minute');
    expect(STRINGS.zh.replyTime({ unit: 'hours', count: 2 })).toBe('我们通常在约 2 小时内回复');
  });
});

describe('refusals in the widget\'s language', () => {
  it('words the server\'s refusals in the shopper\'s language; only English keeps the server\'s sentence for the rest', () => {
    expect(refusalText(STRINGS.zh, { code: 'rate_limited', message: 'You are sending too fast; wait a moment.' })).toBe('发送太频繁了，请稍等片刻。');
    expect(refusalText(STRINGS.zh, { code: 'internal', message: 'Something went wrong on our side; please try again.' })).toBe('我们这边出了点问题，请重试。');
    expect(refusalText(STRINGS.en, { code: 'rate_limited', message: 'anything' })).toBe('You are sending too fast; wait a moment.');
    expect(refusalText(STRINGS.zh, { code: 'blocked', message: 'This chat is not available.' })).toBe('聊天不可用。');
    // A code without a Chinese word: the generic error, never the server's English.
    expect(refusalText(STRINGS.zh, { code: 'toString', message: 'Not a code of ours.' })).toBe(STRINGS.zh.error);
    expect(refusalText(STRINGS.zh, undefined)).toBe(STRINGS.zh.error);
    expect(refusalText(STRINGS.en, { code: 'conflict', message: 'A conversation can be rated once it is resolved.' })).toBe('A conversation can be rated once it is resolved.');
    expect(refusalText(STRINGS.en, { code: 'toString', message: 'Not a code of ours.' })).toBe('Not a code of ours.');
  });

  it('tells a shopper in Taiwan in Traditional Chinese why a resend, a rating or a left message was refused', () => {
    useTraditionalTable('zh-TW', TRADITIONAL_TABLES['zh-TW']);
    const taiwan = stringsFor('zh', 'zh-TW');
    const said = (code: string, message: string) => taiwan.failed(refusalText(taiwan, { code, message }));
    // A message written in a chat that ended, refused when it was sent again (what view.ts shows beside Retry).
    expect(said('conversation_resolved', 'This chat has ended. Retry to send it in a new chat.')).toBe('未傳送：此對話已結束。點選重試可在新對話中傳送。');
    for (const [code, message] of [
      ['conflict', 'A conversation can be rated once it is resolved.'], ['validation', 'email: must match format "email"'],
      ['not_found', 'Conversation not found.'], ['forbidden', 'You are not allowed to do that.'], ['blocked', 'This chat is not available.'],
      ['no_word_for_this', 'Some English sentence.'],
    ]) {
      const text = refusalText(taiwan, { code, message });
      expect(text, code).not.toMatch(/[A-Za-z]/);
      expect(text, code).toMatch(/[\u4e00-\u9fff]/);
      expect(text, code).toBe(refusalText(taiwan, { code }));
    }
  });
});
