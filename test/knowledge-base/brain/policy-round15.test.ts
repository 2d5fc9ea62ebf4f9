// Round 15 of the answer policy (knowledge-base/README.md): a reviewer's 70 new shopper messages through the demo
// shop. Each behaviour below was wrong before this round: a clarification that lost the passage that answered, a tapped
// option answered from its label's words, sections saying the opposite of what was asked, Taiwan wording, indirect
// requests for a person, Chinese anger, faults on arrival, order questions and the evidence agents read. Real demo
// content, orders and catalogue, and a classifier trained from them, as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../../knowledge-base/pipeline.ts';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { asksForPerson, faultShowed, namesOnlyFault, sentimentOf } from '../../../knowledge-base/signals.ts';
import { toSimplified } from '../../../knowledge-base/text/traditional.ts';
import { loadIntents } from '../../../knowledge-base/content-loader.ts';
import { demoShopPipeline } from './demo-shop.ts';

let shop: Pipeline;
beforeAll(async () => {
  shop = await demoShopPipeline();
}, 120_000);

type Decision = Awaited<ReturnType<Pipeline['run']>>;
const ask = (text: string, context: DecideContext = {}) => shop.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en', ...context });
const slugOf = (d: Decision) => d.metadata.articles?.[0]?.slug;
/** The section quoted: the reply's first line is "title — heading". */
const headingOf = (d: Decision) => d.reply.split('\n')[0];
const signedIn = (externalId: string) => ({ customer: { id: 1, externalId } });

/** The shopper taps one of the options the bot offered for `text`, as the widget sends it: the label as the text. */
async function tap(text: string, first: Decision, value: string, locale = 'en') {
  const option = first.quickReplies.find((q) => q.value === value);
  expect(option, `${value} offered for "${text}"`).toBeDefined();
  return shop.run(option!.label, {
    locale, quickReply: value,
    history: [{ author: 'customer', text, metadata: {} }, { author: 'bot', text: first.reply, metadata: first.metadata }],
  });
}

/** The follow-up asked right after the bot answered `previous`. */
async function after(previous: string, text: string, locale = 'en') {
  const first = await shop.run(previous, { locale });
  return shop.run(text, { locale, history: [{ author: 'customer', text: previous, metadata: {} }, { author: 'bot', text: first.reply, metadata: first.metadata }] });
}

