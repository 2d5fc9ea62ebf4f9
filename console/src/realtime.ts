// The console's one Socket.IO connection to /agent. Auth is the httpOnly session
// cookie, which the browser sends with the same-origin handshake.
import { io, type Socket } from 'socket.io-client';
import type { Ack, AgentClientToServer, AgentServerToClient } from './types.ts';
import { ApiError, SOCKET_REFUSAL } from './api.ts';

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

/**
 * Reconnection: socket.io's default connect timeout is 20 s, so one handshake that stalls (a server whose event
 * loop is busy, e.g. training the bot in-process on a loaded machine) kept the console "Reconnecting…" for 20 s
 * before the next try, and the backoff came on top. 8 s gives a slow server room and retries a stuck attempt
 * sooner; waits between tries grow from 0.5 s to at most 5 s.
 */
export const RECONNECT = { timeout: 8_000, reconnectionDelay: 500, reconnectionDelayMax: 5_000 } as const;

export function connectAgentSocket(): AgentSocket {
  // restorePresence: this is a console, so connecting brings back the presence the agent chose (the server keeps it).
  // Not connected yet: the console connects once its listeners are attached (app.tsx).
  return io('/agent', { transports: ['websocket'], withCredentials: true, auth: { restorePresence: true }, autoConnect: false, ...RECONNECT }) as AgentSocket;
}

/** Whether a refused handshake means "try again" (the server could not check the session) rather than "signed out". */
export function isRetryableConnectError(error: Error & { data?: { code?: string; retryable?: boolean } }): boolean {
  return error.data?.retryable === true;
}

/** The wait before the n-th (0-based) manual retry of a handshake the server refused for now: 1 s doubling to 10 s, ±25 %. */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(10_000, 1_000 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Emits with an ack; rejects after a timeout, or, when the server refuses, with an ApiError like an HTTP call's: its
 * code (the specific `reason` where the server gives one: "conversation_resolved" rather than "conflict"), its
 * sentence and what that names, so that `errorText` words it in the console's language.
 */
export async function request<T extends object>(socket: AgentSocket, event: keyof AgentClientToServer, payload: unknown, timeoutMs = 10_000): Promise<T> {
  const untyped = socket as unknown as Socket;
  const answer = (await untyped.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
  if (!answer.ok) throw new ApiError(SOCKET_REFUSAL, answer.error.reason ?? answer.error.code, answer.error.message, answer.error.params);
  return answer as unknown as T;
}

export const newClientId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
