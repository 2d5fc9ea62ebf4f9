// The shop's widget settings (colour, greeting, hours, proactive messages, allowed websites, identity secret),
// stored as one JSON row so admins edit them without a migration.
import { Type, type Static } from 'typebox';
import { dayIn, zonedInstant } from './zoned-days.ts';
import type { Sql } from '../db/client.ts';
import { settingsRow } from './settings-row.ts';
import { badRequest, worded, type AppError } from '../errors.ts';
import { ALLOWED_ORIGIN_PATTERN } from './allowed-origin.ts';

/**
 * Who answers a shopper first: `always` the bot (it hands off when it should; the default, and what installs from
 * before the setting get); `when_team_unavailable` a person while one can take the chat (an agent online, as
 * `whyNobodyCanAnswer` says), the bot only when nobody can; `never` always a person, the bot never answering (while
 * nobody can, the shopper gets the leave-a-message offer a hand-off then gets).
 */
export const BotModeSchema = Type.Union([Type.Literal('always'), Type.Literal('when_team_unavailable'), Type.Literal('never')], {
  description: 'Who answers first: always the bot (default); a person while one is online, else the bot (when_team_unavailable); never the bot',
});
export type BotMode = Static<typeof BotModeSchema>;

/**
 * When the widget asks "How did we do?" once a chat is closed: `people` after a chat a person handled (an agent held
 * it or replied in it; the default, also for installs from before the setting), `all` after every closed chat (bot-only
 * ones too, as before the setting), `never` not at all. The server takes a rating only for a chat the setting asks about.
 */
export const CsatAskSchema = Type.Union([Type.Literal('people'), Type.Literal('all'), Type.Literal('never')], {
  description: 'Ask for a rating after chats a person handled (default), after every closed chat (all), or never',
});
export type CsatAsk = Static<typeof CsatAskSchema>;

const Localised = Type.Object({ en: Type.String({ maxLength: 500 }), zh: Type.String({ maxLength: 500 }) });
const DayHours = Type.Union([Type.Null(), Type.Tuple([Type.String({ pattern: '^\\d{2}:\\d{2}$' }), Type.String({ pattern: '^\\d{2}:\\d{2}$' })])]);

/**
 * A proactive message: on a page whose path starts with `path`, after `delaySeconds` there, the widget offers
 * `message` beside its launcher (once per visit and rule; never over an open chat or one in progress).
 */
export const NudgeSchema = Type.Object({
  id: Type.String({ pattern: '^[a-z0-9-]{1,32}$', description: 'Stable id: a shopper sees each rule once per visit' }),
  path: Type.String({ minLength: 1, maxLength: 200, pattern: '^/', description: 'Page path prefix, e.g. /checkout or /products/' }),
  delaySeconds: Type.Integer({ minimum: 0, maximum: 600 }),
  message: Type.Object({ en: Type.String({ maxLength: 300 }), zh: Type.String({ maxLength: 300 }) }),
}, { additionalProperties: false });
export type Nudge = Static<typeof NudgeSchema>;
export const MAX_NUDGES = 10;

/**
 * A website allowed to embed the widget: scheme, host and optional port, nothing else ("https://shop.example",
 * "http://localhost:8080"); `https://*.shop.example` stands for every subdomain of shop.example (not shop.example
 * itself). Compared case-insensitively, a default port (443, 80) the same as none (server/http/widget-origin.ts).
 */
const AllowedOrigin = Type.String({
  maxLength: 270,
  pattern: ALLOWED_ORIGIN_PATTERN,
  description: 'An origin such as https://shop.example or https://*.shop.example (every subdomain); no path, no trailing slash',
});
export const MAX_ALLOWED_ORIGINS = 20;

/** A web address the admin may leave empty (''). */
const OptionalWebAddress = Type.Union([Type.Literal(''), Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 })]);