describe('a reviewer\'s 70 new shopper messages (2026-12-07, round 15)', () => {
  it('offers the tracking article beside "Where is my order?", and either choice quotes the section for the question', async () => {
    const text = 'my package says delivered but its not here and my neighbor doesnt have it either';
    // Since round 16 the message is answered at once (tracking that says delivered, and no parcel), with the section and
    // then "sign in"; the choices below are the clarification's of round 15 (intent:track_order, article:order-tracking).
    const answered = await ask(text);
    expect(headingOf(answered)).toBe('Tracking your order — Marked as delivered but not received');
    expect(answered.reply).toMatch(/sign/i);
    const first = { ...answered, quickReplies: [{ label: 'Where is my order?', value: 'intent:track_order' }, { label: 'Tracking your order', value: 'article:order-tracking' }] } as Decision;
    const article = await tap(text, first, 'article:order-tracking');
    expect(headingOf(article)).toBe('Tracking your order — Marked as delivered but not received');
    // The order action for a shopper not signed in: the section first, then "sign in" (not "sign in" alone).
    const order = await tap(text, first, 'intent:track_order');
    expect(order.action).toBe('answer');
    expect(headingOf(order)).toBe('Tracking your order — Marked as delivered but not received');
    expect(order.reply).toMatch(/sign/i);
  });

  it('quotes the section of a tapped option\'s article for the question asked, not for the option\'s label', async () => {
    const tags = '我想退貨，但是吊牌已經剪掉了，還可以退嗎';
    // Its options as they were before round 17 answered it (the asking clause now chooses the returns among them).
    const first = { ...await ask(tags, { locale: 'zh-TW' }), quickReplies: [{ label: '退货政策', value: 'intent:return_policy' }] } as Decision;
    const policy = await tap(tags, first, 'intent:return_policy', 'zh-TW');
    // The label 退货政策 found the 30-day window; the question is about the condition (tags cut off).
    expect(headingOf(policy)).toBe('退货政策 — 服装退货的条件');
    // The same for an intent tapped from any clarification: the reset email that never came, not how to reset.
    const email = '密碼忘記了，重設的信一直沒收到';
    const clarified = { ...first, quickReplies: [{ label: '登录与密码', value: 'intent:reset_password' }] };
    const reset = await tap(email, clarified as Decision, 'intent:reset_password', 'zh-TW');
    expect(headingOf(reset)).toBe('登录账号与重置密码 — 收不到重置邮件');
  });

  it('says a country not on the list is not shipped to, rather than giving the US delivery times', async () => {
    for (const text of ['do you ship to Brazil?', 'do you ship to india', 'can you deliver to peru']) {
      const d = await ask(text);
      expect(slugOf(d), text).toBe('international-shipping');
      expect(d.reply, text).toMatch(/do not ship to countries that are not listed/);
    }
    expect(slugOf(await ask('能寄到巴西吗'))).toBe('international-shipping');
  });

  it('answers a return of socks or used earbuds from the items that cannot be returned', async () => {
    const socks = await ask('Can I return socks if they dont fit');
    expect(slugOf(socks)).toBe('return-policy');
    expect(headingOf(socks)).toBe('Return policy — Items that cannot be returned');
    expect(loadIntents().find((i) => i.name === 'return_policy')?.examples?.zh).toContain('袜子能退吗');
  });

  it('quotes the section that says what was asked, not the one that says the opposite', async () => {
    // A zipper that broke in normal use is covered (the 90-day quality guarantee), not "normal wear and tear".
    expect(headingOf(await ask('The zipper on my rain jacket broke after 3 months of normal use, is that covered?')))
      .toBe('Warranty and warranty claims — What the warranty covers');
    // Ten minutes after ordering: within the hour, not "after 60 minutes" ("still" was its word).
    expect(headingOf(await ask('i ordered the wrong size sweater like 10 min ago can i still cancel')))
      .toBe('Changing or cancelling an order — Cancel within 60 minutes');
    // Not shipped yet: the address can be changed (not the section on after shipping), in mixed English too.
    for (const text of ['我的order还没ship，可以改address吗', '我的订单还没发货，可以改地址吗']) {
      expect(headingOf(await ask(text)), text).toBe('修改或取消订单 — 还没发货时修改收货地址');
    }
    // Weekends: live chat works every day (the phone line is weekdays only), asked under an English widget.
    expect(headingOf(await ask('你們的客服都幾點上班？週末有人嗎', { locale: 'en' }))).toBe('联系客服与服务时间 — 在线客服');
    // A sweater that shrank in the wash: the exchange section now says washed clothes cannot be exchanged (未洗涤).
    const shrunk = await ask('衣服洗完縮水了，可以換大一號嗎', { locale: 'zh-TW' });
    if (slugOf(shrunk) === 'exchanges') expect(shrunk.reply).toContain('未洗涤');
    else expect(shrunk.action).toBe('clarify');
  });

  it('reads Taiwan\'s words for a newsletter, a size chart and a company tax number', async () => {
    expect(toSimplified('電子報')).toBe('营销邮件');
    expect(toSimplified('尺寸表')).toBe('尺码表');
    expect(toSimplified('統一編號')).toBe('税号');
    expect(toSimplified('統編')).toBe('税号');
    const newsletter = await ask('請取消我的電子報訂閱', { locale: 'zh-TW' });
    expect(newsletter.action).toBe('answer');
    expect(headingOf(newsletter)).toBe('注销账号与个人数据 — 营销邮件与隐私保护');
    const invoice = await ask('可以開統一編號的發票嗎', { locale: 'zh-TW' });
    expect(invoice.action).toBe('answer');
    expect(slugOf(invoice)).toBe('invoices-receipts');
    // The size chart question is no "don't know" any more: the shoe guide is among the options (answered since round 16).
    const sizes = await ask('鞋子的尺寸表在哪裡？我平常穿US 8', { locale: 'zh-TW' });
    expect([slugOf(sizes), ...sizes.quickReplies.map((q) => q.value.replace(/^article:/, ''))]).toContain('shoe-size-guide');
  });

  it('hands off a request for the shop\'s colleagues or someone who knows the trade', async () => {
    for (const text of ['可以請你們的同事幫我看一下嗎', '能不能找个懂行的人跟我聊聊', '能找你们同事帮我看看吗', '能安排专人处理吗']) {
      const d = await ask(text);
      expect(d.action, text).toBe('handoff');
      expect(d.metadata.reason, text).toBe('person_request');
    }
    // The shopper's own colleague is no request, nor is a delivery by courier (专人配送).
    expect(asksForPerson('我同事推荐的这件外套有黑色吗')).toBe(false);
    expect(asksForPerson('是专人配送吗')).toBe(false);
    expect(asksForPerson('可以专人派送到家吗')).toBe(false);
  });

  it('hands off a shopper who calls the shop rotten or says nobody answers', async () => {
    for (const text of ['你們這樣處理真的很爛，東西壞了寄信也沒人理', '你們很爛', '你们真烂']) {
      const d = await ask(text);
      expect(d.action, text).toBe('handoff');
      expect(d.metadata.reason, text).toBe('negative_sentiment');
    }
    // A torn item is no insult.
    expect(sentimentOf('衣服烂了一个洞').strongNegative).toBe(false);
  });

  it('reads a fault on an item that arrived today as damaged on arrival', async () => {
    expect(faultShowed('got my earbuds today and the left one doesnt charge at all')).toBe('arrival');
    expect(faultShowed('我上礼拜买的耳机今天收到，结果右耳完全没声音，怎么办')).toBe('arrival');
    // Used for weeks is still the warranty's.
    expect(faultShowed('耳机用了两个星期，右耳没声音了')).toBe('later');
    // A page not responding, or a statement not made, is no fault of the item.
    expect(faultShowed('今天收到货了，但是付款页面一直不响应')).toBe(null);
    expect(faultShowed('今天收到的耳机，包装上没声明保修期')).toBe(null);
    for (const [text, locale] of [['got my earbuds today and the left one doesnt charge at all', 'en'], ['我上禮拜買的耳機今天收到，結果右耳完全沒聲音，怎麼辦', 'zh-TW']]) {
      const d = await ask(text, { locale });
      expect(d.action, text).toBe('answer');
      expect(d.metadata.intent, text).toBe('damaged_item');
      expect(slugOf(d), text).toBe('damaged-or-wrong-item');
    }
  });

  it('shows a signed-in shopper their orders for "any update on my stuff?"', async () => {
    for (const text of ['any update on my stuff?', 'any update on my order?']) {
      const d = await ask(text, signedIn('demo-user-1'));
      expect(d.metadata.reason, text).toBe('order_status');
      expect(d.reply, text).toMatch(/NW-1002/);
    }
  });

  it('does not guess a topic for "it\'s not working" alone', async () => {
    expect(namesOnlyFault("it's not working")).toBe(true);
    expect(namesOnlyFault('the promo code is not working')).toBe(false);
    for (const text of ["it's not working", 'not working']) {
      const d = await ask(text);
      // Not the password article (0.61 and 0.76 to the classifier): asked when it broke, as "it doesn't work" is.
      expect(d.action, text).toBe('clarify');
      expect(d.quickReplies.map((q) => q.value), text).toEqual(['intent:damaged_item', 'intent:warranty_claim', 'handoff']);
    }
    // A fault with its topic is answered as before.
    expect(slugOf(await ask('my promo code is not working'))).toBe('gift-cards-promo-codes');
  });

  it('does not offer gift wrapping from unrelated articles, and answers the rest of the round\'s misreads', async () => {
    const wrap = await ask('do you offer gift wrapping?');
    expect(wrap.metadata.reason).toBe('no_match');
    // "what about returns then" after free shipping: whether returns cost shipping, from the costs article.
    const returns = await after('is shipping free if i spend over 50', 'what about returns then');
    expect(headingOf(returns)).toBe('Shipping costs and free shipping — Shipping fees and returns');
    expect(returns.evidence.readWith).toBe('is shipping free if i spend over 50');
    // A follow-up that is an order question of its own still stands alone.
    const order = await after('is shipping free if i spend over 50', 'and where is my order?');
    expect(order.evidence.readWith).toBeUndefined();
    expect(headingOf(await ask('how do i reset my password, the email never comes'))).toBe('Signing in and resetting your password — Reset email not arriving');
    const closing = await ask('我想注销账号，但是还有一笔退款没到账，会有影响吗');
    expect(closing.action).toBe('answer');
    expect(headingOf(closing)).toBe('注销账号与个人数据 — 30 天冷静期');
  });

  it('names no intent on a passage answered while the classifier was unsure', async () => {
    const d = await ask('can I get an invoice with my company VAT number on it');
    expect(d.metadata.reason).toBe('kb_passage');
    expect(slugOf(d)).toBe('invoices-receipts');
    // The confidence beside it is the passage's; no unsure intent (it was "complaint") reads as the reason.
    expect(d.metadata.intent).toBeNull();
    expect(d.evidence.prediction?.confidence ?? 0).toBeLessThan(0.6);
  });

  it('records an unsubscribe as marketing emails, not as deleting the account', async () => {
    const d = await ask('please unsubscribe me from your marketing emails');
    expect(d.metadata.intent).toBe('marketing_emails');
    expect(headingOf(d)).toBe('Deleting your account and your personal data — Marketing emails and your privacy');
    const deletion = await ask('how do i delete my account');
    expect(deletion.metadata.intent).toBe('delete_account');
  });

  it('answers the round\'s order questions as before (they need a signed-in shopper, so no development set holds them)', async () => {
    const status = async (text: string, context: DecideContext = {}) => (await ask(text, context));
    expect((await status("where's NW-100234? it was supposed to be here already", signedIn('demo-user-1'))).reply).toMatch(/running late/);
    expect((await status('status of order NW-100234 please', signedIn('demo-user-2'))).reply).toMatch(/couldn't find/);
    expect((await status('幫我查一下 NW-100247 的物流', { locale: 'zh-TW', ...signedIn('demo-user-3') })).reply).toMatch(/NW-100247/);
    expect((await status('我的订单号是NW100249，帮我查查', signedIn('demo-user-3'))).reply).toMatch(/NW-100249/);
    for (const text of ['訂單編號 NW-100247 現在到哪了', '订单 NW-100252 什么时候发货']) {
      const d = await status(text);
      expect(d.metadata.reason, text).toBe('order_status');
      expect(d.reply, text).toMatch(/登录/);
    }
    expect((await status('ok thanks thats all')).metadata.intent).toBe('thanks_goodbye');
  });
});
