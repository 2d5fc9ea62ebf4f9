-- Labels agents put on a conversation ("refund", "vip", "bug report"): the inbox filters by them and the
-- reports count them. Internal: never sent to the shopper. The GIN index serves "conversations with label X";
-- a message's update of last_message_at leaves labels unchanged, so it stays a HOT update.
alter table conversations add column labels text[] not null default '{}';
create index conversations_labels_idx on conversations using gin (labels);
