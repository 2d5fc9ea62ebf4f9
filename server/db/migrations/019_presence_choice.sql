-- The presence an agent last chose in the console (online or away; offline only if they chose it). `presence` is
-- what routing sees now and drops to offline when their last console closes; this column is what a console that
-- connects again restores, for every tab and server alike (it used to live in each tab's sessionStorage, so tabs
-- disagreed). An agent who never chose starts online.
alter table users add column presence_choice text not null default 'online'
  check (presence_choice in ('online', 'away', 'offline'));
