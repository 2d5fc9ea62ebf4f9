-- Inbound email: a shopper's reply to a follow-up email continues the chat (server/services/email-inbound.ts).

-- Each follow-up's own Message-ID, so a reply's In-Reply-To / References finds its conversation, and the next
-- follow-up of the conversation can thread under it. Unique: one email, one conversation.
alter table email_followups add column message_id text;
create unique index email_followups_message_id_idx on email_followups (message_id) where message_id is not null;

-- One row per email taken into a chat, keyed by the email's Message-ID: a provider or MTA that delivers the same
-- email again (a retry after a timeout) is answered "duplicate" and nothing is posted twice.
create table inbound_emails (
  message_id       text primary key,
  conversation_id  bigint not null references conversations (id) on delete cascade,
  customer_id      bigint not null references customers (id) on delete cascade,
  chat_message_id  bigint references messages (id) on delete set null,
  received_at      timestamptz not null default now()
);
create index inbound_emails_customer_idx on inbound_emails (customer_id);
create index inbound_emails_conversation_idx on inbound_emails (conversation_id);
