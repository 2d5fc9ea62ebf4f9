// Prometheus metrics. Each server instance has its own registry so that two
// instances in one process (tests) do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { sameSecret } from '../services/secrets.ts';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    socketsConnected: new Gauge({ name: 'sockets_connected', help: 'Connected sockets by namespace', labelNames: ['namespace'], registers: [registry] }),
    messagesStored: new Counter({ name: 'chat_messages_stored_total', help: 'Messages stored by author type', labelNames: ['author'], registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * `token`: when set (METRICS_TOKEN), /metrics answers only `Authorization: Bearer <token>`, for a server whose port
 * the internet reaches; the figures (routes, rates, queue sizes) are nobody else's business. Empty: open, for a
 * scraper on a private network.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, token = ''): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token && !sameSecret(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1], token)) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ error: { code: 'unauthorized', message: 'Send the METRICS_TOKEN as Authorization: Bearer <token>.' } });
    }
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
