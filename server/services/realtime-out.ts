// What the services need from the realtime gateway: where to send an event.
// Kept as an interface so services do not depend on Socket.IO types, and the
// gateway (server/realtime/gateway.ts) is the only code that knows rooms.
import type { AgentServerToClient, ChatMessage, WidgetServerToClient } from '../realtime/event-maps.ts';

type Args<M, E extends keyof M> = M[E] extends (...args: infer A) => void ? A : never;

export interface RealtimeOut {
  /** Every browser tab of the shopper that owns the conversation. */
  toWidgetConversation<E extends keyof WidgetServerToClient>(conversationId: number, event: E, ...args: Args<WidgetServerToClient, E>): void;
  /** Every connected agent (inbox lists, live messages, private notes). */
  toAgents<E extends keyof AgentServerToClient>(event: E, ...args: Args<AgentServerToClient, E>): void;
  toAgent<E extends keyof AgentServerToClient>(agentId: number, event: E, ...args: Args<AgentServerToClient, E>): void;
  /** Agents who have the conversation open (typing indicators). */
  toAgentConversation<E extends keyof AgentServerToClient>(conversationId: number, event: E, ...args: Args<AgentServerToClient, E>): void;
  /**
   * A stored message to everyone who may see it, on every server: the shopper's tabs (unless private) and all
   * agents; except the socket that sent it, when given (its ack already carries the id).
   */
  announceMessage(message: ChatMessage, exceptSocketId?: string): void;
  /** Closes every console connection of an agent, on any server (deactivation: a live socket must not outlive the account). */
  disconnectAgent(agentId: number): void;
  /**
   * Closes every console connection opened with one of these sessions (token hashes), on any server: a signed-out
   * or replaced session must not keep a live socket. The person's other sessions stay connected.
   */
  disconnectSessions(tokenHashes: string[]): void;
  /** Closes every widget connection of a shopper, on any server (their data was deleted: the open tab must not go on writing). */
  disconnectShopper(customerId: number): void;
  /** Subscribes every socket of the customer, on any server, to a newly created conversation. */
  joinCustomerToConversation(customerId: number, conversationId: number): Promise<void>;
}
