// The widget's screen: launcher with unread badge, the chat panel (messages,
// notices, composer) and its cards. It reads state from the ChatClient and
// redraws only rows that changed, so screen readers hear each new message once
// through the role=log region.
import type { ArticleRef, ChatMessage, ConversationSummary, QueuePosition, QuickReply, UnavailableReason } from '../../server/realtime/event-maps.ts';
import type { ChatClient, ChatClientListener, ConnectionState, TimelineEntry } from './chat-client.ts';
import type { WidgetSettings } from './api.ts';
import { refusalText, systemLineText, type Lang, type Strings } from './i18n.ts';
import { stringsFor } from './traditional.ts';
import type { Store } from './storage.ts';
import { append, clear, h, icon, ICONS, isBusy, langTag, linkified, safeLink, setText, textLanguage, whileBusy } from './dom.ts';
import { brandColors } from './colors.ts';
import { adoptStyles, FULL_SCREEN_QUERY, SHORT_QUERY, TOUCH_QUERY, widgetCss } from './styles.ts';
import { csatCard, offlineCard, prechatCard } from './forms.ts';
import { articleReplyParts } from './article-reply.ts';
import { replyWait } from './reply-time.ts';
import { openingWhen } from './opening.ts';
import { photoForChat } from './photo-size.ts';

export interface ViewOptions {
  t: Strings;
  lang: Lang;
  settings: WidgetSettings;
  position: 'left' | 'right';
  /** The chat server's base URL; relative article links resolve against it. */
  base: string;
  store: Store;
  /** The page was opened from a "Continue the chat" link: open the panel at once. */
  openRequested: boolean;
  /** The shop shows its own button instead of the launcher (data-launcher="hidden"). */
  hideLauncher?: boolean;
  /** Tells the page what changed: the panel opened or closed, the unread count (events on window, see main.ts). */
  announce?(event: 'open' | 'close' | 'unread', detail?: { count: number }): void;
  downloadTranscript(conversationId: number): Promise<Blob>;
  saveProfile(profile: { name?: string; email?: string }): Promise<void>;
  /** Whether the shop signed this shopper in (identify()): the shop already told us who they are. */
  identified(): boolean;
  /** Fresh "is anyone there" status from the server's widget settings. */
  fetchStatus(): Promise<WidgetSettings['status']>;
  /** Uploads a file as the shopper's next message (throws ApiError when the server refuses it). */
  sendFile(file: File, onProgress: (fraction: number) => void): Promise<void>;
}

/** What the server accepts (it checks the bytes again); the picker offers only these. */
const ACCEPTED_FILES = 'image/jpeg,image/png,image/gif,image/webp,application/pdf';

/** A message that is only a file shows the file, not its name as text (the name is the text for transcripts). */
const shownText = (m: ChatMessage) => ((m.metadata as { fileOnly?: unknown }).fileOnly === true ? '' : m.text);

interface AttachmentRef {
  name: string;
  contentType: string;
  url: string;
}

const TYPING_STOP_MS = 3_000;
const TYPING_RESEND_MS = 2_500;
const TYPING_SHOWN_MAX_MS = 10_000;
const CSAT_OFFER_HOURS = 24;
const STATUS_REFRESH_MS = 30_000;
/** The text box's limit when the server's settings do not say (an older server's MAX_MESSAGE_CHARS default). */
const DEFAULT_MAX_MESSAGE_CHARS = 4000;

type Row = { el: HTMLElement; signature: string };
/**
 * A row the log should show. A row whose signature changed is brought up to date by `update` where it can (the
 * delivery state's text, chips taken away): replacing the whole row would have the role=log region read the message
 * again. `update` returns false when it cannot, and the row is rebuilt.
 */
type WantedRow = { key: string; signature: string; build: () => HTMLElement; update?: (el: HTMLElement) => boolean; mine?: boolean };

/** How close to the end (px) the message list counts as "at the end": new messages are followed only from there. */
const FOLLOW_SLACK_PX = 32;
/** The text box grows with its text up to this height (about five lines), then scrolls inside. */
const INPUT_MAX_PX = 132;

export class WidgetView implements Omit<ChatClientListener, 'unauthorized'> {
  private client!: ChatClient;
  private readonly t: Strings;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLElement;
  /** What had focus on the page when the chat opened (the shop's own chat button): focus goes back there on close. */
  private opener: HTMLElement | null = null;
  private readonly panel: HTMLElement;
  private readonly statusBar: HTMLElement;
  private readonly availability: HTMLElement;
  /** "We usually reply in about 5 min" under the title, while a person can be reached. */
  private readonly replyTime: HTMLElement;
  /** When the shop next opens (from the settings' status), for the after-hours line. */
  private nextOpenAt: string | null = null;
  private readonly queueNotice: HTMLElement;
  /** The shop blocked this shopper (connection refused for good). */
  private blocked = false;
  /** Connected once already; and the connection was lost since it was last online (offline, reconnecting, unreachable). */
  private wasOnline = false;
  private connectionLost = false;
  private readonly log: HTMLElement;
  private readonly cards: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly attachButton: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private readonly fileNotice: HTMLElement;
  /** "Your message is longer than N characters…", while it is. */
  private readonly lengthNotice: HTMLElement;
  /** The server's MAX_MESSAGE_CHARS: longer text is refused here, with the reason, rather than cut or sent to fail. */
  private readonly maxChars: number;
  private readonly closeButton: HTMLButtonElement;
  private readonly transcriptButton: HTMLButtonElement;
  /** Always one click to a person while the bot has the chat (not only when the bot offers it). */
  private readonly personButton: HTMLButtonElement;
  private readonly live: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly rows = new Map<string, Row>();
  private readonly timeFormat: Intl.DateTimeFormat;
  private readonly dayAndTimeFormat: Intl.DateTimeFormat;
  /** A message's time: the clock alone today, with its day before (a reply from yesterday did not look like today's). */
  private messageTime(at: string): string {
    const when = new Date(at);
    return (when.toDateString() === new Date().toDateString() ? this.timeFormat : this.dayAndTimeFormat).format(when);
  }
  private queue: QueuePosition | null = null;
  /** Outside business hours or no agent online, as the last availability check said. */
  private nobodyCanAnswer = false;
  /** Outside business hours: the header offers leaving a message instead of a queue nobody serves until morning. */
  private afterHours = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private typingShownTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTypingSent = 0;
  private csatFor: number | null = null;
  private offlineShown = false;
  /** The shopper left a message on this page: the notices inviting one would only contradict the thanks. */
  private messageLeft = false;
  private prechat: HTMLElement | null = null;
  private announcedUpTo: number | null = null;
  private statusCheckedAt = Date.now();
  /** The proactive message shown beside the launcher (see nudges.ts), and the text it puts in place of the greeting. */
  private nudgeCard: HTMLElement | null = null;
  private nudgeText: string | null = null;
  /** The unread count the page was last told of (announce). */
  private announcedUnread = 0;
  /** The shopper's text stays in the box: the outbox is full (offline for a long time). */
  private readonly composeNotice: HTMLElement;
  /** While the full-screen panel is open: the page's inline styles and scroll position as they were (see lockPage). */
  private pageLock: { styles: [CSSStyleDeclaration, string, string, string][]; attrs: [Element, string | null][]; x: number; y: number } | null = null;
  /** The message list showed its end when last scrolled or resized: a resize (keyboard, rotation) keeps the end in view. */
  private stuckToEnd = true;

