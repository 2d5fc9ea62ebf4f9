// The console's frame: sign-in, the top bar (navigation, presence, language,
// notifications, sign-out) and the page for the current path. Admin pages are
// not even offered to agents, and the server refuses their APIs anyway.
import { useEffect, useRef, useState } from 'preact/hooks';
import { setLimits, type Limits, type SignedInAnswer } from './limits.ts';
import { ApiError, errorText, get, PASSWORD_CHANGE_EVENT, post, UNAUTHORIZED_EVENT } from './api.ts';
import { connectAgentSocket, isRetryableConnectError, request, retryDelayMs, type AgentSocket } from './realtime.ts';
import { SessionContext } from './context.ts';
import { forgetSessionHint, mayBeSignedIn } from './session-hint.ts';
import { getLanguageChoice, getLocale, setLanguageChoice, t, type LanguageChoice, type Locale } from './i18n.ts';
import { match, navigate, usePath } from './router.ts';
import { alertAgent, announce, askPermissionOnce, notificationPrefs, onAnnounce, shouldAskPermission, type AlertEvent } from './notify.ts';
import { useSocketEvent } from './hooks.ts';
import { useIntentNameUpdates } from './intent-names.tsx';
import type { Customer, InboxItem, Presence, User } from './types.ts';
import { InboxPage } from './pages/inbox.tsx';
import { KnowledgeBasePage } from './pages/admin-kb.tsx';
import { IntentsPage } from './pages/admin-intents.tsx';
import { ProductsPage } from './pages/admin-products.tsx';
import { UnansweredPage } from './pages/admin-unanswered.tsx';
import { TeamPage } from './pages/admin-team.tsx';
import { ReportsPage } from './pages/admin-reports.tsx';
import { AccountPanel, ChooseOwnPassword } from './pages/account.tsx';
import { InvitePage } from './pages/invite.tsx';
import { TwoStepLogin } from './pages/two-step-login.tsx';
import { CustomersPage } from './pages/customers.tsx';
import { MessagesPage } from './pages/messages.tsx';
import { AutoAwayBanner, useActivityReport } from './auto-away.tsx';
import { reportChatRead, useUnreadTabTitle } from './unread-title.ts';
import { forgetDraftsOfOthers } from './drafts.ts';
import { useHeldChats } from './held-chats.ts';
import { mentionAlert } from './mention-alert.ts';

/** How long a new chat must still be waiting before it is news: a hand-off is often assigned within a second. */
export const QUEUED_NEWS_DELAY_MS = 1000;

/** What an alert about one chat says (GET /api/conversations/:id/alert). */
type ChatAlertInfo = {
  conversationId: number;
  status: string;
  customer: Pick<Customer, 'id' | 'name' | 'email'>;
  latestShopperText: string | null;
  /** Still queued, and for this agent: online, and in the chat's team (or it has none, or none of its team is online). */
  queueAlert: boolean;
};

/** A sign-in answer (or /api/auth/me) says whether the password is an admin's, to be replaced before anything else. */
type PasswordState = { mustChangePassword?: boolean };

