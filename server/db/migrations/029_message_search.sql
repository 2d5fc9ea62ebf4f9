-- The inbox's text search (server/repositories/conversation-search.ts) matches `%words%` anywhere in a message body
-- or in the customer's name, email or shop user id. A btree cannot serve a pattern with a leading wildcard; pg_trgm's
-- GIN indexes can: the pattern's trigrams pick the few candidate rows and Postgres rechecks each. Measured with
-- `npm run bench:search` (docs/benchmarks.md): on 1.2 million messages a rare word went from reading every message
-- (seconds) to tens of milliseconds.
-- pg_trgm ships with Postgres (contrib; in the postgres:16 image too). It decides word characters by the database's
-- ctype: under C.UTF-8 and en_US.UTF-8 Chinese characters are letters, so Chinese text is indexed like English.
-- Patterns with no run of 3 letters or digits give no trigram to look up: the search treats those as short searches.
create extension if not exists pg_trgm;

-- Every message, private notes included: agents search their own notes too.
create index if not exists messages_body_trgm_idx on messages using gin (body gin_trgm_ops);
-- One per customer column, combined by a BitmapOr: a pattern matching across two fields is not a match.
create index if not exists customers_name_trgm_idx on customers using gin (name gin_trgm_ops);
create index if not exists customers_email_trgm_idx on customers using gin (email gin_trgm_ops);
create index if not exists customers_external_id_trgm_idx on customers using gin (external_id gin_trgm_ops);
