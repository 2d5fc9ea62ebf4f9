-- Webhooks: endpoints of the shop's other systems (CRM, helpdesk, a Slack bridge) that receive signed JSON
-- POSTs about chats. A delivery row is created in the same statement that stores the interaction event it
-- reports (workers/interaction-store.ts), once per webhook and event: the unique (webhook_id, event_key) makes a
-- re-delivered job harmless. The webhooks queue then sends it, at least once, retrying with backoff.
create table webhooks (
  id          bigserial primary key,
  url         text not null check (length(url) between 1 and 2048),
  secret      text not null,
  events      text[] not null check (cardinality(events) > 0),
  active      boolean not null default true,
  description text not null default '',
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table webhook_deliveries (
  id           bigserial primary key,
  webhook_id   bigint not null references webhooks (id) on delete cascade,
  -- Whose chat it reports: deleting a customer's data (or anonymising a conversation) deletes its deliveries too.
  customer_id     bigint references customers (id) on delete cascade,
  conversation_id bigint references conversations (id) on delete cascade,
  -- The interaction event's idempotency key (or ping:<uuid>): one delivery per webhook and real-world event.
  event_key    text not null,
  event        text not null,
  -- The body sent, without its id (the delivery id is added when sending).
  payload      jsonb not null,
  status       text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts     int not null default 0,
  last_status  int,
  last_error   text,
  created_at   timestamptz not null default now(),
  delivered_at timestamptz,
  unique (webhook_id, event_key)
);
-- The console lists a webhook's latest deliveries; the sweeper looks for pending ones that may have no job and
-- prunes old ones; privacy requests find a customer's or conversation's.
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, id desc);
create index webhook_deliveries_pending_idx on webhook_deliveries (created_at) where status = 'pending';
create index webhook_deliveries_created_idx on webhook_deliveries (created_at);
create index webhook_deliveries_customer_idx on webhook_deliveries (customer_id);
create index webhook_deliveries_conversation_idx on webhook_deliveries (conversation_id);
