// HTTP calls of the console: same-origin, the session cookie does the auth.
// Every failure becomes an ApiError with the server's code and sentence.
import { getLocale, t, type Key } from './i18n.ts';

/**
 * A refusal: the HTTP status (SOCKET_REFUSAL for one on the live connection), the server's code and sentence, and what
 * that sentence names (`params`, e.g. an agent's name) for wording it in the console's language.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly params: Record<string, string> = {},
    /** A refused import file's bad rows, each problem with its rule for wording it (server/http/import-problems.ts). */
    readonly problems: RowProblem[] = []) {
    super(message);
  }
}

/** One problem of one row of a refused import file. */
export interface RowProblem { row: number; name: string | null; field: string | null; rule: string; expected?: string; problem: string }

/** The status of an ApiError the live connection's ack brought (realtime.ts's `request`): no HTTP status there. */
export const SOCKET_REFUSAL = 0;

/** Fired when the session is gone (logged out elsewhere, expired, deactivated): the app shows the login page. */
export const UNAUTHORIZED_EVENT = 'sd:unauthorized';
/** Fired when the server wants the signed-in person to replace a password an admin set before anything else. */
export const PASSWORD_CHANGE_EVENT = 'sd:password-change-required';

/**
 * The status of an ApiError for a request that got no answer at all (the network down, the server unreachable) or none
 * in time (code 'timeout'): whether a write got through is unknown either way.
 */
export const NO_ANSWER = -1;

/**
 * How long the server may take to start answering, and then between two parts of its answer. A request that never
 * answers (a proxy holding the connection, a stuck server) otherwise left its form read-only for good. The longest
 * bodiless requests, the reports over a year, take a few seconds (docs/benchmarks.md); a large export arrives in parts,
 * each re-arming the wait, so a slow line still gets all of it.
 */
export const ANSWER_WAIT_MS = 30_000;
/**
 * The slowest line a request's body is allowed for, in bytes a second (about 256 kbit/s, a poor mobile connection):
 * sending is not observable with fetch, so the wait for the answer grows with the body — a 10 MB import gets five
 * more minutes, which also covers the server's work on it, bigger the bigger the file.
 */
const SLOW_LINE_BYTES_PER_SECOND = 32 * 1024;

/** How long a request with a body of `bodyBytes` may wait for its answer to start. */
export const answerLimitMs = (bodyBytes: number): number => ANSWER_WAIT_MS + Math.ceil((bodyBytes / SLOW_LINE_BYTES_PER_SECOND) * 1000);

/**
 * fetch, with its answer's text, within the time limits above. A request that got no answer, or none in time, is an
 * ApiError the console words in its language (the browser's own "Failed to fetch" is English whatever the console's
 * language). Whether a write got through is then unknown.
 */
async function send(path: string, init: RequestInit, bodyBytes: number): Promise<{ response: Response; text: string }> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const allow = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => { timedOut = true; controller.abort(); }, ms);
  };
  allow(answerLimitMs(bodyBytes));
  try {
    const response = await fetch(path, { ...init, signal: controller.signal });
    allow(ANSWER_WAIT_MS);
    return { response, text: await readText(response, () => allow(ANSWER_WAIT_MS)) };
  } catch {
    if (!timedOut) throw new ApiError(NO_ANSWER, 'unreachable', t('errors.unreachable'));
    // A write's outcome is unknown (the server may have done it after all); a read has nothing to check.
    throw new ApiError(NO_ANSWER, 'timeout', t(init.method === 'GET' ? 'errors.timeoutRead' : 'errors.timeout'));
  } finally {
    clearTimeout(timer);
  }
}

/** The answer's body as text, `onPart` called as each part arrives (an aborted request ends the read with an error). */
async function readText(response: Response, onPart: () => void): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    onPart();
    text += decoder.decode(value, { stream: true });
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const json = body === undefined ? undefined : JSON.stringify(body);
  const { response, text } = await send(path, {
    method,
    credentials: 'same-origin',
    headers: json === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: json,
  }, json === undefined ? 0 : new Blob([json]).size);
  return answer<T>(response, text, path);
}

