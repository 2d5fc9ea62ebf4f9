// Per-webhook slots shared by every worker process through Redis, so that an
// endpoint that hangs (or times out) holds at most a few of the webhooks
// queue's slots and the other shops' endpoints keep theirs; plus the claim of
// the single probe an open circuit lets through.
//
// Each webhook has a sorted set of leases: member = the delivery's job id,
// score = when the lease expires (Redis server time, so the clocks of the
// worker machines do not matter). A lease is returned when the attempt ends;
// one whose worker crashed simply expires, so no slot leaks for longer than
// the lease. Taking a lease is one Lua script — drop expired leases, then add
// ours if fewer than the cap remain — so it is atomic across processes.
import type { Redis } from 'ioredis';

const ACQUIRE = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0`;

/** Sets the probe key unless another holder has it; the same holder taking it again renews it. */
const CLAIM_PROBE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return -1
end
return redis.call('PTTL', KEYS[1])`;

/** Deletes the probe key only if this holder still has it (its lease may have expired and passed to another). */
const RELEASE_PROBE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface EndpointSlots {
  /** Takes one of the webhook's slots for `holder` (a job id; taking it again renews it); false when all are taken. */
  acquire(webhookId: number, holder: string): Promise<boolean>;
  release(webhookId: number, holder: string): Promise<void>;
  /** Leases currently held (expired ones excluded): for tests and diagnostics. */
  held(webhookId: number): Promise<number>;
  /** Becomes the one probe of a half-open circuit: null when claimed, else the ms left of the other holder's claim. */
  claimProbe(webhookId: number, holder: string): Promise<number | null>;
  releaseProbe(webhookId: number, holder: string): Promise<void>;
}

/**
 * `keyPrefix` isolates installs sharing a Redis (the config's prefix); `leaseMs` must outlast the longest attempt
 * (the request timeout plus recording its outcome).
 */
export function endpointSlots(redis: Redis, keyPrefix: string, maxInFlight: number, leaseMs: number): EndpointSlots {
  const slotsKey = (webhookId: number) => `${keyPrefix}:webhook-in-flight:${webhookId}`;
  const probeKey = (webhookId: number) => `${keyPrefix}:webhook-probe:${webhookId}`;
  return {
    async acquire(webhookId, holder) {
      return (await redis.eval(ACQUIRE, 1, slotsKey(webhookId), holder, maxInFlight, leaseMs)) === 1;
    },
    async release(webhookId, holder) {
      await redis.zrem(slotsKey(webhookId), holder);
    },
    async held(webhookId) {
      const [seconds, micros] = await redis.time();
      return redis.zcount(slotsKey(webhookId), Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + 1, '+inf');
    },
    async claimProbe(webhookId, holder) {
      const left = Number(await redis.eval(CLAIM_PROBE, 1, probeKey(webhookId), holder, leaseMs));
      return left === -1 ? null : Math.max(left, 0);
    },
    async releaseProbe(webhookId, holder) {
      await redis.eval(RELEASE_PROBE, 1, probeKey(webhookId), holder);
    },
  };
}
