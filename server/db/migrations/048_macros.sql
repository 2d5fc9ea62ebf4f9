-- Macros: one click runs several actions on the open chat (reply, note, labels, priority, snooze, team transfer,
-- resolve), each through the same service path the single action uses (server/services/macros.ts). Two kinds share
-- the table, as canned replies do: the team's (owner_id null; admins write them, audited) and an agent's own
-- (owner_id set; only that agent sees, runs and edits them; gone with their account). The actions are a JSON array
-- of 1–10 steps, validated by the server before they are stored; the caps on how many macros there are (100 of the
-- team's, 200 of each agent's own) are the server's.
create table macros (
  id          bigserial primary key,
  name        text not null check (char_length(name) between 1 and 80),
  visibility  text not null check (visibility in ('team', 'personal')),
  owner_id    bigint references users (id) on delete cascade,
  actions     jsonb not null check (jsonb_typeof(actions) = 'array' and jsonb_array_length(actions) between 1 and 10),
  created_by  bigint references users (id) on delete set null,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  check ((visibility = 'team') = (owner_id is null))
);
-- The list an agent loads: the team's and their own, by name.
create index macros_owner_name_idx on macros (owner_id, lower(name));
