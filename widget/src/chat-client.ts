// The widget's connection to the server, without any DOM: the /widget socket,
// the message list, the outbox and the resync after every reconnect. Rules it
// keeps: a message typed is stored in the outbox first and sent when the
// socket is up, one at a time in order, with its client id and the chat it was
// written in (so a resend after a lost ack is not doubled, nor put into another
// chat); after any reconnect the list is filled from the last id held with no
// gap before it; messages are keyed by server id, so nothing shows twice.
import { io, type Socket } from 'socket.io-client';
import type {
  ChatMessage, ConversationSummary, QueuePosition, ShopperPage, UnavailableReason,
  WidgetClientToServer, WidgetServerToClient,
} from '../../server/realtime/event-maps.ts';
import { shopperPage } from '../../server/services/shopper-page.ts';
import { newClientId, Outbox, type OutboxItem } from './outbox.ts';
import { safeParser } from './safe-json.ts';

/** 'blocked': the shop blocked this shopper; the server refuses the connection and nothing is retried. */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'unreachable' | 'blocked';

/** One row of the chat as the view shows it: a stored message, or one of ours still on its way. */
export type TimelineEntry =
  | { kind: 'message'; message: ChatMessage }
  | { kind: 'pending'; item: OutboxItem; state: 'sending' | 'queued' }
  /** Refused by the server; `retryable`: sending it again may work (see TRANSIENT_ERRORS). */
  | { kind: 'pending'; item: OutboxItem; state: 'failed'; error: { code: string; message: string }; retryable: boolean };

export interface ChatClientListener {
  messagesChanged(): void;
  conversationChanged(previous: ConversationSummary | null, current: ConversationSummary | null): void;
  connectionChanged(state: ConnectionState): void;
  typing(event: { author: 'agent' | 'bot'; name: string | null; typing: boolean }): void;
  queuePosition(event: QueuePosition): void;
  agentsUnavailable(event: { reason: UnavailableReason; message: string }): void;
  /** The server refused our token (e.g. its secret changed): the caller gets a new session. */
  unauthorized(): void;
}

type AckCallback<E extends keyof WidgetClientToServer> = Extract<Parameters<WidgetClientToServer[E]>[1], (...args: never[]) => void>;
type AckResult<E extends keyof WidgetClientToServer> = Parameters<AckCallback<E>>[0];
type WidgetSocket = Socket<WidgetServerToClient, WidgetClientToServer>;

const ACK_TIMEOUT_MS = 10_000;
/**
 * How long a quick check of the connection may take (the page came back into view, the network came back): a socket
 * that does not answer by then is taken as dead and replaced. A phone that moved to another network keeps its old
 * TCP connection "open" without any FIN, and socket.io alone would notice only at its ping timeout (up to 45 s).
 */
const CHECK_TIMEOUT_MS = 4_000;
/** Seen marks of one burst of messages travel as one event. */
const SEEN_COALESCE_MS = 300;
const RATE_LIMIT_RETRY_MS = 2_500;
/**
 * What the server's refusal of a message means for sending it again:
 * - 'rate_limited': only "not so fast". Retried after a pause for as long as it takes, and never shown as failed.
 * - 'internal' (the server caught an error it did not expect: a database lock that timed out, a failover, a full
 *   disk) and 'unavailable' (a dependency is down): most often over in seconds. Retried by itself after each of
 *   TRANSIENT_RETRY_MS, the messages typed after it waiting behind it so the order stays; then it is shown as "Not
 *   sent" with Retry. Sending again is safe: the server keeps one message per client id, and an attempt that stored
 *   the message before failing answers the retry as a duplicate.
 * - anything else ('validation', 'too_large', 'not_found', 'forbidden', 'blocked'…): the same message will be
 *   refused the same way, so it is shown as "Not sent" at once, with Remove and no Retry.
 */
