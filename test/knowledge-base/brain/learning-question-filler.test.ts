// A request for a person worded with filler ("ok but I would rather talk to a real person", "好吧我还是想找人工") says
// nothing of what it is about: the learning loop must not offer it as the question to teach (a first-day review found
// "ok but I would rather talk to a real person" offered, with the bot's guess "Talk to a person 92%").
import { describe, expect, it } from 'vitest';
import { questionBeforeAgent } from '../../../knowledge-base/learning-loop.ts';

const shopper = (body: string) => ({ author_type: 'customer', body, decision: null });
const bot = (body: string, decision: string) => ({ author_type: 'bot', body, decision });

describe('a request for a person with only filler words', () => {
  const en = [shopper('hello, is gift wrapping free?'), bot('Gift wrapping is free on every order.', 'answer')];
  const zh = [shopper('礼品包装免费吗？'), bot('所有订单的礼品包装都免费。', 'answer')];

  it.each([
    'ok but I would rather talk to a real person',
    'I would prefer a human',
    'ok but I want a real person please',
    'talk to a human please',
  ])('"%s" is no question: the one the bot answered before it is', (request) => {
    expect(questionBeforeAgent([...en, shopper(request)])?.body).toBe('hello, is gift wrapping free?');
  });

  it.each(['好吧我还是想找人工', '算了转人工吧', '请帮我转接客服人员'])('"%s" is no question: the one the bot answered before it is', (request) => {
    expect(questionBeforeAgent([...zh, shopper(request)])?.body).toBe('礼品包装免费吗？');
  });

  it('still takes a request that names its topic, in English and Chinese', () => {
    expect(questionBeforeAgent([...en, shopper('ok but I would rather talk to a real person about my refund')])?.body)
      .toBe('ok but I would rather talk to a real person about my refund');
    expect(questionBeforeAgent([...zh, shopper('算了转人工吧，我要退款')])?.body).toBe('算了转人工吧，我要退款');
  });
});
