// socket.io-client helpers for tests: connect to a namespace, call with ack,
// and wait for the next event matching a predicate (with a timeout that fails
// the test with a clear message instead of hanging).
import { io, type Socket } from 'socket.io-client';
import type { Ack, AgentClientToServer, AgentServerToClient, ChatMessage, WidgetClientToServer, WidgetServerToClient } from '../../server/realtime/event-maps.ts';

export type WidgetClient = Socket<WidgetServerToClient, WidgetClientToServer>;
export type AgentClient = Socket<AgentServerToClient, AgentClientToServer>;

function connect<S extends Socket>(url: string, auth: Record<string, unknown>, extraHeaders?: Record<string, string>): Promise<S> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders }) as unknown as S;
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** A shopper's socket; `extraHeaders` as a browser would send them (an `origin`, for the allowed websites). */
export const connectWidget = (baseUrl: string, token: string, locale = 'en', extraHeaders?: Record<string, string>) =>
  connect<WidgetClient>(`${baseUrl}/widget`, { token, locale }, extraHeaders);
/** An agent's socket; `{ restorePresence: true }` makes it behave as the console does (see the gateway's handshake). */
export const connectAgent = (baseUrl: string, token: string, auth: { restorePresence?: boolean } = {}) => connect<AgentClient>(`${baseUrl}/agent`, { token, ...auth });

/** Emits with an ack and resolves with the server's answer. */
export function call<T extends object = Record<string, unknown>>(socket: Socket, event: string, payload: unknown, timeoutMs = 10_000): Promise<Ack<T>> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<T>>;
}

/** Like call() but fails unless the ack is ok. */
export async function callOk<T extends object = Record<string, unknown>>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const result = await call<T>(socket, event, payload);
  if (!result.ok) throw new Error(`${event} refused: ${result.error.code} ${result.error.message}`);
  return result as unknown as T;
}

/** Resolves with the next `event` payload for which `match` is true. */
export function nextEvent<T = any>(socket: Socket, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Resolves with the next chat message a console receives (they come in `messages:new` batches) for which `match` is true. */
export async function nextAgentMessage(agent: Socket, match: (message: ChatMessage) => boolean, timeoutMs = 10_000): Promise<ChatMessage> {
  const batch = await nextEvent<ChatMessage[]>(agent, 'messages:new', (messages) => messages.some(match), timeoutMs);
  return batch.find(match)!;
}

/** Collects every payload of `event` into an array (for asserting what did or did not arrive). */
export function record<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Polls until `check` returns a truthy value. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
