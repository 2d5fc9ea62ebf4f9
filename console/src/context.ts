// What every page of the signed-in console shares: who is signed in and the socket.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { User } from './types.ts';
import type { AgentSocket } from './realtime.ts';

export interface Session {
  user: User;
  socket: AgentSocket;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
