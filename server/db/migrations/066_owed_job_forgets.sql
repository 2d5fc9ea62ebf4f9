-- Deleted customers whose words the job queue still holds (forget-queued-jobs.ts, queuedJobsForgetter). A deletion
-- during a Redis outage owes the clean-up of their queued and kept jobs until Redis is back; the debt was kept in the
-- server's memory only, so a server stopped meanwhile (a deploy, a crash) left their messages and comments in failed
-- jobs for good. Kept here, every server takes up what is owed when it starts and retries until it is done.
-- The customer's id alone: the row it named is erased, and the debt must outlive it.
create table if not exists owed_job_forgets (
  customer_id bigint primary key,
  owed_since timestamptz not null default now()
);
