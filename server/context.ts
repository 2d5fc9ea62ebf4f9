// Everything a route or socket handler may use, built once per server in app.ts.
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Sql } from './db/client.ts';
import type { AuthService } from './services/auth-service.ts';
import type { ChatService } from './services/chat-service.ts';
import type { Queues } from './queues.ts';
import type { Metrics } from './plugins/metrics.ts';
import type { Responder } from './services/responder.ts';
import type { RealtimeOut } from './services/realtime-out.ts';

export interface AppContext {
  config: Config;
  sql: Sql;
  /** Commands connection (not for subscribing). */
  redis: Redis;
  /** For commands a request waits on: fails at once while Redis is away (no queueing until it is back). */
  requestRedis: Redis;
  queues: Queues;
  auth: AuthService;
  chat: ChatService;
  realtime: RealtimeOut;
  metrics: Metrics;
  /** Signs visitor tokens; shared by all servers (config or Postgres). */
  visitorSecret: string;
  /** The bot seat; replaceable at run time (the knowledge-base brain hot-reloads). */
  responder: { current: Responder };
  log: FastifyBaseLogger;
  /** Closers run at shutdown, last registered first (subscriptions, timers, extra connections). */
  onClose(fn: () => Promise<void> | void): void;
}
