import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { withinTimeLimit } from '../services/time-limit.ts';

export default function systemRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.get('/healthz', {
      schema: { tags: ['system'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    }, async () => ({ status: 'ok' as const }));

    const Check = Type.Object({ ok: Type.Boolean(), ms: Type.Number(), error: Type.Optional(Type.String()) });
    app.get('/readyz', {
      schema: {
        tags: ['system'],
        summary: 'Readiness: Postgres and Redis answer',
        response: { 200: Type.Object({ status: Type.String(), postgres: Check, redis: Check }), 503: Type.Object({ status: Type.String(), postgres: Check, redis: Check }) },
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
      const [postgres, redis] = await Promise.all([timed(() => ctx.sql`select 1`), timed(() => ctx.redis.ping())]);
      const ready = postgres.ok && redis.ok;
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', postgres, redis });
    });
  };
}
