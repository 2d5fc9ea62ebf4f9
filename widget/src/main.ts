// Entry of widget.js: reads the embed tag, loads the shop's settings, opens a
// visitor session (kept in localStorage so reloads and new tabs continue the
// same chat), mounts the view in a shadow root and exposes window.Shopdesk.
import { ApiError, createApi, type Session, type SessionRequest } from './api.ts';
import { ChatClient } from './chat-client.ts';
import { readEmbed, type EmbedConfig } from './embed.ts';
import { pickLang } from './i18n.ts';
import { stringsFor, useTraditionalTable } from './traditional.ts';
import { newClientId, Outbox } from './outbox.ts';
import { createStore } from './storage.ts';
import { watchForNudges } from './nudges.ts';
import { takeOpenChatRequest } from './open-marker.ts';
import { WidgetView } from './view.ts';
import { chineseTag, langTag } from './dom.ts';

export interface IdentifyInput {
  /** The shop's own id for the user; a number (many shop platforms use them) is taken as its decimal text. */
  userId: string | number;
  hash?: string;
  email?: string;
  name?: string;
  /** What the shop knows of the user (plan, lifetime value…): kept for agents only with a verified hash. null removes a key. */
  attributes?: Record<string, string | number | boolean | null>;
}

export interface OpenOptions {
  /** Words put in the shopper's box, to edit and send ("About order 1042: "); never sent by itself. */
  message?: string;
}

/** A call written before the script loaded: `Shopdesk.push(['identify', {…}])` on `window.Shopdesk = []`. */
type QueuedCall = [method: string, ...args: unknown[]];

export interface ShopdeskApi {
  open(options?: OpenOptions): void;
  close(): void;
  toggle(): void;
  /**
   * Links this browser to the shop's logged-in user; `hash` = hex HMAC-SHA256(userId, identity secret). Resolves with
   * `attributesRefused` only when some attributes were not written (the sign-in itself succeeded).
   */
  identify(input: IdentifyInput): Promise<Pick<Session, 'customerId' | 'identified' | 'attributesRefused'>>;
  /** The shop's user signed out: forgets this browser's chat (token, unsent messages) and starts as a new visitor. */
  reset(): Promise<void>;
  readonly ready: Promise<void>;
}

/** What `window.Shopdesk` is once the script ran: the API, and `push` so queue-style code keeps working. */
export interface ShopdeskGlobal extends ShopdeskApi {
  push(...calls: QueuedCall[]): void;
}

declare global {
  interface Window {
    Shopdesk?: ShopdeskGlobal;
  }
}

