-- Every browser that loads the widget gets a customer record (its visitor token names one), though most never
-- write. The customers page lists people the team has dealt with, and a sweep removes visitors who left no trace
-- (server/services/visitor-cleanup.ts); each reads its own partial index instead of every visitor.
create index customers_people_seen_idx on customers (last_seen_at desc nulls last)
  where merged_into_id is null and (conversations_count > 0 or external_id is not null or email is not null or name is not null);
create index customers_idle_visitors_idx on customers (last_seen_at)
  where external_id is null and email is null and name is null and conversations_count = 0;
