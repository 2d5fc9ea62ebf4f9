// Builds one server: Fastify (HTTP API, OpenAPI at /docs, metrics) and the
// Socket.IO gateway on the same port, over shared Postgres and Redis. Tests
// start several of these in one process; main.ts starts one for real.
import Fastify from 'fastify';
import { subscribeCustomerChanged } from './customer-changes.ts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import type { Namespace } from 'socket.io';
import type { Config } from './config.ts';
import { prefixed } from './config.ts';
import { createSql } from './db/client.ts';
import { createQueues } from './queues.ts';
import { registerErrorHandler } from './plugins/errors.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerCrossSiteGuard } from './plugins/cross-site.ts';
import { customersRepository } from './repositories/customers.ts';
import { registerValidation } from './plugins/validation.ts';
import { registerTextGuard } from './plugins/text-guard.ts';
import { createMetrics, registerMetrics } from './plugins/metrics.ts';
import { authService } from './services/auth-service.ts';
import { createChatService, type ChatService } from './services/chat-service.ts';
import { automationRunner, type AutomationRunner } from './services/automation-rules.ts';
import { GreeterResponder, type Responder } from './services/responder.ts';
import { sharedSecret } from './services/secrets.ts';
import { batchingEventSink } from './services/event-batcher.ts';
import { createGateway } from './realtime/gateway.ts';
import { outageWatch, quietDuringOutages, resubscribingQuietly, watchConnection } from './redis-outages.ts';
import { serializeRequest } from './plugins/request-log.ts';
import { routePlugins } from './http/index.ts';
import type { AppContext } from './context.ts';
import type { App } from './http/types.ts';
import { applyRetention } from './services/retention.ts';
import { removeIdleVisitors } from './services/visitor-cleanup.ts';
import { followupScheduler } from './services/email-followup-queue.ts';
import { csatEmailScheduler } from './services/csat-email-queue.ts';
import { agentAlertScheduler } from './services/agent-email-alerts.ts';
import { emailEnabled } from './services/mailer.ts';
import { autoAwaySweepMs, createAutoAway } from './services/auto-away.ts';
import { BOT_IDLE_MINUTES } from './services/bot-idle.ts';
import { SNOOZE_WAKE_SWEEP_MS } from './services/snooze.ts';
import { createBotTurnRecovery, type BotTurnRecovery } from './services/bot-turn-recovery.ts';
import { createOwedEventsSweep, OWED_EVENTS_SWEEP_MS } from './services/owed-events.ts';
import { closeRedis, withinMs } from './shutdown.ts';
import { LOG_REDACTION } from './log-redaction.ts';

export interface ServerOptions {
  /** The bot seat; defaults to the greeter. main.ts passes the knowledge-base brain. */
  responder?: Responder;
  /** Extra setup run with the context before routes are registered (e.g. the brain's routes and reload). */
  extensions?: ((ctx: AppContext) => Promise<((app: App) => Promise<void>) | void>)[];
  /** Background sweeps (assignment retry, idle chats); off in tests that drive them by hand. */
  backgroundTimers?: boolean;
}

export interface ServerHandle {
  app: App;
  ctx: AppContext;
  /** Starts listening; resolves to the base URL (http://host:port). */
  listen(): Promise<string>;
  /** Marks offline the agents without an open console on any server (a background sweep; tests call it). */
  reconcilePresence(): Promise<number>;
  close(): Promise<void>;
}

const ASSIGN_SWEEP_MS = 5_000;
const IDLE_SWEEP_MS = 60_000;
/** Idle visitors pile up slowly and nothing waits for their removal: one batch every ten minutes keeps up with a busy shop. */
const VISITOR_CLEANUP_SWEEP_MS = 10 * 60_000;
/** How often agents shown as present without any open console (their server crashed) are marked offline. */
const PRESENCE_SWEEP_MS = 60_000;

