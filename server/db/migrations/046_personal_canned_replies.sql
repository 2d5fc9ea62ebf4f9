-- Personal canned replies: an agent's own saved replies beside the team's shared ones. owner_id null: shared with the
-- team (every agent reads them, admins write them); set: that agent's own, read and written by them alone, and gone
-- with their account.
alter table canned_responses add column owner_id bigint references users (id) on delete cascade;

-- A shortcut is unique per language among the shared replies, and per owner and language among one agent's own; an
-- agent's own /refund may sit beside the team's /refund (their reply box offers theirs first).
alter table canned_responses drop constraint canned_responses_shortcut_locale_key;
create unique index canned_responses_shared_shortcut_key on canned_responses (shortcut, locale) where owner_id is null;
create unique index canned_responses_personal_shortcut_key on canned_responses (owner_id, shortcut, locale) where owner_id is not null;
