-- Which intent a taught example was added to. Before, a learning source of kind 'example' held only its text, and
-- customer deletion removed that text from every intent holding it: also from an intent where an admin had typed the
-- same sentence themselves ("where is my order"). Now, while that intent still holds the text, deletion removes it
-- from this intent only.
--  - By id, not name: an intent keeps its id when it is renamed, edited or imported (merged by name), while its
--    examples are rewritten whole; only the text is matched within it, so the link survives all of those.
--  - The link is a hint, never the only way to find the shopper's words: when the intent no longer holds the text (an
--    admin moved the sentence to another intent by hand) or is gone (deleted, or renamed by a 'replace' import, which
--    deletes the old intent and creates the new one), the text is looked for in every intent, as before. So deleting
--    the intent sets the link to null rather than deleting the record: a cascade would leave the words, wherever
--    they went, with nothing tying them to the customer.
--  - Null for the other kinds, and for examples recorded before this migration (their intent was not kept): those
--    keep the old rule, the text is removed from every intent.
alter table learning_sources add column intent_id bigint references intents (id) on delete set null;
alter table learning_sources add constraint learning_sources_intent_only_for_examples check (intent_id is null or kind = 'example');
create index learning_sources_intent_idx on learning_sources (intent_id) where intent_id is not null;
