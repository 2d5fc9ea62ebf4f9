-- Automatic Away for an agent who left a console open and walked away (the team setting "Set agents Away after N
-- minutes without activity"). `last_active_at` is the agent's last input in any console tab or action that reached
-- the server; rows that exist now start their idle clock at this migration rather than at an old sign-in.
alter table users add column last_active_at timestamptz not null default now();
-- Set (to the setting's minutes, for the console's banner) when the idle sweep made the agent Away; null when the
-- agent chose their presence. Activity never undoes an Away, automatic or not; the agent does ("I'm back").
alter table users add column auto_away_minutes integer check (auto_away_minutes > 0);