/** Retries until it succeeds, backing off to 30 s; a shopper who leaves the tab open gets the chat once the server is back. */
async function retrying<T>(attempt: () => Promise<T>, onFailure: () => void): Promise<T> {
  for (let delay = 1_000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      return await attempt();
    } catch (error) {
      // A refusal (bad site key, bad request) will not get better by retrying; only network and server errors do.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) throw error;
      onFailure();
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function start(embed: EmbedConfig): Promise<ShopdeskApi> {
  const api = createApi(embed.base);
  const store = createStore(`${embed.origin}|${embed.site}`);
  // A shopper in Taiwan or Hong Kong reads the shop's greeting and messages in Traditional, as the widget's own words.
  const chinese = chineseTag();
  const settings = await retrying(() => api.settings(embed.site, chinese === 'zh-CN' ? undefined : chinese), () => {});
  if (chinese !== 'zh-CN' && settings.traditionalStrings) useTraditionalTable(chinese, settings.traditionalStrings);
  const lang = pickLang({
    embed: embed.lang,
    shopSetting: settings.language,
    browser: navigator.languages?.length ? navigator.languages : [navigator.language],
    page: document.documentElement.lang,
  });
  // Chinese as the shopper's variant (zh-TW, zh-HK or zh-CN): agents see which one to answer in.
  const locale = langTag(lang);
  // Read (and dropped from the address) before anything else, even when the chat would open anyway.
  const openRequest = takeOpenChatRequest();

  let session: Session | null = null;
  // The server resumes the customer of a valid stored token and quietly starts a new one for an unknown token.
  const requestSession = (extra: Omit<SessionRequest, 'siteKey' | 'locale'> = {}) =>
    api.session({ siteKey: embed.site, locale, visitorToken: store.get<string>('visitorToken') ?? undefined, ...extra });
  /** Session requests under way (a sign-in, a resume link, a reset, a profile): each brings the token to use next. */
  let changesUnderWay = 0;
  /** Our socket's token was refused and no session has connected since: the next one to land connects, whoever it is. */
  let tokenRefused = false;
  /** `wanted`: asked again when the answer lands; no longer wanted, it is dropped (neither stored nor used). */
  const openSession = async (extra: Omit<SessionRequest, 'siteKey' | 'locale'> = {}, wanted = () => true): Promise<Session> => {
    changesUnderWay++;
    try {
      const next = await requestSession(extra);
      if (!wanted()) throw new Error('superseded');
      store.set('visitorToken', next.visitorToken);
      return next;
    } finally {
      changesUnderWay--;
    }
  };

  // A custom tag, not a div: the shop's element selectors (div, section…) never match the host.
  const host = document.createElement('shopdesk-widget');
  host.id = 'shopdesk-widget';
  host.setAttribute('lang', locale);
  const root = host.attachShadow({ mode: 'open' });
  const view = new WidgetView(root, {
    t: stringsFor(lang, locale),
    lang,
    settings,
    position: embed.position ?? settings.position,
    base: embed.base,
    store,
    openRequested: openRequest !== null,
    hideLauncher: embed.hideLauncher,
    // Window events, like shopdesk:ready: a shop's own chat button listens without any inline script.
    announce: (event, detail) => window.dispatchEvent(new CustomEvent(`shopdesk:${event}`, { detail })),
    downloadTranscript: (conversationId) => api.transcript(conversationId, session!.visitorToken),
    fetchStatus: () => api.settings(embed.site).then((fresh) => fresh.status),
    saveProfile: async (profile) => {
      await switchSession(profile);
    },
    identified: () => session?.identified === true,
    sendFile: async (file, onProgress) => {
      const sent = await api.sendFile(file, session!.visitorToken, newClientId(), onProgress);
      await client.sentElsewhere(sent.conversationId);
    },
  });
  const client = new ChatClient({ origin: embed.origin, socketPath: embed.socketPath, scope: `${embed.origin}|${embed.site}` }, new Outbox(store), {
    messagesChanged: () => view.messagesChanged(),
    conversationChanged: (previous, current) => view.conversationChanged(previous, current),
    connectionChanged: (state) => view.connectionChanged(state),
    typing: (event) => view.typing(event),
    queuePosition: (event) => view.queuePosition(event),
    agentsUnavailable: (event) => view.agentsUnavailable(event),
    unauthorized: () => {
      // Our token is not valid on this server any more. A sign-in of this tab's under way merged our record and brings
      // the token to use: starting afresh now could land after it and sign the shopper out without a word.
      tokenRefused = true;
      if (!changesUnderWay) startAfresh();
    },
  });
  // In <html>, beside the <body> rather than in it: pages that rewrite their body (innerHTML, Vue's mount, jQuery's
  // .html(), Turbo and pjax swapping it whole) leave it alone, and a body with a transform or filter, which would hold
  // the fixed launcher down at the end of the page, does not contain it. Should a page remove it all the same, it is
  // put back, chat and all (the view and its socket live on; only the element moved).
  const html = document.documentElement;
  html.appendChild(host);
  new MutationObserver(() => {
    if (!host.isConnected) html.appendChild(host);
  }).observe(html, { childList: true });
  view.attach(client);
  watchForNudges(settings.nudges ?? [], {
    busy: () => view.isOpen || (client.conversation !== null && client.conversation.status !== 'resolved'),
    show: (rule) => {
      const text = rule.message[lang] || rule.message.en || rule.message.zh;
      if (!text) return;
      view.showNudge(text, () => api.nudgeEvent(embed.site, rule.id, 'opened'));
      api.nudgeEvent(embed.site, rule.id, 'shown');
    },
  }, createStore(`${embed.origin}|${embed.site}`, 'session'));

  // An email's resume link makes this browser the shopper it was sent to (the server ignores an expired one).
  const resume = openRequest?.resumeToken ? { resumeToken: openRequest.resumeToken } : {};
  const firstSession = retrying(() => openSession(resume), () => view.connectionChanged(navigator.onLine === false ? 'offline' : 'unreachable'));
  /**
   * After our token was refused: when another tab of this shop stored a newer one (it signed in, and this tab's
   * anonymous record was merged into the customer's), resume that; otherwise start afresh — the server starts a new
   * visitor for the refused token, so it is not removed first (another tab would read that as a reset() there, and
   * close its chat). A change that began meanwhile (a sign-in here, another tab's token followed) is newer: its
   * session connects instead, the refusal noted.
   */
  function startAfresh(): void {
    const stored = store.get<string>('visitorToken');
    void retrying(() => requestSession(), () => {}).then((fresh) => {
      if (changesUnderWay || !tokenRefused || store.get<string>('visitorToken') !== stored) return;
      store.set('visitorToken', fresh.visitorToken);
      session = fresh;
      tokenRefused = false;
      client.reset();
      client.connect(fresh.visitorToken, locale);
    }, () => {});
  }
  /** Set while another tab's reset() left this one without a shopper, until that tab's new session arrives. */
  let signedOutElsewhere = false;
  /** A new session (signed in, a resume link): when it is another person, their chat replaces the one on screen. */
  const switchSession = async (extra: Omit<SessionRequest, 'siteKey' | 'locale'>, wanted?: () => boolean): Promise<Session> => {
    const before = session?.customerId;
    let next: Session;
    try {
      next = await openSession(extra, wanted);
    } catch (error) {
      // A failed sign-in brings no token: one refused meanwhile still needs replacing (by a change still under way, if any).
      if (tokenRefused && !changesUnderWay) startAfresh();
      throw error;
    }
    session = next;
    // A resume link merges the linked chat into this browser's own record: the same customer, with a chat more.
    if (next.customerId !== before || signedOutElsewhere || tokenRefused || next.resumed === true) {
      signedOutElsewhere = false;
      tokenRefused = false;
      client.reset();
      if (next.conversationId) client.preferConversation(next.conversationId);
      client.connect(next.visitorToken, locale);
    }
    return next;
  };
  // A "Continue the chat" link opened in a tab already on the shop changes only the address's hash: read it then too.
  // Listened for from the moment the launcher shows (the first session may still be on its way: it goes first).
  window.addEventListener('hashchange', () => {
    const request = takeOpenChatRequest();
    if (!request) return;
    void (async () => {
      await firstSession;
      if (request.resumeToken) await switchSession({ resumeToken: request.resumeToken });
      view.open();
    })().catch(() => view.open());
  });
  session = await firstSession;
  if (session.conversationId) client.preferConversation(session.conversationId);
  client.connect(session.visitorToken, locale);
  // Another tab of this shop became someone else (a resume link, identify(), reset() on signing out): this tab follows,
  // so it never keeps showing, or sending as, the shopper that tab left. The token is the same for the same customer,
  // so following writes nothing new and the tabs do not answer each other.
  store.watch<string>('visitorToken', (token) => {
    if (token === session?.visitorToken) return;
    if (token === null) {
      // That tab's reset(): its new anonymous session is stored next, and followed then.
      client.disconnect();
      client.reset();
      view.close();
      signedOutElsewhere = true;
      return;
    }
    // Followed only while that token is still the stored one: this tab's own sign-in answered meanwhile stored a newer
    // one (which the other tab follows in turn), and an older answer must not put the shopper back as they were.
    void switchSession({}, () => store.get<string>('visitorToken') === token).catch(() => {});
  });

  return {
    open: (options) => {
      view.open();
      if (typeof options?.message === 'string' && options.message.trim()) view.prefill(options.message);
    },
    close: () => view.close(),
    toggle: () => (view.isOpen ? view.close() : view.open()),
    async identify(input) {
      const userId = typeof input?.userId === 'number' && Number.isFinite(input.userId) ? String(input.userId) : input?.userId;
      if (typeof userId !== 'string' || !userId) throw new Error('identify() needs a userId (a string, or a number)');
      // JSON would send NaN and Infinity as null, which removes the attribute: refused here instead.
      for (const value of Object.values(input.attributes ?? {})) if (typeof value === 'number' && !isFinite(value)) throw new Error('identify(): attributes: non-finite number');
      const next = await switchSession({ userId, hash: input.hash, email: input.email, name: input.name, attributes: input.attributes });
      // The page is told what was not stored; the field is absent, as in the server's answer, when all was.
      return { customerId: next.customerId, identified: next.identified, ...(next.attributesRefused && { attributesRefused: next.attributesRefused }) };
    },
    async reset() {
      // On a shared computer the next person must not see the signed-out shopper's chat, nor send their unsent text;
      // and a copy of the token (another browser, a tab of a page that does not call reset()) must not keep it either.
      const ended = session?.visitorToken;
      client.disconnect();
      if (ended) await api.endSession(ended);
      store.clear();
      client.reset();
      view.close();
      session = await openSession();
      tokenRefused = false;
      client.connect(session.visitorToken, locale);
    },
    ready: Promise.resolve(),
  };
}

// Methods work from the moment the script runs; they wait for the widget to be ready.
let resolveReady!: () => void;
let rejectReady!: (error: unknown) => void;
const ready = new Promise<void>((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
ready.catch(() => {}); // an unused failed promise must not surface as an unhandled rejection
let instance: ShopdeskApi | null = null;

/**
 * Runs calls in the queue style (`['open', {message}]`, `['identify', {…}]`): a shop's script can call before this
 * one has loaded (an async tag), by pushing onto `window.Shopdesk = window.Shopdesk || []`. Nobody awaits a queued
 * call, so a failure is reported on the console rather than lost.
 */
function runQueued(api: ShopdeskApi, calls: unknown[]): void {
  const methods = new Map<unknown, (...args: never[]) => unknown>([
    ['open', api.open], ['close', api.close], ['toggle', api.toggle], ['identify', api.identify], ['reset', api.reset],
  ]);
  for (const call of calls) {
    const [name, ...args] = Array.isArray(call) ? call : [call];
    const method = methods.get(name);
    if (!method) {
      console.warn('[shopdesk] unknown call in window.Shopdesk:', name);
      continue;
    }
    Promise.resolve(method(...(args as never[]))).catch((error: unknown) => {
      console.warn(`[shopdesk] ${name}() failed:`, error instanceof Error ? error.message : error);
    });
  }
}

// Read while this script is the current one: document.currentScript is gone after the first await.
const embed = readEmbed();
// A second copy of the tag finds the API in place and does nothing; an array there is a queue of calls made before.
const before: unknown = window.Shopdesk;
const queued = Array.isArray(before) ? before : null;
if (embed && (!window.Shopdesk || queued)) {
  // A widget that could not start (said on the console) leaves these calls with nothing to do, not a rejection.
  const whenReady = (run: () => void) => void ready.then(run, () => {});
  const api: ShopdeskApi = {
    open: (options) => whenReady(() => instance?.open(options)),
    close: () => whenReady(() => instance?.close()),
    toggle: () => whenReady(() => instance?.toggle()),
    identify: (input) => ready.then(() => {
      if (!instance) throw new Error('Shopdesk widget is not available');
      return instance.identify(input);
    }),
    reset: () => ready.then(() => instance?.reset()),
    ready,
  };
  window.Shopdesk = { ...api, push: (...calls) => runQueued(api, calls) };
  // In the order written: an identify() queued before open() applies to the chat that opens.
  if (queued) runQueued(api, queued);
  const boot = () =>
    start(embed)
      .then((api) => {
        instance = api;
        resolveReady();
        window.dispatchEvent(new CustomEvent('shopdesk:ready'));
      })
      .catch((error) => {
        console.warn('[shopdesk] the chat widget could not start:', error instanceof Error ? error.message : error);
        rejectReady(error);
      });
  if (document.body) void boot();
  else document.addEventListener('DOMContentLoaded', () => void boot(), { once: true });
}