export function App() {
  const [, setLanguageState] = useState<LanguageChoice>(getLanguageChoice());
  const [user, setUser] = useState<User | null | undefined>(undefined);
  // Signed in with a password an admin set: only the "choose your own password" form until it is replaced.
  const [mustChange, setMustChange] = useState(false);
  const path = usePath();
  const changeLocale = (choice: LanguageChoice) => {
    setLanguageChoice(choice);
    setLanguageState(choice);
  };

  // The sign-in answer carries the server's limits and the password state, as /api/auth/me does: both start a session here.
  const signIn = (signedIn: { user: User; limits?: Partial<Limits> } & PasswordState) => {
    setLimits(signedIn.limits);
    setMustChange(signedIn.mustChangePassword === true);
    setUser(signedIn.user);
  };

  useEffect(() => {
    // Only a 401 means signed out; a server that cannot answer now (restarting, its database briefly away) is asked
    // again with backoff while the splash says so, instead of showing the login page to a signed-in agent.
    // Nobody signed in from this browser (no hint cookie): the login page at once, without a 401 in the console.
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const whoAmI = () => get<{ user: User; limits?: Partial<Limits> } & PasswordState>('/api/auth/me').then(signIn, (err) => {
      if (err instanceof ApiError && err.status === 401) setUser(null);
      else retry = setTimeout(whoAmI, retryDelayMs(attempt++));
    });
    if (mayBeSignedIn()) void whoAmI();
    else setUser(null);
    const onUnauthorized = () => {
      forgetSessionHint();
      setUser(null);
    };
    const onPasswordChangeRequired = () => setMustChange(true);
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    window.addEventListener(PASSWORD_CHANGE_EVENT, onPasswordChangeRequired);
    return () => {
      clearTimeout(retry);
      window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
      window.removeEventListener(PASSWORD_CHANGE_EVENT, onPasswordChangeRequired);
    };
  }, []);

  // The invitation link's page is public, like the login page; accepting signs in and opens the console.
  if (path === '/console/invite') {
    return <InvitePage onAccepted={(answer) => { signIn(answer); navigate('/console', true); }} onToLogin={() => navigate('/console', true)} />;
  }
  if (user === undefined) return <div class="splash">{t('loading')}</div>;
  if (user === null) return <LoginPage onLogin={signIn} locale={getLocale()} onLocale={changeLocale} />;
  if (mustChange) {
    const logout = () => void post('/api/auth/logout').catch(() => {}).then(() => setUser(null));
    return <ChooseOwnPassword name={user.name} onChanged={() => setMustChange(false)} onLogout={logout} />;
  }
  return <SignedIn user={user} onUser={setUser} onLogout={() => setUser(null)} onLocale={changeLocale} />;
}

function LanguageSwitch({ onLocale }: { onLocale(choice: LanguageChoice): void }) {
  return (
    <select class="lang" aria-label={t('language')} value={getLanguageChoice()} onChange={(e) => onLocale((e.currentTarget as HTMLSelectElement).value as LanguageChoice)}>
      {/* Each name in its own language, so a screen reader says "中文" with a Chinese voice (WCAG 3.1.2). */}
      <option value="en" lang="en">English</option>
      <option value="zh-CN" lang="zh-CN">简体中文</option>
      <option value="zh-TW" lang="zh-TW">繁體中文（台灣）</option>
      <option value="zh-HK" lang="zh-HK">繁體中文（香港）</option>
    </select>
  );
}

const SIGNED_OUT_REASON_KEY = 'sd.signedOutReason';

/** Why an admin signed this browser's person out, read once (a reload shows the plain login page). */
function takeSignedOutReason(): string | null {
  const reason = sessionStorage.getItem(SIGNED_OUT_REASON_KEY);
  sessionStorage.removeItem(SIGNED_OUT_REASON_KEY);
  if (reason === 'deactivated') return t('login.deactivated');
  if (reason === 'password_reset') return t('login.passwordReset');
  return null;
}

