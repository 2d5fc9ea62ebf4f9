// The realtime gateway: Socket.IO namespaces for shoppers (/widget) and agents
// (/agent), authenticated at the handshake, every payload validated, every
// failure answered with {ok:false, error} instead of a thrown exception. Rooms
// are broadcast through Redis, so a shopper on one server and an agent on
// another see each other's messages.
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { prefixed } from '../config.ts';
import { AppError, badRequest, refusalBody } from '../errors.ts';
import type {
  AgentClientToServer, AgentServerToClient, AgentSocketData, ErrorBody,
  ShopperActivity, ShopperPage, WidgetClientToServer, WidgetServerToClient, WidgetSocketData,
} from './event-maps.ts';
import { payloadProblem, type PayloadSchemaName } from './payload-schemas.ts';
import { createMessageFanout, fanoutChannel } from './message-fanout.ts';
import type { RealtimeOut } from '../services/realtime-out.ts';
import type { ChatService } from '../services/chat-service.ts';
import type { AuthService } from '../services/auth-service.ts';
import { PASSWORD_CHANGE_REQUIRED, passwordChangeRequiredMessage, SESSION_COOKIE, tokenHash } from '../services/auth-service.ts';
import { fromOwnOrigin } from '../plugins/cross-site.ts';
import { ORIGIN_NOT_ALLOWED, originRefusal, refusedWidgetSocketOrigin } from '../http/widget-origin.ts';
import { verifyVisitorToken } from '../services/visitor-tokens.ts';
import { shopperPage } from '../services/shopper-page.ts';
import { lastPages } from '../services/shopper-activity.ts';
import type { Sql } from '../db/client.ts';
import { usersRepository } from '../repositories/users.ts';
import { forShopperMessage } from '../repositories/conversations.ts';
import { routingRepository } from '../repositories/routing.ts';
import { withinTimeLimit } from '../services/time-limit.ts';
import type { Presence } from './event-maps.ts';
import { activityWriteMs } from '../services/auto-away.ts';
import { liveCustomer, visitorKeyMatches } from '../repositories/customers.ts';
import { MAX_SOCKETS_PER_SHOPPER, shopperLimits, tokenBucket } from './shopper-limits.ts';

type WidgetNs = Namespace<WidgetClientToServer, WidgetServerToClient, Record<string, never>, WidgetSocketData>;
type AgentNs = Namespace<AgentClientToServer, AgentServerToClient, Record<string, never>, AgentSocketData>;
type AnySocket = Socket<Record<string, (...args: never[]) => void>, { 'request:error': (p: { event: string; error: ErrorBody }) => void }>;

export const convRoom = (id: number) => `conv:${id}`;
const customerRoom = (id: number) => `customer:${id}`;
const agentRoom = (id: number) => `agent:${id}`;
/** Every console socket opened with one session (by the token's hash): ending the session closes them. */
const sessionRoom = (hash: string) => `session:${hash}`;
const AGENTS_ROOM = 'agents';
/**
 * Agent actions that show the agent is at the console (the idle clock of automatic Away restarts). Not a join: a
 * console joins its open conversation again by itself after a reconnect, with nobody there.
 */
const ACTIVE_EVENTS = new Set(['message:send', 'conversation:accept', 'conversation:transfer', 'conversation:assign', 'conversation:requeue', 'conversation:transfer-team', 'conversation:takeover', 'conversation:resolve', 'conversation:reopen', 'conversation:snooze', 'conversation:unsnooze']);

/** An agent's presence as consoles are told it: with the minutes of inactivity when the server set it Away. */
type HeldPresence = { presence: Presence; autoAwayMinutes?: number };
const heldPresence = (presence: Presence, autoAwayMinutes: number | null): HeldPresence =>
  presence === 'away' && autoAwayMinutes ? { presence, autoAwayMinutes } : { presence };
/** How long an agent's join waits for other servers to say whether the shopper has a page open. */
const ONLINE_CHECK_TIMEOUT_MS = 1_500;
/**
 * Longest an agent's handshake waits for its session check: a namespace connect has no client-side timeout, so a
 * check queued behind a busy pool (or a new Postgres connection, 30 s at most) would leave the console waiting
 * silently. Past this it is refused as retryable and the console tries again.
 */
