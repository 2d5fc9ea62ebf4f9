// The one shared contract of the realtime API: typed event maps used by the
// server (Socket.IO), the widget and the console. The server still validates
// every payload at run time (see payload-schemas.ts): types vanish in the browser.
//
// Conventions: client -> server events that change something take an ack
// callback answered with Ack<T>: {ok: true, ...} or {ok: false, error}.

export type AuthorType = 'customer' | 'bot' | 'agent' | 'system';
export type ConversationStatus = 'bot' | 'queued' | 'assigned' | 'resolved';
export type Presence = 'online' | 'away' | 'offline';

/** The page of the shop a shopper wrote from: its address without query or fragment, and its title. */
export interface ShopperPage {
  url: string;
  title?: string;
}

/** What an agent's private note carries besides its text: the teammates it named ("@Sam"), who were told. */
export interface NoteMetadata {
  mentions?: { id: number; name: string }[];
}

/**
 * Where a shopper is now, as their agent sees it: whether a page of the shop with the widget is open (in any tab),
 * the last page it reported and when. Shown beside the chat; never sent to the shopper.
 */
export interface ShopperActivity {
  customerId: number;
  online: boolean;
  page: ShopperPage | null;
  /** When that page was reported (ISO time); null when none is known. */
  at: string | null;
}

export interface ErrorBody {
  /** Stable machine-readable code, e.g. "validation", "forbidden", "not_found", "rate_limited". */
  code: string;
  message: string;
  /**
   * A more specific code where `code` is a family ("conflict"): which refusal this is ("conversation_resolved",
   * "conversation_taken"), so that the console can word it in its own language. `code` keeps the value callers check.
   */
  reason?: string;
  /** What the refusal's wording names, e.g. {name: "Sam Agent"} for an agent who is offline. */
  params?: Record<string, string>;
}
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckFn<T extends object = object> = (response: Ack<T>) => void;

export interface QuickReply {
  label: string;
  /** Sent back as message:send {quickReply: value}; "handoff" asks for a person. */
  value: string;
}

export interface ArticleRef {
  id: number;
  slug: string;
  title: string;
  url?: string;
}

/** A product of the shop's catalogue the bot answered from. */
export interface ProductRef {
  sku: string;
  name: string;
  url?: string;
}

/** What the bot attaches to each of its messages: why it said what it said. */
// A type alias (not an interface) so it stays assignable to Record<string, unknown>.
export type BotMetadata = {
  decision: 'answer' | 'clarify' | 'handoff' | 'greet' | 'fallback';
  /** Why, in the policy's words (person_request, negative_sentiment, repeated_miss, kb_passage …; `attachment`). */
  reason?: string;
  intent?: string | null;
  confidence?: number | null;
  articles?: ArticleRef[];
  /** Products the answer came from (their page links). */
  products?: ProductRef[];
  encoder?: string;
  quickReplies?: QuickReply[];
  askHelpful?: boolean;
  /** The language the reply is written in ('en' | 'zh'): the widget words its "Was this helpful?" to match. */
  language?: string;
  /** A short follow-up was read together with this earlier question of the shopper's. */
  readWith?: string;
};

/** A file carried by a message (see server/http/attachment-routes.ts). */
export interface AttachmentRef {
  id: number;
  name: string;
  contentType: string;
  size: number;
  /** Path on the chat server; the random key in it is what grants access. */
  url: string;
}

/** Metadata of a message that carries files; `fileOnly` when its text is just the file's name. */
export type FileMetadata = { attachments?: AttachmentRef[]; fileOnly?: boolean };

export interface ChatMessage {
  id: number;
  conversationId: number;
  clientId: string | null;
  author: { type: AuthorType; id: number | null; name: string | null };
  text: string;
  /** Agents' private note; only ever sent on the /agent namespace. */
  private: boolean;
  metadata: BotMetadata | Record<string, unknown>;
  createdAt: string;
}