export const WidgetSettingsSchema = Type.Object({
  siteKey: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  color: Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }),
  position: Type.Union([Type.Literal('right'), Type.Literal('left')]),
  language: Type.Union([Type.Literal('auto'), Type.Literal('en'), Type.Literal('zh')]),
  greeting: Localised,
  offlineMessage: Localised,
  preChatForm: Type.Boolean(),
  /** Optional so a client that does not send it keeps working: omitted on save means unchanged (`saveWidgetSettings`). */
  botMode: Type.Optional(BotModeSchema),
  /** Optional likewise: omitted on save keeps the stored one. */
  csatAsk: Type.Optional(CsatAskSchema),
  /** null = always open. Otherwise [open, close] per weekday (0 = Sunday) in `timezone`. */
  businessHours: Type.Union([
    Type.Null(),
    Type.Object({
      timezone: Type.String({ maxLength: 64, description: 'An IANA time zone, e.g. "Europe/Berlin"' }),
      days: Type.Array(DayHours, { minItems: 7, maxItems: 7, description: 'One entry per weekday starting on Sunday: days[0] is Sunday, days[1] Monday … days[6] Saturday' }),
    }),
  ]),
  /** Proactive messages, the first rule whose path fits the page applying. */
  nudges: Type.Array(NudgeSchema, { maxItems: MAX_NUDGES }),
  /** The shop's name and address, for the follow-up emails (sender, subject, links); empty = SHOP_NAME / SHOP_URL. */
  shopName: Type.String({ maxLength: 100 }),
  shopUrl: OptionalWebAddress,
  /**
   * The shop's privacy policy, linked under the chat's text box ("We keep this chat to answer you. Privacy policy"):
   * shoppers type names, emails and order details into the chat, and many shops must say where that goes before
   * they do. Empty = no line.
   */
  privacyUrl: OptionalWebAddress,
  /**
   * The websites whose pages may show the widget (its HTTP API and socket refuse a browser on any other origin);
   * this server's own origin always may. Empty = any website, as before the setting existed. Not sent to browsers.
   */
  allowedOrigins: Type.Array(AllowedOrigin, { maxItems: MAX_ALLOWED_ORIGINS }),
  /** HMAC secret for identify(); empty = identity verification off. Never sent to browsers. */
  identitySecret: Type.String({ maxLength: 200 }),
});
export type WidgetSettings = Static<typeof WidgetSettingsSchema>;

export const DEFAULT_WIDGET_SETTINGS: WidgetSettings = {
  siteKey: 'demo',
  color: '#2563eb',
  position: 'right',
  language: 'auto',
  greeting: { en: 'Hi there! Ask us anything about your order, shipping or returns.', zh: '您好！关于订单、配送或退货的问题都可以问我们。' },
  offlineMessage: {
    en: "No one is available right now. Leave your email and message and we'll get back to you.",
    zh: '目前没有客服在线。请留下您的邮箱和留言，我们会尽快回复您。',
  },
  preChatForm: false,
  botMode: 'always',
  csatAsk: 'people',
  businessHours: null,
  nudges: [],
  shopName: '',
  shopUrl: '',
  privacyUrl: '',
  allowedOrigins: [],
  identitySecret: '',
};

/** The shop's name and address as the admin set them, else as the environment does (SHOP_NAME, SHOP_URL). */
export function shopIdentity(settings: Pick<WidgetSettings, 'shopName' | 'shopUrl'>, config: { shopName: string; shopUrl: string }) {
  return { shopName: settings.shopName.trim() || config.shopName, shopUrl: settings.shopUrl || config.shopUrl };
}

const row = settingsRow('widget', WidgetSettingsSchema, DEFAULT_WIDGET_SETTINGS);

export const loadWidgetSettings = (sql: Sql): Promise<WidgetSettings> => row.load(sql);
/** A `botMode` or `csatAsk` left out (a client from before the setting) keeps the stored one, like the update's other optional settings. */
export async function saveWidgetSettings(sql: Sql, settings: WidgetSettings): Promise<void> {
  const stored = settings.botMode && settings.csatAsk ? null : await row.load(sql);
  const botMode = settings.botMode ?? stored?.botMode ?? 'always';
  const csatAsk = settings.csatAsk ?? stored?.csatAsk ?? 'people';
  return row.save(sql, { ...settings, botMode, csatAsk });
}

/** When to ask for a rating (`people` when unset: stored before the setting existed). */
export const csatAskOf = (settings: Pick<WidgetSettings, 'csatAsk'>): CsatAsk => settings.csatAsk ?? 'people';

/** Who answers first (`always` when unset: stored before the setting existed). */
export const botModeOf = (settings: Pick<WidgetSettings, 'botMode'>): BotMode => settings.botMode ?? 'always';

