-- The report's bot figures (top intents, the bot's turns by outcome, hand-off reasons) counted per UTC day, so a
-- year's report sums a few thousand rows instead of reading a million events' payloads (5.3 s for 366 days of a busy
-- shop, bench:reports). A row counts the events of one day with the same type and the same three payload fields the
-- report groups by; the report adds the events of the partial UTC days at its range's edges from interaction_events
-- itself, so every time zone's days stay exact (console-reports.ts, reportedEventCounts).
--
-- Kept by triggers on interaction_events rather than by each writer: the interactions worker, the feedback worker,
-- the import, a customer's deletion (which cuts payloads down, REPORTED_EVENTS) and cascades all change the table, and
-- a missed one would make the report wrong. A re-delivered event is harmless: `on conflict do nothing` leaves the row
-- out of the statement's new rows, so it is not counted twice.
-- No writer may slip between the count of the events so far (at the end) and the triggers' first run: writes wait
-- for this migration's transaction (reads do not).
lock table interaction_events in share row exclusive mode;

create table report_event_days (
  day    date not null,
  type   text not null,
  intent text,
  reason text,
  action text,
  events bigint not null,
  constraint report_event_days_key unique nulls not distinct (day, type, intent, reason, action)
);

-- The types and fields are REPORTED_EVENTS' (console-reports.ts). TG_ARGV[0] is +1 for rows added, -1 for rows
-- removed; an update runs both (old rows out, new rows in). Rows are upserted in key order, so concurrent batches
-- lock the shared rows in the same order and wait rather than deadlock.
create function report_event_days_count() returns trigger language plpgsql as $$
begin
  insert into report_event_days as d (day, type, intent, reason, action, events)
  select (e.occurred_at at time zone 'UTC')::date, e.type, e.payload ->> 'intent', e.payload ->> 'reason', e.payload ->> 'action',
         TG_ARGV[0]::int * count(*)
  from changed e
  where e.type in ('bot.decision', 'handoff')
  group by 1, 2, 3, 4, 5
  order by 1, 2, 3, 4, 5
  on conflict on constraint report_event_days_key do update set events = d.events + excluded.events;
  return null;
end $$;

create function report_event_days_clear() returns trigger language plpgsql as $$
begin
  delete from report_event_days;
  return null;
end $$;

create trigger report_event_days_insert after insert on interaction_events
  referencing new table as changed for each statement execute function report_event_days_count('1');
create trigger report_event_days_delete after delete on interaction_events
  referencing old table as changed for each statement execute function report_event_days_count('-1');
create trigger report_event_days_update_out after update on interaction_events
  referencing old table as changed for each statement execute function report_event_days_count('-1');
create trigger report_event_days_update_in after update on interaction_events
  referencing new table as changed for each statement execute function report_event_days_count('1');
create trigger report_event_days_truncate after truncate on interaction_events
  for each statement execute function report_event_days_clear();

-- Counts every event again: here for the events so far, and after a bulk load that bypassed the triggers
-- (session_replication_role = replica, as bench/reports.ts loads its year).
create function report_event_days_recount() returns void language sql as $$
  delete from report_event_days;
  insert into report_event_days (day, type, intent, reason, action, events)
  select (occurred_at at time zone 'UTC')::date, type, payload ->> 'intent', payload ->> 'reason', payload ->> 'action', count(*)
  from interaction_events
  where type in ('bot.decision', 'handoff')
  group by 1, 2, 3, 4, 5;
$$;

select report_event_days_recount();
