// Chats handed back to the queue (their agent went offline, was deactivated, or did not reply in time) while nobody
// can take one are told so, as a fresh hand-off is (chatService.handedOff): the widget shows the shop's offline
// message and the leave-a-message form (`agents:unavailable`). With only "We're finding someone else to help you."
// a sale-day shopper waited in silence until the 24-hour idle close. When someone can answer, nothing is sent: the
// assignment pass that follows gives the chat to them (or it waits in the queue for a seat, with its position).
import type { Sql } from '../db/client.ts';
import type { UnavailableReason } from '../realtime/event-maps.ts';
import type { RealtimeOut } from './realtime-out.ts';
import { loadWidgetSettings, type WidgetSettings } from './widget-settings.ts';
import { langOf } from '../../knowledge-base/text/language.ts';
import { inShoppersScript } from './chinese-script.ts';

export interface UnavailableNoticeDeps {
  sql: Sql;
  realtime: RealtimeOut;
  /** The check a fresh hand-off uses (agents online, else the business hours choose the words). */
  whyNobodyCanAnswer(settings: WidgetSettings): Promise<UnavailableReason | null>;
}

/** Offers the shoppers of these re-queued chats to leave a message when nobody can answer now; returns the reason, or null. */
export async function offerLeaveMessageIfNobodyCanAnswer(deps: UnavailableNoticeDeps, conversationIds: number[]): Promise<UnavailableReason | null> {
  if (!conversationIds.length) return null;
  const settings = await loadWidgetSettings(deps.sql);
  const reason = await deps.whyNobodyCanAnswer(settings);
  if (!reason) return null;
  const chats = await deps.sql<{ id: number; locale: string | null }[]>`
    select c.id, cu.locale from conversations c join customers cu on cu.id = c.customer_id
    where c.id = any(${conversationIds}::bigint[]) and c.status = 'queued'`;
  for (const chat of chats) {
    const conversationId = Number(chat.id);
    // In the shopper's script: a Taiwan shopper reads the shop's Simplified words in Taiwan's Traditional.
    const message = await inShoppersScript(settings.offlineMessage[langOf(chat.locale)], chat.locale);
    deps.realtime.toWidgetConversation(conversationId, 'agents:unavailable', { conversationId, reason, message });
  }
  return reason;
}
