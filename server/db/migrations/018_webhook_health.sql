-- Health of each webhook endpoint, kept by the delivery worker (workers/webhook-delivery.ts) and shown in the
-- console: the circuit breaker that pauses deliveries to a failing endpoint, and the automatic deactivation of an
-- endpoint that has failed every attempt for days. Re-activating a webhook (or changing its URL) clears the streak.
alter table webhooks
  -- Attempts (any delivery) that failed since the last 2xx; reset by a 2xx.
  add column consecutive_failures int not null default 0,
  -- When the current streak of failures began (null while the last attempt succeeded).
  add column failing_since timestamptz,
  -- Kept to the minute for a healthy endpoint (written at most once a minute), exact after a failure streak.
  add column last_success_at timestamptz,
  add column last_failure_at timestamptz,
  -- The circuit is open (deliveries wait, unattempted) until then; also the lease of the one probe let through
  -- once it has passed. Null: closed.
  add column circuit_open_until timestamptz,
  -- Why and when the worker turned the webhook off (410 Gone, or failing for too long); null when an admin did, or
  -- while it is active.
  add column disabled_reason text,
  add column disabled_at timestamptz;
