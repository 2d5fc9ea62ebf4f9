// The inbox's "Waiting N min" mark (console/src/reply-target.ts): a shopper waiting past the team's reply target,
// for the first reply (from the hand-off) or, with the list's `waitingSince`, for an agent's next reply.
import { describe, expect, it } from 'vitest';
import { minutesWaitingPastTarget } from '../../console/src/reply-target.ts';
import type { ConversationSummary } from '../../console/src/types.ts';

const now = Date.parse('2026-12-05T10:00:00Z');
const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();
const chat = (fields: Partial<ConversationSummary>): ConversationSummary => ({
  id: 1, customerId: 1, status: 'queued', assignee: null, handedOff: true, queuedAt: minutesAgo(7), assignedAt: null, resolvedAt: null,
  lastMessageAt: null, createdAt: minutesAgo(9), customerLastSeenId: 0, agentLastSeenId: 0, snoozedUntil: null, team: null, firstResponseAt: null, version: 1, ...fields,
});

describe('waiting past the first-reply target', () => {
  it('counts whole minutes from the hand-off once the target is reached, queued or held by an agent who has not replied', () => {
    expect(minutesWaitingPastTarget(chat({}), 5, now)).toBe(7);
    expect(minutesWaitingPastTarget(chat({ status: 'assigned', assignee: { id: 2, name: 'Ana' } }), 5, now)).toBe(7);
    expect(minutesWaitingPastTarget(chat({ queuedAt: minutesAgo(5) }), 5, now)).toBe(5);
    expect(minutesWaitingPastTarget(chat({ queuedAt: minutesAgo(4.9) }), 5, now)).toBeNull();
  });

  it('marks nothing once someone replied, for a snoozed, closed or bot chat, or with no target', () => {
    expect(minutesWaitingPastTarget(chat({ firstResponseAt: minutesAgo(1) }), 5, now)).toBeNull();
    expect(minutesWaitingPastTarget(chat({ snoozedUntil: minutesAgo(-60) }), 5, now)).toBeNull();
    expect(minutesWaitingPastTarget(chat({ status: 'resolved', resolvedAt: minutesAgo(1) }), 5, now)).toBeNull();
    expect(minutesWaitingPastTarget(chat({ status: 'bot', handedOff: false, queuedAt: null }), 5, now)).toBeNull();
    expect(minutesWaitingPastTarget(chat({}), 0, now)).toBeNull();
  });

  it("with the list's waitingSince, also marks a chat answered once and then left waiting", () => {
    const answered = chat({ status: 'assigned', assignee: { id: 2, name: 'Ana' }, queuedAt: minutesAgo(40), firstResponseAt: minutesAgo(35) });
    expect(minutesWaitingPastTarget(answered, 5, now, minutesAgo(12))).toBe(12);
    expect(minutesWaitingPastTarget(answered, 5, now, minutesAgo(3))).toBeNull(); // not past the target yet
    expect(minutesWaitingPastTarget(answered, 5, now, null)).toBeNull(); // the agent spoke last
    // Never answered: the server's waitingSince is the hand-off, the same minutes as before.
    expect(minutesWaitingPastTarget(chat({}), 5, now, minutesAgo(7))).toBe(7);
    // Put aside, closed or with the bot: nobody is late, whatever the list says.
    expect(minutesWaitingPastTarget({ ...answered, snoozedUntil: minutesAgo(-60) }, 5, now, minutesAgo(12))).toBeNull();
    expect(minutesWaitingPastTarget({ ...answered, status: 'resolved' }, 5, now, minutesAgo(12))).toBeNull();
    expect(minutesWaitingPastTarget(answered, 0, now, minutesAgo(12))).toBeNull();
  });
});
