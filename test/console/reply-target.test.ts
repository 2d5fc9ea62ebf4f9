// The inbox's "Waiting N min" mark (console/src/reply-target.ts): only a handed-off chat that nobody has answered
// yet, past the team's first-reply target, measured from the hand-off.
import { describe, expect, it } from 'vitest';
import { minutesWaitingPastTarget } from '../../console/src/reply-target.ts';
import type { ConversationSummary } from '../../console/src/types.ts';

const now = Date.parse('2026-12-05T10:00:00Z');
const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();
const chat = (fields: Partial<ConversationSummary>): ConversationSummary => ({
  id: 1, customerId: 1, status: 'queued', assignee: null, handedOff: true, queuedAt: minutesAgo(7), assignedAt: null, resolvedAt: null,
  lastMessageAt: null, createdAt: minutesAgo(9), customerLastSeenId: 0, agentLastSeenId: 0, snoozedUntil: null, team: null, firstResponseAt: null, ...fields,
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
});
