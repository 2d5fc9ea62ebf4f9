// HTTP calls of the console: same-origin, the session cookie does the auth.
// Every failure becomes an ApiError with the server's code and sentence.
import { getLocale, t, type Key } from './i18n.ts';

/**
 * A refusal: the HTTP status (SOCKET_REFUSAL for one on the live connection), the server's code and sentence, and what
 * that sentence names (`params`, e.g. an agent's name) for wording it in the console's language.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly params: Record<string, string> = {}) {
    super(message);
  }
}

/** The status of an ApiError the live connection's ack brought (realtime.ts's `request`): no HTTP status there. */
export const SOCKET_REFUSAL = 0;

/** Fired when the session is gone (logged out elsewhere, expired, deactivated): the app shows the login page. */
export const UNAUTHORIZED_EVENT = 'sd:unauthorized';
/** Fired when the server wants the signed-in person to replace a password an admin set before anything else. */
export const PASSWORD_CHANGE_EVENT = 'sd:password-change-required';

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer<T>(response, path);
}

/** Sends a file as the raw request body (the server decides its type from its bytes). */
export async function upload<T>(path: string, file: File): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  return answer<T>(response, path);
}

/** The reply's JSON, or an ApiError with the server's code and sentence (a lost session also shows the login page). */
async function answer<T>(response: Response, path: string): Promise<T> {
  const text = await response.text();
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
    const refusal = error as { code?: string; message?: string; reason?: string; params?: Record<string, string> } | undefined;
    throw new ApiError(response.status, refusal?.reason ?? refusal?.code ?? 'http_' + response.status, refusal?.message ?? `${response.status} ${response.statusText}`, refusal?.params);
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
  forbidden: 'errors.forbidden', wrong_password: 'errors.wrongPassword',
};

/**
 * Refusals of one action, worded by the console with what the server's sentence names (`params`): mostly the live
 * connection's, whose ack gives the specific code (`reason`) where the code alone is a family ("conflict").
 */
const SPECIFIC_REFUSALS: Record<string, { key: Key; params: string[] }> = {
  agent_offline: { key: 'errors.agentOffline', params: ['name'] },
  conversation_taken: { key: 'errors.conversationTaken', params: [] },
  conversation_resolved: { key: 'errors.conversationResolved', params: [] },
  conversation_imported: { key: 'errors.conversationImported', params: [] },
  conversation_anonymised: { key: 'errors.conversationAnonymised', params: [] },
  unknown_product: { key: 'errors.unknownProduct', params: ['name'] },
  too_many_products: { key: 'errors.tooManyProducts', params: ['n'] },
  products_in_note: { key: 'errors.productsInNote', params: [] },
};

/** A name set in Chinese text: spaced from it where it starts or ends with a Latin letter or digit ("Sam Agent 已离线", "王小明已离线"). */
const besideChinese = (name: string) => (/^[\p{Script=Latin}\d]/u.test(name) ? ' ' : '') + name + (/[\p{Script=Latin}\d]$/u.test(name) ? ' ' : '');

/** What went wrong, for the person: a refusal the console words in its language, else the server's own sentence. */
export const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  if (!(error instanceof ApiError) || getLocale() === 'en') return error.message;
  const specific = Object.prototype.hasOwnProperty.call(SPECIFIC_REFUSALS, error.code) ? SPECIFIC_REFUSALS[error.code] : undefined;
  // Without what its wording names (an older server's ack), the server's sentence says more than a sentence with a gap.
  if (specific && specific.params.every((name) => typeof error.params[name] === 'string')) {
    return t(specific.key, Object.fromEntries(specific.params.map((name) => [name, besideChinese(error.params[name])]))).trim();
  }
  if (Object.prototype.hasOwnProperty.call(GENERIC_REFUSALS, error.code)) {
    // "Too many requests; try again in 15 seconds." keeps its wait.
    const seconds = /(\d+) seconds?/.exec(error.message)?.[1];
    return t(GENERIC_REFUSALS[error.code], { seconds: seconds ?? '' }) + (error.code === 'rate_limited' && seconds ? t('errors.retryIn', { seconds }) : '');
  }
  // A body the server's schema refused names the field in its own terms ("body/password must NOT have fewer than 10
  // characters"): said as a refusal, the detail kept.
  if (error.code === 'validation' && /^(body|querystring|params)\//.test(error.message)) return t('errors.validation', { detail: error.message });
  return error.message;
};

/** A refusal in the console's language where `reasons` words its code, else the server's own sentence. */
export const codeText = (error: unknown, reasons: Record<string, Key>) =>
  (error instanceof ApiError && Object.prototype.hasOwnProperty.call(reasons, error.code) ? t(reasons[error.code]) : errorText(error));
