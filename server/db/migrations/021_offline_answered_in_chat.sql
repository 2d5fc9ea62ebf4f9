-- A message left while nobody was available is usually answered in its chat once an agent is back: the reply (or
-- the resolve) marks it answered, and the Messages left page says it was answered there rather than by email.
alter table offline_messages add column handled_in_chat boolean not null default false;
-- Every agent reply looks for a waiting left message of its chat: only the waiting ones are indexed (few rows).
create index offline_messages_waiting_conversation_idx on offline_messages (conversation_id) where handled_at is null;
