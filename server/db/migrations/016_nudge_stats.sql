-- How the shop's proactive messages (widget settings "nudges") do: per day and rule, how often the widget showed
-- one and how often the shopper opened the chat from it. Counters only: nothing about who saw them.
create table nudge_stats (
  day      date not null,
  nudge_id text not null,
  shown    int  not null default 0,
  opened   int  not null default 0,
  primary key (day, nudge_id)
);
