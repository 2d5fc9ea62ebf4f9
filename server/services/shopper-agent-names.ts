// What a shopper reads of their history names each agent by the name that agent shows customers *now*
// (users.display_name, else the full name; migration 044), read when the history is read, not the name stored with a
// line when it was written: a line written before the agent chose a shown name (or changed it) would otherwise keep
// the full name colleagues see. One query per history page (every agent in it at once), never one per message.
//
// Who is looked up: the author of an agent's reply (messages.author_id) and the people a system line names
// (metadata.agentId / fromAgentId). An agent whose account was deleted (author_id set null, or an id no longer in
// users) is named by nobody: the reader's own word for "agent" (the widget's, the transcript's, the email's). A
// deactivated agent keeps the name they showed customers. A system line that carries no id (an "is no longer
// available" line written before the id was stored with it) keeps the name it was written with.
import type { Sql } from '../db/client.ts';
import type { ChatMessage } from '../realtime/event-maps.ts';
import { forShopperMessage } from '../repositories/conversations.ts';
import { shownNameColumn } from '../repositories/users.ts';
import { STRINGS, systemLineText } from '../../widget/src/i18n.ts';

/** The shown name of each agent still in the users table, by id; a deleted agent is absent. */
export type CurrentShownNames = ReadonlyMap<number, string>;

const idOf = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null);

/** The agents a page of messages names: reply authors and the people in system lines. */
function agentIdsIn(messages: readonly ChatMessage[]): number[] {
  const ids = new Set<number>();
  for (const m of messages) {
    if (m.author.type === 'agent' && m.author.id !== null) ids.add(m.author.id);
    const metadata = (m.metadata ?? {}) as Record<string, unknown>;
    for (const id of [idOf(metadata.agentId), idOf(metadata.fromAgentId)]) if (id !== null) ids.add(id);
  }
  return [...ids];
}

/** Every agent's current shown name for this page of messages, in one statement. */
export async function currentShownNames(sql: Sql, messages: readonly ChatMessage[]): Promise<CurrentShownNames> {
  const ids = agentIdsIn(messages);
  if (!ids.length) return new Map();
  const rows = await sql<{ id: number; shown: string }[]>`
    select id, ${shownNameColumn(sql)} as shown from users where id = any(${sql.array(ids)}::bigint[])`;
  return new Map(rows.map((r) => [Number(r.id), r.shown]));
}

/**
 * A name field of a system line's metadata set to the person's current shown name (`idKey` says who); removed when
 * they were deleted, so the reader's word for "agent" fills in. Answers whether it changed anything.
 */
function renameIn(metadata: Record<string, unknown>, nameKey: string, idKey: string, names: CurrentShownNames): boolean {
  const id = idOf(metadata[idKey]);
  if (!(nameKey in metadata) || id === null) return false;
  const now = names.get(id);
  if (now === metadata[nameKey]) return false;
  if (now === undefined) delete metadata[nameKey];
  else metadata[nameKey] = now;
  return true;
}

/**
 * One message as the shopper gets it (forShopperMessage: no internal fields, agents by shown names), then named by
 * the current shown names. A system line whose names changed gets its English text again from the widget's own
 * wording (systemLineText, the same sentences the server wrote), so no old name survives in `text` either.
 */
export function namedForShopper(message: ChatMessage, names: CurrentShownNames): ChatMessage {
  const shown = forShopperMessage(message);
  if (shown.author.type === 'agent') {
    const name = shown.author.id !== null ? names.get(shown.author.id) ?? null : null;
    return name === shown.author.name ? shown : { ...shown, author: { ...shown.author, name } };
  }
  if (shown.author.type !== 'system') return shown;
  const metadata = { ...(shown.metadata ?? {}) } as Record<string, unknown>;
  // Both names are looked at, whatever the first answered.
  const renamedAgent = renameIn(metadata, 'agentName', 'agentId', names);
  const renamedFrom = renameIn(metadata, 'fromAgentName', 'fromAgentId', names);
  if (!renamedAgent && !renamedFrom) return shown;
  return { ...shown, metadata, text: systemLineText(STRINGS.en, shown.text, metadata) };
}

/** A page of history as the shopper gets it, every agent named by their shown name now (one query for the page). */
export async function forShopperMessages(sql: Sql, messages: readonly ChatMessage[]): Promise<ChatMessage[]> {
  const names = await currentShownNames(sql, messages);
  return messages.map((m) => namedForShopper(m, names));
}