/** Sends a file as the raw request body (the server decides its type from its bytes). */
export async function upload<T>(path: string, file: File): Promise<T> {
  const { response, text } = await send(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' },
    body: file,
  }, file.size);
  return answer<T>(response, text, path);
}

/** The reply's JSON, or an ApiError with the server's code and sentence (a lost session also shows the login page). */
function answer<T>(response: Response, text: string, path: string): T {
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (response.status === 401 && !path.startsWith('/api/auth/login')) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    if (response.status === 403 && error?.code === 'password_change_required') window.dispatchEvent(new CustomEvent(PASSWORD_CHANGE_EVENT));
    const refusal = error as { code?: string; message?: string; reason?: string; params?: Record<string, string>; problems?: RowProblem[] } | undefined;
    throw new ApiError(response.status, refusal?.reason ?? refusal?.code ?? 'http_' + response.status, refusal?.message ?? `${response.status} ${response.statusText}`,
      refusal?.params, Array.isArray(refusal?.problems) ? refusal.problems : []);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * Refusals the server words the same for every route, in the console's language. The server's sentences are English;
 * these codes say all there is to say (a refused sign-in wait, a file too large), so they need no server sentence.
 */
const GENERIC_REFUSALS: Record<string, Key> = {
  rate_limited: 'errors.rateLimited', too_large: 'errors.tooLarge', internal: 'errors.internal',
  forbidden: 'errors.forbidden', wrong_password: 'errors.wrongPassword', not_found: 'errors.notFound',
  unauthorized: 'errors.unauthorized', cross_site: 'errors.crossSite', password_change_required: 'mustChange.explain',
  unreachable: 'errors.unreachable',
};

/**
 * Refusals of one action, worded by the console with what the server's sentence names (`params`): mostly the live
 * connection's, whose ack gives the specific code (`reason`) where the code alone is a family ("conflict"); HTTP error
 * bodies carry it too. A `detail` param is the server's own sentence, quoted where only it says what was wrong (which
 * line of a file, what the mail server answered). Every code the console can meet has its wording here or in
 * GENERIC_REFUSALS (test/console/refusal-wording.test.ts reads the server's codes to check it).
 */
/** `unnamed`: the wording when the refusal does not carry the params (the holder's name unknown, an older server). */
export const SPECIFIC_REFUSALS: Record<string, { key: Key; params: string[]; unnamed?: Key }> = {
  agent_offline: { key: 'errors.agentOffline', params: ['name'] },
  conversation_taken: { key: 'errors.conversationTaken', params: [] },
  conversation_resolved: { key: 'errors.conversationResolved', params: [] },
  conversation_imported: { key: 'errors.conversationImported', params: [] },
  conversation_anonymised: { key: 'errors.conversationAnonymised', params: [] },
  unknown_product: { key: 'errors.unknownProduct', params: ['name'] },
  too_many_products: { key: 'errors.tooManyProducts', params: ['n'] },
  too_many_labels: { key: 'errors.tooManyLabels', params: ['n'] },
  products_in_note: { key: 'errors.productsInNote', params: [] },
  // A macro run refused by its client key (server/services/macro-run-keys.ts).
  client_id_reused: { key: 'errors.clientIdReused', params: [] },
  macro_running: { key: 'errors.macroRunning', params: [] },
  // The header's actions losing a race (another agent, a rule, the shopper changed the chat first), or not for this chat.
  conversation_changed: { key: 'errors.conversationChanged', params: [] },
  already_resolved: { key: 'errors.alreadyResolved', params: [] },
  already_with_agent: { key: 'errors.alreadyWithAgent', params: [] },
  already_yours: { key: 'errors.alreadyYours', params: [] },
  already_in_team_queue: { key: 'errors.alreadyInTeamQueue', params: [] },
  not_held_by_agent: { key: 'errors.notHeldByAgent', params: [] },
  not_held: { key: 'errors.notHeld', params: [] },
  not_snoozed: { key: 'errors.notSnoozed', params: [] },
  not_resolved: { key: 'errors.notResolved', params: [] },
  resolved_reopen_first: { key: 'errors.resolvedReopenFirst', params: [] },
  still_with_bot: { key: 'errors.stillWithBot', params: [] },
  held: { key: 'errors.heldBy', params: ['name'], unnamed: 'errors.held' },
  // Resolving, transferring, returning or snoozing a chat someone else holds: only they or an admin may.
  held_by_other: { key: 'errors.heldByOtherNamed', params: ['name'], unnamed: 'errors.heldByOther' },
  agent_full: { key: 'errors.agentFull', params: [] },
  open_conversation: { key: 'errors.openConversation', params: ['id'] },
  blocked: { key: 'errors.blocked', params: [] },
  unread_needs_person: { key: 'errors.unreadNeedsPerson', params: [] },
  nothing_from_shopper: { key: 'errors.nothingFromShopper', params: [] },
  unsupported_file: { key: 'errors.unsupportedFile', params: [] },
  // Customers: edits, merges and imports.
  customer_deleted: { key: 'errors.customerDeleted', params: [] },
  customer_merged: { key: 'errors.customerMerged', params: [] },
  same_customer: { key: 'errors.sameCustomer', params: [] },
  both_signed_in: { key: 'errors.bothSignedIn', params: [] },
  signed_in_into_anonymous: { key: 'errors.signedInIntoAnonymous', params: [] },
  import_running: { key: 'errors.importRunning', params: [] },
  too_many_rows: { key: 'errors.tooManyRows', params: [] },
  too_many_messages: { key: 'customers.convImportTooManyMessages', params: [] },
  import_rows: { key: 'errors.importRows', params: [] },
  not_parseable: { key: 'errors.fileRefused', params: ['detail'] },
  too_many_columns: { key: 'errors.fileRefused', params: ['detail'] },
  invalid_source: { key: 'errors.fileRefused', params: ['detail'] },
  invalid_attributes: { key: 'errors.validation', params: ['detail'] },
  invalid_filter: { key: 'errors.validation', params: ['detail'] },
  // Team, settings and the lists each keeps up to a limit.
  last_admin: { key: 'errors.lastAdmin', params: [] },
  member_deactivated: { key: 'errors.memberDeactivated', params: [] },
  already_has_password: { key: 'errors.alreadyHasPassword', params: [] },
  email_taken: { key: 'errors.emailTaken', params: [] },
  email_off: { key: 'team.inviteNeedsSmtp', params: [] },
  email_failed: { key: 'errors.emailFailed', params: ['detail'] },
  self_change: { key: 'errors.selfChange', params: [] },
  team_name_taken: { key: 'errors.teamNameTaken', params: [] },
  teams_full: { key: 'errors.teamsFull', params: [] },
  intent_in_other_team: { key: 'errors.intentInOtherTeam', params: [] },
  removed_meanwhile: { key: 'errors.removedMeanwhile', params: [] },
  unknown_member: { key: 'errors.unknownMember', params: [] },
  unknown_intent: { key: 'errors.unknownIntent', params: [] },
  unknown_team: { key: 'errors.unknownTeam', params: [] },
  team_macros_full: { key: 'errors.macrosFull', params: [] },
  personal_macros_full: { key: 'errors.macrosFull', params: [] },
  team_views_full: { key: 'errors.viewsFull', params: [] },
  personal_views_full: { key: 'errors.viewsFull', params: [] },
  personal_replies_full: { key: 'errors.repliesFull', params: [] },
  shortcut_taken: { key: 'errors.shortcutTaken', params: [] },
  automation_rules_full: { key: 'automation.full', params: [] },
  condition_needs_handoff: { key: 'errors.conditionNeedsHandoff', params: [] },
  rule_intent_unknown: { key: 'errors.ruleIntentUnknown', params: ['names'] },
  example_in_other_intent: { key: 'errors.exampleInOtherIntent', params: ['intent', 'example'] },
  action_needs_handoff: { key: 'errors.actionNeedsHandoff', params: [] },
  webhooks_full: { key: 'errors.webhooksFull', params: [] },
  webhook_inactive: { key: 'errors.webhookInactive', params: [] },
  api_tokens_full: { key: 'errors.apiTokensFull', params: [] },
  scope_too_high: { key: 'errors.scopeTooHigh', params: [] },
  no_model: { key: 'errors.noModel', params: [] },
  question_handled: { key: 'errors.questionHandled', params: [] },
  example_too_long: { key: 'errors.exampleTooLong', params: [] },
  // The knowledge base: names taken, a published article's address, a stale save, a replacing import to confirm.
  intent_exists: { key: 'errors.intentExists', params: [] },
  intent_name_kept: { key: 'errors.intentNameKept', params: [] },
  article_exists: { key: 'errors.articleExists', params: [] },
  slug_taken: { key: 'errors.slugTaken', params: [] },
  slug_published: { key: 'errors.slugPublished', params: [] },
  import_race: { key: 'errors.importRace', params: [] },
  replace_unconfirmed: { key: 'errors.replaceUnconfirmed', params: ['n'] },
  replace_changed: { key: 'errors.replaceChanged', params: ['n'] },
  stale_edit: { key: 'errors.staleEdit', params: [] },
  kb_unavailable: { key: 'errors.kbUnavailable', params: [] },
  // Signing in, passwords and two-step sign-in.
  too_many_wrong_passwords: { key: 'errors.tooManyWrongPasswords', params: [] },
  same_password: { key: 'errors.samePassword', params: [] },
  invitation_invalid: { key: 'invite.invalid', params: [] },
  invitation_used: { key: 'invite.used', params: [] },
  invitation_expired: { key: 'invite.expired', params: [] },
  wrong_code: { key: 'login.wrongCode', params: [] },
  code_used: { key: 'login.codeUsed', params: [] },
  challenge_expired: { key: 'login.challengeExpired', params: [] },
  too_many_attempts: { key: 'login.tooManyCodes', params: [] },
  two_step_locked: { key: 'login.locked', params: [] },
  two_step_on: { key: 'errors.twoStepOn', params: [] },
  two_step_off: { key: 'errors.twoStepOff', params: [] },
  two_step_unreadable: { key: 'errors.twoStepUnreadable', params: [] },
  no_setup: { key: 'errors.noSetup', params: [] },
  // A form's input refused (a `validation` or `forbidden` with its reason): blank names and texts, limits, dates.
  name_blank: { key: 'errors.nameBlank', params: [] },
  title_blank: { key: 'errors.titleBlank', params: [] },
  text_blank: { key: 'errors.textBlank', params: [] },
  action_text_blank: { key: 'errors.actionTextBlank', params: ['n'] },
  condition_words_blank: { key: 'errors.conditionWordsBlank', params: ['n'] },
  note_empty: { key: 'errors.noteEmpty', params: [] },
  note_too_long: { key: 'errors.noteTooLong', params: ['n'] },
  note_not_yours: { key: 'errors.noteNotYours', params: [] },
  note_not_yours_to_delete: { key: 'errors.noteNotYoursToDelete', params: [] },
  snooze_in_past: { key: 'errors.snoozeInPast', params: [] },
  snooze_too_far: { key: 'errors.snoozeTooFar', params: ['n'] },
  too_many_tags: { key: 'errors.tooManyTags', params: ['n'] },
  label_not_allowed: { key: 'errors.labelNotAllowed', params: ['label', 'n'] },
  agent_unavailable: { key: 'errors.agentUnavailable', params: [] },
  cannot_take_chats: { key: 'errors.cannotTakeChats', params: [] },
  over_capacity_admin_only: { key: 'errors.overCapacityAdminOnly', params: [] },
  assign_admin_only: { key: 'errors.assignAdminOnly', params: [] },
  unknown_time_zone: { key: 'errors.unknownTimeZone', params: ['zone'] },
  report_dates_outside: { key: 'errors.reportDatesOutside', params: ['from', 'to'] },
  report_range_reversed: { key: 'errors.reportRangeReversed', params: [] },
  report_too_long: { key: 'errors.reportTooLong', params: ['n'] },
  attribute_reserved: { key: 'errors.attributeReserved', params: [] },
  webhook_url_invalid: { key: 'errors.webhookUrlInvalid', params: [] },
  webhook_url_scheme: { key: 'errors.webhookUrlScheme', params: [] },
  webhook_url_credentials: { key: 'errors.webhookUrlCredentials', params: [] },
  webhook_url_too_long: { key: 'errors.webhookUrlTooLong', params: ['n'] },
  webhook_url_refused: { key: 'errors.webhookUrlRefused', params: ['detail'] },
  file_empty: { key: 'errors.fileEmpty', params: [] },
  minutes_out_of_range: { key: 'errors.minutesOutOfRange', params: ['n'] },
  identity_secret_short: { key: 'errors.identitySecretShort', params: ['n'] },
  nudge_text_missing: { key: 'errors.nudgeTextMissing', params: [] },
  hours_not_a_time: { key: 'errors.hoursNotATime', params: [] },
  hours_reversed: { key: 'errors.hoursReversed', params: [] },
  expiry_past: { key: 'errors.expiryPast', params: [] },
  out_of_scope_full: { key: 'errors.outOfScopeFull', params: ['n'] },
  import_intent_twice: { key: 'errors.importIntentTwice', params: ['item'] },
  import_article_twice: { key: 'errors.importArticleTwice', params: ['item'] },
  import_category_blank: { key: 'errors.importCategoryBlank', params: ['row', 'item'] },
  category_blank: { key: 'errors.categoryBlank', params: [] },
  slug_invalid: { key: 'errors.slugInvalid', params: ['slug'] },
};

/** A name set in Chinese text: spaced from it where it starts or ends with a Latin letter or digit ("Sam Agent 已离线", "王小明已离线"). */
const besideChinese = (name: string) => (/^[\p{Script=Latin}\d]/u.test(name) ? ' ' : '') + name + (/[\p{Script=Latin}\d]$/u.test(name) ? ' ' : '');

/** What went wrong, for the person: a refusal the console words in its language, else the server's own sentence. */
export const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  if (!(error instanceof ApiError) || getLocale() === 'en') return error.message;
  const specific = Object.prototype.hasOwnProperty.call(SPECIFIC_REFUSALS, error.code) ? SPECIFIC_REFUSALS[error.code] : undefined;
  // Without what its wording names (an older server's ack), the server's sentence says more than a sentence with a gap.
  const named: Record<string, string> = { ...error.params, detail: error.message };
  if (specific && specific.params.every((name) => typeof named[name] === 'string')) {
    // Only a name is spaced from the text by itself; the wordings space a number ("最多附加 {n} 个") where it needs it.
    return t(specific.key, Object.fromEntries(specific.params.map((name) => [name, name === 'name' ? besideChinese(named[name]) : named[name]]))).trim();
  }
  if (specific?.unnamed) return t(specific.unnamed);
  if (Object.prototype.hasOwnProperty.call(GENERIC_REFUSALS, error.code)) {
    // "Too many requests; try again in 15 seconds." keeps its wait.
    const seconds = /(\d+) seconds?/.exec(error.message)?.[1];
    return t(GENERIC_REFUSALS[error.code], { seconds: seconds ?? '' }) + (error.code === 'rate_limited' && seconds ? t('errors.retryIn', { seconds }) : '');
  }
  // A body the server's schema refused names the field in its own terms ("body/password must NOT have fewer than 10
  // characters", or "body must have required property 'text'" for the body as a whole): said as a refusal, the detail kept.
  if (error.code === 'validation' && /^(body|querystring|params)[/ ]/.test(error.message)) return t('errors.validation', { detail: error.message });
  return error.message;
};

/** A refusal in the console's language where `reasons` words its code, else the server's own sentence. */
export const codeText = (error: unknown, reasons: Record<string, Key>) =>
  (error instanceof ApiError && Object.prototype.hasOwnProperty.call(reasons, error.code) ? t(reasons[error.code]) : errorText(error));