const TRANSIENT_ERRORS = new Set(['internal', 'unavailable']);
const TRANSIENT_RETRY_MS = [2_000, 8_000];
/**
 * The chat a message was written in has ended before it got there (it waited offline, or its ack was lost): shown as
 * "Not sent" with Retry, which sends it without that chat, as a new question.
 */
const CHAT_CLOSED = 'conversation_resolved';
/** A resync that got no answer, or a refusal, on a connection that lives is tried again after this. */
const RESYNC_RETRY_MS = 5_000;
/** After this many failed attempts in a row, say "cannot reach the server" rather than "reconnecting". */
const UNREACHABLE_AFTER_ATTEMPTS = 3;
/**
 * How often the page is checked for a change a single-page shop makes without loading a page (history.pushState
 * fires no event a script can listen to without patching it, and the widget does not patch the shop's globals).
 */
const PAGE_CHECK_MS = 2_000;
/** A page whose title alone changes is reported again no sooner than this (well within the server's 20 a minute). */
const TITLE_ONLY_REPORT_MS = 30_000;

export class ChatClient {
  private socket: WidgetSocket | null = null;
  private readonly messages = new Map<number, ChatMessage>();
  /** Transient refusals in a row of the message being sent (client id → count), for its automatic retries. */
  private readonly transientFailures = new Map<string, number>();
  private flushing = false;
  /** A retry after a pause (rate limit, transient refusal, lost ack) is due: nothing is sent before it. */
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private everConnected = false;
  private networkOnline = typeof navigator === 'undefined' ? true : navigator.onLine !== false;
  private state: ConnectionState = 'connecting';
  /** The page last reported on this socket and when, to report only changes. */
  private pageReported = { url: '', title: '', at: 0 };
  private seenTimer: ReturnType<typeof setTimeout> | null = null;
  /** The newest message id on screen on an open panel, in any chat (see markSeen). */
  private shownUpTo = 0;
  /**
   * The highest read mark the server is known to hold, per conversation (from its summaries and its acks of our
   * marks). The mark shown (conversation.customerLastSeenId) may be ahead of it: the difference is still to send, and
   * is sent again after a reconnect, so a mark sent into a dead connection is not lost.
   */
  private readonly seenOnServer = new Map<number, number>();
  private seenInFlight = false;
  /** A connection check (see checkConnection) is under way. */
  private checking = false;
  private preferred: number | null = null;
  /**
   * This connection's resync has succeeded: what it brings since (broadcasts, acks) follows on without a gap. Until
   * then a message held (our own, acked) may lie beyond ones never received, so its id is no resync marker.
   */
  private inStep = false;
  /** Everything up to this id was held when the last connection that was in step ended: the next resync starts here. */
  private heldUpTo = 0;
  /** This connection's server refused writtenIn (see sendOutbox); the next connection may reach an upgraded one. */
  private oldServer = false;
  conversation: ConversationSummary | null = null;

