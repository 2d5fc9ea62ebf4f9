-- Teams (server/services/teams.ts): a shop with a few agents splits the work ("Returns & refunds", "Product
-- questions"). An admin puts agents in teams (an agent can be in several) and gives each team the intents it takes
-- (an intent belongs to at most one team). A chat handed off about one of those intents is tagged with the team, and
-- automatic assignment offers it to that team's online agents first — a preference, never a restriction.
create table teams (
  id         bigserial primary key,
  name       text not null check (char_length(name) between 1 and 60),
  created_at timestamptz not null default now()
);
-- "Returns" and "returns" would be two badges nobody can tell apart.
create unique index teams_name_idx on teams (lower(name));

create table team_members (
  team_id bigint not null references teams (id) on delete cascade,
  user_id bigint not null references users (id) on delete cascade,
  primary key (team_id, user_id)
);
-- Assignment asks "is this agent in the chat's team?" per candidate agent.
create index team_members_user_idx on team_members (user_id, team_id);

-- The key on intent_id is the rule "an intent belongs to at most one team", kept by the database even when two
-- admins save at once. Deleting an intent (or the team) drops its row.
create table team_intents (
  intent_id bigint primary key references intents (id) on delete cascade,
  team_id   bigint not null references teams (id) on delete cascade
);
create index team_intents_team_idx on team_intents (team_id);

-- The team a chat was handed off to, set once when it is queued and kept while it is assigned and after (the badge,
-- the inbox filter). Deleting a team only removes the tag: routing then treats the chat like any other.
alter table conversations add column team_id bigint references teams (id) on delete set null;
-- Few chats carry a team; the partial index serves the inbox filter and the set-null of a team's deletion. The
-- messages' update of the conversation leaves team_id alone, so it stays a HOT update.
create index conversations_team_idx on conversations (team_id) where team_id is not null;
