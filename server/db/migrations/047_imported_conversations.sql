-- Conversations brought in from the chat tool a shop used before (services/conversation-import.ts): the tool they came
-- from ("chatwoot", "intercom" …) and their id there. Both null for every conversation held here. The pair is unique,
-- so importing the same file again finds each conversation already there (reported as skipped) instead of adding it
-- twice; the index is partial, so the live conversations (all of them, nearly always) are not in it.
alter table conversations add column if not exists imported_from text;
alter table conversations add column if not exists external_id text;
alter table conversations add constraint conversations_imported_pair
  check ((imported_from is null) = (external_id is null));
create unique index if not exists conversations_imported_key on conversations (imported_from, external_id)
  where imported_from is not null;

-- A rating that came with an imported conversation: kept in the customer's history, left out of the reports (the team
-- here did not earn it). Every earlier row is a rating given here.
alter table feedback add column if not exists imported boolean not null default false;