export interface ConversationSummary {
  id: number;
  customerId: number;
  status: ConversationStatus;
  /** `shownName`: what the shopper is told the agent is called (users.display_name), when it differs from `name`. */
  assignee: { id: number; name: string; shownName?: string } | null;
  handedOff: boolean;
  queuedAt: string | null;
  assignedAt: string | null;
  resolvedAt: string | null;
  lastMessageAt: string | null;
  createdAt: string;
  customerLastSeenId: number;
  agentLastSeenId: number;
  /**
   * Agents only (never sent to the shopper): while set, the holder snoozed the chat until this time (ISO); it is out
   * of the open lists and wakes then, or when the shopper writes.
   */
  snoozedUntil?: string | null;
  /** Agents only (never sent to the shopper): the team the chat was handed off to for its topic (migration 028). */
  team?: { id: number; name: string } | null;
  /** Agents only: when a person first replied (the inbox marks a hand-off still unanswered past the team's target). */
  firstResponseAt?: string | null;
  /** Agents only: the tool an imported conversation came from ("chatwoot"); null for the chats held here. */
  importedFrom?: string | null;
  /** Agents only: a teammate marked the chat priority (the inbox marks it and can list those first). */
  priority?: boolean;
  /** Agents only: where the chat started (migration 055) — the widget, an email, an agent writing first, or an import. */
  channel?: 'widget' | 'email' | 'agent' | 'import';
  /**
   * Agents only: anonymised by the data-retention policy or the customer's deletion. Shopper and bot messages are no
   * longer stored there, so it cannot be reopened (the console hides Reopen; the server refuses it).
   */
  anonymised?: boolean;
  /**
   * Counts up on every change of the chat. Updates can arrive out of order (each is read after its change, on any
   * connection or server): of two for the same chat, the higher version is the current one.
   */
  version: number;
}

export interface QueuePosition {
  conversationId: number;
  /** 1 = next to be assigned. */
  position: number;
  onlineAgents: number;
}

export type UnavailableReason = 'no_agents_online' | 'after_hours';

// ---------- /widget namespace (shopper) ----------
// Handshake: io(url + '/widget', { auth: { token: visitorToken } })

export interface WidgetClientToServer {
  /** The shopper's open conversation (created lazily on first message) with its messages. */
  /** The chat's newest messages (SHOPPER_HISTORY_PAGE), oldest first; `hasEarlier`: the chat has older ones. */
  'conversation:current': (payload: { conversationId?: number }, ack: AckFn<{ conversation: ConversationSummary | null; messages: ChatMessage[]; hasEarlier: boolean }>) => void;
  /**
   * `writtenIn`: the chat the shopper wrote it in (the widget's outbox sends it): stored there, or refused with reason
   * `conversation_resolved` once that chat is closed, never put into another chat. `conversationId` instead: a closed
   * chat's message starts a new one.
   */
  'message:send': (
    payload: { clientId: string; text: string; conversationId?: number; writtenIn?: number; quickReply?: string; page?: ShopperPage },
    ack: AckFn<{ id: number; conversationId: number; createdAt: string; duplicate: boolean }>,
  ) => void;
  'handoff:request': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  typing: (payload: { conversationId: number; typing: boolean }) => void;
  /** The page the widget is on: sent on connecting and whenever the shop's page changes (agents see it live). */
  'page:view': (payload: ShopperPage) => void;
  'messages:seen': (payload: { conversationId: number; lastSeenId: number }) => void;
  /**
   * What came after afterId, in order: a reconnecting client calls this with the last id it saw. At most SYNC_PAGE
   * messages; `hasMore`: there are later ones, asked for with the last id of this answer.
   */
  'messages:sync': (payload: { conversationId: number; afterId: number }, ack: AckFn<{ messages: ChatMessage[]; conversation: ConversationSummary; hasMore: boolean }>) => void;
  'feedback:csat': (payload: { conversationId: number; rating: number; comment?: string }, ack: AckFn) => void;
  'feedback:article': (payload: { messageId: number; articleId: number; helpful: boolean }, ack: AckFn) => void;
  'feedback:answer': (payload: { messageId: number; helpful: boolean }, ack: AckFn) => void;
  'offline:leave': (payload: { email: string; name?: string; text: string; conversationId?: number }, ack: AckFn<{ id: number }>) => void;
  /** Is this connection alive? Answered at once; the widget connects afresh when no answer comes. */
  'widget:ping': (ack: AckFn<Record<string, never>>) => void;
}

