-- Why a chat was handed to a person (its `handoff` event's reason: customer_request, negative_sentiment, bot_mode …),
-- stored on the chat when it is queued (repositories/routing.ts, enqueue). The overview counts the hand-offs "Who
-- answers first" made before the bot answered (reason bot_mode) apart from the bot's own: read from the events, that
-- took one probe per hand-off of the range (a year of a busy shop: 90,000, about a tenth of the report's time) and the
-- fact went with the history events when they were deleted.
alter table conversations add column if not exists handoff_reason text;

-- Backfill from the events still kept (each chat has at most one `handoff:<id>` event).
update conversations c set handoff_reason = e.payload ->> 'reason'
from interaction_events e
where e.idempotency_key = 'handoff:' || c.id and c.handed_off and c.handoff_reason is null;
