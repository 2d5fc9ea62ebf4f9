// The console's merge of a chat's joined history with what arrived live meanwhile (console/src/joined-history.ts).
import { describe, expect, it } from 'vitest';
import { withEarlierPage, withJoinedHistory } from '../../console/src/joined-history.ts';
import type { ChatMessage } from '../../console/src/types.ts';

const message = (id: number, text: string, conversationId = 7): ChatMessage => ({
  id, conversationId, clientId: null, author: { type: 'customer', id: 1, name: null }, text, private: false, metadata: {}, createdAt: '2026-12-06T10:00:00.000Z',
});

describe('withJoinedHistory', () => {
  it('keeps a message of the chat announced after the history was read, in id order', () => {
    const merged = withJoinedHistory([message(12, 'live')], [message(10, 'first'), message(11, 'second')], 7);
    expect(merged.map((m) => [m.id, m.text])).toEqual([[10, 'first'], [11, 'second'], [12, 'live']]);
  });

  it("takes the answer's copy of a message both have (an edit, an anonymised text)", () => {
    const merged = withJoinedHistory([message(10, 'as first shown'), message(11, 'live')], [message(10, 'anonymised'), message(11, 'edited')], 7);
    expect(merged.map((m) => m.text)).toEqual(['anonymised', 'edited']);
  });

  it('drops what the answer no longer holds up to its newest message, and messages of the chat shown before', () => {
    const shown = [message(3, 'another chat', 6), message(9, 'gone since'), message(10, 'kept'), message(14, 'another chat, later', 6)];
    const merged = withJoinedHistory(shown, [message(10, 'kept'), message(11, 'newest read')], 7);
    expect(merged.map((m) => m.id)).toEqual([10, 11]);
  });

  it('an empty history keeps what arrived live for the chat', () => {
    expect(withJoinedHistory([message(5, 'live'), message(4, 'other', 6)], [], 7).map((m) => m.id)).toEqual([5]);
  });

  it('keeps the earlier pages loaded when the list reaches into a newest page that has earlier messages (a join again)', () => {
    const shown = [message(1, 'loaded earlier'), message(2, 'loaded earlier'), message(3, 'newest page before'), message(4, 'newest page before')];
    const merged = withJoinedHistory(shown, [message(4, 'newest page before'), message(5, 'arrived while away')], 7, true);
    expect(merged.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts over from the newest page when the list stopped before it (the gap between them is unknown)', () => {
    const shown = [message(1, 'loaded earlier'), message(2, 'newest page before')];
    const merged = withJoinedHistory(shown, [message(8, 'newest page now'), message(9, 'newest page now')], 7, true);
    expect(merged.map((m) => m.id)).toEqual([8, 9]);
  });
});

describe('withEarlierPage', () => {
  it("puts the page before the list, this chat's messages only, none twice", () => {
    const shown = [message(5, 'shown copy'), message(6, 'shown')];
    const merged = withEarlierPage(shown, [message(3, 'earlier'), message(4, 'earlier'), message(5, 'page copy'), message(2, 'another chat', 6)], 7);
    expect(merged.map((m) => [m.id, m.text])).toEqual([[3, 'earlier'], [4, 'earlier'], [5, 'shown copy'], [6, 'shown']]);
  });
});
