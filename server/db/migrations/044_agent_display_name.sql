-- The name an agent shows to shoppers (Account panel, or an admin on the team page): a first name or a nickname
-- instead of the full name colleagues see in the console. Null = the full name (`name`). What the widget, the
-- shopper's transcript and follow-up emails call an agent is `coalesce(display_name, name)` at the moment a line is
-- written; a message keeps the name it was sent with (messages.metadata.agentShownName).
alter table users add column if not exists display_name text
  check (display_name is null or char_length(display_name) between 1 and 40);
