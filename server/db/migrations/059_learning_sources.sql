-- What the learning loop taught the bot from which conversation, so that deleting a customer takes their words out
-- of the bot's training data and the drafts made of them. Before, deletion matched texts against the unanswered
-- list's kept examples only: a question added from a resolved hand-off (never in that list) or one pushed out of a
-- group's ten kept examples stayed an intent example for good, and a draft started from a chat kept the shopper's
-- question and the agent's reply. Written by the unanswered and candidate routes (server/http/admin-kb-routes.ts),
-- read by customer deletion (server/services/customer-privacy.ts).
--  - kind 'example' / 'out_of_scope': `text` as stored among the intent examples / the out-of-scope examples. Kept by
--    text, not as a column of intent_examples: an intent's examples are rewritten whole when it is edited or
--    imported, and the out-of-scope examples are a list in settings; the text survives both.
--  - kind 'article': the draft started from the conversation (removed with the article).
-- No foreign key to conversations: like unanswered_questions.source_conversation_id, the record must outlive a
-- conversation that is deleted before its customer is.
create table learning_sources (
  id              bigserial primary key,
  conversation_id bigint not null,
  kind            text not null check (kind in ('example', 'out_of_scope', 'article')),
  text            text check (text <> ''),
  article_id      bigint references articles (id) on delete cascade,
  created_at      timestamptz not null default now(),
  check ((kind = 'article') = (article_id is not null) and (kind = 'article' or text is not null))
);
create index learning_sources_conversation_idx on learning_sources (conversation_id);

-- A training or indexing the admin API could not queue (Redis unreachable) after the change was stored: the change
-- is committed, so the request answers success with a warning, and the workers queue the owed job at start and on
-- every sweep until one goes through (knowledge-base/owed-jobs.ts).
alter table kb_job_status add column owed_since timestamptz;