export interface WidgetServerToClient {
  'message:new': (message: ChatMessage) => void;
  typing: (payload: { conversationId: number; author: 'agent' | 'bot'; name: string | null; typing: boolean }) => void;
  'messages:seen': (payload: { conversationId: number; lastSeenId: number }) => void;
  /** The shopper's own read mark moved (read in another tab or device of theirs): every tab drops its unread badge. */
  'messages:read': (payload: { conversationId: number; lastSeenId: number }) => void;
  'conversation:updated': (conversation: ConversationSummary) => void;
  'queue:position': (payload: QueuePosition) => void;
  'agents:unavailable': (payload: { conversationId: number; reason: UnavailableReason; message: string }) => void;
  /** A request that had no ack callback (or an unknown event) was refused. */
  'request:error': (payload: { event: string; error: ErrorBody }) => void;
}

// ---------- /agent namespace (console) ----------
// Handshake: the console's session cookie, or io(url + '/agent', { auth: { token: sessionToken } })

export interface AgentClientToServer {
  'presence:set': (payload: { presence: Presence }, ack: AckFn<{ presence: Presence }>) => void;
  /**
   * The agent did something in this console tab (keyboard, pointer, the tab focused again): sent at most about
   * twice a minute per tab. Keeps an Online agent from being set Away for inactivity; never changes a presence.
   */
  'presence:activity': (payload: Record<string, never>, ack?: AckFn) => void;
  /** Also answers where the shopper is now (see ShopperActivity); later changes come as shopper:activity. */
  /** The chat's newest messages (AGENT_HISTORY_PAGE), oldest first; `hasEarlier`: GET /api/conversations/:id?beforeId= has more. */
  'conversation:join': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary; messages: ChatMessage[]; hasEarlier: boolean; shopper: ShopperActivity }>) => void;
  'conversation:leave': (payload: { conversationId: number }) => void;
  'conversation:accept': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  'conversation:transfer': (payload: { conversationId: number; toAgentId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  /**
   * A chat nobody holds yet (queued, or with the bot) to a chosen agent: any agent to themselves ("Assign to me"), an
   * admin to someone online or away with a free seat, or past their capacity with `overCapacityReason`.
   */
  'conversation:assign': (payload: { conversationId: number; toAgentId: number; overCapacityReason?: string }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  /** The holder (or an admin) puts a held chat back in the queue, first in line, offered to others first. */
  'conversation:requeue': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  /** To a team's queue (held: holder or admin; queued: any agent re-tags it). */
  'conversation:transfer-team': (payload: { conversationId: number; teamId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  /** Any agent takes a chat another agent holds; the previous holder is told (mention:new and a private line). */
  'conversation:takeover': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  'conversation:resolve': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  'conversation:reopen': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  /**
   * The holder (or an admin) puts a chat aside until `until` (ISO time with a zone or Z; at least a minute ahead, at
   * most 30 days). It keeps its holder and wakes then, or when the shopper writes. Snoozing again moves the time.
   */
  'conversation:snooze': (payload: { conversationId: number; until: string }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  'conversation:unsnooze': (payload: { conversationId: number }, ack: AckFn<{ conversation: ConversationSummary }>) => void;
  'message:send': (
    payload: { conversationId: number; clientId: string; text: string; private?: boolean },
    ack: AckFn<{ id: number; conversationId: number; createdAt: string; duplicate: boolean }>,
  ) => void;
  typing: (payload: { conversationId: number; typing: boolean }) => void;
  /**
   * This agent has read the chat up to lastSeenId: the team's seen mark (unread badges). On a chat someone holds only
   * the holder's report counts; anyone else's is answered ok and changes nothing. On a chat nobody holds, anyone's.
   */
  'messages:seen': (payload: { conversationId: number; lastSeenId: number }, ack?: AckFn) => void;
  /** As the widget's: at most SYNC_PAGE messages after afterId, `hasMore` when there are later ones. */
  'messages:sync': (payload: { conversationId: number; afterId: number }, ack: AckFn<{ messages: ChatMessage[]; conversation: ConversationSummary; hasMore: boolean }>) => void;
}

export interface AgentServerToClient {
  /**
   * Every new message, in batches: the messages a server announced during one event-loop turn arrive
   * together (one frame per console instead of one per message).
   */
  'messages:new': (messages: ChatMessage[]) => void;
  typing: (payload: { conversationId: number; author: 'customer' | 'agent'; name: string | null; typing: boolean }) => void;
  'messages:seen': (payload: { conversationId: number; by: 'customer'; lastSeenId: number }) => void;
  /** Any change of status or assignee, sent to every agent (inbox lists update live). */
  'conversation:updated': (conversation: ConversationSummary) => void;
  /**
   * The team's seen mark of a chat moved (someone read it, see messages:seen), sent to every agent: other tabs and
   * teammates refresh their unread badges and title counts. Only the mark: a read is too frequent for a whole summary.
   */
  'conversation:read': (payload: { conversationId: number; agentLastSeenId: number }) => void;
  /** A conversation's labels changed (agents only: labels are never sent to the shopper). */
  'conversation:labels': (payload: { conversationId: number; labels: string[] }) => void;
  /** An admin renamed a label on every conversation (`to`), or removed it from all (`to` null). */
  'labels:changed': (payload: { from: string; to: string | null; conversations: number }) => void;
  /** Who has a conversation open in a console now (to everyone who has it open), so two agents do not both answer. */
  'conversation:viewers': (payload: { conversationId: number; agents: { id: number; name: string }[] }) => void;
  /** The shopper of a joined conversation opened another page, or closed their last page with the widget. */
  'shopper:activity': (payload: ShopperActivity) => void;
  /** To a teammate named ("@Name") in another agent's private note. */
  /** `event` says what it is when it is no note (a take-over): the console words it, `text` is English for other clients. */
  'mention:new': (payload: { conversationId: number; messageId: number; by: { id: number; name: string }; text: string; event?: 'agent_took_over' }) => void;
  /**
   * To every console of the one agent who has just seen the mentions of them in a chat (POST …/mentions/seen):
   * `unseen` is how many chats still have a mention they have not seen, so their other tabs update their counts.
   */
  'mentions:seen': (payload: { conversationId: number; unseen: number }) => void;
  /** Sent to the one agent a conversation was just assigned or transferred to. */
  'conversation:assigned': (conversation: ConversationSummary) => void;
  /**
   * `autoAwayMinutes` only when the server set this Away because the agent was inactive that many minutes (the
   * team setting); a presence the agent chose has none.
   */
  'presence:updated': (payload: { agentId: number; presence: Presence; autoAwayMinutes?: number }) => void;
  /**
   * A team member's names changed (their own Account panel, or an admin on the team page): consoles update the
   * signed-in person's header and reload team lists. `displayName` is what shoppers see (null = the full name).
   */
  'agent:renamed': (payload: { agentId: number; name: string; displayName: string | null }) => void;
  'offline:new': (payload: { id: number; customerId: number | null; email: string; text: string; createdAt: string }) => void;
  /** Sent to one agent just before an admin signs them out (deactivation, a password reset): the login page says why. */
  'session:ended': (payload: { reason: 'deactivated' | 'password_reset' }) => void;
  /** Something a customer panel shows changed (a rating stored by the workers, tags, attributes): panels of that customer reload. */
  'customer:updated': (payload: { customerId: number }) => void;
  /**
   * Canned responses changed: `shared` to every agent (an admin edited the team's), `personal` only to the agent whose
   * own replies changed (their other consoles reload the "/" list and My replies). Never carries the replies themselves.
   */
  'canned:changed': (payload: { scope: 'shared' | 'personal' }) => void;
  /** Macros changed: `team` to every agent (an admin edited the team's), `personal` only to the agent whose own changed. */
  'macros:changed': (payload: { scope: 'team' | 'personal' }) => void;
  /** An admin created, renamed, relabelled or deleted intents (or imported them): consoles reload the intents' labels (GET /api/intents/labels). */
  'intents:changed': () => void;
  /** Saved inbox views changed: `team` to every agent (an admin edited the team's), `personal` only to the owner's consoles. */
  'views:changed': (payload: { scope: 'team' | 'personal' }) => void;
  /** A left message was marked answered (every console's count and list update). */
  'offline:handled': (payload: { id: number; handledBy: number }) => void;
  'request:error': (payload: { event: string; error: ErrorBody }) => void;
}

/** Nothing is stored per socket beyond who it is. */
export interface WidgetSocketData {
  customerId: number;
}
export interface AgentSocketData {
  userId: number;
  /** The sha256 of the session token it connected with (the gateway closes it when that session ends). */
  sessionHash: string;
  role: 'agent' | 'admin';
  name: string;
  /** The console asked (auth.restorePresence) to bring back the agent's chosen presence; API clients only listen. */
  restoresPresence: boolean;
}