const HANDSHAKE_CHECK_TIMEOUT_MS = 5_000;

export interface GatewayDeps {
  config: Config;
  sql: Sql;
  pub: Redis;
  sub: Redis;
  /** A connection of the fanout's own (it goes into subscriber mode). */
  fanoutSub: Redis;
  visitorSecret: string;
  auth: AuthService;
  chat: () => ChatService;
  log: { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
}

/** The value of one cookie from a Cookie header. */
function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The Redis adapter fires its publishes without awaiting them. One that fails (Redis unreachable, or this
 * server shutting down while a handler is still in flight) must be logged, not left as an unhandled rejection
 * that would end the process. Clients resync on reconnect, so a lost broadcast loses no message.
 */
function observedPublisher(redis: Redis, log: GatewayDeps['log']): Redis {
  return new Proxy(redis, {
    get(target, property, receiver) {
      if (property !== 'publish') return Reflect.get(target, property, receiver);
      return (...args: Parameters<Redis['publish']>) => {
        const result = target.publish(...args);
        result.catch((error: Error) => log.warn({ err: error }, 'realtime broadcast not published'));
        return result;
      };
    },
  });
}

/** An error as a socket ack says it; a refusal's `reason` and `params` (errors.ts's `worded`) go along. */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) return refusalBody(error);
  return { code: 'internal', message: 'Something went wrong on our side; please try again.' };
}

/** Per-socket limits of the other events (the shopper's messages share one bucket: shopper-limits.ts). */
const rateLimiter = tokenBucket;

