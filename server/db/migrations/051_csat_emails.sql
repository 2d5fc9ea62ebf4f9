-- Asking for the rating by email (workers/csat-email.ts): a shopper who was not in the chat when a person's chat was
-- resolved is emailed "How did we do?" once per conversation. One row per conversation emailed (or being emailed), so
-- a retried job, or a job queued again after the chat was reopened and resolved again, never asks twice. No address is
-- kept here: the customer's record has it, and anonymising the conversation leaves nothing personal in this table.
create table csat_emails (
  conversation_id  bigint primary key references conversations (id) on delete cascade,
  status           text not null check (status in ('sending', 'sent', 'failed')),
  attempts         integer not null default 0,
  error            text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  sent_at          timestamptz
);
