-- A new chat's automation rules (trigger conversation_created) run after the shopper's ack, in the memory of the server
-- that took the message (services/chat-service.ts): a server killed in between (SIGKILL, out of memory) lost them for
-- good. Now the conversation says it still owes them: set by the insert that creates it (while any new-chat rule is
-- enabled: services/automation-rules.ts), cleared once they have run. Every server's recovery sweep runs them for a chat
-- still owing them after a grace period (services/new-chat-rules-recovery.ts). A constant default: no table rewrite.
alter table conversations add column new_chat_rules_owed boolean not null default false;
-- The sweep's read, oldest first. Partial: it holds only chats between their start and their rules' run (seconds, or
-- until a sweep after a crash), so it stays a handful of rows however many chats there are.
create index conversations_new_chat_rules_owed_idx on conversations (created_at) where new_chat_rules_owed;
