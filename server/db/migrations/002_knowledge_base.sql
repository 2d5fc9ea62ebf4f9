-- Knowledge base and bot brain: intents and their examples, articles with
-- version history and retrieval chunks, trained classifier models, the demo
-- shop's orders, and what the bot could not answer (the learning loop).

create table intents (
  id           bigserial primary key,
  name         text not null unique check (name ~ '^[a-z0-9_]{1,60}$'),
  description  text not null default '',
  answer       jsonb not null default '{}'::jsonb,   -- {"en": "...", "zh": "..."}; empty = no canned answer
  action       text,                                 -- e.g. "order_status", "handoff"; null = answer only
  article_slug text,                                 -- optional article to link with the answer
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);

create table intent_examples (
  id         bigserial primary key,
  intent_id  bigint not null references intents (id) on delete cascade,
  locale     text not null check (locale in ('en', 'zh')),
  text       text not null check (length(text) between 1 and 500),
  created_at timestamptz not null default now(),
  unique (intent_id, locale, text)
);
create index intent_examples_intent_idx on intent_examples (intent_id);

create table articles (
  id              bigserial primary key,
  slug            text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  locale          text not null check (locale in ('en', 'zh')),
  title           text not null,
  category        text not null default 'general',
  status          text not null default 'draft' check (status in ('draft', 'published')),
  body            text not null default '',          -- Markdown
  current_version integer not null default 1,
  published_at    timestamptz,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (slug, locale)
);
create index articles_status_idx on articles (status, locale);

-- Every save of an article is a version; restoring one writes a new version with the old text.
create table article_versions (
  id         bigserial primary key,
  article_id bigint not null references articles (id) on delete cascade,
  version    integer not null,
  title      text not null,
  body       text not null,
  status     text not null check (status in ('draft', 'published')),
  category   text not null default 'general',
  created_by bigint references users (id) on delete set null,
  note       text,
  created_at timestamptz not null default now(),
  unique (article_id, version)
);

-- Published articles split by heading: the retriever's units. Rebuilt by the kb-index job.
create table article_chunks (
  id         bigserial primary key,
  article_id bigint not null references articles (id) on delete cascade,
  version    integer not null,
  position   integer not null,
  heading    text not null,
  text       text not null,
  unique (article_id, position)
);

-- Trained intent classifiers; the newest row is the live model.
create table nlu_models (
  id           bigserial primary key,
  version      integer not null unique,
  model        jsonb not null,
  encoder      text not null,
  stats        jsonb not null default '{}'::jsonb,
  intents_hash text not null,                        -- what the model was trained on; skips needless retrains
  trained_at   timestamptz not null default now()
);

-- Progress of the background knowledge-base jobs, for the admin status view.
create table kb_job_status (
  kind        text primary key check (kind in ('train', 'index')),
  state       text not null default 'idle' check (state in ('idle', 'queued', 'running', 'done', 'failed')),
  progress    integer not null default 0 check (progress between 0 and 100),
  started_at  timestamptz,
  finished_at timestamptz,
  error       text,
  details     jsonb not null default '{}'::jsonb,
  updated_at  timestamptz not null default now()
);
insert into kb_job_status (kind) values ('train'), ('index');

-- Demo shop orders for the order-status action. Customers are matched by the
-- shop's own user id (customers.external_id), so orders may exist before the
-- shopper ever chats.
create table orders (
  id                   bigserial primary key,
  number               text not null unique check (number ~ '^NW-[0-9]{6}$'),
  customer_external_id text not null,
  customer_id          bigint references customers (id) on delete set null,
  status               text not null check (status in ('pending', 'paid', 'processing', 'shipped', 'in_transit', 'delivered', 'cancelled', 'returned')),
  carrier              text,
  tracking_number      text,
  total_cents          integer not null check (total_cents >= 0),
  currency             text not null default 'USD',
  placed_at            timestamptz not null default now(),
  eta_from             date,
  eta_to               date,
  delivered_at         timestamptz,
  updated_at           timestamptz not null default now()
);
create index orders_customer_idx on orders (customer_external_id, placed_at desc);

create table order_items (
  id          bigserial primary key,
  order_id    bigint not null references orders (id) on delete cascade,
  sku         text not null,
  name        text not null,
  quantity    integer not null check (quantity > 0),
  price_cents integer not null check (price_cents >= 0)
);
create index order_items_order_idx on order_items (order_id);

-- What the bot could not handle, grouped by similarity (cluster_key = the
-- normalised words of the group's first question).
create table unanswered_questions (
  id              bigserial primary key,
  locale          text not null,
  text            text not null,                     -- representative (first) question
  normalised      text not null,
  cluster_key     text not null,
  tokens          text[] not null default '{}',
  count           integer not null default 1,
  examples        jsonb not null default '[]'::jsonb, -- up to 10 recent {text, conversationId, at}
  status          text not null default 'open' check (status in ('open', 'handled')),
  resolution      jsonb,                              -- what the admin did: {kind, intentId | articleId}
  first_seen      timestamptz not null default now(),
  last_seen       timestamptz not null default now()
);
create index unanswered_open_idx on unanswered_questions (status, last_seen desc);
create unique index unanswered_cluster_open_key on unanswered_questions (locale, cluster_key) where status = 'open';
