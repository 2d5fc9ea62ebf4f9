-- The shop's products, sent by its backend (PUT /api/integrations/products) or
-- seeded for the demo: the bot answers questions about them ("is the tote
-- waterproof?") from their descriptions, with a link to the product page.
create table products (
  id bigserial primary key,
  sku text not null unique check (length(sku) between 1 and 64),
  locale text not null default 'en' check (locale in ('en', 'zh')),
  name text not null check (length(name) between 1 and 200),
  url text check (url is null or url ~ '^(https?://|/)'),   -- absolute, or a path on PUBLIC_URL (the demo)
  price_cents integer check (price_cents >= 0),
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  description text not null default '' check (length(description) <= 5000),
  attributes json not null default '{}'::json,   -- json, not jsonb: the facts keep the shop's order
  in_stock boolean,
  updated_at timestamptz not null default now()
);
