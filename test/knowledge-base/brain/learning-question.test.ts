// Which shopper message a learning candidate offers as the question (knowledge-base/learning-loop.ts): never a bare
// order number sent because the bot asked for one, nor a request for a person.
import { describe, expect, it } from 'vitest';
import { questionBeforeAgent } from '../../../knowledge-base/learning-loop.ts';

const shopper = (body: string) => ({ author_type: 'customer', body, decision: null });
const bot = (body: string, decision: string) => ({ author_type: 'bot', body, decision });

describe('the question a learning candidate offers', () => {
  it('skips a bare order number and a request for a person, and takes the words before them', () => {
    const thread = [shopper('my parcel has not arrived, what now?'), bot('Which order is it?', 'clarify'), shopper('NW-100001'), shopper('talk to a human please')];
    expect(questionBeforeAgent(thread)?.body).toBe('my parcel has not arrived, what now?');
    expect(questionBeforeAgent([shopper('#NW-100001 !!')])).toBeUndefined();
    expect(questionBeforeAgent([shopper('NW-100001 还没到货')])?.body).toBe('NW-100001 还没到货');
    expect(questionBeforeAgent([shopper('order NW-100001 arrived broken')])?.body).toBe('order NW-100001 arrived broken');
  });

  it('takes a request for a person that says what it is about over a question the bot had answered', () => {
    const answered = [shopper('Where is my order NW-100234?'), bot('Order NW-100234 was shipped on Monday.', 'answer')];
    expect(questionBeforeAgent([...answered, shopper('I want to talk to a person about a refund'), shopper('Can I speak to a human please, I need a refund')])?.body)
      .toBe('Can I speak to a human please, I need a refund');
    expect(questionBeforeAgent([...answered, shopper('我要人工客服，退款的事')])?.body).toBe('我要人工客服，退款的事');
    // A bare request still means the answer did not help: the question before it is the one.
    expect(questionBeforeAgent([...answered, shopper('I want to speak to someone now, please')])?.body).toBe('Where is my order NW-100234?');
    expect(questionBeforeAgent([...answered, shopper('转人工')])?.body).toBe('Where is my order NW-100234?');
  });

  it('reads a request for a person in Traditional characters as the bot does', () => {
    // The answer did not help: "轉接客服人員" (put me through to staff) asks for a person, so the question before it is the one.
    const answered = [shopper('我的訂單什麼時候到？'), bot('Order NW-100234 was shipped on Monday.', 'answer')];
    expect(questionBeforeAgent([...answered, shopper('轉接客服人員')])?.body).toBe('我的訂單什麼時候到？');
  });
});
