-- Email alerts to agents (workers/agent-email-alerts.ts) are sent with no transaction open: the worker claims the
-- events it will email in a short transaction (the BullMQ job that claimed them, and when), sends, then closes them
-- as emailed. A retry of the same job takes its own claim again; a claim another job made within the claim time is
-- that job's, so the events are never in two emails at once; a claim left by a job that died goes to the next one.
alter table agent_alert_events add column claimed_by text;
alter table agent_alert_events add column claimed_at timestamptz;
