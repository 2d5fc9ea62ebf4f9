// The health of a webhook endpoint, kept on its row (018_webhook_health.sql) by
// the delivery worker after every attempt, and what follows from it:
//
// - A circuit breaker. After `breakerFailures` failed attempts in a row (any
//   deliveries) the circuit opens: deliveries wait, unattempted, until the
//   cool-down has passed; then one probe goes through (its claim is in Redis,
//   see webhook-slots.ts). A 2xx closes the circuit; a failure opens it again
//   for as long as the endpoint has been failing (at least the configured
//   cool-down, at most 10 minutes), so the pauses grow about twofold each time.
//   Why a breaker on top of the per-webhook cap: the cap keeps a dead endpoint
//   from taking the other endpoints' slots, the breaker keeps it from burning
//   its deliveries' attempts (and a slot for 10 s each) while it is down —
//   they are sent once it answers again.
// - Automatic deactivation. An endpoint that has failed every attempt for
//   `disableAfterMs` (and at least `disableMinFailures` times) is turned off,
//   with the reason and time on its row and an audit entry, as a 410 Gone does.
//   Re-activating it (PATCH active: true) clears both and the failure streak.
import type { Sql } from '../server/db/client.ts';
import { recordAudit } from '../server/services/audit-log.ts';
import type { WorkerSettings } from './settings.ts';

export type HealthSettings = Pick<WorkerSettings, 'webhookBreakerFailures' | 'webhookBreakerCooldownMs' | 'webhookDisableAfterMs' | 'webhookDisableMinFailures'>;

/** The longest pause of an open circuit (unless the configured cool-down is longer). */
export const MAX_BREAKER_COOLDOWN_MS = 10 * 60_000;

/** The health columns the worker reads with each delivery. */
export interface EndpointHealth {
  consecutive_failures: number;
  circuit_open_until: Date | null;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export function circuitState(health: EndpointHealth, settings: HealthSettings, now = Date.now()): CircuitState {
  if (health.consecutive_failures < settings.webhookBreakerFailures) return 'closed';
  return health.circuit_open_until && health.circuit_open_until.getTime() > now ? 'open' : 'half-open';
}

/**
 * A 2xx: the streak ends and the circuit closes. A healthy endpoint's row is written at most once a minute (so
 * last_success_at is exact to the minute), not once per delivery.
 */
export async function recordSuccess(sql: Sql, webhookId: number): Promise<void> {
  await sql`
    update webhooks set consecutive_failures = 0, failing_since = null, circuit_open_until = null, last_success_at = now()
    where id = ${webhookId}
      and (consecutive_failures > 0 or circuit_open_until is not null or last_success_at is null or last_success_at < now() - interval '1 minute')`;
}

/**
 * A failed attempt: extends the streak, opens the circuit when the streak reaches the threshold (or again after a
 * failed probe; a straggler failing while the circuit is already open does not prolong it), and turns the webhook off
 * when it has failed for long enough. Returns whether it was turned off now.
 */
export async function recordFailure(sql: Sql, webhookId: number, error: string, settings: HealthSettings): Promise<{ disabled: boolean }> {
  const maxCooldownMs = Math.max(settings.webhookBreakerCooldownMs, MAX_BREAKER_COOLDOWN_MS);
  await sql`
    update webhooks set
      consecutive_failures = consecutive_failures + 1,
      failing_since = coalesce(failing_since, now()),
      last_failure_at = now(),
      circuit_open_until = case
        when consecutive_failures + 1 >= ${settings.webhookBreakerFailures} and (circuit_open_until is null or circuit_open_until <= now())
        then now() + make_interval(secs => greatest(${settings.webhookBreakerCooldownMs}::float8,
               least(${maxCooldownMs}::float8, extract(epoch from now() - coalesce(failing_since, now())) * 1000)) / 1000)
        else circuit_open_until end
    where id = ${webhookId}`;
  const [disabled] = await sql<{ failing_since: Date; consecutive_failures: number }[]>`
    update webhooks set active = false, disabled_at = now(), updated_at = now(),
      disabled_reason = left('Failed every attempt since ' || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
                             || ' (' || consecutive_failures || ' in a row); last error: ' || ${error}, 500)
    where id = ${webhookId} and active
      and consecutive_failures >= ${settings.webhookDisableMinFailures}
      and failing_since <= now() - make_interval(secs => ${settings.webhookDisableAfterMs / 1000}::float8)
    returning failing_since, consecutive_failures`;
  if (!disabled) return { disabled: false };
  await recordAudit(sql, null, 'webhook.auto_disable', `webhook:${webhookId}`, {
    reason: 'failing', failingSince: disabled.failing_since.toISOString(), consecutiveFailures: disabled.consecutive_failures, lastError: error,
  });
  return { disabled: true };
}

/** 410 Gone: the receiver says the endpoint is no more; stop sending until an admin turns it on again. */
export async function disableGone(sql: Sql, webhookId: number): Promise<void> {
  const [row] = await sql`
    update webhooks set active = false, updated_at = now(), disabled_at = now(), disabled_reason = 'The endpoint answered 410 Gone'
    where id = ${webhookId} and active returning id`;
  if (row) await recordAudit(sql, null, 'webhook.auto_disable', `webhook:${webhookId}`, { reason: 'gone', status: 410 });
}
