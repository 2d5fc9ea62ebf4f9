-- Where a conversation started: the shopper's widget, an email (a shopper's reply to a resolved chat's email starts a
-- new one: services/chat-service.ts customerEmailReply), an agent writing first (started_by = 'agent', migration 032),
-- or another tool's history brought in (imported_from, migration 047). Set once when the row is made; the inbox can
-- filter on it (services/inbox-filters.ts), the console marks email chats, the conversations export lists it.
alter table conversations
  add column channel text not null default 'widget' check (channel in ('widget', 'email', 'agent', 'import'));

-- The chats held so far. Imported and agent-started ones say so in their own columns. An email-started chat is known
-- from inbound_emails (migration 022): customerEmailReply makes the conversation and stores the email as its first
-- message in one transaction, so the row whose chat_message_id is the conversation's first message is exactly an
-- email that started it (an email answering a chat already open is a later message). Not the first message's
-- "email:" client id: a widget shopper chooses their own client ids. The rest started in the widget (nothing else
-- made conversations before this migration). Not recoverable, and left 'widget': an anonymised customer's chats
-- (their inbound_emails rows and messages are deleted, customer-privacy.ts) and a chat whose first email line was
-- since deleted (chat_message_id is set null).
update conversations set channel = 'import' where imported_from is not null;
update conversations set channel = 'agent' where started_by = 'agent' and imported_from is null;
update conversations c set channel = 'email'
from inbound_emails e
where e.conversation_id = c.id and c.started_by = 'shopper' and c.imported_from is null
  and e.chat_message_id = (select min(m.id) from messages m where m.conversation_id = c.id);
