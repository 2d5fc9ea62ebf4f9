-- Which intent a taught example was added to. Before, a learning source of kind 'example' held only its text, and
-- customer deletion removed that text from every intent holding it: also from an intent where an admin had typed the
-- same sentence themselves ("where is my order"). Now deletion removes it from this intent only.
--  - By id, not name: an intent keeps its id when it is renamed, edited or imported (merged by name), while its
--    examples are rewritten whole; only the text is matched within it, so the link survives all of those.
--  - Deleting the intent deletes its examples, and so the records of where they came from.
--  - Null for the other kinds, and for examples recorded before this migration (their intent was not kept): those
--    keep the old rule, the text is removed from every intent.
alter table learning_sources add column intent_id bigint references intents (id) on delete cascade;
alter table learning_sources add constraint learning_sources_intent_only_for_examples check (intent_id is null or kind = 'example');
create index learning_sources_intent_idx on learning_sources (intent_id) where intent_id is not null;
