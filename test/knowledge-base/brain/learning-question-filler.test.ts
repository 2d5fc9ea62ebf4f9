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

  // The longer filler list swallowed topics: a word that is filler in one phrase ("transfer me", "a real person", "ok
  // fine", "chat with", "right now") names a topic elsewhere, and "about <something>" keeps its something.
  it.each([
    'talk to a person about a transfer',
    'talk to a human, is this real?',
    'speak to someone, the fine on my parcel',
    'talk to a human about the live stream',
    'talk to someone, the chat keeps crashing',
    'can I talk to someone, my headphones wont connect',
    'is this the right size? talk to a human',
  ])('"%s" names its topic: it is the question', (request) => {
    expect(questionBeforeAgent([...en, shopper(request)])?.body).toBe(request);
  });

  it.each([
    'transfer me to a human',
    'connect me to a real live agent',
    'ok fine, put me through to a person',
    'fine. let me talk to a human',
    'i want to talk to an actual person right away',
    'I want to chat with someone',
  ])('"%s" is filler in the phrases that make it filler', (request) => {
    expect(questionBeforeAgent([...en, shopper(request)])?.body).toBe('hello, is gift wrapping free?');
  });
});
