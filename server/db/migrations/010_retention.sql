-- Retention: conversations resolved longer ago than RETENTION_DAYS are
-- anonymised by a sweep (their words removed, their statistics kept); this
-- marks the ones done so the sweep never looks at them again.
alter table conversations add column anonymised_at timestamptz;
create index conversations_retention_idx on conversations (resolved_at) where status = 'resolved' and anonymised_at is null;