  constructor(private readonly root: ShadowRoot, private readonly options: ViewOptions) {
    const t = (this.t = options.t);
    const locale = options.lang === 'zh' ? 'zh-CN' : 'en';
    this.timeFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
    this.dayAndTimeFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    adoptStyles(root, widgetCss(brandColors(options.settings.color), options.position));

    this.badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
    this.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'sd-panel', 'aria-label': t.openChat });
    append(this.launcher, icon(ICONS.chat), this.badge);
    // CSSOM, not a style attribute: a shop's Content-Security-Policy allows it.
    if (options.hideLauncher) this.launcher.style.display = 'none';

    const close = (this.closeButton = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t.closeChat, title: t.closeChat }));
    close.appendChild(icon(ICONS.close));
    this.transcriptButton = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t.transcript, title: t.transcript, hidden: true });
    this.transcriptButton.appendChild(icon(ICONS.download));

    this.personButton = h('button', { type: 'button', class: 'person-btn', title: t.talkToPerson }, t.talkToPerson);

    this.statusBar = h('div', { class: 'status ok' });
    this.availability = h('div', { class: 'notice', hidden: true });
    this.replyTime = h('p', { class: 'reply-time', hidden: true });
    this.queueNotice = h('div', { class: 'notice', hidden: true });
    this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': t.chatTitle });
    this.cards = h('div', { class: 'cards' });
    this.scroller = h('div', { class: 'scroll' }, this.log, this.cards);
    this.typingLine = h('div', { class: 'typing', 'aria-hidden': 'true' });
    const max = options.settings.maxMessageChars;
    this.maxChars = Number.isInteger(max) && max! > 0 ? max! : DEFAULT_MAX_MESSAGE_CHARS;
    // No maxlength: the browser would cut a pasted text at the limit without a word. The shopper sees the whole text
    // and is told it is too long (lengthChanged), so they choose what to leave out.
    // enterkeyhint: a phone's keyboard labels its Enter key "Send" (Enter sends; Shift+Enter starts a new line).
    this.input = h('textarea', { id: 'sd-input', rows: 1, enterkeyhint: 'send', placeholder: t.inputPlaceholder, 'aria-label': t.inputLabel });
    this.sendButton = h('button', { type: 'submit', class: 'send', 'aria-label': t.send, title: t.send });
    this.sendButton.appendChild(icon(ICONS.send));
    this.attachButton = h('button', { type: 'button', class: 'icon-btn attach', 'aria-label': t.attachFile, title: t.attachFile });
    this.attachButton.appendChild(icon(ICONS.attach));
    this.fileInput = h('input', { type: 'file', accept: ACCEPTED_FILES, hidden: true, 'aria-hidden': 'true', tabindex: '-1' });
    this.fileNotice = h('div', { class: 'notice file-notice', role: 'status', hidden: true });
    this.lengthNotice = h('div', { id: 'sd-too-long', class: 'notice failed', hidden: true }, t.tooLong(this.maxChars));
    this.composeNotice = h('div', { class: 'notice failed outbox-full', hidden: true }, t.outboxFull);
    const compose = h('form', { class: 'compose' }, this.attachButton, this.fileInput, this.input, this.sendButton);

    // tabindex -1: on a touch screen opening the chat focuses the dialog itself, not the text box (see open).
    this.panel = h('div', { id: 'sd-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'sd-title', tabindex: '-1', hidden: true },
      h('div', { class: 'head' }, h('div', { class: 'titles' }, h('h2', { id: 'sd-title' }, t.chatTitle), this.replyTime), this.personButton, this.transcriptButton, close),
      this.statusBar, this.scroller, this.typingLine, this.fileNotice, this.lengthNotice, this.composeNotice, compose);
    const privacy = privacyLine(t, options.settings.privacyUrl, options.base);
    if (privacy) this.panel.appendChild(privacy);
    this.live = h('div', { class: 'sr', 'aria-live': 'polite', role: 'status' });
    // The widget's language on its own root: its Chinese says which variant (zh-TW, zh-HK, zh-CN; see langTag), whatever
    // the page's element says.
    append(root, h('div', { class: 'root', lang: langTag(options.lang) }, this.launcher, this.panel, this.live));

    this.launcher.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    // Escape closes the open panel from its launcher too (focus stays on the launcher).
    this.launcher.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || !this.isOpen) return;
      event.stopPropagation();
      this.close();
      this.launcher.focus();
    });
    close.addEventListener('click', () => this.close());
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        this.close();
      } else if (event.key === 'Tab' && this.fullScreen()) {
        this.keepFocusInside(event);
      }
    });
    // A safety net for the full-screen panel: should focus ever fall to the page (a focused control removed), Escape
    // and Tab still act on the chat rather than on the page it covers.
    document.addEventListener('keydown', (event) => {
      if (!this.isOpen || !this.fullScreen() || (document.activeElement && document.activeElement !== document.body)) return;
      if (event.key === 'Escape') {
        this.close();
        this.launcher.focus();
      } else if (event.key === 'Tab') {
        event.preventDefault();
        this.focusComposer();
      }
    });
    this.transcriptButton.addEventListener('click', () => void this.downloadTranscript());
    this.personButton.addEventListener('click', () => (this.afterHours ? this.showOfflineForm() : this.sendOrSay(this.t.talkToPerson, 'handoff')));
    compose.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (event) => {
      // keyCode 229: Safari ends an input method's composition with an Enter that reports isComposing false.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => {
      this.lengthChanged();
      this.grow();
      this.typed();
    });
    this.attachButton.addEventListener('click', () => {
      if (!this.input.disabled && !this.uploading()) this.fileInput.click();
    });
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = ''; // choosing the same file again must fire again
      if (file) void this.sendFile(file);
    });
    document.addEventListener('visibilitychange', () => this.maybeMarkSeen());
    this.followViewport();
    this.placeNotices();
    this.showAvailability(options.settings.status);
  }

  /**
   * On a short screen (phone keyboard up, 400 % zoom) the availability and queue notices go into the scrolling area,
   * above the messages, so they scroll away instead of taking the height the messages need; elsewhere they stay fixed
   * under the header.
   */
  private placeNotices(): void {
    if (typeof matchMedia !== 'function') return;
    const short = matchMedia(SHORT_QUERY);
    const place = () => {
      const inside = this.availability.parentNode === this.scroller;
      if (short.matches && !inside) this.scroller.prepend(this.availability, this.queueNotice);
      else if (!short.matches && (inside || !this.availability.parentNode)) this.scroller.before(this.availability, this.queueNotice);
    };
    place();
    short.addEventListener?.('change', () => this.keepingFocus(place));
  }

  attach(client: ChatClient): void {
    this.client = client;
    this.messagesChanged();
    this.connectionChanged(client.connectionState);
    if (this.options.store.get<boolean>('open') || this.options.openRequested) this.open(false);
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  /** On a phone the panel covers the page (see styles.ts): it is a modal dialog there. */
  private fullScreen(): boolean {
    return matchesMedia(FULL_SCREEN_QUERY);
  }

  /**
   * The panel opened or closed, or the screen changed (rotation): while it covers the page it is a modal dialog, the
   * page behind does not scroll, and the panel follows the visual viewport (the part a phone's keyboard leaves).
   */
  private fullScreenChanged(): void {
    const covering = this.isOpen && this.fullScreen();
    if (covering) this.panel.setAttribute('aria-modal', 'true');
    else this.panel.removeAttribute('aria-modal');
    if (covering) this.lockPage();
    else this.unlockPage();
    this.fitViewport();
  }

  /**
   * Stops the shop's page scrolling behind the full-screen panel (a swipe past the list's end, iOS Safari ignoring
   * overflow:hidden on the body): the body is fixed where it was scrolled to. The page's own inline values of the
   * properties changed are kept and put back exactly on close, with the scroll position.
   */
  private lockPage(): void {
    if (this.pageLock) return;
    const html = document.documentElement.style;
    const body = document.body.style;
    const x = window.scrollX;
    const y = window.scrollY;
    const changes: [CSSStyleDeclaration, string, string][] = [
      [html, 'overflow', 'hidden'], [body, 'overflow', 'hidden'], [body, 'position', 'fixed'],
      [body, 'top', `${-y}px`], [body, 'left', `${-x}px`], [body, 'right', '0'], [body, 'width', '100%'],
    ];
    this.pageLock = {
      x, y,
      styles: changes.map(([style, name]) => [style, name, style.getPropertyValue(name), style.getPropertyPriority(name)]),
      attrs: [document.documentElement, document.body].map((el) => [el, el.getAttribute('style')]),
    };
    for (const [style, name, value] of changes) style.setProperty(name, value, 'important');
  }

  private unlockPage(): void {
    const lock = this.pageLock;
    if (!lock) return;
    this.pageLock = null;
    for (const [style, name, value, priority] of lock.styles) {
      if (value) style.setProperty(name, value, priority);
      else style.removeProperty(name);
    }
    // An element that had no style attribute gets none back (not an empty one).
    for (const [el, attr] of lock.attrs) if (attr === null && !el.getAttribute('style')) el.removeAttribute('style');
    window.scrollTo(lock.x, lock.y);
  }

  /**
   * A phone's keyboard shrinks the visual viewport, not the layout viewport the fixed panel is sized by: the text box
   * would sit under the keyboard and the header be scrolled away. While the panel covers the page it takes the
   * visual viewport's height and top; the message list keeps its end in view when its size changes (keyboard,
   * rotation) if the shopper was reading at the end.
   */
  private followViewport(): void {
    const viewport = window.visualViewport;
    viewport?.addEventListener('resize', () => this.fitViewport());
    viewport?.addEventListener('scroll', () => this.fitViewport());
    if (typeof matchMedia === 'function') matchMedia(FULL_SCREEN_QUERY).addEventListener?.('change', () => this.fullScreenChanged());
    // Only a scroll that changed nothing but the position says where the reader is: one that comes with a new size
    // (the browser's scroll anchoring after a rotation rewrapped the text) would otherwise unstick the end just
    // before the ResizeObserver puts it back.
    let size = '';
    this.scroller.addEventListener('scroll', () => {
      const s = this.scroller;
      const now = `${s.clientWidth}x${s.clientHeight}/${s.scrollHeight}`;
      if (now === size) this.stuckToEnd = this.atEnd();
      size = now;
    }, { passive: true });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        if (this.stuckToEnd) this.scrollToEnd();
      }).observe(this.scroller);
    }
  }

  private fitViewport(): void {
    const viewport = window.visualViewport;
    const style = this.panel.style;
    // Not while pinch-zoomed: the reader zooms into the panel, which must not shrink to the zoomed area.
    if (viewport && viewport.scale < 1.05 && this.isOpen && this.fullScreen()) {
      style.setProperty('top', `${viewport.offsetTop}px`);
      style.setProperty('height', `${viewport.height}px`);
      style.setProperty('bottom', 'auto');
    } else {
      style.removeProperty('top');
      style.removeProperty('height');
      style.removeProperty('bottom');
    }
  }

  /** Tab from the last control goes to the first (and Shift+Tab the other way): the page behind is covered. */
  private keepFocusInside(event: KeyboardEvent): void {
    const controls = Array.from(this.panel.querySelectorAll<HTMLElement>('button, textarea, input, select, a[href]'))
      .filter((el) => !(el as HTMLButtonElement).disabled && el.tabIndex >= 0 && el.getClientRects().length > 0);
    if (!controls.length) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    const active = this.root.activeElement;
    if (event.shiftKey ? active === first || !this.panel.contains(active) : active === last) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  }

  /**
   * Offers a proactive message beside the launcher. Opening the chat from it starts the chat with that message in
   * place of the greeting, so what the shopper answers follows what they read.
   */
  showNudge(text: string, onOpen?: () => void): void {
    this.showCard(text, () => {
      onOpen?.();
      this.nudgeText = text;
      this.messagesChanged();
    });
  }

  /** A card beside the launcher (a proactive message, or an agent's reply that came while the chat was closed). */
  private showCard(text: string, beforeOpen?: () => void): void {
    this.dismissNudge();
    const message = h('button', { type: 'button', class: 'nudge-text' }, text);
    const dismiss = h('button', { type: 'button', class: 'icon-btn', 'aria-label': this.t.dismiss, title: this.t.dismiss });
    dismiss.appendChild(icon(ICONS.close));
    this.nudgeCard = h('div', { class: 'nudge', role: 'status' }, message, dismiss);
    message.addEventListener('click', () => {
      beforeOpen?.();
      this.open();
    });
    dismiss.addEventListener('click', () => this.dismissNudge());
    this.launcher.before(this.nudgeCard);
  }

  private dismissNudge(): void {
    this.nudgeCard?.remove();
    this.nudgeCard = null;
  }

  open(focus = true): void {
    // Opened from the page (not from the widget itself, nor with focus nowhere, nor reopened by itself on load):
    // remember from where.
    const active = document.activeElement as HTMLElement | null;
    if (!this.isOpen) this.opener = !focus || active === this.root.host || active === document.body ? null : active;
    this.dismissNudge();
    this.panel.hidden = false;
    this.fullScreenChanged();
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.setAttribute('aria-label', this.t.closeChat);
    this.launcher.classList.add('open');
    this.options.store.set('open', true);
    this.maybeShowPrechat();
    // On a touch screen a focused text box pops the keyboard up over half the chat: the dialog itself takes focus
    // there (a screen reader reads its name, Escape and Tab work from it); the shopper taps the box to write.
    if (focus) (matchesMedia(TOUCH_QUERY) ? this.panel : (this.prechat?.querySelector('input') ?? this.input)).focus();
    this.stuckToEnd = true;
    this.scrollToEnd();
    this.maybeMarkSeen();
    this.updateBadge();
    this.refreshAvailability();
    this.options.announce?.('open');
  }

  /**
   * Puts the shop's suggested words in the box for the shopper to edit and send (never sent by itself). Text the
   * shopper has typed already stays; a suggestion over the message limit is cut there.
   */
  prefill(text: string): void {
    if (this.input.value.trim()) return;
    this.input.value = text.slice(0, this.maxChars);
    this.input.dispatchEvent(new Event('input')); // grows the box too
  }

  close(): void {
    this.panel.hidden = true;
    this.fullScreenChanged();
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.classList.remove('open');
    this.options.store.set('open', false);
    this.updateBadge();
    this.options.announce?.('close');
    // Focus returns only if it was in the widget (a page calling Shopdesk.close() keeps its focus): to the page's element
    // that opened the chat while it is still there, else to the launcher (the focus stays put when that is hidden).
    if (this.root.activeElement) (this.opener?.isConnected ? this.opener : this.launcher).focus();
  }

  /** After identify() or a new session the settings' status may be newer. */
  showAvailability(status: WidgetSettings['status'], reason?: UnavailableReason, serverMessage?: string): void {
    const afterHours = reason === 'after_hours' || !status.withinBusinessHours;
    // An agent online takes a chat whatever the hours say (assignment does not read them): after hours with someone
    // online the shopper is told the hours, not that nobody can help just before someone joins.
    const nobody = !!reason || status.agentsOnline === 0;
    this.nobodyCanAnswer = nobody;
    // During business hours with nobody online the queue still makes sense (someone may be back in a minute);
    // after hours with nobody online it would hold the chat until morning, so the button leaves a message instead.
    this.afterHours = afterHours && nobody;
    const personLabel = this.afterHours ? this.t.leaveMessage : this.t.talkToPerson;
    this.personButton.textContent = personLabel;
    this.personButton.title = personLabel;
    // The usual wait only means something while a person can be reached; `status` of a chat a person already holds
    // carries none, which hides it too.
    const wait = this.nobodyCanAnswer ? null : replyWait(status.typicalFirstReplySeconds);
    this.replyTime.textContent = wait ? this.t.replyTime(wait) : '';
    this.replyTime.hidden = !wait;
    clear(this.availability);
    if ((!afterHours && !nobody) || this.messageLeft) {
      this.availability.hidden = true;
      return;
    }
    const message = serverMessage ?? this.options.settings.offlineMessage[this.options.lang];
    const leave = h('button', { type: 'button', class: 'secondary' }, this.t.leaveMessage);
    leave.addEventListener('click', () => this.showOfflineForm());
    // The last opening time the server sent (a socket's "after hours" notice carries none).
    if (status.nextOpenAt !== undefined) this.nextOpenAt = status.nextOpenAt;
    const opening = afterHours ? openingWhen(this.nextOpenAt, new Date(), this.options.lang) : null;
    const hoursLine = afterHours ? `${this.t.afterHours}${opening ? ` ${this.t.opensAgain(opening)}` : ''}` : null;
    append(this.availability, hoursLine ? h('p', { class: 'hours' }, hoursLine) : null, nobody ? h('div', {}, message) : null, leave);
    this.availability.hidden = false;
  }

  /** Agents come and go while a page stays open: re-check on open, at most every 30 s. */
  private refreshAvailability(): void {
    if (Date.now() - this.statusCheckedAt < STATUS_REFRESH_MS) return;
    this.statusCheckedAt = Date.now();
    this.options.fetchStatus().then((status) => {
      if (this.client?.conversation?.status === 'assigned') return;
      this.showAvailability(status);
      this.renderQueue();
    }, () => {});
  }

  /** The text box, or the close button while the text box is off (pre-chat form, blocked): always in the panel. */
  private focusComposer(): void {
    (this.input.disabled ? this.closeButton : this.input).focus();
  }

  /**
   * Runs a redraw that may remove or hide the focused control (a row rebuilt after Retry or a quick reply, a card
   * taken away, "Talk to a person" hidden once queued): focus that was in the panel stays there, on the text box,
   * instead of falling to the page.
   */
  private keepingFocus(redraw: () => void): void {
    const focused = this.root.activeElement;
    const inPanel = focused !== null && this.panel.contains(focused);
    redraw();
    const now = this.root.activeElement as HTMLButtonElement | null;
    if (inPanel && this.isOpen && (!now || now.disabled || !now.getClientRects().length)) this.focusComposer();
  }

  // ---------- ChatClientListener ----------

  messagesChanged(): void {
    this.keepingFocus(() => this.redrawMessages());
    this.dropPrechatOnceChatting();
  }

  /**
   * The pre-chat form is for someone starting a chat. A shopper whose chat arrives after the panel opened (an email's
   * resume link on a new device, history still loading) is not starting one: the form goes and the text box opens.
   */
  private dropPrechatOnceChatting(): void {
    if (!this.prechat || !this.client?.timeline().length) return;
    this.closePrechat(this.prechat.contains(this.root.activeElement));
  }

  /** The pre-chat form is done with (sent, skipped, or not needed): it goes for good and the text box opens. */
  private closePrechat(focusInput: boolean): void {
    this.options.store.set('prechatDone', true);
    this.prechat?.remove();
    this.prechat = null;
    this.input.disabled = this.sendButton.disabled = false;
    if (focusInput) this.input.focus();
  }

  private redrawMessages(): void {
    if (!this.client) return;
    const entries = this.client.timeline();
    // Quick replies belong to the bot's latest word: once the shopper wrote (or a person took over) they go.
    const last = [...entries].reverse().find((e) => e.kind === 'pending' || e.message.author.type !== 'system');
    const status = this.client.conversation?.status;
    const showChips = last?.kind === 'message' && last.message.author.type === 'bot' && status !== 'resolved' && status !== 'assigned' ? last.message.id : -1;

    const wanted: WantedRow[] = [];
    const greeting = this.nudgeText ?? this.options.settings.greeting[this.options.lang];
    if (greeting) wanted.push({ key: 'greeting', signature: greeting, build: () => this.bubble(this.t.bot, greeting, null, false) });
    let previousConversation: number | null = null;
    for (const entry of entries) {
      if (entry.kind === 'message') {
        const m = entry.message;
        if (previousConversation !== null && m.conversationId !== previousConversation) {
          wanted.push({ key: `d:${m.conversationId}`, signature: '', build: () => h('div', { class: 'divider' }, this.t.newConversation) });
        }
        previousConversation = m.conversationId;
      }
      const row = this.rowFor(entry, showChips);
      wanted.push(row);
    }

    // Follow new messages only for a shopper already at the end (or who just wrote): one who scrolled up to read
    // keeps their place.
    let follow = this.atEnd();
    // Reconcile: keep unchanged rows, update changed ones in place (rebuild those that cannot be), add new ones, drop
    // gone ones.
    const keep = new Set(wanted.map((w) => w.key));
    for (const [key, row] of this.rows) {
      if (!keep.has(key)) {
        row.el.remove();
        this.rows.delete(key);
      }
    }
    let cursor: ChildNode | null = this.log.firstChild;
    // The newest row added from the other side (bot, agent), unless the shopper's own message follows it.
    let incoming: HTMLElement | null = null;
    for (const w of wanted) {
      let row = this.rows.get(w.key);
      if (!row) {
        row = { el: w.build(), signature: w.signature };
        this.rows.set(w.key, row);
        if (w.mine) follow = true;
        incoming = w.mine ? null : row.el;
      } else if (row.signature !== w.signature && w.update?.(row.el)) {
        row.signature = w.signature;
      } else if (row.signature !== w.signature) {
        const fresh = w.build();
        if (cursor === row.el) cursor = fresh;
        row.el.replaceWith(fresh);
        row = { el: fresh, signature: w.signature };
        this.rows.set(w.key, row);
      }
      if (row.el === cursor) cursor = cursor.nextSibling;
      else this.log.insertBefore(row.el, cursor);
    }
    if (follow) this.follow(incoming);
    this.announceWhileClosed(entries);
    this.maybeMarkSeen();
    this.updateBadge();
  }

  conversationChanged(previous: ConversationSummary | null, current: ConversationSummary | null): void {
    this.keepingFocus(() => this.showConversation(previous, current));
  }

  private showConversation(previous: ConversationSummary | null, current: ConversationSummary | null): void {
    this.transcriptButton.hidden = !current;
    // Queued or with an agent, a person is already on the way; a resolved chat restarts with the bot.
    this.personButton.hidden = current?.status === 'queued' || current?.status === 'assigned';
    // A person is with the shopper now: "nobody is available" no longer holds.
    if (current?.status === 'assigned') this.showAvailability({ agentsOnline: 1, withinBusinessHours: true });
    if (current?.status !== 'queued') this.queue = null;
    if (current?.status === 'resolved') {
      this.typing({ author: 'agent', name: null, typing: false });
      this.maybeOfferCsat(current, previous?.id === current.id && previous.status !== 'resolved');
    } else if (this.csatFor !== null) {
      this.removeCsat();
    }
    this.renderQueue();
    this.messagesChanged();
  }

  connectionChanged(state: ConnectionState): void {
    const text: Record<ConnectionState, string> = {
      online: '',
      connecting: this.t.connecting,
      reconnecting: this.t.reconnecting,
      offline: this.t.offline,
      unreachable: this.t.unreachable,
      blocked: this.t.blocked,
    };
    // Nothing typed now could ever be sent; and a chat the block ended asks for no rating (the shop ended it, and the
    // rating could not be sent either).
    this.blocked = state === 'blocked';
    if (this.blocked) {
      this.input.disabled = this.sendButton.disabled = this.attachButton.disabled = true;
      this.keepingFocus(() => this.removeCsat());
    }
    this.statusBar.textContent = text[state];
    this.statusBar.className = state === 'online' ? 'status ok' : 'status';
    this.statusBar.setAttribute('data-state', state);
    if (state !== 'online' && state !== 'connecting') this.say(text[state]);
    // Back after a break the shopper was told of: said once (the first connect says nothing).
    if (state === 'online' && this.connectionLost) this.say(this.t.connectedAgain);
    if (state === 'online') this.connectionLost = false;
    else if (state === 'offline' || state === 'reconnecting' || state === 'unreachable') this.connectionLost = this.wasOnline;
    this.wasOnline ||= state === 'online';
  }

  typing(event: { author: 'agent' | 'bot'; name: string | null; typing: boolean }): void {
    clearTimeout(this.typingShownTimer);
    if (!event.typing) {
      this.typingLine.textContent = '';
      return;
    }
    const who = event.author === 'bot' ? this.t.bot : (event.name ?? this.t.agent);
    this.typingLine.textContent = this.t.typing(who);
    // A lost "stopped typing" must not leave the indicator on forever.
    this.typingShownTimer = setTimeout(() => (this.typingLine.textContent = ''), TYPING_SHOWN_MAX_MS);
  }

  queuePosition(event: QueuePosition): void {
    this.queue = event;
    this.renderQueue();
  }

  agentsUnavailable(event: { reason: UnavailableReason; message: string }): void {
    this.showAvailability({ agentsOnline: 0, withinBusinessHours: event.reason !== 'after_hours' }, event.reason, event.message);
    this.renderQueue();
    this.say(event.message);
  }

  // ---------- rows ----------

  private rowFor(entry: TimelineEntry, chipsFor: number): WantedRow {
    const t = this.t;
    if (entry.kind === 'pending') {
      const failed = entry.state === 'failed';
      const meta = failed ? t.failed(refusalText(t, entry.error)) : entry.state === 'queued' ? t.queued : t.sending;
      const clientId = entry.item.clientId;
      return {
        key: `c:${clientId}`,
        signature: `p|${meta}|${failed && entry.retryable}`,
        mine: true,
        build: () => {
          const el = this.bubble(t.you, entry.item.text, entry.item.createdAt, true, meta, failed, textLanguage(entry.item.text));
          if (failed) el.appendChild(this.failedActions(clientId, entry.retryable));
          return el;
        },
        update: (el) => this.updateMine(el, entry.item.createdAt, meta, failed, failed ? () => this.failedActions(clientId, entry.retryable) : null),
      };
    }
    const m = entry.message;
    const conversation = this.client.conversation;
    if (m.author.type === 'system') {
      return { key: `m:${m.id}`, signature: 's', build: () => h('div', { class: 'system' }, this.systemText(m)) };
    }
    if (m.author.type === 'customer') {
      const seen = conversation?.id === m.conversationId && m.id <= conversation.agentLastSeenId;
      const meta = seen ? t.seen : t.sent;
      return {
        key: m.clientId ? `c:${m.clientId}` : `m:${m.id}`,
        signature: `c|${meta}`,
        mine: true,
        build: () => this.withAttachments(this.bubble(t.you, shownText(m), m.createdAt, true, meta, false, textLanguage(m.text)), m),
        // The shopper's own words were on screen while sending: only the delivery line changes (a file, which never
        // goes through the outbox, rebuilds the row if it was not shown yet).
        update: (el) => (this.hasAttachments(m) && !el.querySelector('.attachments') ? false : this.updateMine(el, m.createdAt, meta, false, null)),
      };
    }
    const who = m.author.type === 'bot' ? t.bot : (m.author.name ?? t.agent);
    const metadata = m.metadata as { articles?: ArticleRef[]; products?: { name?: unknown; url?: string; price?: unknown }[]; quickReplies?: QuickReply[]; askHelpful?: boolean; language?: unknown };
    // A bot answer says which language it is in; a person's words are judged by their characters.
    const language = m.author.type === 'bot' && (metadata.language === 'en' || metadata.language === 'zh') ? metadata.language : textLanguage(m.text);
    const articles = Array.isArray(metadata.articles) ? metadata.articles.filter((a) => a && typeof a.title === 'string') : [];
    // A product answer links to the product page the way an article answer links to its article; the card adds the
    // price an agent's pick carries (the server copied it from the catalogue).
    const products = Array.isArray(metadata.products)
      ? metadata.products.filter((p) => p && typeof p.name === 'string').map((p) => ({ title: p.name as string, url: p.url, price: typeof p.price === 'string' ? p.price : '' }))
      : [];
    const links = [...articles, ...products];
    const chips = chipsFor === m.id && Array.isArray(metadata.quickReplies) ? metadata.quickReplies : [];
    const helpful = this.helpfulAnswer(m.id);
    // An intent's own typed answer asks too, with no article to name: it is rated as that answer.
    const askHelpful = metadata.askHelpful === true && (articles.length > 0 || typeof (metadata as { intent?: unknown }).intent === 'string');
    const helpfulState = askHelpful ? String(helpful) : '';
    return {
      key: `m:${m.id}`,
      signature: `b|${chips.length}|${helpfulState}`,
      build: () => {
        // The answer's shape (a first line naming its article or product set as a heading, its "label: <url>" last
        // line left off for the card) is the bot's; an agent's words are shown as they wrote them.
        const fromBot = m.author.type === 'bot';
        const { heading, body } = fromBot ? articleReplyParts(shownText(m), links) : { heading: null, body: shownText(m) };
        const el = this.bubble(who, body, m.createdAt, false, undefined, false, language);
        const bubble = el.querySelector('.bubble')!;
        if (heading) bubble.prepend(h('strong', { class: 'heading' }, heading));
        // A bot's product the feed gave no page or price for adds nothing (its name already heads the answer); every
        // product an agent picked is shown, its name as plain text when it has no page.
        const cards = fromBot ? products.filter((p) => (typeof p.url === 'string' && p.url) || p.price) : products;
        // Articles and product cards in lists of their own, each named for what it holds (a screen reader announced
        // an agent's products as "Related articles").
        for (const [listed, label] of [[articles, t.articles], [cards, t.products]] as const) {
          if (!listed.length) continue;
          const list = h('ul', { class: 'articles', 'aria-label': label });
          for (const a of listed.slice(0, 5)) {
            const price = 'price' in a && a.price;
            list.appendChild(h('li', { class: 'price' in a ? 'product' : null }, safeLink(a.title, a.url, this.options.base), price && h('span', {}, price)));
          }
          bubble.appendChild(list);
        }
        this.withAttachments(el, m);
        if (askHelpful) bubble.appendChild(this.helpfulPrompt(m, articles[0], helpful, language));
        if (chips.length) {
          // A named group, in the words of the answer it belongs to (the row's language).
          const row = h('div', { class: 'chips', role: 'group', 'aria-label': (language ? stringsFor(language, langTag(language)) : t).suggestedReplies });
          for (const chip of chips.slice(0, 6)) {
            if (!chip || typeof chip.label !== 'string' || typeof chip.value !== 'string') continue;
            const b = h('button', { type: 'button', class: 'chip' }, chip.label);
            b.addEventListener('click', () => this.sendOrSay(chip.label, chip.value));
            row.appendChild(b);
          }
          el.appendChild(row);
        }
        return el;
      },
      // The answer stays; what changed around it changes alone: its quick replies go (once the shopper wrote), its
      // "Was this helpful?" becomes the thanks. Chips coming back (the shopper's message removed) rebuild the row.
      update: (el) => {
        const chipsRow = el.querySelector(':scope > .chips');
        if (chips.length && !chipsRow) return false;
        if (!chips.length) chipsRow?.remove();
        const box = el.querySelector<HTMLElement>('.bubble > .helpful');
        if (askHelpful !== Boolean(box)) return false;
        if (box && box.getAttribute('data-answer') !== helpfulState) box.replaceWith(this.helpfulPrompt(m, articles[0], helpful, language));
        return true;
      },
    };
  }

  /**
   * Brings the shopper's own row up to date in place: the time (the server's), the delivery line's text, and the
   * Retry/Remove buttons. A delivery line that turns into a failure is a new node, so the log reads out why.
   */
  private updateMine(el: HTMLElement, at: string | null, meta: string, failed: boolean, actions: (() => HTMLElement) | null): boolean {
    const line = el.querySelector<HTMLElement>(':scope > .meta');
    if (!line) return false;
    const time = el.querySelector(':scope > .who time');
    if (at && time && time.getAttribute('datetime') !== at) {
      time.setAttribute('datetime', at);
      setText(time, this.messageTime(at));
    }
    const wasFailed = line.classList.contains('failed');
    if (failed && !wasFailed) {
      line.replaceWith(this.metaLine(meta, true, line.getAttribute('lang')));
    } else {
      setText(line, meta);
      line.setAttribute('data-state', meta);
      line.classList.toggle('failed', failed);
    }
    const oldActions = el.querySelector(':scope > .failed-actions');
    const fresh = actions?.();
    // Failed again with the same choices (a retry refused): the buttons stay as they are, focus on them too.
    if (fresh && oldActions?.getAttribute('data-retryable') === fresh.getAttribute('data-retryable')) return true;
    oldActions?.remove();
    if (fresh) el.appendChild(fresh);
    return true;
  }

  /**
   * Under a message the server refused: Retry (when sending again may work) and Remove. Either one redraws the row
   * without its buttons; keepingFocus then puts focus on the text box.
   */
  private failedActions(clientId: string, retryable: boolean): HTMLElement {
    const row = h('div', { class: 'row failed-actions', 'data-retryable': String(retryable) });
    if (retryable) {
      const retry = h('button', { type: 'button', class: 'secondary' }, this.t.retry);
      retry.addEventListener('click', () => this.client.retry(clientId));
      row.appendChild(retry);
    }
    const remove = h('button', { type: 'button', class: 'secondary' }, this.t.remove);
    remove.addEventListener('click', () => this.client.discard(clientId));
    row.appendChild(remove);
    return row;
  }

  /**
   * A message row. `language` is the message's own (WCAG 3.1.2): when it is not the widget's, the row says so with
   * `lang`, and its labels in the widget's language (author, time, delivery line) say theirs.
   */
  private bubble(who: string, text: string, at: string | null, mine: boolean, meta?: string, failed = false, language: Lang | null = null): HTMLElement {
    const time = at ? h('time', { datetime: at }, this.messageTime(at)) : null;
    const foreign = language !== null && language !== this.options.lang;
    const own = foreign ? langTag(this.options.lang) : null;
    return h('div', { class: mine ? 'msg mine' : 'msg', lang: foreign ? langTag(language) : null },
      h('span', { class: 'who', lang: own }, who, time ? ' · ' : '', time),
      h('div', { class: 'bubble' }, h('span', { class: 'text' }, linkified(text, this.options.base))),
      meta ? this.metaLine(meta, failed, own) : null);
  }

  private metaLine(meta: string, failed: boolean, lang: string | null = null): HTMLElement {
    return h('span', { class: failed ? 'meta failed' : 'meta', 'data-state': meta, lang }, meta);
  }

  private hasAttachments(m: ChatMessage): boolean {
    const list = (m.metadata as { attachments?: unknown }).attachments;
    return Array.isArray(list) && list.length > 0;
  }

  /** The files a message carries, inside its bubble: photos as thumbnails that open full size, others as links. */
  private withAttachments(el: HTMLElement, m: ChatMessage): HTMLElement {
    const list = (m.metadata as { attachments?: unknown }).attachments;
    if (!Array.isArray(list) || !list.length) return el;
    const box = h('div', { class: 'attachments' });
    for (const a of list as AttachmentRef[]) {
      if (!a || typeof a.url !== 'string' || !a.url.startsWith('/api/attachments/') || typeof a.name !== 'string') continue;
      const link = safeLink('', a.url, this.options.base);
      if (typeof a.contentType === 'string' && a.contentType.startsWith('image/') && link instanceof HTMLAnchorElement) {
        const img = h('img', { alt: a.name, loading: 'lazy' });
        img.src = link.href;
        link.appendChild(img);
      } else {
        link.textContent = `📄 ${a.name}`;
      }
      box.appendChild(link);
    }
    el.querySelector('.bubble')?.appendChild(box);
    return el;
  }

  private async sendFile(chosen: File): Promise<void> {
    const notice = this.fileNotice;
    notice.classList.remove('failed');
    notice.hidden = false;
    notice.textContent = this.t.sendingFile(chosen.name);
    // The attach button stays focusable while busy (whileBusy): a keyboard user keeps their place.
    await whileBusy(this.attachButton, async () => {
      // A phone photo goes at the size a chat needs (photo-size.ts): seconds instead of a minute on a slow connection.
      const file = await photoForChat(chosen);
      // Too large is known before uploading megabytes for nothing (the server checks again).
      const limit = this.options.settings.maxAttachmentBytes;
      if (limit && file.size > limit) return this.fileFailed('too_large');
      try {
        // The percentage is for the eyes only: a status region re-read at every progress event would drown a screen reader.
        const percent = h('span', { class: 'percent', 'aria-hidden': 'true' });
        notice.append(' ', percent);
        await this.options.sendFile(file, (fraction) => {
          percent.textContent = `${Math.floor(fraction * 100)} %`;
        });
        notice.hidden = true;
      } catch (error) {
        this.fileFailed((error as { code?: string }).code);
      }
    });
  }

  private uploading(): boolean {
    return isBusy(this.attachButton);
  }

  private fileFailed(code: string | undefined): void {
    const t = this.t;
    const limit = this.options.settings.maxAttachmentBytes;
    // The limit in MB as the shop set it (10 MB, 2.5 MB); nothing when an older server does not say.
    const mb = limit > 0 ? Math.round((limit / 1_048_576) * 10) / 10 : null;
    const reason = code === 'too_large' ? t.fileTooLarge(mb)
      : code === 'unsupported_file' ? t.fileNotAccepted
      // Offline (api.ts network_error; the browser may not have noticed yet) or an upload that stopped moving.
      : code === 'network_error' || (code !== 'stalled' && typeof navigator !== 'undefined' && navigator.onLine === false) ? t.fileOffline
      : code === 'stalled' ? t.fileStalled
      : t.error;
    this.fileNotice.textContent = this.t.fileFailed(reason);
    this.fileNotice.classList.add('failed');
    this.say(this.fileNotice.textContent);
  }

  /** A system line in the widget's language, from its event and parameters; the stored English text otherwise. */
  private systemText(m: ChatMessage): string {
    return systemLineText(this.t, m.text, (m.metadata ?? {}) as Record<string, unknown>);
  }

  private helpfulAnswer(messageId: number): boolean | undefined {
    return this.options.store.get<Record<string, boolean>>('helpful')?.[messageId];
  }

  /**
   * "Was this helpful?" under an answer (or, once answered, the thanks). `rowLanguage` is the answer row's `lang`
   * (null: the widget's); the box carries its own whenever its words are not in the widget's language or not in the
   * row's.
   */
  private helpfulPrompt(m: ChatMessage, article: ArticleRef | undefined, answered: boolean | undefined, rowLanguage: Lang | null): HTMLElement {
    const box = this.helpfulBox(m, article, answered);
    const language = (m.metadata as { language?: unknown }).language;
    const own: Lang = language === 'en' || language === 'zh' ? language : this.options.lang;
    if (own !== this.options.lang || (rowLanguage ?? this.options.lang) !== own) box.lang = langTag(own);
    box.setAttribute('data-answer', String(answered));
    return box;
  }

  private helpfulBox(m: ChatMessage, article: ArticleRef | undefined, answered: boolean | undefined): HTMLElement {
    // Asked in the answer's language: a Chinese answer on an English page gets a Chinese question.
    const language = (m.metadata as { language?: unknown }).language;
    const t = language === 'en' || language === 'zh' ? stringsFor(language, langTag(language)) : this.t;
    if (answered === true) return h('div', { class: 'helpful', role: 'status' }, t.helpfulThanks);
    if (answered === false) return this.notHelpfulFollowUp(t);
    const yes = h('button', { type: 'button' }, t.yes);
    const no = h('button', { type: 'button' }, t.no);
    const box = h('div', { class: 'helpful', role: 'group', 'aria-label': t.helpfulQuestion }, h('span', {}, t.helpfulQuestion), yes, no);
    // A busy flag, not disabled buttons: disabling the focused button would drop a keyboard user's focus to the page.
    let busy = false;
    const answer = async (helpful: boolean) => {
      if (busy) return;
      busy = true;
      const rated = article ? this.client.articleFeedback(m.id, article.id, helpful) : this.client.answerFeedback(m.id, helpful);
      const result = await rated.catch(() => null);
      busy = false;
      if (result?.ok) {
        this.options.store.set('helpful', { ...(this.options.store.get<Record<string, boolean>>('helpful') ?? {}), [m.id]: helpful });
        this.messagesChanged();
        this.say(helpful ? t.helpfulThanks : t.notHelpful);
      }
    };
    yes.addEventListener('click', () => void answer(true));
    no.addEventListener('click', () => void answer(false));
    return box;
  }

  /** After "No": say sorry and offer a person right there, while the chat is still with the bot. */
  private notHelpfulFollowUp(t: Strings): HTMLElement {
    const box = h('div', { class: 'helpful', role: 'status' }, h('span', {}, t.notHelpful));
    const status = this.client?.conversation?.status;
    if (status === 'bot' || status === undefined) {
      const person = h('button', { type: 'button', class: 'not-helpful-person' }, t.talkToPerson);
      person.addEventListener('click', () => {
        person.disabled = true;
        // Its redraw moves focus from the now disabled button to the text box (keepingFocus).
        this.sendOrSay(t.talkToPerson, 'handoff');
      });
      box.appendChild(person);
    }
    return box;
  }

  // ---------- notices and cards ----------

  private renderQueue(): void {
    const conversation = this.client?.conversation;
    clear(this.queueNotice);
    if (conversation?.status !== 'queued') {
      this.queueNotice.hidden = true;
      return;
    }
    // A fresh position says whether anyone is online; before one arrives, what the availability check last said.
    const noAgents = this.queue ? this.queue.onlineAgents === 0 : this.nobodyCanAnswer;
    if (noAgents) {
      // "You are next" would promise an answer nobody is there to give. The availability notice (or the message
      // the shopper left) already says what happens instead; otherwise say the wait may be long.
      if (!this.availability.hidden || this.messageLeft) {
        this.queueNotice.hidden = true;
        return;
      }
      append(this.queueNotice, h('div', {}, this.t.queueWaitNoAgents));
    } else {
      append(this.queueNotice, h('strong', {}, this.queue ? this.t.queuePosition(this.queue.position) : this.t.waitingForAgent), h('div', {}, this.t.queueWait));
    }
    this.queueNotice.setAttribute('data-position', noAgents ? '' : String(this.queue?.position ?? ''));
    this.queueNotice.hidden = false;
    this.say(this.queueNotice.textContent ?? '');
  }

  /**
   * Whether the shop asks for a rating after this chat (its `csatAsk` setting): `people` only when a person handled it
   * (an agent held it, or wrote in it: the timeline has their reply), `all` after every chat, `never` not at all. The
   * server refuses the ratings the setting does not ask for. A server from before the setting sends none: every chat.
   */
  private asksForRating(conversation: ConversationSummary): boolean {
    const ask = (this.options.settings as { csatAsk?: 'people' | 'all' | 'never' }).csatAsk ?? 'all';
    if (ask !== 'people') return ask === 'all';
    return conversation.assignee !== null || this.client.timeline().some((e) =>
      e.kind === 'message' && e.message.conversationId === conversation.id && e.message.author.type === 'agent');
  }

  /** The 1–5 buttons say what they mean ("4 out of 5, good"), and the ends of the scale are named under them. */
  private labelRatingScale(card: HTMLElement): void {
    const stars = card.querySelector<HTMLElement>('.stars');
    if (!stars) return;
    stars.querySelectorAll<HTMLElement>('[data-rating]').forEach((button) => {
      const n = Number(button.getAttribute('data-rating'));
      button.setAttribute('aria-label', this.t.csatRatingMeaning(n, this.t.csatMeaning[n - 1]));
    });
    // One short line under the buttons, as wide as they are; hidden from screen readers, which hear each button's name.
    const scale = h('div', { class: 'csat-scale' });
    stars.replaceWith(scale);
    scale.append(stars, h('div', { class: 'csat-scale-ends', 'aria-hidden': 'true' },
      h('span', { 'data-scale': 'low' }, this.t.csatScaleLow), h('span', { 'data-scale': 'high' }, this.t.csatScaleHigh)));
  }

  private maybeOfferCsat(conversation: ConversationSummary, justResolved: boolean): void {
    if (this.csatFor === conversation.id || this.blocked) return;
    if (!this.asksForRating(conversation)) return;
    const rated = this.options.store.get<number[]>('rated') ?? [];
    if (rated.includes(conversation.id)) return;
    const resolvedAt = conversation.resolvedAt ? Date.parse(conversation.resolvedAt) : Date.now();
    if (!justResolved && Date.now() - resolvedAt > CSAT_OFFER_HOURS * 3_600_000) return;
    this.removeCsat();
    this.csatFor = conversation.id;
    const transcript = h('button', { type: 'button', class: 'secondary' }, this.t.transcript);
    transcript.addEventListener('click', () => void this.downloadTranscript());
    const card = csatCard(this.t, (rating, comment) => this.client.rate(rating, comment), () => {
      this.options.store.set('rated', [...(this.options.store.get<number[]>('rated') ?? []), conversation.id].slice(-50));
    }, h('div', { class: 'row' }, transcript));
    card.setAttribute('data-card', 'csat');
    this.labelRatingScale(card);
    this.cards.appendChild(h('div', { class: 'system', 'data-card': 'ended' }, this.t.chatEnded));
    this.cards.appendChild(card);
    this.say(this.t.csatTitle);
    this.scrollToEnd();
  }

  private removeCsat(): void {
    this.csatFor = null;
    this.cards.querySelectorAll('[data-card="csat"],[data-card="ended"]').forEach((el) => el.remove());
  }

  private showOfflineForm(): void {
    if (this.offlineShown) return;
    this.offlineShown = true;
    const intro = this.options.settings.offlineMessage[this.options.lang];
    const card = offlineCard(this.t, intro, this.maxChars, (input) => this.client.leaveMessage(input), () => {
      card.remove();
      this.offlineShown = false;
      this.input.focus();
    }, () => {
      this.messageLeft = true;
      this.availability.hidden = true;
      // Its thanks stay in the log; the header's "Leave a message" (after hours) can open a new form.
      this.offlineShown = false;
      this.renderQueue();
    });
    card.setAttribute('data-card', 'offline');
    this.cards.appendChild(card);
    this.scrollToEnd();
    card.querySelector('input')?.focus();
  }

  private maybeShowPrechat(): void {
    if (!this.options.settings.preChatForm || this.prechat || this.options.store.get<boolean>('prechatDone')) return;
    // Not for a shopper the shop signed in: it asked for what the shop already said (and could only differ from it).
    if (this.options.identified()) return;
    if (this.client?.timeline().length) return; // already chatting
    const done = () => this.closePrechat(true);
    this.prechat = prechatCard(this.t, async (profile) => {
      if (profile.name || profile.email) await this.options.saveProfile(profile);
      done();
    }, done);
    this.prechat.setAttribute('data-card', 'prechat');
    this.input.disabled = this.sendButton.disabled = true;
    this.cards.appendChild(this.prechat);
  }

  // ---------- composer ----------

  private submit(): void {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    if (text.length > this.maxChars) {
      // Kept whole in the text box; said again, as a shopper pressing Enter may have missed it.
      this.say(this.t.tooLong(this.maxChars));
      this.input.focus();
      return;
    }
    this.stopTyping();
    // The text leaves the box only once the outbox holds it.
    if (!this.sendOrSay(text)) {
      this.input.focus();
      return;
    }
    this.input.value = '';
    this.grow();
    this.input.focus();
  }

  /** Queues a message; when the outbox is full (long offline) says so and returns false (the caller keeps the text). */
  private sendOrSay(text: string, quickReply?: string): boolean {
    const queued = this.client.send(text, quickReply);
    this.composeNotice.hidden = queued;
    if (!queued) this.say(this.t.outboxFull);
    return queued;
  }

  /** The text box grows with its lines up to INPUT_MAX_PX (then scrolls inside), and shrinks back when emptied. */
  private grow(): void {
    const box = this.input;
    box.style.removeProperty('height');
    if (box.scrollHeight > box.clientHeight) {
      // border-box: the height counts the borders too, which scrollHeight leaves out.
      const borders = box.offsetHeight - box.clientHeight;
      box.style.setProperty('height', `${Math.min(box.scrollHeight + borders, INPUT_MAX_PX)}px`);
    }
  }

  /** Shows (and says, once) that the text is over the server's limit; the text box is marked invalid meanwhile. */
  private lengthChanged(): void {
    const over = this.input.value.trim().length > this.maxChars;
    if (over === !this.lengthNotice.hidden) return;
    this.lengthNotice.hidden = !over;
    if (over) {
      this.input.setAttribute('aria-invalid', 'true');
      this.input.setAttribute('aria-describedby', this.lengthNotice.id);
      this.say(this.t.tooLong(this.maxChars));
    } else {
      this.input.removeAttribute('aria-invalid');
      this.input.removeAttribute('aria-describedby');
    }
  }

  private typed(): void {
    const now = Date.now();
    // Only a typing mark that went out counts: right after the first message the conversation may still be
    // loading, and the next keystroke should try again rather than wait for the resend interval.
    if (this.input.value && now - this.lastTypingSent > TYPING_RESEND_MS && this.client.sendTyping(true)) this.lastTypingSent = now;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_STOP_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (!this.lastTypingSent) return;
    this.lastTypingSent = 0;
    this.client.sendTyping(false);
  }

  private async downloadTranscript(): Promise<void> {
    const conversation = this.client.conversation;
    if (!conversation) return;
    try {
      const blob = await this.options.downloadTranscript(conversation.id);
      const url = URL.createObjectURL(blob);
      const a = h('a', { download: `conversation-${conversation.id}.txt`, hidden: true });
      a.href = url;
      this.root.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      this.say(this.t.transcriptFailed);
    }
  }

  // ---------- read state, badge, announcements ----------

  private maybeMarkSeen(): void {
    if (this.client && this.isOpen && document.visibilityState === 'visible') this.client.markSeen();
  }

  private updateBadge(): void {
    const unread = this.isOpen || !this.client ? 0 : this.client.unreadCount();
    // A shop with its own chat button shows this number on it.
    if (unread !== this.announcedUnread) {
      this.announcedUnread = unread;
      this.options.announce?.('unread', { count: unread });
    }
    this.badge.textContent = unread > 9 ? '9+' : String(unread);
    this.badge.hidden = unread === 0;
    if (!this.isOpen) this.launcher.setAttribute('aria-label', unread ? `${this.t.openChat}, ${this.t.unread(unread)}` : this.t.openChat);
  }

  /** New messages from the other side end their typing indicator; while the panel is closed (its log hidden) they are announced through the status region. */
  private announceWhileClosed(entries: TimelineEntry[]): void {
    const first = !this.announcedUpTo;
    let newest = this.announcedUpTo ?? 0;
    for (const e of entries) {
      if (e.kind !== 'message' || e.message.id <= newest) continue;
      newest = e.message.id;
      const a = e.message.author;
      if (first || (a.type !== 'agent' && a.type !== 'bot')) continue; // history loaded at start is not news
      this.typing({ author: a.type, name: a.name, typing: false }); // their message is the end of their typing
      if (!this.isOpen) this.say(this.t.newMessageFrom(a.type === 'bot' ? this.t.bot : (a.name ?? this.t.agent)));
      // A person's words while the chat is closed (a reply, or a team member writing first) are shown beside the
      // launcher, as a badge alone is easy to miss; opening the chat from them shows the whole message.
      if (!this.isOpen && a.type === 'agent' && e.message.text) {
        const text = e.message.text.length > 140 ? `${e.message.text.slice(0, 139)}…` : e.message.text;
        this.showCard(`${a.name ?? this.t.agent}: ${text}`);
      }
    }
    this.announcedUpTo = newest;
  }

  private say(text: string): void {
    if (!text) return;
    this.live.textContent = '';
    // A fresh text node after a tick makes screen readers announce repeated texts too.
    setTimeout(() => (this.live.textContent = text), 50);
  }

  private scrollToEnd(): void {
    if (!this.isOpen) return;
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.stuckToEnd = true;
  }

  /**
   * Follows a new message: to the end, or, for an answer from the other side taller than the list's box (a long bot
   * answer), to its start, so the shopper reads it from its heading rather than from its last line.
   */
  private follow(incoming: HTMLElement | null): void {
    const s = this.scroller;
    if (!this.isOpen || !incoming || incoming.offsetHeight <= s.clientHeight - FOLLOW_SLACK_PX) return this.scrollToEnd();
    s.scrollTop += incoming.getBoundingClientRect().top - s.getBoundingClientRect().top - 8;
    this.stuckToEnd = false;
  }

  /** Whether the message list shows its end (a closed panel, or a list shorter than its box, counts as at the end). */
  private atEnd(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= FOLLOW_SLACK_PX;
  }
}

function matchesMedia(query: string): boolean {
  return typeof matchMedia === 'function' && matchMedia(query).matches;
}

/**
 * "We keep this chat to answer you. Privacy policy" under the text box, when the shop set its policy's address: it
 * stays in sight while the shopper types their name, email or order details. Only web addresses become links
 * (safeLink; the server checks the setting too).
 */
function privacyLine(t: Strings, url: string | undefined, base: string): HTMLElement | null {
  if (!url) return null;
  return h('p', { class: 'privacy' }, `${t.privacyNote} `, safeLink(t.privacyLink, url, base));
}
