-- Two records of one person become one (server/services/customer-merge.ts): an anonymous visitor who signs in to
-- the shop as a customer we already know, or two records an agent merged. The record merged away stays as an empty
-- row pointing at the one that was kept, so that work still queued for the old id (history events, ratings) finds
-- its way to the kept record, and so a browser still holding the old visitor token is not resumed.
alter table customers
  add column merged_into_id bigint references customers (id) on delete cascade,
  add column merged_at      timestamptz;
create index customers_merged_into_idx on customers (merged_into_id) where merged_into_id is not null;

-- A merge (every sign-in of a visitor we already know) moves rows by customer_id in every table that has one; these
-- three had no index on it, so each merge, and each customer deletion, read them whole.
create index feedback_customer_idx on feedback (customer_id);
create index offline_messages_customer_idx on offline_messages (customer_id);
create index orders_customer_id_idx on orders (customer_id);
