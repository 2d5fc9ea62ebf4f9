-- Core schema: people, conversations, messages, customer history, feedback.

create table settings (
  key        text primary key,
  value      jsonb not null,
  updated_at timestamptz not null default now()
);

-- Agents and admins.
create table users (
  id               bigserial primary key,
  email            text not null,
  name             text not null,
  role             text not null check (role in ('agent', 'admin')),
  password_hash    text not null,
  capacity         integer not null default 5 check (capacity between 0 and 100),
  presence         text not null default 'offline' check (presence in ('online', 'away', 'offline')),
  active           boolean not null default true,
  last_assigned_at timestamptz,
  last_seen_at     timestamptz,
  created_at       timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table user_sessions (
  token_hash text primary key,           -- sha256 of the cookie value; the raw token is never stored
  user_id    bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index user_sessions_user_idx on user_sessions (user_id);

create table customers (
  id                  bigserial primary key,
  external_id         text unique,        -- the shop's own user id, set by verified identify()
  name                text,
  email               text,
  locale              text,
  attributes          jsonb not null default '{}'::jsonb,
  tags                text[] not null default '{}',
  conversations_count integer not null default 0,   -- kept by the interactions worker
  messages_count      integer not null default 0,   -- kept by the interactions worker
  first_seen_at       timestamptz not null default now(),
  last_seen_at        timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);
create index customers_email_idx on customers (lower(email));

create table conversations (
  id                       bigserial primary key,
  customer_id              bigint not null references customers (id) on delete cascade,
  status                   text not null default 'bot' check (status in ('bot', 'queued', 'assigned', 'resolved')),
  assignee_id              bigint references users (id) on delete set null,
  handed_off               boolean not null default false,
  queued_at                timestamptz,
  assigned_at              timestamptz,
  first_response_at        timestamptz,           -- first agent reply after the hand-off
  first_response_seconds   integer,
  resolved_at              timestamptz,
  resolution_seconds       integer,
  resolved_by              text check (resolved_by in ('bot', 'agent', 'customer', 'system')),
  customer_last_seen_id    bigint not null default 0,
  agent_last_seen_id       bigint not null default 0,
  last_message_at          timestamptz,
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now()
);
create index conversations_customer_idx on conversations (customer_id, id desc);
create index conversations_queue_idx on conversations (queued_at, id) where status = 'queued';
create index conversations_assignee_idx on conversations (assignee_id) where status = 'assigned';
-- Deliberately not on last_message_at: every message touches that column, and leaving it out of all indexes keeps
-- that update a cheap HOT update (measured in bench:chat).
create index conversations_status_idx on conversations (status);

create table messages (
  id              bigserial primary key,
  conversation_id bigint not null references conversations (id) on delete cascade,
  author_type     text not null check (author_type in ('customer', 'bot', 'agent', 'system')),
  author_id       bigint references users (id) on delete set null,
  client_id       text,
  body            text not null,
  private         boolean not null default false,   -- agents' notes: never sent to the shopper
  metadata        jsonb not null default '{}'::jsonb,
  created_at      timestamptz not null default now(),
  constraint messages_client_id_once unique (conversation_id, client_id)
);
create index messages_conversation_idx on messages (conversation_id, id);

-- The customer-history timeline, written by the interactions worker.
create table interaction_events (
  id              bigserial primary key,
  idempotency_key text not null unique,
  customer_id     bigint references customers (id) on delete cascade,
  conversation_id bigint references conversations (id) on delete cascade,
  type            text not null,
  payload         jsonb not null default '{}'::jsonb,
  occurred_at     timestamptz not null,
  recorded_at     timestamptz not null default now()
);
create index interaction_events_customer_idx on interaction_events (customer_id, occurred_at desc);
create index interaction_events_type_idx on interaction_events (type, occurred_at);

-- CSAT ratings and article helpfulness, written by the feedback worker.
create table feedback (
  id              bigserial primary key,
  idempotency_key text not null unique,
  kind            text not null check (kind in ('csat', 'article')),
  customer_id     bigint references customers (id) on delete cascade,
  conversation_id bigint references conversations (id) on delete cascade,
  message_id      bigint,
  article_id      bigint,
  rating          smallint check (rating between 1 and 5),
  helpful         boolean,
  comment         text,
  created_at      timestamptz not null default now(),
  check ((kind = 'csat' and rating is not null) or (kind = 'article' and helpful is not null))
);
create index feedback_conversation_idx on feedback (conversation_id);
create index feedback_created_idx on feedback (kind, created_at);

-- Messages left while no agent was available.
create table offline_messages (
  id              bigserial primary key,
  customer_id     bigint references customers (id) on delete cascade,
  conversation_id bigint references conversations (id) on delete set null,
  name            text,
  email           text not null,
  body            text not null,
  handled_at      timestamptz,
  handled_by      bigint references users (id) on delete set null,
  created_at      timestamptz not null default now()
);

create table audit_log (
  id            bigserial primary key,
  actor_user_id bigint references users (id) on delete set null,
  action        text not null,
  target        text,
  details       jsonb not null default '{}'::jsonb,
  created_at    timestamptz not null default now()
);
