import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { withinTimeLimit } from '../services/time-limit.ts';
import { registerWorkerGauges } from '../plugins/metrics.ts';
import { createWorkerHealthReader } from '../../workers/health.ts';

export default function systemRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.get('/healthz', {
      schema: { tags: ['system'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    }, async () => ({ status: 'ok' as const }));

    // One reader per server: /readyz and the /metrics gauges share its few-second cache.
    const workerHealth = createWorkerHealthReader({ config: ctx.config, redis: ctx.redis, sql: ctx.sql, queue: ctx.queues.queue });
    registerWorkerGauges(ctx.metrics.registry, workerHealth);

    const Check = Type.Object({ ok: Type.Boolean(), ms: Type.Number(), error: Type.Optional(Type.String()) });
    const QueueCounts = Type.Object({ waiting: Type.Integer(), active: Type.Integer(), delayed: Type.Integer(), failed: Type.Integer() });
    // Informational: a server takes chats without workers (their events wait in Redis), so this never fails readiness.
    const Workers = Type.Object({
      alive: Type.Integer({ description: 'worker processes whose heartbeat has not expired' }),
      lastSeenSecondsAgo: Type.Union([Type.Integer(), Type.Null()], { description: 'since any worker last beat; null when none ever did' }),
      processes: Type.Array(Type.String(), { description: 'host:pid:tag of each live worker process' }),
    });
    const Ready = Type.Object({
      status: Type.String(),
      postgres: Check,
      redis: Check,
      workers: Type.Union([Workers, Type.Null()]),
      queues: Type.Union([Type.Record(Type.String(), QueueCounts), Type.Null()], { description: 'jobs per queue; null when Redis did not answer' }),
    });
    app.get('/readyz', {
      schema: {
        tags: ['system'],
        summary: 'Readiness: Postgres and Redis answer (the workers and queue backlogs are reported, not required)',
        response: { 200: Ready, 503: Ready },
      },
    }, async (_request, reply) => {
      const timed = async (probe: () => Promise<unknown>) => {
        const started = performance.now();
        try {
          await withinTimeLimit(probe(), 2000, 'timeout after 2s');
          return { ok: true, ms: Math.round(performance.now() - started) };
        } catch (error) {
          return { ok: false, ms: Math.round(performance.now() - started), error: (error as Error).message };
        }
      };
      const [postgres, redis, background] = await Promise.all([
        timed(() => ctx.sql`select 1`),
        timed(() => ctx.redis.ping()),
        workerHealth.workersAndQueues().catch(() => null),
      ]);
      const ready = postgres.ok && redis.ok;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unavailable',
        postgres,
        redis,
        workers: background?.workers ?? null,
        queues: background?.queues ?? null,
      });
    });
  };
}
