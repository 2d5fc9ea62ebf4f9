// Notes on a customer: short texts agents write about the person ("prefers email", "refund promised on 12 Dec by
// Sam"), shown to every agent beside each of that customer's chats and on the customers page. Not about one chat
// (those are private notes inside the conversation) and not seen by the shopper.
//
// Anyone signed in to the console reads and adds them; a note is edited only by its author, and deleted by its author
// or an admin (an admin removing a teammate's note is audited). Every change tells the consoles (`customer:updated`,
// as a tag edit does), so an open panel shows it at once.
import type { AppContext } from '../context.ts';
import type { Sql } from '../db/client.ts';
import { AppError, badRequest, conflict, forbidden, notFound, worded } from '../errors.ts';
import type { SessionUser } from './auth-service.ts';
import { recordAudit } from './audit-log.ts';

/** Longest note, in characters (the table's check says the same). */
export const NOTE_MAX_CHARS = 2000;
/** Whitespace around a note that the request may carry beyond NOTE_MAX_CHARS: trimmed before the length counts. */
export const NOTE_SPACE_SLACK = 200;
/** The newest notes a customer's list shows (a person with more is unusual; the panel says how many there are). */
export const NOTES_LIST_LIMIT = 200;

export interface CustomerNote {
  id: number;
  customerId: number;
  text: string;
  /** Null only if the author's account was removed from the database (deactivated authors keep their name). */
  author: { id: number; name: string; active: boolean } | null;
  createdAt: string;
  updatedAt: string;
}

interface NoteRow {
  id: number;
  customer_id: number;
  author_id: number | null;
  author_name: string | null;
  author_active: boolean | null;
  body: string;
  created_at: Date;
  updated_at: Date;
}

type Deps = Pick<AppContext, 'sql' | 'realtime'>;
type Actor = Pick<SessionUser, 'id' | 'role'>;

const toNote = (row: NoteRow): CustomerNote => ({
  id: Number(row.id),
  customerId: Number(row.customer_id),
  text: row.body,
  author: row.author_id === null ? null : { id: Number(row.author_id), name: row.author_name ?? '', active: row.author_active ?? false },
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** The text as stored: trimmed, 1 to NOTE_MAX_CHARS characters (code points, as Postgres counts them). */
export function noteText(raw: string): string {
  const text = raw.trim();
  if (!text) throw worded(badRequest('A note cannot be empty.'), 'note_empty');
  if ([...text].length > NOTE_MAX_CHARS) throw worded(badRequest(`A note can be at most ${NOTE_MAX_CHARS} characters.`), 'note_too_long', { n: String(NOTE_MAX_CHARS) });
  return text;
}

/**
 * The customer the notes belong to. `lock`: held until the transaction ends, so a note is never added to a record a
 * merge or a deletion is emptying at that moment (both lock the row first; this waits and then sees what they did).
 */
async function customerFor(sql: Sql, customerId: number, lock: boolean): Promise<{ deleted: boolean }> {
  const [row] = lock
    ? await sql<{ merged_into_id: number | null; attributes: Record<string, unknown> }[]>`
        select merged_into_id, attributes from customers where id = ${customerId} for share`
    : await sql<{ merged_into_id: number | null; attributes: Record<string, unknown> }[]>`
        select merged_into_id, attributes from customers where id = ${customerId}`;
  if (!row) throw notFound('Customer');
  if (row.merged_into_id) throw new AppError(404, 'customer_merged', `Customer #${customerId} was merged into customer #${row.merged_into_id}.`);
  return { deleted: Boolean(row.attributes.deleted) };
}

const selectNotes = (sql: Sql) => sql`
  select n.id, n.customer_id, n.author_id, u.name as author_name, u.active as author_active, n.body, n.created_at, n.updated_at
  from customer_notes n left join users u on u.id = n.author_id`;

/** A customer's notes, newest first, with their authors' names. */
export async function listNotes(sql: Sql, customerId: number): Promise<{ items: CustomerNote[]; total: number }> {
  await customerFor(sql, customerId, false);
  const rows = await sql<NoteRow[]>`${selectNotes(sql)} where n.customer_id = ${customerId}
    order by n.created_at desc, n.id desc limit ${NOTES_LIST_LIMIT}`;
  const total = rows.length < NOTES_LIST_LIMIT ? rows.length
    : (await sql<{ n: number }[]>`select count(*)::int as n from customer_notes where customer_id = ${customerId}`)[0].n;
  return { items: rows.map(toNote), total };
}

async function readNote(sql: Sql, customerId: number, noteId: number): Promise<NoteRow> {
  const [row] = await sql<NoteRow[]>`${selectNotes(sql)} where n.id = ${noteId} and n.customer_id = ${customerId}`;
  if (!row) throw notFound('Note');
  return row;
}

const told = (deps: Deps, customerId: number) => deps.realtime.toAgents('customer:updated', { customerId });

export async function addNote(deps: Deps, actor: Actor, customerId: number, raw: string): Promise<CustomerNote> {
  const text = noteText(raw);
  const id = await deps.sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const customer = await customerFor(tx, customerId, true);
    if (customer.deleted) throw conflict(`Customer #${customerId} was deleted at their request; notes cannot be added.`, 'customer_deleted');
    const [row] = await tx<{ id: number }[]>`insert into customer_notes (customer_id, author_id, body) values (${customerId}, ${actor.id}, ${text}) returning id`;
    return Number(row.id);
  });
  const note = toNote(await readNote(deps.sql, customerId, id as number));
  told(deps, customerId);
  return note;
}

/** Only the author edits a note (an admin may delete it, not put words in a teammate's name). */
export async function editNote(deps: Deps, actor: Actor, customerId: number, noteId: number, raw: string): Promise<CustomerNote> {
  const text = noteText(raw);
  await customerFor(deps.sql, customerId, false);
  const current = await readNote(deps.sql, customerId, noteId);
  if (current.author_id === null || Number(current.author_id) !== actor.id) throw worded(forbidden('Only the author of a note can edit it.'), 'note_not_yours');
  if (current.body === text) return toNote(current);
  await deps.sql`update customer_notes set body = ${text}, updated_at = now() where id = ${noteId}`;
  const note = toNote(await readNote(deps.sql, customerId, noteId));
  told(deps, customerId);
  return note;
}

/** The author deletes their note; an admin deletes anyone's (audited, without the text). */
export async function deleteNote(deps: Deps, actor: Actor, customerId: number, noteId: number): Promise<void> {
  await customerFor(deps.sql, customerId, false);
  const current = await readNote(deps.sql, customerId, noteId);
  const own = current.author_id !== null && Number(current.author_id) === actor.id;
  if (!own && actor.role !== 'admin') throw worded(forbidden('Only the author of a note or an admin can delete it.'), 'note_not_yours_to_delete');
  await deps.sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const removed = await tx`delete from customer_notes where id = ${noteId} and customer_id = ${customerId}`;
    if (!removed.count) throw notFound('Note');
    if (!own) {
      await recordAudit(tx, actor.id, 'customer.note_delete', `customer:${customerId}`, {
        noteId, authorId: current.author_id === null ? null : Number(current.author_id), createdAt: current.created_at.toISOString(),
      });
    }
  });
  told(deps, customerId);
}
