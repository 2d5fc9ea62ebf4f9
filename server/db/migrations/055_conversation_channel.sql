-- Where a conversation started: the shopper's widget, an email (a shopper's reply to a resolved chat's email starts a
-- new one: services/chat-service.ts customerEmailReply), an agent writing first (started_by = 'agent', migration 032),
-- or another tool's history brought in (imported_from, migration 047). Set once when the row is made; the inbox can
-- filter on it (services/inbox-filters.ts), the console marks email chats, the conversations export lists it.
alter table conversations
  add column channel text not null default 'widget' check (channel in ('widget', 'email', 'agent', 'import'));

-- The chats held so far. Imported and agent-started ones say so in their own columns. An email-started chat is known
-- by its first line: the shopper's email, stored with an "email:" client id (customerEmailReply); the rest started
-- in the widget (nothing else made conversations before this migration). A chat whose first email line was since
-- deleted stays 'widget'.
update conversations set channel = 'import' where imported_from is not null;
update conversations set channel = 'agent' where started_by = 'agent' and imported_from is null;
update conversations c set channel = 'email'
where c.started_by = 'shopper' and c.imported_from is null
  and (select m.client_id from messages m where m.conversation_id = c.id order by m.id limit 1) like 'email:%';
