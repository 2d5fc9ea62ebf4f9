// The widget's HTTP calls. Every URL is built from the widget's own server
// base (taken from its script src), so the bundle talks to nothing else.
import type { CompactTable } from '../../knowledge-base/text/longest-match.ts';

export interface WidgetSettings {
  siteKey: string;
  /** Asked with `script`: how to show the widget's own Chinese strings in that Traditional (widget/src/traditional.ts). */
  traditionalStrings?: CompactTable;
  color: string;
  position: 'left' | 'right';
  language: 'auto' | 'en' | 'zh';
  greeting: { en: string; zh: string };
  offlineMessage: { en: string; zh: string };
  preChatForm: boolean;
  identityVerification: boolean;
  /** `typicalFirstReplySeconds`: absent from an older server. */
  status: { agentsOnline: number; withinBusinessHours: boolean; typicalFirstReplySeconds?: number | null; nextOpenAt?: string | null };
  maxAttachmentBytes: number;
  /** MAX_MESSAGE_CHARS; absent from an older server (the widget then keeps its own 4000). */
  maxMessageChars?: number;
  /** The shop's privacy policy, linked under the text box; absent from an older server, empty when not set. */
  privacyUrl?: string;
  /** Proactive messages (see nudges.ts); absent from an older server. */
  nudges?: { id: string; path: string; delaySeconds: number; message: { en: string; zh: string } }[];
}

export interface SessionRequest {
  siteKey: string;
  visitorToken?: string;
  /** From an email's "Continue the chat" link (see open-marker.ts). */
  resumeToken?: string;
  userId?: string;
  hash?: string;
  email?: string;
  name?: string;
  locale?: string;
  attributes?: Record<string, string | number | boolean | null>;
}

export interface Session {
  visitorToken: string;
  customerId: number;
  identified: boolean;
  /** Sent back for a resume link: whether it brought its chat to this browser, and which chat that is. */
  resumed?: boolean;
  conversationId?: number;
  /** After identify() with attributes: those the server did not write (the shop's backend owns the key, or a cap). */
  attributesRefused?: { key: string; reason: 'backend_owned' | 'too_many' | 'too_large' }[];
}

/** No upload progress for this long: the upload is given up (api.sendFile). */
export const UPLOAD_STALL_MS = 30_000;

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** A reply's parsed body, or the ApiError it carries (the server answers every error as {error: {code, message}}). */
function answerOf<T>(status: number, body: unknown): T {
  if (status < 200 || status > 299) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(status, error?.code ?? 'http_error', error?.message ?? `HTTP ${status}`);
  }
  return body as T;
}

async function json<T>(response: Response): Promise<T> {
  return answerOf<T>(response.status, await response.json().catch(() => null));
}

export function createApi(base: string) {
  const url = (path: string) => new URL(path, base).toString();
  return {
    /** `script`: a Traditional Chinese reader's variant, in which the shop's Chinese texts come. */
    settings: (site: string, script?: string) =>
      fetch(url(`api/widget/settings?site=${encodeURIComponent(site)}${script ? `&script=${script}` : ''}`), { credentials: 'omit' }).then((r) => json<WidgetSettings>(r)),

    session: (body: SessionRequest) =>
      fetch(url('api/widget/sessions'), {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => json<Session>(r)),

    /** Sends one file (the raw body) as a shopper message; the message itself arrives on the socket like any other. */
    // No conversationId, as with typed messages: the server picks the shopper's open conversation.
    /** XMLHttpRequest, not fetch: only it reports upload progress, which a photo on a phone connection needs. */
    /** An upload whose bytes stop moving for `stallMs` is aborted with the code 'stalled' (the shopper can try again). */
    sendFile: (file: File, visitorToken: string, clientId: string, onProgress?: (fraction: number) => void, stallMs = UPLOAD_STALL_MS) =>
      new Promise<{ id: number; conversationId: number }>((resolve, reject) => {
        const params = new URLSearchParams({ clientId, name: file.name });
        const xhr = new XMLHttpRequest();
        xhr.open('POST', url(`api/widget/attachments?${params}`));
        xhr.setRequestHeader('authorization', `Bearer ${visitorToken}`);
        xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
        // A phone on a weak signal can leave an upload hanging without any error: no progress for stallMs ends it.
        let stall: ReturnType<typeof setTimeout> | undefined;
        const moved = () => {
          clearTimeout(stall);
          stall = setTimeout(() => {
            xhr.abort();
            reject(new ApiError(0, 'stalled', 'The file could not be sent: the upload stopped.'));
          }, stallMs);
        };
        moved();
        xhr.upload.onprogress = (event) => {
          moved();
          if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
        };
        // Every byte is out: what remains is the server's answer (a dead connection still ends in onerror).
        xhr.upload.onload = () => clearTimeout(stall);
        xhr.onloadend = () => clearTimeout(stall);
        xhr.onload = () => {
          let body: unknown = null;
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            // not JSON (a proxy's error page): the status alone says what happened
          }
          try {
            resolve(answerOf<{ id: number; conversationId: number }>(xhr.status, body));
          } catch (error) {
            reject(error);
          }
        };
        xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The file could not be sent: no connection.'));
        xhr.send(file);
      }),

    /** Counts a proactive message shown or opened, for the shop's report; a lost count is not worth an error. */
    nudgeEvent: (siteKey: string, nudgeId: string, event: 'shown' | 'opened') =>
      void fetch(url('api/widget/nudge-events'), {
        method: 'POST',
        credentials: 'omit',
        keepalive: true,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ siteKey, nudgeId, event }),
      }).catch(() => {}),

    /** Withdraws every token of this shopper on the server (reset() on signing out); best effort. */
    endSession: (visitorToken: string) =>
      fetch(url('api/widget/sessions/end'), {
        method: 'POST', credentials: 'omit', keepalive: true, headers: { authorization: `Bearer ${visitorToken}` },
      }).then(() => undefined, () => undefined),

    async transcript(conversationId: number, visitorToken: string): Promise<Blob> {
      // Times in the shopper's own zone, as the widget shows them.
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
      const response = await fetch(url(`api/widget/conversations/${conversationId}/transcript${tz ? `?tz=${encodeURIComponent(tz)}` : ''}`), {
        credentials: 'omit',
        headers: { authorization: `Bearer ${visitorToken}` },
      });
      if (!response.ok) await json(response);
      return response.blob();
    },
  };
}
export type Api = ReturnType<typeof createApi>;