function LoginPage({ onLogin, onLocale }: { onLogin(answer: SignedInAnswer): void; locale: Locale; onLocale(choice: LanguageChoice): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [notice] = useState(takeSignedOutReason);
  const [error, setError] = useState<string | null>(null);
  // The server refused the email and password (not a network failure): both fields are marked invalid.
  const [refused, setRefused] = useState(false);
  const [busy, setBusy] = useState(false);
  // A second press while signing in does nothing. The button is not `disabled` meanwhile (only aria-disabled): a
  // disabled button loses focus, and after a refused password focus was on <body> instead of the form.
  const sending = useRef(false);
  // With two-step sign-in on, a right password answers a challenge; the code is asked for next.
  const [challenge, setChallenge] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    setError(null);
    setRefused(false);
    try {
      const result = await post<SignedInAnswer | { twoStepRequired: true; challenge: string }>('/api/auth/login', { email, password });
      if ('twoStepRequired' in result) setChallenge(result.challenge);
      else onLogin(result);
    } catch (err) {
      const wrong = err instanceof ApiError && err.status === 401;
      setRefused(wrong);
      setError(wrong ? t('login.wrong') : errorText(err));
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };
  if (challenge) {
    const restart = (reason: string) => {
      setChallenge(null);
      setPassword('');
      setError(reason);
    };
    return <main class="login"><TwoStepLogin challenge={challenge} onLogin={onLogin} onRestart={restart} /></main>;
  }
  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit} data-testid="login-form">
        <h1>Shopdesk</h1>
        <p class="muted">{t('login.title')}</p>
        {notice && <p class="notice" role="status" data-testid="signed-out-reason">{notice}</p>}
        {/* A refused sign-in marks both fields and ties them to the reason, so a screen reader says why on each. */}
        <label>{t('login.email')}<input name="email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)}
          aria-invalid={refused ? 'true' : undefined} aria-describedby={error ? 'login-error' : undefined} /></label>
        <label>{t('login.password')}<input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)}
          aria-invalid={refused ? 'true' : undefined} aria-describedby={error ? 'login-error' : undefined} /></label>
        {error && <p class="error" role="alert" id="login-error" data-testid="login-error">{error}</p>}
        <button class="primary" type="submit" aria-disabled={busy ? 'true' : undefined}>{t('login.submit')}</button>
        <LanguageSwitch onLocale={onLocale} />
      </form>
    </main>
  );
}

/**
 * The polite status region every announcement goes to (notify.ts `announce`): each is its own line, so two in quick
 * succession are both said, and only the newest few are kept. Present from the start, as live regions must be.
 */
function LiveAnnouncer() {
  const [lines, setLines] = useState<{ id: number; text: string }[]>([]);
  useEffect(() => {
    let next = 0;
    return onAnnounce((text) => setLines((current) => [...current.slice(-4), { id: ++next, text }]));
  }, []);
  return (
    <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="false" aria-relevant="additions" data-testid="live-announcer">
      {lines.map((line) => <p key={line.id}>{line.text}</p>)}
    </div>
  );
}

/** Drawn, not an emoji: a machine without an emoji font shows a box for 🔔. */
function BellIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="15" height="15" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

const ADMIN_PAGES = [
  { path: '/console/admin/kb', label: 'nav.kb' as const },
  { path: '/console/admin/intents', label: 'nav.intents' as const },
  { path: '/console/admin/products', label: 'nav.products' as const },
  { path: '/console/admin/unanswered', label: 'nav.unanswered' as const },
  { path: '/console/admin/team', label: 'nav.team' as const },
  { path: '/console/admin/reports', label: 'nav.reports' as const },
];

