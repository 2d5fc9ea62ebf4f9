-- The languages an agent answers in. Automatic assignment offers a queued chat to the agents who speak the
-- shopper's language first (a bilingual shop's Chinese chats reach its Chinese-speaking agents), and to the others
-- only when none of them has room. Empty = no preference given: the agent takes any language.
alter table users add column languages text[] not null default '{}'
  check (languages <@ array['en', 'zh']::text[]);
