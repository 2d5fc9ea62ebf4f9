-- "Was this helpful?" under an intent's own typed answer, which links no article. Until now only answers quoting an
-- article asked, so the ratings of intent answers never reached the reports or the unanswered list. Such a rating is
-- kind 'answer' and names the intent that answered (an intent's name is its key: renaming one leaves old ratings
-- with the old name, like the intent recorded on the bot's messages).
alter table feedback add column if not exists intent text;
alter table feedback drop constraint if exists feedback_kind_check;
alter table feedback drop constraint if exists feedback_check;
alter table feedback add constraint feedback_kind_check check (kind in ('csat', 'article', 'answer'));
alter table feedback add constraint feedback_check check (
  (kind = 'csat' and rating is not null)
  or (kind = 'article' and helpful is not null)
  or (kind = 'answer' and helpful is not null and intent is not null)
);

-- Whether an intent's typed answer asks "Was this helpful?": yes by default, as an article's answer does; not under a
-- greeting or a goodbye (the intent editor's check box). The demo content's two such intents are set here for
-- installs seeded before this column; a shop's own greeting intent under another name is unticked in the editor.
alter table intents add column if not exists ask_helpful boolean not null default true;
update intents set ask_helpful = false where name in ('greeting', 'thanks_goodbye') and ask_helpful;
