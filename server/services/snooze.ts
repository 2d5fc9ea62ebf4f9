// Snoozing a chat: the agent holding it (or an admin) puts it aside until a time — "waiting for the warehouse,
// remind me tomorrow morning". The chat keeps its holder and its status (`assigned`); only `snoozed_until` is set
// (025_snooze.sql). While it sleeps it is out of Mine and All open (listed under Snoozed with its time), takes no
// seat of the holder's capacity, and the idle-close, offline and no-reply sweeps leave it alone: it is quiet on
// purpose. It wakes when its time comes (a sweep on every server), at once when the shopper writes (their message
// must never sit unseen in a sleeping chat), or when someone unsnoozes it. Resolving or transferring it clears the
// snooze (the migration's trigger). The shopper never sees any of this.
import type { Sql } from '../db/client.ts';
import type { InteractionEvent, InteractionType } from '../interaction-events.ts';
import type { ConversationSummary } from '../realtime/event-maps.ts';
import { conversationsRepository, toSummary } from '../repositories/conversations.ts';
import { snoozeRepository, type Woken } from '../repositories/snooze.ts';
import { badRequest, conflict, notFound, worded } from '../errors.ts';
import { heldByOther } from './held-by-other.ts';
import { changedMeanwhile } from './chat-refusals.ts';

/** The longest snooze: a month is already past any promise a shop makes; a chat put aside for longer is forgotten. */
export const MAX_SNOOZE_DAYS = 30;
/** A snooze shorter than this is a slip (a custom time left at "now"), not a plan. */
const MIN_AHEAD_MS = 60_000;
/** How often every server looks for chats whose time has come: a wake is at most this late. */
export const SNOOZE_WAKE_SWEEP_MS = 30_000;

/** Why a chat woke: its time came, the shopper wrote, or an agent unsnoozed it. */
export type WakeReason = 'time' | 'customer_message' | 'agent';

/** The time asked for as an instant, or a 400 saying why it cannot be used. */
export function snoozeTime(until: string, now: Date = new Date()): Date {
  const at = new Date(until);
  if (Number.isNaN(at.getTime())) throw badRequest('until: not a date and time (send an ISO time such as 2026-01-05T09:00:00+01:00).');
  if (at.getTime() < now.getTime() + MIN_AHEAD_MS) throw worded(badRequest('Pick a time in the future, at least a minute from now.'), 'snooze_in_past');
  if (at.getTime() > now.getTime() + MAX_SNOOZE_DAYS * 86_400_000) throw worded(badRequest(`A chat can be snoozed for at most ${MAX_SNOOZE_DAYS} days.`), 'snooze_too_far', { n: String(MAX_SNOOZE_DAYS) });
  return at;
}

export interface SnoozeDeps {
  sql: Sql;
  /** OFFLINE_AGENT_RELEASE_MINUTES: a chat that wakes with its holder offline that long follows the release rule. */
  offlineAgentReleaseMinutes: number;
  enqueueInteractions(events: InteractionEvent[]): Promise<void>;
  event(type: InteractionType, key: string, customerId: number | null, conversationId: number | null, payload: Record<string, unknown>, at?: Date): InteractionEvent;
  systemMessage(conversationId: number, text: string, metadata: Record<string, unknown> & { event: string }, options?: { private?: boolean }): Promise<void>;
  announceConversation(conversationId: number): Promise<ConversationSummary>;
  assignPending(): Promise<number>;
  releaseHeldChats(filter: { offlineMinutes: number; conversationIds: number[] }): Promise<number>;
}

type Actor = { id: number; role: 'agent' | 'admin' };

