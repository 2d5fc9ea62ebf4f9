-- The first-reply target (team settings, `firstReplyTargetMinutes`) in force when a chat was handed to a person,
-- stored on the chat when it is queued (repositories/routing.ts, enqueue). The reports judged every past hand-off by
-- the current setting, so changing the target from 5 to 1 minute turned a past day's 95.9 % (47 in time, 2 late) into
-- 85.7 % (42/7): the reports now judge each chat by its own target and use the current setting only where this is
-- null (a chat never handed off). 0 = the team had no target then (the chat is measured against none).
alter table conversations add column if not exists first_reply_target_minutes integer
  check (first_reply_target_minutes between 0 and 1440);

-- Backfill: chats handed off before this migration get the setting current when it runs (the targets they had at the
-- time were never recorded), so their figures stay what the reports showed until now. The default (5) is the one of
-- services/team-settings.ts when the team never saved the setting or saved something that no longer fits.
update conversations c
set first_reply_target_minutes = coalesce(
  (select case when s.value ->> 'firstReplyTargetMinutes' ~ '^[0-9]{1,4}$' and (s.value ->> 'firstReplyTargetMinutes')::int <= 1440
               then (s.value ->> 'firstReplyTargetMinutes')::int end
   from settings s where s.key = 'team'), 5)
where c.handed_off and c.first_reply_target_minutes is null;