/** A clock time "HH:MM", 00:00–23:59; a closing time may also be 24:00, the end of the day (a time input stops at 23:59). */
const CLOCK_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const isClockTime = (time: string, closing: boolean) => CLOCK_TIME.test(time) || (closing && time === '24:00');

/**
 * The refusal of business hours an admin sends, its sentence naming the field, or null. The schema only checks the HH:MM
 * shape (it also reads stored settings, which must keep loading); a "09:75" or "25:00" would compare as text in
 * `withinBusinessHours` and open or close the shop at the wrong time. A day's window is [open, close) on that day's
 * clock — nothing runs past midnight — so the opening must come before the closing.
 */
export function businessHoursProblem(hours: WidgetSettings['businessHours']): AppError | null {
  if (!hours) return null;
  for (const [day, window] of hours.days.entries()) {
    if (!window) continue;
    const [opens, closes] = window;
    // A console's time field left empty sends "": worded as a time it cannot read.
    if (!isClockTime(opens, false)) return worded(badRequest(`businessHours.days[${day}][0]: "${opens}" is not a time of day; use HH:MM from 00:00 to 23:59.`), 'hours_not_a_time');
    if (!isClockTime(closes, true)) return worded(badRequest(`businessHours.days[${day}][1]: "${closes}" is not a time of day; use HH:MM from 00:00 to 23:59, or 24:00 for the end of the day.`), 'hours_not_a_time');
    if (opens >= closes) return worded(badRequest(`businessHours.days[${day}]: the opening time must be before the closing time.`), 'hours_reversed');
  }
  return null;
}

/** Whether the runtime knows this IANA time zone ("Europe/Berlin"); checked on save so the hours mean something. */
export function isKnownTimeZone(timeZone: string): boolean {
  return canonicalTimeZone(timeZone) !== null;
}

/**
 * The zone's canonical IANA name as the runtime (Intl) reads it — "CET" is Europe/Brussels, "asia/shanghai" is
 * Asia/Shanghai — or null when it knows no such zone. Give SQL this name, never the one a client sent: Postgres reads
 * CET, MET, WET and EET (and EST, MST, HST) as its fixed-offset abbreviations first, so a report's per-day buckets
 * were an hour off its range in summer. A bare offset ("+08:00", which newer runtimes may accept) is refused too:
 * Postgres reads its sign the POSIX way round.
 */
export function canonicalTimeZone(timeZone: string): string | null {
  let canonical: string | undefined;
  try {
    canonical = new Intl.DateTimeFormat('en-GB', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  return canonical && /^[A-Za-z]/.test(canonical) ? canonical : null;
}

/**
 * When the shop next opens after `at` (within a week), or null when it never does or has no hours: so the widget can
 * say "We open again tomorrow at 09:00" in the shopper's own time rather than only that it is closed. A day's opening
 * is the instant the shop's clock reads the opening time that day (on a daylight-saving day too: zoned-days.ts).
 */
export function nextOpening(settings: WidgetSettings, at: Date = new Date()): Date | null {
  const hours = settings.businessHours;
  if (!hours || !isKnownTimeZone(hours.timezone)) return null;
  // Calendar days from today in the shop's zone: stepping 24 h from `at` instead can skip a day where the clocks
  // go forward (Saturday 23:30 plus 24 h is already Monday 00:30).
  const today = new Date(`${dayIn(at, hours.timezone)}T12:00:00Z`);
  for (let ahead = 0; ahead <= 7; ahead++) {
    const day = new Date(today.getTime() + ahead * 86_400_000).toISOString().slice(0, 10);
    const window = hours.days[new Date(`${day}T12:00:00Z`).getUTCDay()];
    if (!window) continue;
    const opens = zonedInstant(day, window[0], hours.timezone);
    if (opens > at) return opens;
  }
  return null;
}

/** Whether `at` falls inside the business hours (always true when none are set). */
export function withinBusinessHours(settings: WidgetSettings, at: Date = new Date()): boolean {
  const hours = settings.businessHours;
  if (!hours) return true;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone: hours.timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  } catch {
    return true; // an unknown time zone must not close the shop
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  const window = hours.days[day];
  if (!window) return false;
  const now = `${get('hour')}:${get('minute')}`;
  return now >= window[0] && now < window[1];
}
