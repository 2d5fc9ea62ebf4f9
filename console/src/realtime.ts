// The console's one Socket.IO connection to /agent. Auth is the httpOnly session
// cookie, which the browser sends with the same-origin handshake.
import { io, type Socket } from 'socket.io-client';
import type { Ack, AgentClientToServer, AgentServerToClient } from './types.ts';

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

export function connectAgentSocket(): AgentSocket {
  return io('/agent', { transports: ['websocket'], withCredentials: true }) as AgentSocket;
}

/** Emits with an ack; rejects with the server's sentence when it refuses, or after a timeout. */
export async function request<T extends object>(socket: AgentSocket, event: keyof AgentClientToServer, payload: unknown, timeoutMs = 10_000): Promise<T> {
  const untyped = socket as unknown as Socket;
  const answer = (await untyped.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
  if (!answer.ok) throw new Error(answer.error.message);
  return answer as unknown as T;
}

export const newClientId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
