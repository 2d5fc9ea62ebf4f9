-- Email follow-up of agent replies the shopper did not see in the chat (workers/email-followups.ts).
-- A shopper who unsubscribed (the link in every follow-up) gets no more of them.
alter table customers add column email_followups_off_at timestamptz;

-- One row per follow-up email: which conversation, up to which message it covered, to whom, and how it went.
-- A retried job finds the messages already emailed here and never sends them twice.
create table email_followups (
  id                bigserial primary key,
  conversation_id   bigint not null references conversations (id) on delete cascade,
  customer_id       bigint not null references customers (id) on delete cascade,
  up_to_message_id  bigint not null,
  recipient         text not null,
  status            text not null check (status in ('sending', 'sent', 'failed')),
  attempts          integer not null default 0,
  error             text,
  -- The BullMQ job working on a 'sending' row: a second job of the same conversation waits instead of sending too.
  job_id            text,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  sent_at           timestamptz
);
create index email_followups_conversation_idx on email_followups (conversation_id, up_to_message_id);
create index email_followups_customer_idx on email_followups (customer_id);
