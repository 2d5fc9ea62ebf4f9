-- Every change of a conversation row counts up its version. Clients get the conversation as it was read after a
-- change, and two such reads can reach them out of order: the hand-off's "queued" read on one pool connection (or
-- server) can arrive after the assignment's "assigned", and the widget then said "waiting for an agent" under the
-- agent's reply. The widget and the console keep the higher version of the same chat and drop an older one.
-- A counter set by a trigger rather than by each statement: some twenty statements update conversations, and a
-- missed one would make a real change look old. The column is not indexed, so the messages' update stays HOT.
alter table conversations add column version bigint not null default 0;
create function conversations_count_version() returns trigger language plpgsql as $$
begin
  new.version := old.version + 1;
  return new;
end $$;
create trigger conversations_count_version before update on conversations
  for each row execute function conversations_count_version();
