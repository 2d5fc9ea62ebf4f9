// What every page of the signed-in console shares: who is signed in and the socket.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { User } from './types.ts';
import type { AgentSocket } from './realtime.ts';

export interface Session {
  user: User;
  socket: AgentSocket;
  /** The signed-in person's account changed (their names): the header and every page follow without a reload. */
  updateUser(user: User): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
