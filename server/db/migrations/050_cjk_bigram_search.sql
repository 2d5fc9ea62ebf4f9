-- The inbox's text search for two-character Chinese (Japanese, Korean) words — 退款, 发票, 尺码 — in every chat, not
-- only the list's newest (server/repositories/conversation-search.ts). pg_trgm (migration 029) has no trigram to look
-- up in a 2-character pattern, and Chinese text has no spaces to make a word of one. These GIN indexes hold each
-- message's (and customer's) overlapping pairs of CJK characters: "我想退款" gives 我想, 想退, 退款. A search for 退款 takes
-- the rows whose pairs contain 退款 and checks each for the words as typed, as ILIKE compares them: the index only
-- narrows the candidates ("退 款" has both characters but not the pair, so it is never a candidate; a row holding
-- every pair of the words but not the words themselves fails the check). Characters are taken as stored: no case
-- (moot for CJK), no full-width or Traditional/Simplified folding, as before.
-- Measured with `npm run bench:search` (docs/benchmarks.md) on 300,000 chats and 2.4 million messages, 30 % Chinese:
-- the message index builds in about 35 s (2 busy cores) and takes 13 MB (the trigram index: 139 MB); a rare
-- 2-character word went from not found (the newest 2,000 chats only, 135 ms) to every chat in 1.4 ms.
-- CREATE INDEX takes a lock that blocks writes to the table (not reads) while it builds, and migrations run in one
-- transaction (server/db/migrate.ts), where CREATE INDEX CONCURRENTLY cannot run. On a large install, create the two indexes by hand first, with the function
-- below and CREATE INDEX CONCURRENTLY under the same names: the `if not exists` here then skips them.

-- The CJK characters: kana, Han (basic, extension A, compatibility, the supplementary planes' extensions), Hangul
-- syllables. The search's CJK_PAIR (conversation-search.ts) uses the same ranges to decide which searches come here.
create or replace function cjk_bigrams(body text) returns text[]
language sql immutable strict parallel safe
as $fn$
  select coalesce(array_agg(distinct substr(run[1], i, 2)), '{}')
  from regexp_matches(body, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3\U00020000-\U0003134f]{2,}', 'g') as run,
       generate_series(1, char_length(run[1]) - 1) as i
$fn$;

-- Every message, private notes included, as the trigram index.
create index if not exists messages_body_cjk_bigrams_idx on messages using gin (cjk_bigrams(body));
-- The customer's name, email and shop user id in one index, a space between (not CJK: no pair spans two fields). The
-- search writes this expression word for word, so that the planner matches it.
create index if not exists customers_cjk_bigrams_idx on customers
  using gin (cjk_bigrams(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(external_id, '')));
