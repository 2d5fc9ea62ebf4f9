-- Retention deletes the webhook deliveries of a left message it deletes by their event key (services/retention.ts,
-- deleteOldLeftMessages: event = 'offline_message.created' and event_key = any(...)). The only index with event_key,
-- the unique (webhook_id, event_key), leads with the webhook, so each batch read the whole table, every delivery of
-- every event kept for the webhooks' history.
-- Partial, on the one event retention looks up this way: a delivery row is written for every event each webhook
-- receives, and an index of them all would be one more write on each for no reader. The delete's condition names the
-- event literally, so it implies this index's condition.
-- A plain CREATE INDEX holds delivery writes while it builds (the left-message rows are few, but the table is read in
-- full) and migrations run in one transaction, where CONCURRENTLY cannot; a large install creates it by hand first with
-- CREATE INDEX CONCURRENTLY under this name and condition (README, "Large histories"), and `if not exists` skips it.
create index if not exists webhook_deliveries_left_message_key_idx on webhook_deliveries (event_key)
  where event = 'offline_message.created';