export async function createServer(config: Config, options: ServerOptions = {}): Promise<ServerHandle> {
  const sql = createSql(config, { lockTimeoutMs: config.dbLockTimeoutMs });
  // Auto-pipelining sends the commands of one event-loop turn (adapter publishes, rate-limit counters) in one write.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  const subscriber = resubscribingQuietly(redis.duplicate({ enableAutoPipelining: false }));
  const closers: (() => Promise<void> | void)[] = [];

  const app = Fastify({
    logger: { level: config.logLevel, serializers: { req: serializeRequest }, redact: LOG_REDACTION },
    bodyLimit: 256 * 1024,
    // A number of hops as proxy-addr counts them: the socket's peer is hop 0, so n proxies are hops 0 … n-1.
    trustProxy: typeof config.trustProxy === 'number' ? ((_address: string, hop: number) => hop < (config.trustProxy as number)) : config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  // One line when Redis goes away and one when it is back, for all of this server's connections.
  const redisWatch = outageWatch('server', app.log);
  const fanoutSubscriber = resubscribingQuietly(redis.duplicate({ enableAutoPipelining: false }));
  // Commands a request waits on (rate limits, sign-in counters) fail at once while Redis is away, instead of queueing
  // until it is back: the request goes on without them (the rate limits fail open, login-throttle.ts counts in memory
  // meanwhile). Chats go on without Redis; signing in and starting a widget session must too.
  const requestRedis = redis.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  for (const connection of [redis, subscriber, fanoutSubscriber, requestRedis]) watchConnection(connection, redisWatch, 'server', app.log);
  // Up before the first request (or found away: an 'error' ends the wait), so a starting server counts from the first.
  await withinMs(5_000, once(requestRedis, 'ready'), () => {});
  // Failures of background sends that Redis being away explains are that outage's one line, not a warning each.
  const outageLog = quietDuringOutages(app.log, redisWatch);

  const visitorSecret = await sharedSecret(sql, 'visitor_token_secret', config.sessionSecret);
  const queues = createQueues(config);
  const auth = authService(sql, config.agentSessionTtlHours);
  const metrics = createMetrics();
  const responder = { current: options.responder ?? new GreeterResponder() };

  let chat: ChatService | undefined;
  // The rules act through the chat service and the context built around it: made once both exist.
  let automation: AutomationRunner | undefined;
  const gateway = await createGateway(app.server, {
    config, sql, pub: redis, sub: subscriber, fanoutSub: fanoutSubscriber, visitorSecret, auth, log: outageLog,
    chat: () => chat!,
  });
  chat = createChatService({ config, sql, events: batchingEventSink(queues), realtime: gateway.out, responder: () => responder.current, log: outageLog,
    followups: emailEnabled(config) ? followupScheduler(config, queues) : undefined,
    agentAlerts: emailEnabled(config) ? agentAlertScheduler(config, sql, queues) : undefined,
    csatEmails: emailEnabled(config) ? csatEmailScheduler(config, sql, queues) : undefined,
    automation: () => automation });
  for (const ns of [gateway.widget, gateway.agent] as unknown as Namespace[]) {
    ns.on('connection', (socket) => {
      metrics.socketsConnected.inc({ namespace: ns.name });
      socket.on('disconnect', () => metrics.socketsConnected.dec({ namespace: ns.name }));
    });
  }

  const ctx: AppContext = {
    config, sql, redis, requestRedis, queues, auth, chat, realtime: gateway.out, metrics, visitorSecret, responder, log: app.log,
    onClose: (fn) => void closers.push(fn),
  };
  automation = automationRunner(ctx);
  // Ratings the workers store (and other customer changes they publish) reach the consoles' customer panels.
  closers.push(await subscribeCustomerChanged(redis, config, (ids) => {
    for (const customerId of ids) gateway.out.toAgents('customer:updated', { customerId });
  }));

  registerValidation(app as never);
  registerTextGuard(app as never); // NUL in any string a request carries: a 400 before validation (see text-guard.ts)
  registerErrorHandler(app as never);
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    redis: requestRedis,
    skipOnError: true, // Redis away: requests are let through uncounted rather than refused or kept waiting
    nameSpace: `${prefixed(config, 'ratelimit')}:`,
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, code: 'rate_limited', message: `Too many requests; try again in ${context.after}.` }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Shopdesk API', version: '0.1.0', description: 'Customer-service chat: widget, agent console and admin API.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'sd_session' },
          bearer: { type: 'http', scheme: 'bearer' },
          // The shop feed's HMAC: an API key in the header's sense only (its value depends on the body); the routes say how to make it.
          feedSignature: { type: 'apiKey', in: 'header', name: 'x-shopdesk-signature', description: 'sha256=<hex HMAC-SHA256 of "<orders|products>:" + the x-shopdesk-timestamp header (Unix seconds, within 5 minutes) + "." + the raw body, keyed with the hex SHA-256 of "shopdesk-feed:" + the identity secret>' },
        },
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  registerCrossSiteGuard(app as never, config); // first: a forged request costs no session lookup
  registerAuth(app as never, auth, visitorSecret, (claim) => customersRepository(sql).tokenCounts(claim));
  registerMetrics(app as never, metrics, config.metricsToken);
  for (const plugin of routePlugins) await app.register(plugin(ctx));
  for (const extension of options.extensions ?? []) {
    const routes = await extension(ctx);
    if (routes) await app.register(routes);
  }

  const timers: NodeJS.Timeout[] = [];
  let botRecovery: BotTurnRecovery | undefined;
  if (options.backgroundTimers ?? config.nodeEnv !== 'test') {
    // Safety nets: hand-off and presence changes assign at once; these catch what a crashed server left behind.
    const sweep = (fn: () => Promise<unknown>, ms: number) => timers.push(setInterval(() => fn().catch((err) => app.log.warn({ err }, 'sweep failed')), ms).unref());
    sweep(() => chat!.assignPending(), ASSIGN_SWEEP_MS);
    sweep(() => chat!.resolveIdleBotConversations(BOT_IDLE_MINUTES), IDLE_SWEEP_MS);
    // Snoozed chats whose time has come (every server; SKIP LOCKED shares the rows out).
    sweep(() => chat!.wakeSnoozed(), SNOOZE_WAKE_SWEEP_MS);
    sweep(() => gateway.reconcilePresence(), PRESENCE_SWEEP_MS);
    if (config.offlineAgentReleaseMinutes > 0) sweep(() => chat!.releaseHeldChats({ offlineMinutes: config.offlineAgentReleaseMinutes }), PRESENCE_SWEEP_MS);
    if (config.assignedNoReplyMinutes > 0) sweep(() => chat!.releaseUnansweredChats(config.assignedNoReplyMinutes), PRESENCE_SWEEP_MS);
    // Idle agents set Away (the team setting, read on every run; 0 = off).
    const autoAway = createAutoAway({ config, sql, realtime: gateway.out });
    sweep(() => autoAway.sweep(), autoAwaySweepMs(config));
    if (config.retentionDays > 0) sweep(() => applyRetention(ctx.sql, config.retentionDays), IDLE_SWEEP_MS);
    if (config.visitorCleanupDays > 0) {
      sweep(async () => {
        const removed = await removeIdleVisitors(ctx.sql, config.visitorCleanupDays);
        if (removed) app.log.info({ removed }, 'idle visitor records removed');
      }, VISITOR_CLEANUP_SWEEP_MS);
    }
    if (config.autoResolveIdleHours > 0) sweep(() => chat!.resolveIdleHumanConversations(config.autoResolveIdleHours), IDLE_SWEEP_MS);
    // Shopper questions a killed server stored but never answered (bot-turn-recovery.ts): at start, then periodically.
    // Its claims on the request connection: while Redis is away they fail at once, and the turns run unclaimed (bot-turn-recovery.ts).
    const recovery = (botRecovery = createBotTurnRecovery({ config, sql, redis: requestRedis, chat: () => chat!, log: app.log }));
    sweep(() => recovery.sweep(), config.botRecoverySweepMs);
    recovery.sweep().catch((err) => app.log.warn({ err }, 'sweep failed'));
    // History events of stored messages that never reached the workers (Redis away, a server killed): owed-events.ts.
    const owedEvents = createOwedEventsSweep({ config, sql, redis, events: queues, log: app.log });
    sweep(() => owedEvents.sweep(), OWED_EVENTS_SWEEP_MS);
    owedEvents.sweep().catch((err) => app.log.warn({ err }, 'sweep failed'));
  }

  let closed = false;
  return {
    app,
    ctx,
    reconcilePresence: () => gateway.reconcilePresence(),
    async listen() {
      await app.ready();
      const address = await app.listen({ host: config.host, port: config.port });
      return address.replace('[::1]', 'localhost');
    },
    async close() {
      if (closed) return;
      closed = true;
      timers.forEach(clearInterval);
      const recoveryStopped = botRecovery?.stop(); // starts no more turns from here
      // Stop taking new work first, then finish what is in flight, then let go of the connections.
      gateway.beginShutdown();
      gateway.io.disconnectSockets(true);
      // Bounded: a browser holding a connection open, or a bot turn stuck on a dependency, must not keep a
      // stopping server alive for ever (a supervisor would kill it anyway, without the cleanup below).
      await withinMs(5_000, new Promise<void>((resolve) => gateway.io.close(() => resolve())), () => app.log.warn('connections still open after 5 s; closing anyway'));
      await withinMs(10_000, Promise.all([recoveryStopped, chat!.drain()]), () => app.log.warn('bot turns still running after 10 s; closing anyway'));
      await gateway.closeFanout();
      for (const fn of closers.reverse()) await fn();
      await app.close().catch(() => {});
      await queues.close();
      subscriber.disconnect();
      await closeRedis(requestRedis);
      await redis.quit().catch(() => redis.disconnect());
      await sql.end({ timeout: 5 });
    },
  };
}