export function createSnooze(deps: SnoozeDeps) {
  const conversations = conversationsRepository(deps.sql);
  const repo = snoozeRepository(deps.sql);

  /** The chat, if `actor` may snooze or unsnooze it: held by someone, and by them unless they are an admin. */
  async function heldChat(actor: Actor, conversationId: number, verb: 'snooze' | 'unsnooze') {
    const row = await conversations.findById(conversationId);
    if (!row) throw notFound('Conversation');
    if (row.status !== 'assigned' || row.assignee_id === null) {
      throw verb === 'snooze' ? conflict('Only a chat someone holds can be snoozed: take it first.', 'not_held_by_agent') : conflict('This chat is not snoozed.', 'not_snoozed');
    }
    if (actor.role !== 'admin' && row.assignee_id !== actor.id) throw heldByOther(row.assignee_name, `${verb} it`);
    return { ...row, assignee_id: row.assignee_id };
  }

  /**
   * What every wake does: the holder is told with a private line (a console's new-message path, so their console
   * alerts them; the shopper never sees it) unless they woke it themselves, every console gets the change, the
   * customer's timeline gets the event, and a chat whose holder has been offline past the release rule while the
   * shopper waits goes back to the queue as any held chat would.
   */
  async function afterWake(woken: Woken[], reason: WakeReason, actor?: Actor): Promise<void> {
    for (const chat of woken) {
      if (reason !== 'agent') {
        const text = reason === 'time' ? 'Snooze ended.' : 'Snooze ended: the customer wrote.';
        await deps.systemMessage(chat.id, text, { event: 'snooze_ended', reason, agentId: chat.assignee_id, agentName: chat.assignee_name }, { private: true });
      }
      await deps.announceConversation(chat.id);
    }
    if (!woken.length) return;
    await deps.enqueueInteractions(woken.map((chat) => deps.event('unsnoozed', `unsnoozed:${chat.id}:${chat.woke_at.getTime()}`, chat.customer_id, chat.id,
      { reason, agentId: actor?.id ?? null, holderId: chat.assignee_id }, chat.woke_at)));
    if (deps.offlineAgentReleaseMinutes > 0) {
      await deps.releaseHeldChats({ offlineMinutes: deps.offlineAgentReleaseMinutes, conversationIds: woken.map((chat) => chat.id) });
    }
  }

  return {
    /**
     * `now`: the instant `until` was reckoned from, when the caller computed it (a macro's "snooze 1 minute"), so the
     * minute-ahead check does not refuse it for the milliseconds that passed since.
     */
    async snooze(actor: Actor, conversationId: number, until: string, now: Date = new Date()): Promise<ConversationSummary> {
      const row = await heldChat(actor, conversationId, 'snooze');
      const at = snoozeTime(until, now);
      if (!(await repo.snooze(conversationId, row.assignee_id, at))) throw changedMeanwhile();
      const conversation = await deps.announceConversation(conversationId);
      await deps.enqueueInteractions([deps.event('snoozed', `snoozed:${conversationId}:${Date.now()}`, row.customer_id, conversationId,
        { agentId: actor.id, holderId: row.assignee_id, until: at.toISOString() })]);
      // The holder's seat is free while the chat sleeps: a queued chat may have it now (snoozing again changes nothing).
      if (!row.snoozed_until) await deps.assignPending();
      return conversation;
    },

    async unsnooze(actor: Actor, conversationId: number): Promise<ConversationSummary> {
      await heldChat(actor, conversationId, 'unsnooze');
      const woken = await repo.wake(conversationId);
      if (!woken) throw conflict('This chat is not snoozed.', 'not_snoozed');
      await afterWake([woken], 'agent', actor);
      // As it is now: the release rule may have moved it to the queue just after it woke.
      const now = await conversations.findById(conversationId);
      if (!now) throw notFound('Conversation');
      return toSummary(now);
    },

    /**
     * The shopper wrote into a snoozed chat, and storing the message woke it (in the same statement, so the message
     * can never sit in a sleeping chat: conversations.insertMessage): the rest of the wake follows.
     */
    async afterShopperWoke(conversationId: number): Promise<void> {
      const woken = await repo.woken(conversationId);
      if (woken) await afterWake([woken], 'customer_message');
    },

    /** The sweep: wakes the chats whose time has come. Returns how many woke. */
    async wakeSnoozed(): Promise<number> {
      const woken = await repo.wakeDue();
      await afterWake(woken, 'time');
      return woken.length;
    },
  };
}
export type SnoozeActions = ReturnType<typeof createSnooze>;
