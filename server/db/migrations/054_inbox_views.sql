-- Saved inbox views ("Refunds waiting > 10 min", "Chinese chats for my team"): a name, a set of the inbox list's
-- filters and an order, one click away in the inbox's side list with a live count (server/services/inbox-views.ts).
-- Two kinds share the table, as macros and canned replies do: the team's (owner_id null; admins write them, audited;
-- every agent sees them) and an agent's own (owner_id set; only they see and edit them; gone with their account).
-- The filters are a JSON object the server validates (server/services/inbox-filters.ts) before storing it; the caps
-- (50 of the team's, 50 of each agent's own) are the server's.
create table inbox_views (
  id          bigserial primary key,
  name        text not null check (char_length(name) between 1 and 60),
  owner_id    bigint references users (id) on delete cascade,
  filters     jsonb not null check (jsonb_typeof(filters) = 'object'),
  sort        text check (sort in ('newest', 'oldest', 'waiting', 'priority')),
  created_by  bigint references users (id) on delete set null,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
-- The list an agent loads: the team's and their own, by name.
create index inbox_views_owner_name_idx on inbox_views (owner_id, lower(name));

-- "VIP priority" as a view is a list of the open priority chats: few among many, which this index finds without
-- reading the rest (migration 045 left it out while no list was filtered on the flag).
create index conversations_priority_open_idx on conversations (id) where priority and status <> 'resolved';
