// Round 16 of the answer policy (knowledge-base/README.md): 53 new shopper messages written before the bot ran on them
// (content/shopper-questions-dev-16.json). Each behaviour below was wrong before this round: a clarification with a single
// reading to pick, jieba's guessed words that glued a function word to a topic word, the wrong item sent, a parcel the
// tracking calls delivered that never came, two questions in one message, Taiwan's word for a building's front desk, and
// sections that did not say what shoppers ask in their words. Real demo content, orders and catalogue, and a classifier
// trained from them, as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import { faultShowed, saysDeliveredNotReceived, sentWrongItem, separateQuestions } from '../../../knowledge-base/signals.ts';
import { tokenize } from '../../../knowledge-base/text/tokenize.ts';
import { toSimplified } from '../../../knowledge-base/text/traditional.ts';
import { askerOf, demoShopPipeline, headingOf, slugOf } from './demo-shop.ts';

let ask: ReturnType<typeof askerOf>;
beforeAll(async () => {
  ask = askerOf(await demoShopPipeline());
}, 120_000);

describe('53 new shopper messages (2026-12-07, round 16)', () => {
  it('answers from the one intent a clarification would have offered alone, when the search finds its article first', async () => {
    const cases = [
      ['刷卡一直被拒絕，可是卡片額度明明還夠', 'zh-TW', '付款失败或银行卡被拒 — 付款被拒的常见原因'],
      ['退款大概幾天會到帳？', 'zh-TW', '退款多久到账 — 钱什么时候到账'],
      ['if i order tonight with overnight will it get here tomorrow', 'en', 'Shipping times and carriers — How long expedited (express) and overnight delivery take'],
    ] as const;
    for (const [text, locale, heading] of cases) {
      const d = await ask(text, { locale });
      // The classifier leans to one intent (0.43–0.52) and to nothing else: "which of these?" had one choice.
      expect(d.evidence.prediction!.confidence, text).toBeLessThan(0.6);
      expect(d.action, text).toBe('answer');
      expect(d.metadata.reason, text).toBe('intent');
      expect(headingOf(d), text).toBe(heading);
      expect(d.metadata.askHelpful, text).toBe(true);
    }
    // (Two readings, "衣服寄回去好几天了，退款什么时候能到", were still a clarification here; since round 17 the asking clause
    // chooses among them: policy-round17.test.ts.)
  });

  it('cuts a word jieba guessed from a function word and its neighbour, so the size chart is found', async () => {
    expect(tokenize('鞋子的尺码表在哪里')).toEqual(['鞋子', '尺码', '表', '哪里']);
    expect(tokenize('我们的尺码表是按身体尺寸')).toContain('表');
    // Words the dictionary has stay whole, a function word in them or not; so do longer guesses.
    expect(tokenize('在线客服')).toContain('在线');
    expect(tokenize('想换个尺码')).toContain('想换个');
    for (const [text, heading] of [
      ['鞋子的尺寸表在哪裡', '鞋码指南与尺码换算表 — 鞋码换算表（鞋子的尺码表）'],
      ['尺码表在哪看', '服装尺码指南 — 上衣和外套尺码表'],
      // The chart's section names clothes (衣服): the section on choosing between sizes mentions the chart as well.
      ['衣服尺码表', '服装尺码指南 — 上衣和外套尺码表'],
    ] as const) {
      const d = await ask(text, { locale: 'zh-TW' });
      expect(d.action, text).toBe('answer');
      expect(headingOf(d), text).toBe(heading);
    }
  });

  it('reads the wrong item sent as the damaged-or-wrong-item article\'s, not as a question about the product', async () => {
    expect(sentWrongItem('ordered the sweater in navy and you sent me a charcoal one')).toBe(true);
    expect(sentWrongItem('you sent me the wrong size')).toBe(true);
    expect(sentWrongItem('the parcel came with the wrong colour inside')).toBe(true);
    expect(sentWrongItem('收到的外套颜色跟我订的不一样')).toBe(true);
    expect(sentWrongItem('你们发错货了')).toBe(true);
    // The shopper's own slip, or a parcel left at the wrong address, is something else.
    expect(sentWrongItem('i ordered the wrong size sweater like 10 min ago can i still cancel')).toBe(false);
    expect(sentWrongItem('快递送错地址了')).toBe(false);
    for (const [text, locale] of [
      ['ordered the sweater in navy and you sent me a charcoal one', 'en'],
      ['收到的外套顏色跟我訂的不一樣', 'zh-TW'],
      ['i got a parcel today but instead of the black hoodie i ordered there\'s a white t-shirt inside. what now', 'en'],
    ] as const) {
      const d = await ask(text, { locale });
      expect(d.action, text).toBe('answer');
      expect(d.metadata.products, text).toBeUndefined();
      expect(slugOf(d), text).toBe('damaged-or-wrong-item');
    }
  });

  it('reads a fault found when the courier brought the parcel as damaged on arrival', async () => {
    expect(faultShowed('快递送到的时候箱子都压扁了，里面的手表屏幕也碎了')).toBe('arrival');
    const d = await ask('快递送到的时候箱子都压扁了，里面的手表屏幕也碎了');
    expect(d.action).toBe('answer');
    expect(slugOf(d)).toBe('damaged-or-wrong-item');
  });

  it('sends only a different item to the wrong-item article, not an order that was shipped as it was', async () => {
    // What was ordered and what was sent must differ in the words: "you shipped it" sends the very thing, and 跟我买的东西一起
    // asks to send something along with the order.
    const shipped = [
      'I ordered a jacket on Monday and you shipped it yesterday, when will it arrive?',
      'I ordered two mugs but you shipped them separately, is that normal?',
      'I ordered a hoodie last week and you shipped it with DHL, how do I track it?',
      '能跟我买的东西一起寄吗？',
      '这个能和我买的东西一起发货吗',
      '这个赠品会跟我订的商品一起发吗',
      '礼品卡可以和我买的东西放在一个包裹里吗',
    ];
    for (const text of [...shipped, 'I ordered a gift for my sister and you sent it to my address instead of hers']) {
      expect(sentWrongItem(text), text).toBe(false);
    }
    expect(sentWrongItem('I ordered blue and you sent me a red one')).toBe(true);
    expect(sentWrongItem('I ordered a medium but you sent a different size')).toBe(true);
    expect(sentWrongItem('I ordered the oat hoodie and you shipped the grey one instead')).toBe(true);
    expect(sentWrongItem('衣服跟我买的颜色不一样')).toBe(true);
    expect(sentWrongItem('收到的杯子和我下单的不符')).toBe(true);
    for (const text of shipped) {
      const d = await ask(text);
      expect(d.action === 'answer' && slugOf(d) === 'damaged-or-wrong-item', `${text}: ${headingOf(d)}`).toBe(false);
      expect(d.evidence.prediction?.confidence ?? 0, text).toBeLessThan(0.6);
    }
    // Where arrives the jacket shipped yesterday: the tracking is among the options.
    const jacket = await ask('I ordered a jacket on Monday and you shipped it yesterday, when will it arrive?');
    expect(jacket.quickReplies.map((q) => q.value)).toContain('intent:track_order');
  });

  it('keeps a confident reading of a refund not received after the return was delivered', async () => {
    // Only the parcel not received makes a missing parcel: not the refund, an e-mail or an invoice.
    const refunds = [
      'My return shows delivered to your warehouse but I have not received my refund, when will I get it?',
      'It says delivered. I have not received the refund yet though, when will it come?',
      'Tracking says my return was delivered to you last week but I still haven\'t received the refund',
      '物流显示已签收，我没看到退款，什么时候退？',
      '退货显示已签收了，怎么还没收到退款？',
      '退货单号显示已签收三天了，还没有收到退款',
    ];
    const otherThings = [
      'it shows delivered but i never got the confirmation email for my order',
      '快递显示已签收，但是没收到发票',
      // The thing not received may come first.
      'It says delivered but the refund still hasn\'t come',
      '退回去的包裹显示已签收，钱还没有收到',
    ];
    for (const text of [...refunds, ...otherThings]) {
      expect(saysDeliveredNotReceived(text), text).toBe(false);
    }
    expect(saysDeliveredNotReceived('it says delivered but I have not received my package')).toBe(true);
    expect(saysDeliveredNotReceived('显示已签收，但是我根本没收到包裹')).toBe(true);
    for (const text of refunds.slice(0, 4)) {
      const d = await ask(text);
      expect(d.evidence.prediction!.intent, text).toBe('refund_status');
      expect(d.action, text).toBe('answer');
      expect(slugOf(d), text).toBe('refund-timing');
    }
    // The classifier's sure reading stands here too; the quoted section is the tracking's, whose heading says more of the
    // words (显示已签收 … 没收到), as before round 16.
    expect((await ask(refunds[4])).evidence.prediction!.intent).toBe('refund_status');
    // Unsure: the refund is offered, and the missing-parcel section is not the answer.
    const unsure = await ask(refunds[5]);
    expect(unsure.action).toBe('clarify');
    expect(unsure.quickReplies.map((q) => q.value)).toContain('intent:refund_status');
    // Words the signal reads as a parcel not received ("haven't got a penny back") leave a sure refund reading as it is…
    const penny = await ask('My return shows as delivered to you but I still haven\'t got a penny back, when will it come?');
    expect(penny.evidence.prediction!.intent).toBe('refund_status');
    expect(slugOf(penny)).toBe('refund-timing');
    // …but not a sure reading with tracking next to it: a missing parcel read as a failed payment is a guess.
    const guess = await ask('parcel says delivered but i never got it!!');
    expect(guess.evidence.prediction!.intent).toBe('track_order');
    expect(headingOf(guess)).toBe('Tracking your order — Marked as delivered but not received');
  });

  it('answers a parcel the tracking calls delivered that never came from the section for it, then asks to sign in', async () => {
    expect(saysDeliveredNotReceived('my package says delivered but its not here and my neighbor doesnt have it either')).toBe(true);
    expect(saysDeliveredNotReceived('物流显示已经送达，但是前台说没有收到我的包裹')).toBe(true);
    // Both must be said: a delivered parcel to send back, or a delivery not yet made, is no missing parcel.
    expect(saysDeliveredNotReceived('it says delivered, can I still return it?')).toBe(false);
    expect(saysDeliveredNotReceived("my parcel hasn't arrived yet")).toBe(false);
    const story = 'ok so the tracking says my box was delivered yesterday at 2pm. i was working from home all day, nobody knocked, '
      + 'nothing at the door and the front desk has nothing either. what do i do now';
    const d = await ask(story);
    expect(d.action).toBe('answer');
    expect(headingOf(d)).toBe('Tracking your order — Marked as delivered but not received');
    expect(d.reply).toMatch(/sign/i);
    // Taiwan's 管理室 is the building's front desk (前台), the word the Chinese section uses.
    expect(toSimplified('管理室')).toBe('前台');
    const taiwan = await ask('物流顯示已經送達，但是管理室說沒有收到我的包裹', { locale: 'zh-TW' });
    expect(headingOf(taiwan)).toBe('查询订单物流 — 显示已签收但没收到');
  });

  it('answers the first of two questions that is answered alone, when the two together found nothing', async () => {
    expect(separateQuestions('你们客服电话是多少？周末打得通吗')).toEqual(['你们客服电话是多少？', '周末打得通吗']);
    expect(separateQuestions('what is your phone number?')).toBeNull();
    const d = await ask('你们客服电话是多少？周末打得通吗');
    expect(d.action).toBe('answer');
    expect(headingOf(d)).toBe('联系客服与服务时间 — 电话客服');
  });

  it('quotes the section in the words shoppers ask with', async () => {
    // A company's name on the invoice (公司名字), not only its 抬头.
    const invoice = await ask('发票上能写我们公司的名字吗');
    expect(headingOf(invoice)).toBe('发票与收据 — 发票抬头、税号和账单地址');
    // A watch that will not charge (充不进电) is covered, not the section of what is not.
    expect(headingOf(await ask('手錶買了三個月就充不進電了，可以保固嗎', { locale: 'zh-TW' }))).toBe('保修与保修申请 — 保修范围');
    // Deleting the account (刪除) is how to close it (注销), not what data is kept.
    expect(headingOf(await ask('帳號要怎麼刪除', { locale: 'zh-TW' }))).toBe('注销账号与个人数据 — 如何注销账号');
  });
});