  constructor(
    private readonly server: { origin: string; socketPath: string; /** Names the cross-tab lock of this outbox. */ scope: string },
    private readonly outbox: Outbox,
    private readonly listener: ChatClientListener,
  ) {
    window.addEventListener('online', () => this.networkChanged(true));
    window.addEventListener('offline', () => this.networkChanged(false));
    // Back from the background (a phone's screen on again, the tab shown, a page restored from the back/forward
    // cache): the connection may have died meanwhile without a word; find out now rather than at the ping timeout.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.checkConnection();
    });
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) this.checkConnection();
    });
    // Another tab of this shop may queue or send messages; redraw our pending rows.
    window.addEventListener('storage', () => this.listener.messagesChanged());
    // The agent sees which page of the shop the shopper is on now.
    window.addEventListener('popstate', () => this.reportPage());
    setInterval(() => this.reportPage(), PAGE_CHECK_MS);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get connected(): boolean {
    return Boolean(this.socket?.connected) && this.networkOnline;
  }

  connect(token: string, locale: string): void {
    this.disconnect();
    this.everConnected = false;
    const socket: WidgetSocket = io(`${this.server.origin}/widget`, {
      // A new identity needs a new handshake: never reuse a cached manager (and with it the old token).
      forceNew: true,
      path: this.server.socketPath,
      auth: { token, locale },
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
      timeout: 10_000,
      // WebSocket first: on a slow phone network long polling first costs four round trips before the first message,
      // and a fresh WebSocket never rides a pooled HTTP connection that died with the network. A WebSocket that fails
      // to open falls back to polling at once (tryAllTransports); after a failed attempt the next ones start on
      // polling and upgrade, as a network that blocks WebSockets needs (see connect_error).
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      parser: safeParser,
    });
    this.socket = socket;
    this.setState('connecting');

    socket.on('connect', () => {
      this.everConnected = true;
      this.oldServer = false;
      this.pageReported = { url: '', title: '', at: 0 };
      this.reportPage();
      this.setState(this.networkOnline ? 'online' : 'offline');
      void this.resync().finally(() => {
        void this.flush();
        this.sendSeen();
      });
    });
    socket.on('disconnect', (reason) => {
      // Of the chat on screen: what was held of another one says nothing of what this one is missing.
      if (this.inStep) this.heldUpTo = this.lastMessageId(this.conversation?.id);
      this.inStep = false;
      this.setState(this.networkOnline ? 'reconnecting' : 'offline');
      // The server closed us on purpose (e.g. during a deploy): socket.io will not retry by itself.
      // Not once this socket is replaced (a sign-in): it would hold a connection nobody listens to.
      if (reason === 'io server disconnect') setTimeout(() => this.socket === socket && socket.connect(), 1_000);
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'unauthorized') {
        socket.disconnect();
        this.listener.unauthorized();
        return;
      }
      if (error.data?.code === 'blocked') {
        socket.disconnect();
        this.setState('blocked');
        return;
      }
      if (!this.everConnected) socket.io.opts.transports = ['polling', 'websocket'];
      if (!this.networkOnline) this.setState('offline');
      else if (!this.everConnected) this.setState('unreachable');
    });
    socket.io.on('reconnect_attempt', (attempt) => {
      if (!this.networkOnline) this.setState('offline');
      else if (attempt >= UNREACHABLE_AFTER_ATTEMPTS) this.setState('unreachable');
    });

    socket.on('message:new', (message) => this.addMessages([message]));
    socket.on('typing', (event) => this.listener.typing(event));
    socket.on('messages:seen', ({ conversationId, lastSeenId }) => {
      if (this.conversation?.id !== conversationId || lastSeenId <= this.conversation.agentLastSeenId) return;
      this.conversation = { ...this.conversation, agentLastSeenId: lastSeenId };
      this.listener.messagesChanged();
    });
    // The shopper read this chat in another tab: its unread badge goes here too.
    socket.on('messages:read', ({ conversationId, lastSeenId }) => {
      const c = this.conversation;
      this.serverSeen(conversationId, lastSeenId);
      if (c?.id !== conversationId || lastSeenId <= c.customerLastSeenId) return;
      this.conversation = { ...c, customerLastSeenId: lastSeenId };
      this.listener.messagesChanged();
    });
    socket.on('conversation:updated', (conversation) => {
      const was = this.conversation?.id;
      if (!this.takes(conversation)) return;
      this.setConversation(conversation);
      // Another chat (one another tab started, the one a merge of records left open): its earlier messages are not
      // held, so its history loads, and no marker of the old chat's says where a catch-up starts.
      if (was && was !== conversation.id) {
        this.heldUpTo = 0;
        this.inStep = false;
        void this.resync();
      }
    });
    socket.on('queue:position', (event) => {
      if (event.conversationId === this.conversation?.id) this.listener.queuePosition(event);
    });
    socket.on('agents:unavailable', (event) => this.listener.agentsUnavailable(event));
    socket.on('request:error', (event) => console.warn('[shopdesk]', event.event, event.error.message));
  }

  disconnect(): void {
    // A seen mark still waiting belongs to this connection's shopper (reset() starts another).
    if (this.seenTimer) clearTimeout(this.seenTimer);
    this.seenTimer = null;
    const old = this.socket;
    this.socket = null;
    if (!old) return;
    // Silence the old socket first: its "disconnect" must not repaint the state of the new one.
    old.removeAllListeners();
    old.io.removeAllListeners();
    old.disconnect();
  }

  /**
   * Tells the server the page we are on, when it differs from what this connection last said. A new address is
   * reported at once; a title that alone keeps changing (a blinking "(1) …", a countdown) at most every half minute.
   */
  private reportPage(): void {
    const page = currentPage();
    if (!page || !this.socket?.connected) return;
    const [url, title] = [page.url, page.title ?? ''];
    if (url === this.pageReported.url && title === this.pageReported.title) return;
    if (url === this.pageReported.url && Date.now() - this.pageReported.at < TITLE_ONLY_REPORT_MS) return;
    this.pageReported = { url, title, at: Date.now() };
    this.socket.emit('page:view', page);
  }

  /** Forgets the conversation on screen (a different shopper identified in this browser). */
  reset(): void {
    this.messages.clear();
    this.shownUpTo = 0;
    // The previous shopper's refused messages go with their chat (what is still waiting is sent as before).
    for (const item of this.outbox.items()) if (item.failed) this.outbox.remove(item.clientId);
    this.setConversation(null);
    this.listener.messagesChanged();
  }

  // ---------- what the view reads ----------

  /**
   * Stored messages in server order; a refused message of ours right after the message that was newest when it
   * failed (where the shopper wrote it); the ones still on their way at the end.
   */
  timeline(): TimelineEntry[] {
    const stored = [...this.messages.values()].sort((a, b) => a.id - b.id);
    const delivered = new Set(stored.map((m) => m.clientId).filter(Boolean));
    const waiting = this.outbox.items().filter((item) => !delivered.has(item.clientId));
    const failed = waiting.filter((item) => item.failed).sort((a, b) => a.failed!.after - b.failed!.after);
    const entries: TimelineEntry[] = [];
    const failedUpTo = (id: number) => {
      while (failed.length && failed[0].failed!.after < id) {
        const item = failed.shift()!;
        const { code } = item.failed!;
        entries.push({ kind: 'pending', item, state: 'failed', error: item.failed!, retryable: TRANSIENT_ERRORS.has(code) || code === CHAT_CLOSED });
      }
    };
    for (const message of stored) {
      failedUpTo(message.id);
      entries.push({ kind: 'message', message });
    }
    failedUpTo(Infinity);
    for (const item of waiting) if (!item.failed) entries.push({ kind: 'pending', item, state: this.connected ? 'sending' : 'queued' });
    return entries;
  }

  /** Messages from the bot or an agent in the current conversation the shopper has not seen yet. */
  unreadCount(): number {
    const conversation = this.conversation;
    if (!conversation) return 0;
    let count = 0;
    for (const m of this.messages.values()) {
      if (m.conversationId === conversation.id && (m.author.type === 'agent' || m.author.type === 'bot') && m.id > conversation.customerLastSeenId) count++;
    }
    return count;
  }

  // ---------- what the shopper does ----------

  /** False when the outbox is full (a long time offline): nothing was queued, the caller keeps the text. */
  send(text: string, quickReply?: string): boolean {
    const item: OutboxItem = { clientId: newClientId(), text, createdAt: new Date().toISOString() };
    const c = this.conversation;
    if (c && c.status !== 'resolved') item.conversationId = c.id;
    if (quickReply) item.quickReply = quickReply;
    const page = currentPage();
    if (page) item.page = page;
    if (!this.outbox.add(item)) return false;
    this.listener.messagesChanged();
    void this.flush();
    return true;
  }

  /** Sends a refused message again, with its client id (the server stores it once); it keeps its turn in the outbox. */
  retry(clientId: string): void {
    const item = this.outbox.items().find((i) => i.clientId === clientId);
    if (!item?.failed) return;
    // Its chat has ended: the shopper asks to send it all the same, so it goes as a new question.
    if (item.failed.code === CHAT_CLOSED) delete item.conversationId;
    delete item.failed;
    this.transientFailures.delete(clientId);
    this.outbox.update(item);
    this.listener.messagesChanged();
    void this.flush();
  }

  /** The shopper gave up on a refused message. */
  discard(clientId: string): void {
    this.outbox.remove(clientId);
    this.listener.messagesChanged();
  }

  /**
   * Tells the server the shopper has read everything shown (clears the badge, shows "seen" to agents). The badge
   * clears at once, even offline; the server hears once per burst (a run of bot and agent messages, a resync), and
   * hears it after the next connect if the mark did not get through (see seenOnServer).
   */
  markSeen(): void {
    // Everything held is on screen now, whichever chat it is in: a first message's answer can come before its
    // conversation does (the ack, then a round trip to load it), and must not count as unread once it comes.
    this.shownUpTo = Math.max(this.shownUpTo, this.lastMessageId());
    const conversation = this.conversation;
    if (!conversation) return;
    const lastId = this.lastMessageId(conversation.id);
    if (lastId > conversation.customerLastSeenId) {
      this.conversation = { ...conversation, customerLastSeenId: lastId };
      this.listener.messagesChanged();
    }
    this.sendSeenSoon();
  }

  /** The server hears the read mark once per burst (SEEN_COALESCE_MS), when it is ahead of what the server holds. */
  private sendSeenSoon(): void {
    if (this.seenDue()) this.seenTimer ??= setTimeout(() => {
      this.seenTimer = null;
      this.sendSeen();
    }, SEEN_COALESCE_MS);
  }

  /** The read mark shown is ahead of what the server holds. */
  private seenDue(): boolean {
    const c = this.conversation;
    return Boolean(c && c.customerLastSeenId > (this.seenOnServer.get(c.id) ?? 0));
  }

  /** Sends the read mark the server does not hold yet, with an ack; one that gets no answer is sent again on the next connect. */
  private sendSeen(): void {
    const c = this.conversation;
    if (!c || !this.seenDue() || !this.connected || this.seenInFlight) return;
    const payload = { conversationId: c.id, lastSeenId: c.customerLastSeenId };
    this.seenInFlight = true;
    // The server's handler answers an ack when one is given ({ ok }); the event maps type the event without one.
    (this.request as (e: string, p: unknown) => Promise<{ ok: boolean }>)('messages:seen', payload).then((result) => {
      if (result.ok) this.serverSeen(payload.conversationId, payload.lastSeenId);
    }, () => {}).finally(() => {
      this.seenInFlight = false;
      // Read more meanwhile: that mark goes too (a mark refused or unanswered waits for the next read or connect).
      const now = this.conversation;
      // (Only sent: marking here would count as read what arrived while the panel was closed.)
      if (now && (now.id !== payload.conversationId || now.customerLastSeenId > payload.lastSeenId)) this.sendSeenSoon();
    });
  }

  private serverSeen(conversationId: number, lastSeenId: number): void {
    if (lastSeenId > (this.seenOnServer.get(conversationId) ?? 0)) this.seenOnServer.set(conversationId, lastSeenId);
  }

  /** False when there is nobody to tell yet (no open conversation, or offline): the caller tries again later. */
  sendTyping(typing: boolean): boolean {
    const conversation = this.conversation;
    if (!conversation || conversation.status === 'resolved' || !this.connected) return false;
    this.socket!.emit('typing', { conversationId: conversation.id, typing });
    return true;
  }

  rate(rating: number, comment: string) {
    const conversationId = this.conversation!.id;
    return this.request('feedback:csat', comment ? { conversationId, rating, comment } : { conversationId, rating });
  }

  articleFeedback(messageId: number, articleId: number, helpful: boolean) {
    return this.request('feedback:article', { messageId, articleId, helpful });
  }

  /** The rating of an intent's own answer, which names no article. */
  answerFeedback(messageId: number, helpful: boolean) {
    return this.request('feedback:answer', { messageId, helpful });
  }

  leaveMessage(input: { email: string; name?: string; text: string }) {
    const conversationId = this.conversation?.id;
    return this.request('offline:leave', conversationId ? { ...input, conversationId } : input);
  }

  // ---------- internals ----------

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.listener.connectionChanged(state);
    this.listener.messagesChanged(); // pending rows switch between "sending" and "waiting"
  }

  private setConversation(conversation: ConversationSummary | null): void {
    const previous = this.conversation;
    // Updates of one chat can cross on the way (each is read after its change): an older one ("queued") arriving
    // after a newer one ("an agent joined") would bring back what is over.
    if (conversation && previous?.id === conversation.id && conversation.version < previous.version) return;
    if (conversation) this.serverSeen(conversation.id, conversation.customerLastSeenId);
    // What this tab has seen counts even before the server has heard it (seen marks go out coalesced): an update of
    // the same chat sent meanwhile (an agent joined) must not bring the read messages back as unread.
    if (conversation && previous?.id === conversation.id && previous.customerLastSeenId > conversation.customerLastSeenId) {
      conversation = { ...conversation, customerLastSeenId: previous.customerLastSeenId };
    }
    // Its messages the shopper saw before this tab knew the chat (the panel may be closed by now) are read.
    const shown = conversation ? this.lastMessageId(conversation.id, this.shownUpTo) : 0;
    if (conversation && shown > conversation.customerLastSeenId) conversation = { ...conversation, customerLastSeenId: shown };
    this.conversation = conversation;
    this.sendSeenSoon();
    this.listener.conversationChanged(previous, conversation);
  }

  private networkChanged(online: boolean): void {
    this.networkOnline = online;
    if (this.state === 'blocked') return;
    if (!online) {
      this.setState('offline');
      return;
    }
    const socket = this.socket;
    if (!socket) return;
    if (socket.connected) {
      this.setState('online');
      // The old connection may not have survived the network's change: check it, and resync meanwhile.
      this.checkConnection();
      void this.resync().finally(() => this.flush());
    } else {
      // Skip the remaining back-off: the network just came back.
      this.reconnect(socket);
    }
  }

  /**
   * A fresh connection instead of this one (the outbox, the list and the read marks stay; the connect handler resyncs
   * and sends what waits). Used when the socket still says "connected" but does not answer, and to skip the back-off.
   */
  private reconnect(socket: WidgetSocket): void {
    if (socket !== this.socket || this.state === 'blocked') return;
    this.setState(this.networkOnline ? 'reconnecting' : 'offline');
    socket.disconnect();
    socket.connect();
  }

  /**
   * Checks quickly that the connection still carries anything: `widget:ping` with an ack and a short timeout, which
   * the server answers at once (an older server answers it too, as an unknown event). Any answer means the connection
   * lives. No answer: a fresh connection. A socket that is waiting to reconnect tries now.
   */
  private checkConnection(): void {
    const socket = this.socket;
    if (!socket || this.checking || this.state === 'blocked' || !this.networkOnline) return;
    if (!socket.connected) {
      if (socket.active) this.reconnect(socket);
      return;
    }
    this.checking = true;
    socket.timeout(CHECK_TIMEOUT_MS).emit('widget:ping', (err) => {
      this.checking = false;
      if (err) this.reconnect(socket);
    });
  }

  /** The newest message id known, of one conversation or (without one) of all. */
  /** The newest message held (of one conversation; up to an id). */
  private lastMessageId(conversationId?: number, upTo = Infinity): number {
    let last = 0;
    for (const m of this.messages.values()) {
      if ((conversationId === undefined || m.conversationId === conversationId) && m.id > last && m.id <= upTo) last = m.id;
    }
    return last;
  }

  private addMessages(messages: ChatMessage[]): void {
    let changed = false;
    for (const message of messages) {
      if (this.messages.has(message.id)) continue;
      this.messages.set(message.id, message);
      // Our own message came back (by broadcast or resync): it is delivered whatever happened to its ack.
      if (message.clientId && message.author.type === 'customer') this.outbox.remove(message.clientId);
      changed = true;
    }
    if (changed) this.listener.messagesChanged();
  }

  private request<E extends keyof WidgetClientToServer>(
    event: E,
    payload: Parameters<WidgetClientToServer[E]>[0],
  ): Promise<AckResult<E>> {
    return new Promise((resolve, reject) => {
      const socket = this.socket;
      if (!socket || !this.connected) return reject(new Error('offline'));
      // The typed emit of socket.io cannot follow a generic event name; the event maps still type payload and result.
      (socket.timeout(ACK_TIMEOUT_MS) as unknown as { emit(e: string, p: unknown, cb: (err: Error | null, res: AckResult<E>) => void): void })
        .emit(event, payload, (err, res) => {
          if (!err) return resolve(res);
          // No answer in time on a socket that still says "connected": the connection may have died without a word
          // (a phone that changed networks), or the server is only slow. The ping, answered without the database,
          // tells them apart: no answer, and a fresh connection sends the outbox again at once (client ids keep that
          // free of doubles); an answer, and this connection stays — every widget reconnecting to a struggling
          // server at once would only add to its load.
          if (socket.connected) this.checkConnection();
          reject(err);
        });
    });
  }

  /**
   * Fills the list from the server: everything after the last id held with nothing missing before it (see inStep),
   * or the current conversation on first connect. Messages are keyed by id: one fetched again is not shown twice.
   */
  private async resync(): Promise<void> {
    try {
      const known = this.conversation;
      let afterId = known ? Math.min(this.lastMessageId(known.id), this.heldUpTo) : 0;
      while (afterId) {
        const synced = await this.request('messages:sync', { conversationId: known!.id, afterId });
        if (!synced.ok) break;
        this.addMessages(synced.messages);
        this.setConversation(synced.conversation);
        // A page of it: the rest is asked for after the page's last message, so nothing is skipped.
        afterId = synced.hasMore ? synced.messages.at(-1)!.id : 0;
        if (!afterId && synced.conversation.status !== 'resolved') return void (this.inStep = true);
      }
      // First load, or our chat has closed: another tab may have started a newer one.
      if (await this.loadCurrent()) this.inStep = true;
    } catch {
      // disconnected mid-way (the next connect resyncs again), or no answer in time
    }
    if (!this.inStep && this.connected) setTimeout(() => void (this.inStep || this.resync()), RESYNC_RETRY_MS);
  }

  /** A message sent outside the socket (a file upload) may have started a conversation this tab does not know yet. */
  async sentElsewhere(conversationId: number): Promise<void> {
    if (conversationId !== this.conversation?.id) await this.loadCurrent();
  }

  /** The chat a resume link brought: shown by the next load instead of the newest open one. */
  preferConversation(conversationId: number): void {
    this.preferred = conversationId;
  }

  /**
   * Whether a chat of ours replaces the one on screen: the same or a newer one (another tab started it), or any open
   * one — the customer has one open chat, and a merge of records may keep an older one open than this tab's.
   */
  private takes(conversation: ConversationSummary): boolean {
    return !this.conversation || conversation.id >= this.conversation.id || conversation.status !== 'resolved';
  }

  /** False when the server refused (the list may still miss messages). */
  private async loadCurrent(): Promise<boolean> {
    const current = await this.request('conversation:current', this.preferred ? { conversationId: this.preferred } : {});
    if (!current.ok || !current.conversation) return current.ok;
    this.preferred = null;
    if (this.takes(current.conversation)) {
      this.addMessages(current.messages);
      this.setConversation(current.conversation);
    }
    return true;
  }

  /** Sends the outbox, oldest first, one at a time so the server stores them in the order typed. */
  private async flush(): Promise<void> {
    // While a pause runs, a new message or a reconnect waits for it too: it must not send the refused one early.
    if (this.flushing || this.retryTimer) return;
    this.flushing = true;
    // Tabs of one shopper share the outbox: a Web Lock lets one tab at a time send it, so two tabs never race
    // to send the same first message (which could open two conversations).
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    let retryIn = 0;
    try {
      retryIn = await (locks ? locks.request(`shopdesk:${this.server.scope}:outbox`, () => this.sendOutbox()) : this.sendOutbox());
    } finally {
      this.flushing = false;
    }
    if (retryIn && this.outbox.pending().length) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.flush();
      }, retryIn);
    }
  }

  /** Returns after how long to try again (0 = nothing to retry). */
  private async sendOutbox(): Promise<number> {
    let retryIn = 0;
    try {
      for (let item = this.outbox.pending()[0]; item && this.connected; item = this.outbox.pending()[0]) {
        const payload = {
          clientId: item.clientId, text: item.text,
          ...(item.quickReply ? { quickReply: item.quickReply } : {}),
          ...(item.page ? { page: item.page } : {}),
          // The chat it was written in (writtenIn, not conversationId): a resend after a lost ack, once the shopper
          // has started another chat, is still recognised there as a duplicate, or refused when that chat has ended.
          // Without one (the first message) the server picks the shopper's open conversation.
          ...(item.conversationId && !this.oldServer ? { writtenIn: item.conversationId } : {}),
        };
        const result = await this.request('message:send', payload);
        if (result.ok) {
          this.transientFailures.delete(item.clientId);
          this.outbox.remove(item.clientId);
          this.addMessages([{
            id: result.id,
            conversationId: result.conversationId,
            clientId: item.clientId,
            author: { type: 'customer', id: null, name: null },
            text: item.text.trim(),
            private: false,
            metadata: item.quickReply ? { quickReply: item.quickReply } : {},
            createdAt: result.createdAt,
          }]);
          if (result.conversationId !== this.conversation?.id) await this.loadCurrent();
        } else if (result.error.code === 'rate_limited') {
          retryIn = RATE_LIMIT_RETRY_MS;
          break;
        } else {
          // Which refusal (a family's reason, see ErrorBody) decides whether Retry is offered.
          const { code: family, message, reason } = result.error;
          const code = reason ?? family;
          // A server not yet upgraded in a rolling deploy refuses the field it does not know ("writtenIn: …"): the
          // message goes again without it (that server picks the open chat, as it always did).
          if (code === 'validation' && message.startsWith('writtenIn') && !this.oldServer) {
            this.oldServer = true;
            continue;
          }
          const failures = this.transientFailures.get(item.clientId) ?? 0;
          if (TRANSIENT_ERRORS.has(code) && failures < TRANSIENT_RETRY_MS.length) {
            this.transientFailures.set(item.clientId, failures + 1);
            retryIn = TRANSIENT_RETRY_MS[failures];
            break;
          }
          // Refused for good, or still failing after the automatic retries: it waits, in its place, for the
          // shopper's Retry or Remove; the messages after it go on.
          this.transientFailures.delete(item.clientId);
          this.outbox.update({ ...item, failed: { code, message, after: this.lastMessageId() } });
          this.listener.messagesChanged();
        }
      }
    } catch {
      // Ack timed out (request() then replaced the connection) or the socket dropped: the item stays in the outbox
      // and the next connect sends it; should the socket still be up, a retry after a pause does.
      retryIn = this.connected ? ACK_TIMEOUT_MS / 5 : 0;
    }
    return retryIn;
  }
}

/** The shop page the widget is on, as sent with a message (see shopperPage); none outside a browser. */
export function currentPage(): ShopperPage | null {
  return typeof location === 'undefined' ? null : shopperPage({ url: location.href, title: typeof document !== 'undefined' ? document.title : undefined });
}
