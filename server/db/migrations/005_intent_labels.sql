-- What a clarifying question shows the shopper for an intent ("Refund status"),
-- per language: {"en": "...", "zh": "..."}. Empty = its first example is shown.
alter table intents add column label jsonb not null default '{}'::jsonb;
