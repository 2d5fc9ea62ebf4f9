-- Resolved hand-offs an admin has already used (added as an intent example,
-- drafted into an article) or dismissed: they leave the candidates list.
-- Deleting the conversation (or its customer) removes the mark with it.
create table learning_candidates_handled (
  conversation_id bigint primary key references conversations (id) on delete cascade,
  action          text not null check (action in ('example', 'article', 'dismissed')),
  handled_by      bigint references users (id) on delete set null,
  handled_at      timestamptz not null default now()
);