function SignedIn({ user, onUser, onLogout, onLocale }: { user: User; onUser(user: User): void; onLogout(): void; onLocale(choice: LanguageChoice): void }) {
  const [socket] = useState<AgentSocket>(() => connectAgentSocket());
  // The agent's one presence as the server holds it (null until the server has said); every tab follows it.
  const [presence, setPresence] = useState<Presence | null>(null);
  // Set when the server made the agent Away for inactivity: after how many minutes (the banner says so).
  const [autoAwayMinutes, setAutoAwayMinutes] = useState<number | null>(null);
  // 'connecting' before the first connection, 'reconnecting' only once one was lost.
  const [connection, setConnection] = useState<'connecting' | 'connected' | 'reconnecting'>('connecting');
  const connected = connection === 'connected';
  const [askNotify, setAskNotify] = useState(shouldAskPermission());
  const path = usePath();
  // On a phone the navigation and account controls fold behind a menu button (styles.ts); a new page closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);

  useEffect(() => {
    // The server restores the agent's chosen presence when a console connects and sends it (presence:updated);
    // a tab never sends a presence of its own on connect, so a new tab or a reconnect cannot reset it.
    let everConnected = false;
    let refusedAttempts = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    const onConnect = () => {
      everConnected = true;
      refusedAttempts = 0;
      setConnection('connected');
    };
    const onDisconnect = (reason: string) => {
      setConnection('reconnecting');
      // The server closed us on purpose and socket.io will not retry by itself: signed out (deactivated, password
      // reset) shows the login page — the 401 of /api/auth/me does that — otherwise connect again.
      if (reason === 'io server disconnect') checkSessionThenConnect();
    };
    // A 401 there signs out (api.ts); any other failure (the server cannot check now) is tried again later.
    const checkSessionThenConnect = () => get('/api/auth/me').then(() => socket.connect(), (err) => {
      if (!(err instanceof ApiError && err.status === 401)) retryTimer = setTimeout(checkSessionThenConnect, retryDelayMs(refusedAttempts++));
    });
    const onConnectError = (error: Error & { data?: { code?: string; retryable?: boolean } }) => {
      if (everConnected) setConnection('reconnecting');
      if (error.data?.code === 'unauthorized') {
        window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
        return;
      }
      if (error.data?.code === 'password_change_required') {
        window.dispatchEvent(new CustomEvent(PASSWORD_CHANGE_EVENT));
        return;
      }
      // A refused handshake is not retried by socket.io (transport failures are): the server could not check the
      // session just now (its database is restarting, say), so try again with backoff and stay signed in.
      if (isRetryableConnectError(error) && !socket.active) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => socket.connect(), retryDelayMs(refusedAttempts++));
      }
    };
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('connect_error', onConnectError);
    return () => {
      clearTimeout(retryTimer);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('connect_error', onConnectError);
      socket.close();
    };
  }, [socket]);
  // An admin is about to sign this person out: the login page that follows says why (once).
  useSocketEvent(socket, 'session:ended', ({ reason }) => sessionStorage.setItem(SIGNED_OUT_REASON_KEY, reason));
  // Renamed in another tab or by an admin: the header and the pages use the new names at once.
  useSocketEvent(socket, 'agent:renamed', (renamed) => {
    if (renamed.agentId === user.id) onUser({ ...user, name: renamed.name, displayName: renamed.displayName });
  });
  useSocketEvent(socket, 'presence:updated', (update) => {
    if (update.agentId !== user.id) return;
    setPresence(update.presence);
    setAutoAwayMinutes(update.autoAwayMinutes ?? null);
  });
  // Only while Online: the server sets an idle agent Away; nothing but the agent's own choice ends an Away.
  useActivityReport(socket, connected && presence === 'online');
  // "(3) Shopdesk console" on every page of the console, not only while the inbox is open.
  useUnreadTabTitle(socket);
  useIntentNameUpdates(socket);
  // Drafts left in this tab by someone who signed in here before go, once per sign-in (not each time a chat opens).
  useEffect(() => forgetDraftsOfOthers(user.id), [user.id]);

  // Who a chat is with, for the announcements, by conversation id: from the lists loaded here, else asked once per chat
  // and page load.
  const customerNames = useRef(new Map<number, Promise<string>>());
  const nameOf = (customer: Pick<Customer, 'id' | 'name' | 'email'>) => customer.name || customer.email || `${t('customer.visitor')} #${customer.id}`;
  // Conversations this agent holds (`mine`): a shopper message in one of them raises an alert. Chats waiting in the
  // queue (`queued`): a new one, and a shopper's message in one, are announced to screen readers. News that comes
  // before their first loads answer is held until then (held-chats.ts).
  const held = useHeldChats((view) => get<{ items: InboxItem[] }>(`/api/conversations?view=${view}&limit=200`).then((r) => r.items.map((i) => {
    customerNames.current.set(i.conversation.id, Promise.resolve(nameOf(i.customer)));
    return i.conversation.id;
  })));
  const { mine, queued } = held;
  /** A chat's customer's name; one not in the lists is asked by its customer id when known (not the whole chat). */
  const customerName = (conversationId: number, customerId?: number): Promise<string> => {
    let name = customerNames.current.get(conversationId);
    if (!name) {
      const asked = customerId !== undefined ? get<{ customer: Customer }>(`/api/customers/${customerId}`) : get<{ customer: Customer }>(`/api/conversations/${conversationId}`);
      name = asked.then(({ customer }) => nameOf(customer), () => `#${conversationId}`);
      customerNames.current.set(conversationId, name);
    }
    return name;
  };
  // The chat on screen says its own news (its message list is a live log, conversation.tsx); only the others are announced.
  const onScreen = (conversationId: number) => match('/console/conversations/:id', location.pathname)?.id === String(conversationId);
  // Alerts follow the agent's choices (Account → Notifications), read at each alert: a change in any tab counts at once.
  const wants = (event: AlertEvent) => {
    const prefs = notificationPrefs(user.id);
    return prefs.events[event] && (prefs.sound || prefs.desktop);
  };
  const alert = (event: AlertEvent, title: string, content: Parameters<typeof alertAgent>[3], conversationId: number | null) =>
    alertAgent(notificationPrefs(user.id), event, title, content, () => navigate(conversationId === null ? '/console/messages' : `/console/conversations/${conversationId}`));
  const alertInfo = (conversationId: number) => get<ChatAlertInfo>(`/api/conversations/${conversationId}/alert`);
  /**
   * A chat still waiting after the delay: alerted only to an agent who could take it, which the server decides as it
   * answers (queueAlert: still queued, this agent online and, when the chat has a team, in it or none of it online).
   * Not for the chat on screen in front, nor when the agent turned queue alerts off (the server is not even asked).
   */
  const alertQueued = async (conversationId: number) => {
    if (!wants('queued') || (onScreen(conversationId) && document.hasFocus())) return;
    const info = await alertInfo(conversationId).catch(() => null);
    if (!info?.queueAlert || !queued.has(conversationId)) return;
    const name = nameOf(info.customer);
    alert('queued', t('notify.queued', { name }),
      { text: info.latestShopperText, withoutText: t('notify.queuedBody'), tag: `queued:${conversationId}` }, conversationId);
  };
  // The newest version of each chat seen here: an older update arriving late (they can cross) is not news.
  const versions = useRef(new Map<number, number>());
  useSocketEvent(socket, 'conversation:updated', (conversation) => {
    if (conversation.version < (versions.current.get(conversation.id) ?? 0)) return;
    versions.current.delete(conversation.id);
    versions.current.set(conversation.id, conversation.version);
    // Kept for the chats updated lately (a Map iterates oldest first): a console left open for days must not hold
    // every chat the shop ever had. A forgotten chat's late, crossed update is the rare case this check is for.
    if (versions.current.size > 5_000) versions.current.delete(versions.current.keys().next().value!);
    held.placedLive(conversation.id);
    if (conversation.status === 'assigned' && conversation.assignee?.id === user.id) mine.add(conversation.id);
    else mine.delete(conversation.id);
    if (conversation.status !== 'queued') {
      queued.delete(conversation.id);
    } else if (!queued.has(conversation.id)) {
      queued.add(conversation.id);
      // A hand-off is often assigned a moment later: said (and alerted) only if it is still waiting then.
      setTimeout(() => {
        if (!queued.has(conversation.id)) return;
        if (!onScreen(conversation.id)) void customerName(conversation.id, conversation.customerId).then((name) => announce(t('announce.chat', { name })));
        void alertQueued(conversation.id);
      }, QUEUED_NEWS_DELAY_MS);
    }
  });
  useSocketEvent(socket, 'conversation:assigned', (conversation) => {
    held.placedLive(conversation.id);
    mine.add(conversation.id);
    queued.delete(conversation.id);
    if (wants('assigned')) {
      // Who it is and what they last said; if the server cannot say, the name alone (or the number) still alerts.
      void alertInfo(conversation.id).then(
        (info) => ({ name: nameOf(info.customer), text: info.latestShopperText }),
        async () => ({ name: await customerName(conversation.id, conversation.customerId), text: null }),
      ).then(({ name, text }) => alert('assigned', t('notify.assignedTo', { name }),
        { text, withoutText: t('notify.assignedQuiet', { id: conversation.id }), tag: `assigned:${conversation.id}` }, conversation.id));
    }
    if (!onScreen(conversation.id)) void customerName(conversation.id, conversation.customerId).then((name) => announce(t('announce.assigned', { name })));
  });
  useSocketEvent(socket, 'messages:new', (messages) => held.afterFirstLoads(() => {
    // Screen readers: the last shopper message of each chat this agent holds or that waits in the queue, when it is
    // not the chat on screen.
    const latest = new Map<number, (typeof messages)[number]>();
    for (const m of messages) {
      if (m.author.type === 'customer' && !onScreen(m.conversationId) && (mine.has(m.conversationId) || queued.has(m.conversationId))) latest.set(m.conversationId, m);
    }
    for (const m of latest.values()) {
      const text = m.text.slice(0, 140);
      if (m.author.name) announce(t('announce.message', { name: m.author.name, text }));
      else void customerName(m.conversationId).then((name) => announce(t('announce.message', { name, text })));
    }

    // Only shopper messages in chats this agent holds are worth a sound; the inbox shows the rest.
    const open = match('/console/conversations/:id', location.pathname);
    const watching = open && document.hasFocus() ? Number(open.id) : null;
    const message = messages.filter((m) => m.author.type === 'customer' && m.conversationId !== watching && mine.has(m.conversationId)).slice(-1)[0];
    if (message && wants('message')) {
      void (message.author.name ? Promise.resolve(message.author.name) : customerName(message.conversationId)).then((name) => alert('message',
        t('notify.messageFrom', { name }), { text: message.text, withoutText: t('notify.textHidden'), tag: `message:${message.conversationId}` }, message.conversationId));
    }
    // A chat this agent snoozed is back (its time came, or the shopper wrote): the server's private line names its holder.
    const woke = messages.find((m) => m.author.type === 'system' && (m.metadata as { event?: unknown; agentId?: unknown }).event === 'snooze_ended'
      && (m.metadata as { agentId?: unknown }).agentId === user.id);
    // One of the agent's own chats: alerted as news in "my chats".
    if (woke) alert('message', t('notify.snoozeEnded'), { withoutText: t('notify.snoozeEndedBody', { id: woke.conversationId }) }, woke.conversationId);
  }));

  // A teammate named this agent in a private note: seen at once if that chat is on screen in front, else alerted.
  useSocketEvent(socket, 'mention:new', (mention) => {
    unseenMentions.current = null; // one more unseen, unless seen just below
    if (onScreen(mention.conversationId)) seeMentions(mention.conversationId);
    if (onScreen(mention.conversationId) && document.hasFocus()) return;
    const { title, content } = mentionAlert(mention);
    alert('mention', title, content, mention.conversationId);
  });
  // Mentions of this agent in the chat on screen are seen (the server keeps it: the Mentions count and highlight),
  // when it opens and whenever one arrives while it is open; a tab in the background sees them when it comes to front.
  const mentionsToSee = useRef(new Set<number>());
  const seeMentions = (conversationId: number) => {
    if (document.visibilityState !== 'visible') {
      mentionsToSee.current.add(conversationId);
      return;
    }
    mentionsToSee.current.delete(conversationId);
    // The inbox's Mentions count and highlight are asked again only when the number of chats with unseen mentions moved.
    void post<{ unseen: number }>(`/api/conversations/${conversationId}/mentions/seen`).then(({ unseen }) => {
      if (unseen !== unseenMentions.current) reportChatRead();
      unseenMentions.current = unseen;
    }, () => {});
  };
  const unseenMentions = useRef<number | null>(null);
  // Mentions seen in one of this agent's tabs (this one too): the others' counts follow, asked again only on a change.
  useSocketEvent(socket, 'mentions:seen', ({ unseen }) => {
    if (unseen !== unseenMentions.current) reportChatRead();
    unseenMentions.current = unseen;
  });
  const openConversation = match('/console/conversations/:id', path)?.id;
  useEffect(() => {
    if (openConversation) seeMentions(Number(openConversation));
  }, [openConversation]);
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      for (const id of [...mentionsToSee.current]) {
        if (onScreen(id)) seeMentions(id);
        else mentionsToSee.current.delete(id);
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, []);

  // Messages left while nobody was available: how many still wait for an answer, live.
  const [waitingMessages, setWaitingMessages] = useState(0);
  const countWaiting = () => get<{ openCount: number }>('/api/offline-messages?handled=false&limit=1').then((r) => setWaitingMessages(r.openCount), () => {});
  useEffect(() => void countWaiting(), []);
  useSocketEvent(socket, 'offline:new', (message) => {
    void countWaiting();
    alert('leftMessage', t('notify.leftMessage'), { text: message.text, withoutText: t('notify.leftHidden'), tag: `left:${message.id}` }, null);
  });
  useSocketEvent(socket, 'offline:handled', () => void countWaiting());
  // Connect only now, after every listener above (and the pages', whose effects ran first) is attached: the server
  // tells a console its presence the moment it connects, and a socket opened at creation could get that before a
  // busy page had attached the listener, leaving the presence unknown until it next changed.
  useEffect(() => void socket.connect(), [socket]);

  const [choosing, setChoosing] = useState(false);
  const choosePresence = async (next: Presence) => {
    setChoosing(true);
    // Refused or timed out: the badge keeps the server's value (it never shows a choice the server did not take).
    const result = await request<{ presence: Presence }>(socket, 'presence:set', { presence: next }).catch(() => null);
    setChoosing(false);
    if (!result) return;
    setPresence(result.presence);
    setAutoAwayMinutes(null); // a choice of the agent's own is never automatic
  };
  const togglePresence = () => choosePresence(presence === 'online' ? 'away' : 'online');
  const [passwordOpen, setPasswordOpen] = useState(false);
  const logout = async () => {
    // The socket first: the server closes every socket of the ended session, and this tab, cut that way, would ask
    // /api/auth/me (a 401) on its way to the login page it is going to anyway.
    socket.close();
    await post('/api/auth/logout').catch(() => {});
    onLogout();
  };

  const isAdmin = user.role === 'admin';
  const adminPage = ADMIN_PAGES.find((p) => path.startsWith(p.path));
  // The top bar's link to the page shown is marked (aria-current), not only coloured.
  const inboxActive = !/^\/console\/(admin|customers|messages)/.test(path);
  // Each page's h1 (visually hidden: the top bar shows where the agent is) and the target of the skip link. Signed in,
  // focus goes to the page rather than staying on <body> where the login form was.
  const mainRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!document.activeElement || document.activeElement === document.body) mainRef.current?.focus({ preventScroll: true });
  }, []);
  let heading: string;
  let page;
  if (path.startsWith('/console/admin')) {
    heading = isAdmin && adminPage ? t(adminPage.label) : isAdmin ? t('nav.reports') : t('forbidden.title');
    if (!isAdmin) page = <div class="card forbidden" data-testid="forbidden"><h2>{t('forbidden.title')}</h2><p>{t('forbidden.body')}</p></div>;
    else if (adminPage?.path === '/console/admin/kb') page = <KnowledgeBasePage />;
    else if (adminPage?.path === '/console/admin/intents') page = <IntentsPage />;
    else if (adminPage?.path === '/console/admin/products') page = <ProductsPage />;
    else if (adminPage?.path === '/console/admin/unanswered') page = <UnansweredPage />;
    else if (adminPage?.path === '/console/admin/team') page = <TeamPage />;
    else page = <ReportsPage />;
  } else if (path.startsWith('/console/messages')) {
    heading = t('nav.messages');
    page = <MessagesPage />;
  } else if (path.startsWith('/console/customers')) {
    heading = t('nav.customers');
    const customer = match('/console/customers/:id', path);
    page = <CustomersPage customerId={customer ? Number(customer.id) : null} />;
  } else {
    heading = t('nav.inbox');
    const conversation = match('/console/conversations/:id', path);
    const view = match('/console/inbox/:view', path);
    page = <InboxPage conversationId={conversation ? Number(conversation.id) : null} view={view?.view ?? null} />;
  }

  return (
    <SessionContext.Provider value={{ user, socket, updateUser: onUser }}>
      <div class="shell">
        <a class="skip-link" href="#main" data-testid="skip-link" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>{t('a11y.skip')}</a>
        <header class={`topbar${menuOpen ? ' menu-open' : ''}`}>
          <a class="brand" href="/console" onClick={(e) => { e.preventDefault(); navigate('/console'); }}>Shopdesk</a>
          <button class="menu-toggle" data-testid="menu-toggle" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>☰ {t('layout.menu')}</button>
          <nav>
            <a href="/console" class={inboxActive ? 'active' : ''} aria-current={inboxActive ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/console'); }}>{t('nav.inbox')}</a>
            <a href="/console/messages" data-testid="nav-messages" class={path.startsWith('/console/messages') ? 'active' : ''} aria-current={path.startsWith('/console/messages') ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/console/messages'); }}>
              {t('nav.messages')}{waitingMessages > 0 && <span class="unread" data-testid="messages-waiting">{waitingMessages}</span>}
            </a>
            <a href="/console/customers" data-testid="nav-customers" class={path.startsWith('/console/customers') ? 'active' : ''} aria-current={path.startsWith('/console/customers') ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/console/customers'); }}>{t('nav.customers')}</a>
            {isAdmin && ADMIN_PAGES.map((p) => (
              <a key={p.path} href={p.path} class={adminPage?.path === p.path ? 'active' : ''} aria-current={adminPage?.path === p.path ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate(p.path); }}>{t(p.label)}</a>
            ))}
          </nav>
          <div class="topbar-right">
            {connection === 'connecting' && <span class="badge" data-testid="connecting-banner">{t('connecting')}</span>}
            {connection === 'reconnecting' && <span class="badge warn" data-testid="offline-banner">{t('reconnecting')}</span>}
            {askNotify && <button class="link notify-enable" title={t('notify.enable')} aria-label={t('notify.enable')} onClick={async () => { await askPermissionOnce(); setAskNotify(false); }}><BellIcon /><span class="wide-only"> {t('notify.enable')}</span></button>}
            <button class={`presence presence-${presence ?? 'unknown'}`} data-testid="presence-toggle" data-presence={presence ?? ''} onClick={togglePresence}
              disabled={!connected || presence === null} title={t('presence.toggle')}>
              <span class="dot" />{presence ? t(`presence.${presence}`) : '…'}
            </button>
            <LanguageSwitch onLocale={onLocale} />
            <span class="whoami" data-testid="whoami" title={`${user.name} · ${t(`role.${user.role}`)}`}>{user.name}<span class="wide-only"> · {t(`role.${user.role}`)}</span></span>
            <button class="link" data-testid="change-password" onClick={() => setPasswordOpen(!passwordOpen)}>{t('account.title')}</button>
            <button class="link" data-testid="logout" onClick={logout}>{t('logout')}</button>
          </div>
        </header>
        {presence === 'away' && autoAwayMinutes !== null && (
          <AutoAwayBanner minutes={autoAwayMinutes} busy={choosing || !connected} onBack={() => void choosePresence('online')} />
        )}
        <LiveAnnouncer />
        <main class="page" id="main" tabIndex={-1} ref={mainRef}>
          <h1 class="visually-hidden" data-testid="page-heading">{heading}</h1>
          {passwordOpen && <AccountPanel onDone={() => setPasswordOpen(false)} />}{page}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
