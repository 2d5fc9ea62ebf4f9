-- A chat's hand-off automation rules (trigger handoff) run right after the hand-off, in the memory of the server that
-- queued the chat (services/chat-service.ts, handedOff): a server killed in between (SIGKILL, out of memory) lost them
-- for good, and rules_pending_until only let the queue take the chat without them 10 s later. Now the chat says it still
-- owes them, as a new chat does its own (056_new_chat_rules_owed.sql): set by the hand-off's update (while any hand-off
-- rule is enabled: repositories/routing.ts, enqueue), cleared once they have run. The same recovery sweep that runs a
-- new chat's owed rules runs these for a chat still owing them after the grace period (services/new-chat-rules-recovery.ts).
-- A constant default: no table rewrite.
alter table conversations add column handoff_rules_owed boolean not null default false;
-- The sweep's read, oldest hand-off first. Partial: only chats between their hand-off and their rules' run (seconds, or
-- until a sweep after a crash), so it stays a handful of rows however many chats there are.
create index conversations_handoff_rules_owed_idx on conversations (queued_at) where handoff_rules_owed;