export async function createGateway(httpServer: HttpServer, deps: GatewayDeps) {
  const io = new Server(httpServer, {
    // Large enough that an oversized message reaches validation and gets a clear error,
    // small enough that nobody can push megabytes through one frame.
    maxHttpBufferSize: 1_500_000,
    cors: { origin: true, credentials: false },
    serveClient: false,
    connectionStateRecovery: undefined,
  });
  io.adapter(createAdapter(observedPublisher(deps.pub, deps.log), deps.sub, { key: prefixed(deps.config, 'socket.io') }));
  const widget = io.of('/widget') as WidgetNs;
  const agent = io.of('/agent') as AgentNs;
  const users = usersRepository(deps.sql);
  const routing = routingRepository(deps.sql);
  /**
   * The name shoppers see for an agent, for their typing indicator: read from the users row at most every 10 s per
   * agent rather than kept from the handshake, so a rename (agent-names.ts) reaches the widget without a reconnect,
   * on any server, and typing does not cost a query per keystroke burst.
   */
  const shownNames = new Map<number, { name: string; readAt: number }>();
  const shownNameOf = async (userId: number, fallback: string): Promise<string> => {
    const cached = shownNames.get(userId);
    if (cached && Date.now() - cached.readAt < 10_000) return cached.name;
    const name = (await users.findShownName(userId)) ?? fallback;
    shownNames.set(userId, { name, readAt: Date.now() });
    return name;
  };
  /** The presence each agent socket's handshake settled on, told to that console once it is connected. */
  const presenceAtHandshake = new WeakMap<object, HeldPresence>();
  const pages = lastPages(deps.pub, deps.config);
  let shuttingDown = false;

  /** Wraps a handler: validates the payload, answers the ack, never lets an error escape. */
  function on<P>(socket: AnySocket, eventName: string, schema: PayloadSchemaName, handler: (payload: P) => Promise<object | void>, limiter?: () => boolean) {
    socket.on(eventName, async (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: unknown) => void) : null;
      const fail = (error: ErrorBody) => (ack ? ack({ ok: false, error }) : socket.emit('request:error', { event: eventName, error }));
      if (limiter && !limiter()) return fail({ code: 'rate_limited', message: 'You are sending too fast; wait a moment.' });
      const problem = payloadProblem(schema, args[0]);
      if (problem) return fail({ code: 'validation', message: problem });
      try {
        const result = await handler(args[0] as P);
        ack?.({ ok: true, ...(result ?? {}) });
      } catch (error) {
        if (!(error instanceof AppError)) deps.log.error({ err: error, event: eventName }, 'socket handler failed');
        fail(errorBody(error));
      }
    });
  }

  function refuseUnknownEvents(socket: AnySocket, known: Set<string>) {
    socket.onAny((eventName: string, ...args: unknown[]) => {
      if (known.has(eventName)) return;
      const error = { code: 'unknown_event', message: `Unknown event "${String(eventName).slice(0, 64)}".` };
      const ack = args[args.length - 1];
      if (typeof ack === 'function') ack({ ok: false, error });
      else socket.emit('request:error', { event: String(eventName).slice(0, 64), error });
    });
  }

  // ---------- shoppers ----------
  const shoppers = shopperLimits(deps.config.rateLimitMessagesPer10s, 10_000);
  widget.use(async (socket, next) => {
    // Allowed websites (widget settings): a page on an origin the shop did not list gets no chat.
    const refusedOrigin = await refusedWidgetSocketOrigin(deps.sql, socket.handshake.headers, deps.config.publicUrl);
    if (refusedOrigin !== null) return next(Object.assign(new Error(originRefusal(refusedOrigin).message), { data: { code: ORIGIN_NOT_ALLOWED } }));
    const claim = verifyVisitorToken(deps.visitorSecret, socket.handshake.auth?.token);
    if (!claim) return next(Object.assign(new Error('unauthorized: a valid visitor token is required'), { data: { code: 'unauthorized' } }));
    const { customerId } = claim;
    // Looked up here, not in the connection handler: handlers must be attached before the first event can arrive.
    // Never a chat imported from another tool (shopper-conversation.ts): its typing and read marks are not the visitor's.
    const rows = await deps.sql<{ conversation_id: number | null; blocked: boolean }[]>`
      select c.id as conversation_id, cu.blocked_at is not null as blocked from customers cu left join lateral (
        select id from conversations where customer_id = cu.id and imported_from is null order by id desc limit 5) c on true
      where cu.id = ${customerId} and ${liveCustomer(deps.sql, 'cu')} and ${visitorKeyMatches(deps.sql, 'cu', claim.key)}`.catch(() => []);
    if (!rows.length) return next(Object.assign(new Error('unauthorized: unknown visitor'), { data: { code: 'unauthorized' } }));
    // Not 'unauthorized': that makes the widget start over as a new visitor, which would undo the block.
    if (rows[0].blocked) return next(Object.assign(new Error('blocked: this chat is not available'), { data: { code: 'blocked' } }));
    if (!shoppers.open(customerId)) {
      return next(Object.assign(new Error(`too_many_connections: at most ${MAX_SOCKETS_PER_SHOPPER} chat connections per shopper`), { data: { code: 'too_many_connections' } }));
    }
    socket.data.customerId = customerId;
    socket.join([customerRoom(customerId), ...rows.filter((r) => r.conversation_id).map((r) => convRoom(r.conversation_id!))]);
    next();
  });

  widget.on('connection', (socket) => {
    const s = socket as unknown as AnySocket;
    const customerId = socket.data.customerId;
    const owns = (conversationId: number) => socket.rooms.has(convRoom(conversationId));
    // Shared by the shopper's sockets on this server (shopper-limits.ts): more sockets are not more messages.
    const messageLimit = () => shoppers.message(customerId);
    const chat = deps.chat();
    const locale = typeof socket.handshake.auth?.locale === 'string' ? socket.handshake.auth.locale.slice(0, 10) : 'en';

    // Each read returns up to a chat's whole history (hundreds of messages): the widget asks once or twice per
    // (re)connect, and this bounds a client that asks in a loop. One bucket for both reads, per socket.
    const historyReads = rateLimiter(20, 10_000);
    on<{ conversationId?: number }>(s, 'conversation:current', 'currentConversation', (p) => chat.currentConversation(customerId, p.conversationId), historyReads);
    on<{ clientId: string; text: string; conversationId?: number; writtenIn?: number; quickReply?: string; page?: ShopperPage }>(s, 'message:send', 'widgetSend', async (p) => {
      const result = await chat.customerMessage(customerId, { ...p, locale, senderSocketId: socket.id });
      if (!owns(result.conversationId)) socket.join(convRoom(result.conversationId));
      return result;
    }, messageLimit);
    on<{ conversationId: number }>(s, 'handoff:request', 'conversationRef', async (p) => ({ conversation: await chat.requestHandoff(customerId, p.conversationId) }));
    on<{ conversationId: number; typing: boolean }>(s, 'typing', 'typing', async (p) => {
      if (!owns(p.conversationId)) return;
      agent.to(convRoom(p.conversationId)).emit('typing', { conversationId: p.conversationId, author: 'customer', name: null, typing: p.typing });
    }, rateLimiter(30, 10_000));
    let pageSeen = '';
    on<ShopperPage>(s, 'page:view', 'page', async (p) => {
      const page = shopperPage(p);
      if (!page) throw badRequest('url: not a web address');
      // The same page again from this tab changes nothing: no write, no broadcast.
      const key = `${page.url}\n${page.title ?? ''}`;
      if (key === pageSeen) return;
      pageSeen = key;
      const last = await pages.remember(customerId, page);
      tellAgentsWhere(conversationRooms(socket.rooms), { customerId, online: true, ...last });
    }, rateLimiter(20, 60_000));
    // The widget sends one per burst of messages; this bounds a client that does not.
    on<{ conversationId: number; lastSeenId: number }>(s, 'messages:seen', 'seen', (p) => chat.customerSeen(customerId, p.conversationId, p.lastSeenId), rateLimiter(30, 10_000));
    on<{ conversationId: number; afterId: number }>(s, 'messages:sync', 'sync', (p) => chat.customerSync(customerId, p.conversationId, p.afterId), historyReads);
    on<{ conversationId: number; rating: number; comment?: string }>(s, 'feedback:csat', 'csat', (p) => chat.csat(customerId, p.conversationId, p.rating, p.comment?.trim() || null));
    on<{ messageId: number; articleId: number; helpful: boolean }>(s, 'feedback:article', 'articleFeedback', (p) => chat.articleFeedback(customerId, p.messageId, p.articleId, p.helpful));
    on<{ messageId: number; helpful: boolean }>(s, 'feedback:answer', 'answerFeedback', (p) => chat.answerFeedback(customerId, p.messageId, p.helpful));
    on<{ email: string; name?: string; text: string; conversationId?: number }>(s, 'offline:leave', 'offline', (p) => chat.leaveOfflineMessage(customerId, p), rateLimiter(5, 60_000));
    // The widget asks whether its connection still carries anything (back on the page, the network back): any answer
    // proves it; none within its timeout, and it connects afresh (a phone's connection can die without a word).
    socket.on('widget:ping', (ack: unknown) => {
      if (typeof ack === 'function') ack({ ok: true });
    });
    refuseUnknownEvents(s, new Set(['conversation:current', 'message:send', 'handoff:request', 'typing', 'page:view', 'messages:seen', 'messages:sync', 'feedback:csat', 'feedback:article', 'feedback:answer', 'offline:leave', 'widget:ping']));

    // Rooms are gone by 'disconnect'; note them while they are still known.
    let roomsAtExit: string[] = [];
    socket.on('disconnecting', () => void (roomsAtExit = conversationRooms(socket.rooms)));
    socket.on('disconnect', async () => {
      shoppers.close(customerId);
      // A server shutting down is not the shopper leaving: their widget reconnects elsewhere.
      if (shuttingDown || roomsAtExit.length === 0) return;
      try {
        if (await shopperOnline(customerId)) return;
        const last = await pages.of(customerId);
        tellAgentsWhere(roomsAtExit, { customerId, online: false, page: last?.page ?? null, at: last?.at ?? null });
      } catch (error) {
        deps.log.warn({ err: error }, 'shopper activity on disconnect not sent');
      }
    });
  });

  function conversationRooms(rooms: Set<string>): string[] {
    return [...rooms].filter((room) => room.startsWith('conv:'));
  }

  function tellAgentsWhere(rooms: string[], activity: ShopperActivity) {
    if (rooms.length) agent.to(rooms).emit('shopper:activity', activity);
  }

  /**
   * Tells everyone who has these conversations open who else has (agents, once each however many tabs). Best
   * effort: a server that does not answer in time only leaves the list a little stale until the next change.
   */
  async function tellViewers(rooms: string[]): Promise<void> {
    for (const room of rooms) {
      try {
        const sockets = await agent.in(room).fetchSockets();
        const agents = [...new Map(sockets.map((s) => [s.data.userId, { id: s.data.userId, name: s.data.name }])).values()];
        agent.to(room).emit('conversation:viewers', { conversationId: Number(room.slice('conv:'.length)), agents });
      } catch (error) {
        deps.log.warn({ err: error }, 'conversation viewers not sent');
      }
    }
  }

  /** Whether any tab of the shopper, on any server, has the widget connected. */
  async function shopperOnline(customerId: number): Promise<boolean> {
    const sockets = await widget.in(customerRoom(customerId)).fetchSockets();
    return sockets.length > 0;
  }

  async function shopperActivity(customerId: number): Promise<ShopperActivity> {
    const [online, last] = await Promise.all([
      // Past the limit "not online"; a question that fails later (Redis away, its queued command dropped) is ignored
      // then, where a bare race left that late failure unhandled.
      withinTimeLimit(shopperOnline(customerId), ONLINE_CHECK_TIMEOUT_MS, 'online check timed out').catch(() => false),
      pages.of(customerId).catch(() => null),
    ]);
    return { customerId, online, page: last?.page ?? null, at: last?.at ?? null };
  }

  async function markOffline(agentId: number): Promise<void> {
    await users.setPresence(agentId, 'offline');
    agent.to(AGENTS_ROOM).emit('presence:updated', { agentId, presence: 'offline' });
    // A console that connected between the check for open consoles and this update restored a presence that
    // this just overwrote (a reload can do that): give it back, or the agent would sit offline with a console open.
    if ((await agent.in(agentRoom(agentId)).fetchSockets()).some((s) => s.data.restoresPresence)) await restorePresence(agentId);
  }

  /**
   * Restores the agent's chosen presence when they had no console (see routing.restorePresence) and tells the team.
   * Only a console asks for it (auth.restorePresence): an API client or a test listening on /agent leaves the
   * presence as it is, as before.
   */
  async function restorePresence(agentId: number): Promise<HeldPresence> {
    const restored = await routing.restorePresence(agentId);
    if (!restored) return { presence: 'offline' };
    const held = heldPresence(restored.presence, restored.autoAwayMinutes);
    if (restored.presence !== restored.previous) {
      agent.to(AGENTS_ROOM).emit('presence:updated', { agentId, ...held });
      if (restored.presence === 'online') void deps.chat().assignPending().catch((error) => deps.log.warn({ err: error }, 'assignment after presence restore failed'));
    }
    return held;
  }

  /**
   * Marks offline every agent shown as present who has no console open on any server. A server that
   * crashed never ran its disconnect handlers, and its agents would otherwise keep being assigned chats.
   * Consoles that reconnect restore the presence their agent chose. First, this server's sockets whose session ended
   * unseen (expired, or reset from the shell) are closed: the same sweep, one more query.
   */
  async function reconcilePresence(): Promise<number> {
    await disconnectEndedSessions().catch((error) => deps.log.warn({ err: error }, 'ended-session check failed'));
    const present = await users.listPresent();
    if (!present.length) return 0;
    const connected = new Set((await agent.in(AGENTS_ROOM).fetchSockets()).map((s) => s.data.userId));
    const vanished = present.filter((id) => !connected.has(id));
    for (const id of vanished) await markOffline(id);
    return vanished.length;
  }

  /**
   * Closes this server's console sockets whose session is gone: expired, or deleted where no gateway could be told
   * (`npm run account -- reset` runs in a shell process of its own). Routes that end sessions close their sockets at
   * once (out.disconnectSessions); this catches the rest within a sweep. One query for all of this server's sessions.
   */
  async function disconnectEndedSessions(): Promise<number> {
    const sockets = [...agent.sockets.values()];
    const hashes = [...new Set(sockets.map((s) => s.data.sessionHash))];
    if (!hashes.length) return 0;
    const live = await deps.sql<{ token_hash: string }[]>`
      select s.token_hash from user_sessions s join users u on u.id = s.user_id
      where s.token_hash = any(${deps.sql.array(hashes)}::text[]) and s.expires_at > now() and u.active`;
    const liveHashes = new Set(live.map((row) => row.token_hash));
    const ended = sockets.filter((s) => !liveHashes.has(s.data.sessionHash));
    for (const socket of ended) socket.disconnect(true);
    return ended.length;
  }

  /**
   * Records one agent's activity from one socket, at most once per `activityWriteMs` (an agent typing many messages
   * writes once a quarter minute, not once per message). Never fails the caller: a lost write only makes an
   * automatic Away possible a little earlier.
   */
  function activityRecorder(agentId: number) {
    let lastWrite = 0;
    return {
      async record(): Promise<void> {
        const now = Date.now();
        if (now - lastWrite < activityWriteMs(deps.config)) return;
        lastWrite = now;
        await routing.recordActivity(agentId).catch((error) => deps.log.warn({ err: error }, 'agent activity not recorded'));
      },
    };
  }

  // ---------- agents ----------
  agent.use(async (socket, next) => {
    const cookieHeader = socket.handshake.headers.cookie;
    const given = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined;
    const token = given ?? (cookieHeader ? cookieValue(cookieHeader, SESSION_COOKIE) : undefined);
    // The browser attaches the session cookie to a WebSocket any page of the same site opens (see cross-site.ts):
    // a console connection on the cookie alone must come from the console's own origin. A token passed in `auth`
    // had to be known to the caller, so it needs no such check.
    if (!given && token && !fromOwnOrigin(socket.handshake.headers, deps.config.publicUrl, deps.config.trustProxy)) {
      return next(Object.assign(new Error("cross_site: refused, this connection came from another site's page"), { data: { code: 'cross_site' } }));
    }
    // Two different failures: a session that is not valid (signed out, expired, deactivated) ends the console's
    // sign-in; a session that could not be checked now (Postgres restarting, a connection cut, a lock timeout)
    // must not, so it gets a retryable code and the console tries again with backoff.
    const restores = socket.handshake.auth?.restorePresence === true;
    let user: Awaited<ReturnType<GatewayDeps['auth']['userForToken']>> = undefined;
    let presence: HeldPresence = { presence: 'offline' };
    try {
      const check = (async () => {
        const found = await deps.auth.userForToken(token);
        return { found, presence: found ? (restores ? await restorePresence(found.id) : { presence: found.presence }) : { presence: 'offline' as Presence } };
      })();
      const result = await withinTimeLimit(check, HANDSHAKE_CHECK_TIMEOUT_MS, `session check took over ${HANDSHAKE_CHECK_TIMEOUT_MS} ms`);
      user = result.found;
      presence = result.presence;
    } catch (error) {
      deps.log.warn({ err: error }, 'agent handshake: session not checked, the console will retry');
      return next(Object.assign(new Error('unavailable: the session could not be checked just now; retrying'), { data: { code: 'unavailable', retryable: true } }));
    }
    if (!user) return next(Object.assign(new Error('unauthorized: sign in to the console first'), { data: { code: 'unauthorized' } }));
    // Someone still holding a password an admin set gets nothing live until they choose their own (as over HTTP).
    if (user.must_change_password) {
      return next(Object.assign(new Error(`${PASSWORD_CHANGE_REQUIRED}: ${passwordChangeRequiredMessage}`), { data: { code: PASSWORD_CHANGE_REQUIRED, message: passwordChangeRequiredMessage } }));
    }
    socket.data.userId = user.id;
    // The session, not only the person: a socket must not outlive the session it was opened with (sessionRoom).
    socket.data.sessionHash = tokenHash(token!);
    socket.data.role = user.role;
    socket.data.name = user.name;
    socket.data.restoresPresence = restores;
    presenceAtHandshake.set(socket, presence);
    next();
  });

  agent.on('connection', (socket) => {
    const s = socket as unknown as AnySocket;
    const me = { id: socket.data.userId, role: socket.data.role, name: socket.data.name };
    socket.join([AGENTS_ROOM, agentRoom(me.id), sessionRoom(socket.data.sessionHash)]);
    const chat = deps.chat();
    // The console shows the agent's one presence as the server holds it; it never sends its own guess on connect.
    socket.emit('presence:updated', { agentId: me.id, ...(presenceAtHandshake.get(socket) ?? { presence: 'offline' }) });
    const activity = activityRecorder(me.id);

    on<{ presence: 'online' | 'away' | 'offline' }>(s, 'presence:set', 'presence', async (p) => {
      await routing.choosePresence(me.id, p.presence);
      agent.to(AGENTS_ROOM).emit('presence:updated', { agentId: me.id, presence: p.presence });
      if (p.presence === 'online') await chat.assignPending();
      return { presence: p.presence };
    });
    // The console's report of input in this tab; the throttle in activityRecorder bounds the writes, this the events.
    on<Record<string, never>>(s, 'presence:activity', 'empty', async () => void (await activity.record()), rateLimiter(30, 60_000));
    // An action that reached the server is activity too (from the console or an API client acting as the agent).
    s.onAny((eventName: string) => void (ACTIVE_EVENTS.has(eventName) && activity.record()));
    on<{ conversationId: number }>(s, 'conversation:join', 'conversationRef', async (p) => {
      const result = await chat.agentHistory(p.conversationId);
      socket.join(convRoom(p.conversationId));
      void tellViewers([convRoom(p.conversationId)]);
      return { ...result, shopper: await shopperActivity(result.conversation.customerId) };
    });
    on<{ conversationId: number }>(s, 'conversation:leave', 'conversationRef', async (p) => {
      socket.leave(convRoom(p.conversationId));
      void tellViewers([convRoom(p.conversationId)]);
    });
    on<{ conversationId: number }>(s, 'conversation:accept', 'conversationRef', async (p) => ({ conversation: await chat.accept(me.id, p.conversationId) }));
    on<{ conversationId: number; toAgentId: number }>(s, 'conversation:transfer', 'transfer', async (p) => ({ conversation: await chat.transfer(me, p.conversationId, p.toAgentId) }));
    on<{ conversationId: number; toAgentId: number; overCapacityReason?: string }>(s, 'conversation:assign', 'assign', async (p) => ({ conversation: await chat.assign(me, p.conversationId, p.toAgentId, { overCapacityReason: p.overCapacityReason }) }));
    on<{ conversationId: number }>(s, 'conversation:requeue', 'conversationRef', async (p) => ({ conversation: await chat.requeue(me, p.conversationId) }));
    on<{ conversationId: number; teamId: number }>(s, 'conversation:transfer-team', 'teamTransfer', async (p) => ({ conversation: await chat.transferToTeam(me, p.conversationId, p.teamId) }));
    on<{ conversationId: number }>(s, 'conversation:takeover', 'conversationRef', async (p) => ({ conversation: await chat.takeOver(me, p.conversationId) }));
    on<{ conversationId: number }>(s, 'conversation:resolve', 'conversationRef', async (p) => ({ conversation: await chat.resolve(me, p.conversationId) }));
    on<{ conversationId: number }>(s, 'conversation:reopen', 'conversationRef', async (p) => ({ conversation: await chat.reopen(me.id, p.conversationId) }));
    on<{ conversationId: number; until: string }>(s, 'conversation:snooze', 'snooze', async (p) => ({ conversation: await chat.snooze(me, p.conversationId, p.until) }));
    on<{ conversationId: number }>(s, 'conversation:unsnooze', 'conversationRef', async (p) => ({ conversation: await chat.unsnooze(me, p.conversationId) }));
    on<{ conversationId: number; clientId: string; text: string; private?: boolean; products?: { sku: string }[] }>(s, 'message:send', 'agentSend',
      (p) => chat.agentMessage(me, { ...p, products: p.products?.map((x) => x.sku) }), rateLimiter(60, 10_000));
    on<{ conversationId: number; typing: boolean }>(s, 'typing', 'typing', async (p) => {
      const shown = await shownNameOf(me.id, me.name);
      widget.to(convRoom(p.conversationId)).emit('typing', { conversationId: p.conversationId, author: 'agent', name: shown, typing: p.typing });
      socket.to(convRoom(p.conversationId)).emit('typing', { conversationId: p.conversationId, author: 'agent', name: me.name, typing: p.typing });
    }, rateLimiter(30, 10_000));
    on<{ conversationId: number; lastSeenId: number }>(s, 'messages:seen', 'seen', (p) => chat.agentSeen(me.id, p.conversationId, p.lastSeenId));
    // chat.sync answers not_found for a conversation that does not exist.
    on<{ conversationId: number; afterId: number }>(s, 'messages:sync', 'sync', (p) => chat.sync(p.conversationId, p.afterId, true));
    refuseUnknownEvents(s, new Set(['presence:set', 'presence:activity', 'conversation:join', 'conversation:leave', 'conversation:accept', 'conversation:transfer', 'conversation:assign', 'conversation:requeue', 'conversation:transfer-team', 'conversation:takeover', 'conversation:resolve', 'conversation:reopen', 'conversation:snooze', 'conversation:unsnooze', 'message:send', 'typing', 'messages:seen', 'messages:sync']));

    let openAtExit: string[] = [];
    socket.on('disconnecting', () => void (openAtExit = conversationRooms(socket.rooms)));
    socket.on('disconnect', async () => {
      if (!shuttingDown) void tellViewers(openAtExit);
      // The agent is offline once their last console tab (on any server) is gone.
      // A server shutting down is not the agent leaving: their console reconnects elsewhere.
      if (shuttingDown) return;
      try {
        const remaining = await agent.in(agentRoom(me.id)).fetchSockets();
        if (remaining.length === 0) await markOffline(me.id);
      } catch (error) {
        deps.log.warn({ err: error }, 'presence update on disconnect failed');
      }
    });
  });

  // Emitting through a room with a generic event name needs one untyped call; RealtimeOut keeps callers typed.
  type Emitter = { emit(event: string, ...args: unknown[]): boolean };
  const emit = (target: Emitter, event: string, args: unknown[]) => void target.emit(event, ...args);
  const fanout = await createMessageFanout({
    pub: deps.pub,
    sub: deps.fanoutSub,
    channel: fanoutChannel(deps.config),
    log: deps.log,
    deliver: {
      toWidgets: (message, exceptSocketId) => {
        // The sending tab knows its message from the ack. Most shoppers have that one tab only: the adapter
        // would still encode the packet before finding nobody else to send it to, so look first.
        const room = convRoom(message.conversationId);
        const tabs = widget.adapter.rooms.get(room);
        if (!tabs || (exceptSocketId !== undefined && tabs.size === 1 && tabs.has(exceptSocketId))) return;
        const local = widget.local.to(room);
        // Agents are named to the shopper as shoppers are told, not by their full names (forShopperMessage).
        (exceptSocketId ? local.except(exceptSocketId) : local).emit('message:new', forShopperMessage(message));
      },
      toAgents: (messages) => agent.local.to(AGENTS_ROOM).emit('messages:new', messages),
    },
  });
  const out: RealtimeOut = {
    announceMessage: (message, exceptSocketId) => fanout.announce(message, exceptSocketId),
    toWidgetConversation: (id, event, ...args) => emit(widget.to(convRoom(id)) as unknown as Emitter, event, args),
    toAgents: (event, ...args) => emit(agent.to(AGENTS_ROOM) as unknown as Emitter, event, args),
    toAgent: (id, event, ...args) => emit(agent.to(agentRoom(id)) as unknown as Emitter, event, args),
    toAgentConversation: (id, event, ...args) => emit(agent.to(convRoom(id)) as unknown as Emitter, event, args),
    disconnectAgent: (id) => agent.in(agentRoom(id)).disconnectSockets(true),
    disconnectSessions: (hashes) => void (hashes.length && agent.in(hashes.map(sessionRoom)).disconnectSockets(true)),
    disconnectShopper: (id) => widget.in(customerRoom(id)).disconnectSockets(true),
    joinCustomerToConversation: async (customerId, conversationId) => {
      // The adapter applies a join only when its Redis request comes back, even for this server's own sockets:
      // join the local tabs now, so a bot reply or an email reply right after does not miss them.
      widget.local.in(customerRoom(customerId)).socketsJoin(convRoom(conversationId));
      widget.in(customerRoom(customerId)).socketsJoin(convRoom(conversationId));
    },
  };

  return { io, out, widget, agent, reconcilePresence, beginShutdown: () => void (shuttingDown = true), closeFanout: () => fanout.close() };
}
export type Gateway = Awaited<ReturnType<typeof createGateway>>;
