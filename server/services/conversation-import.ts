// Bringing a shop's past conversations in from the chat tool it used before (Chatwoot, Intercom, Tiledesk …), so the
// agents see each customer's earlier chats in the customer panel and the inbox search from the first day. An admin
// sends JSON `{source, conversations: [...]}` in a neutral format (the README shows it; a short script maps a tool's
// export to it) and the answer counts what happened and names every refused conversation by its position.
//
// Each conversation is filed under the customer its `customer` names, matched and completed exactly as the contacts
// import matches a row (runImport in customer-import.ts: the shop user id, else the email, else a new record; an email
// on one record and a shop user id on another is a conflict, never a merge). It is stored as it ended there: resolved,
// with its own times, its messages by the customer, an agent (no user here; the name they had is kept in the message's
// metadata, `importedAuthorName`), or the bot, in the order they were sent, and nothing unread.
//
// Nothing live happens: the rows are written directly, so no bot turn, no routing or queue, no interaction events for
// the workers (hence no webhooks and no follow-up emails), and nothing is announced to consoles or widgets. The
// customer's history gets the conversation's start, its end and its rating (written here, as the workers would), and
// the customer's counters count it. The reports describe the chats handled here and leave imported ones out
// (console-reports.ts: `imported_from is null`; the rating is a feedback row marked `imported`).
//
// `imported_from` and `external_id` (047) identify a conversation in the tool it came from; the pair is unique, so
// sending the same file again imports nothing twice (each conversation is "skipped"). One transaction per request
// (conversations and messages are capped) behind the contacts import's lock, so a file is all in or all out except the
// conversations it refuses; ?dryRun=true runs the same and rolls back.
import type { Sql } from '../db/client.ts';
import { AppError, badRequest } from '../errors.ts';
import { recordAudit } from './audit-log.ts';
import { inImportTransaction, runImport, unstorableField, type RejectedRow, type SourceRow } from './customer-import.ts';
import { MAX_LABELS, normaliseLabels } from './conversation-labels.ts';
import { isRealDay } from './calendar-days.ts';

/** Conversations per request: 500 chats with their messages are a few seconds in one transaction. */
export const MAX_IMPORT_CONVERSATIONS = 500;
/** Messages of one conversation: a longer one is refused (its row), never cut. */
export const MAX_IMPORT_MESSAGES = 1_000;
/** Messages per request, all conversations together (413 above): bounds the transaction. */
export const MAX_IMPORT_MESSAGES_TOTAL = 25_000;
/** Characters of one message: emails run longer than chat lines (the live cap, MAX_MESSAGE_CHARS, is 4,000). */
export const MAX_IMPORT_BODY = 20_000;
/** Bytes per request (the route's body limit). */
export const MAX_CONVERSATION_IMPORT_BYTES = 10 * 1024 * 1024;
const MAX_EXTERNAL_ID = 200;
const MAX_AUTHOR_NAME = 200;
const MAX_CHANNEL = 40;
const MAX_RATING_COMMENT = 2_000; // as the widget's rating
/** A source names the tool: lower-case letters, digits, ".", "_", "-" (shown as "Imported from chatwoot"). */
const SOURCE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,39}$/;
/** Times before this are a unit mistake more often than a chat (Unix seconds read as milliseconds, a zero date). */
const EARLIEST = Date.UTC(2000, 0, 1);
/** Unix times above this are milliseconds, not seconds (it is the year 5138 in seconds). */
const SECONDS_LIMIT = 1e11;
/** A clock a few minutes ahead of this server's is not a reason to refuse a chat. */
const FUTURE_SLACK_MS = 5 * 60_000;

const AUTHORS = ['customer', 'agent', 'bot'] as const;
type Author = (typeof AUTHORS)[number];
const CONVERSATION_FIELDS = new Set(['externalId', 'source', 'customer', 'startedAt', 'endedAt', 'channel', 'messages', 'rating', 'labels']);
const MESSAGE_FIELDS = new Set(['author', 'authorName', 'body', 'sentAt', 'private']);
const RATING_FIELDS = new Set(['score', 'comment', 'ratedAt']);

export interface ImportedMessage { author: Author; authorName: string | null; body: string; sentAt: Date; private: boolean }
export interface ImportedConversation {
  source: string;
  externalId: string;
  customer: Record<string, unknown>;
  startedAt: Date;
  endedAt: Date;
  channel: string | null;
  /** In the order they were sent (the file's order among equal times). */
  messages: ImportedMessage[];
  rating: { score: number; comment: string | null; ratedAt: Date } | null;
  labels: string[];
}

export interface ConversationRejection extends RejectedRow { externalId: string | null }
export interface ConversationImportResult {
  dryRun: boolean;
  /** Conversations in the file. */
  conversations: number;
  imported: number;
  /** Already imported by an earlier request (same source and externalId): left as they are. */
  skipped: number;
  rejected: number;
  /** Messages and ratings stored with the imported conversations. */
  messages: number;
  ratings: number;
  /** Imported conversations that came with labels (the caller tells the labels-in-use counts: `labelsChanged`). */
  labelled: number;
  /** The customers the imported conversations were filed under (runImport's counts). */
  customers: { created: number; updated: number; unchanged: number };
  rejectedRows: ConversationRejection[];
  skippedRows: { line: number; externalId: string; conversationId: number }[];
}

// ---------- one conversation ----------

const describeKeys = (keys: string[]) => keys.map((k) => `"${k.slice(0, 40)}"`).join(', ');
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An ISO 8601 time or Unix seconds, within reason; or why not. */
export function readTime(value: unknown, name: string, now = Date.now()): Date | { problem: string } {
  let ms: number;
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (value > SECONDS_LIMIT) return { problem: `${name}: ${value} looks like milliseconds; give Unix seconds or an ISO 8601 time` };
    ms = Math.round(value * 1000);
  } else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value.trim())) {
    // A time without a zone is UTC (Date.parse would read it in this server's zone, which the file knows nothing of).
    const text = value.trim().replace(' ', 'T');
    ms = Date.parse(/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes('T') ? text : `${text}Z`);
    if (Number.isNaN(ms) || !isRealDay(text.slice(0, 10))) return { problem: `${name}: "${value.slice(0, 40)}" is not a real time` };
  } else {
    return { problem: `${name}: expected an ISO 8601 time such as 2024-03-01T09:30:00Z, or Unix seconds` };
  }
  if (ms < EARLIEST) return { problem: `${name}: ${new Date(ms).toISOString()} is before 2000` };
  if (ms > now + FUTURE_SLACK_MS) return { problem: `${name}: ${new Date(ms).toISOString()} is in the future` };
  return new Date(ms);
}

function readId(value: unknown, name: string): string | { problem: string } {
  if (typeof value === 'number' && Number.isSafeInteger(value)) value = String(value);
  if (typeof value !== 'string' || !value.trim()) return { problem: `${name}: expected the conversation's id in the tool it came from (text or a whole number)` };
  if (value.trim().length > MAX_EXTERNAL_ID) return { problem: `${name}: at most ${MAX_EXTERNAL_ID} characters` };
  return value.trim();
}

export function readSource(value: unknown, name = 'source'): string | { problem: string } {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!SOURCE_PATTERN.test(text)) return { problem: `${name}: name the tool the conversations came from in 1-40 letters, digits, ".", "_" or "-" (such as chatwoot or intercom)` };
  return text;
}

function readMessage(value: unknown, position: number, now: number): ImportedMessage | { problem: string } {
  const at = `message ${position}`;
  if (!isObject(value)) return { problem: `${at}: expected an object with author, body and sentAt` };
  const unstorable = unstorableField(value); // the route leaves this to each conversation (text-guard.ts)
  if (unstorable) return { problem: `${at}: ${unstorable}` };
  const unknown = Object.keys(value).filter((k) => !MESSAGE_FIELDS.has(k));
  if (unknown.length) return { problem: `${at}: unknown field${unknown.length > 1 ? 's' : ''} ${describeKeys(unknown)}` };
  if (!AUTHORS.includes(value.author as Author)) return { problem: `${at}: author is "customer", "agent" or "bot"` };
  const author = value.author as Author;
  if (typeof value.body !== 'string') return { problem: `${at}: body: expected text` };
  const body = value.body.trim();
  if (!body) return { problem: `${at}: body is empty (leave out activity lines and parts with only a file)` };
  if (body.length > MAX_IMPORT_BODY) return { problem: `${at}: body has ${body.length} characters; at most ${MAX_IMPORT_BODY.toLocaleString('en')}` };
  const sentAt = readTime(value.sentAt, `${at}: sentAt`, now);
  if (!(sentAt instanceof Date)) return sentAt;
  let authorName: string | null = null;
  if (value.authorName !== undefined && value.authorName !== null) {
    if (typeof value.authorName !== 'string' || value.authorName.trim().length > MAX_AUTHOR_NAME) return { problem: `${at}: authorName: text of at most ${MAX_AUTHOR_NAME} characters` };
    authorName = value.authorName.trim() || null;
  }
  if (value.private !== undefined && value.private !== null && typeof value.private !== 'boolean') return { problem: `${at}: private: true or false` };
  // A private note is the team's: the customer never wrote one, and the bot's words were all public.
  if (value.private === true && author !== 'agent') return { problem: `${at}: only an agent's message can be private (a note)` };
  return { author, authorName, body, sentAt, private: value.private === true };
}

/**
 * A conversation of the file (`fields`, its object), or why it is refused. `defaultSource` is the file's `source`.
 * The customer object is checked by the contacts import, with the conversation's other fields ready.
 */
export function readConversation(fields: unknown, defaultSource: string | null, now = Date.now()): ImportedConversation | { problem: string } {
  if (!isObject(fields)) return { problem: 'expected an object with externalId, customer, startedAt and messages' };
  // Text Postgres cannot store refuses this conversation alone (the route's guard leaves it here); messages, one by one below.
  const unstorable = unstorableField(Object.fromEntries(Object.entries(fields).filter(([key]) => key !== 'messages' || !Array.isArray(fields.messages))));
  if (unstorable) return { problem: unstorable };
  const unknown = Object.keys(fields).filter((k) => !CONVERSATION_FIELDS.has(k));
  if (unknown.length) return { problem: `unknown field${unknown.length > 1 ? 's' : ''} ${describeKeys(unknown)}` };
  const externalId = readId(fields.externalId, 'externalId');
  if (typeof externalId !== 'string') return externalId;
  let source = defaultSource;
  if (fields.source !== undefined && fields.source !== null) {
    const own = readSource(fields.source);
    if (typeof own !== 'string') return own;
    source = own;
  }
  if (!source) return { problem: 'source: name the tool the conversation came from, here or at the top of the file ("source": "chatwoot")' };
  if (!isObject(fields.customer)) return { problem: 'customer: expected an object with the customer\'s externalId (the shop\'s user id) or email' };
  const startedAt = readTime(fields.startedAt, 'startedAt', now);
  if (!(startedAt instanceof Date)) return startedAt;

  let channel: string | null = null;
  if (fields.channel !== undefined && fields.channel !== null) {
    if (typeof fields.channel !== 'string' || fields.channel.trim().length > MAX_CHANNEL) return { problem: `channel: text of at most ${MAX_CHANNEL} characters (web, email …)` };
    channel = fields.channel.trim() || null;
  }

  if (!Array.isArray(fields.messages) || !fields.messages.length) return { problem: 'messages: expected a list of at least one message' };
  if (fields.messages.length > MAX_IMPORT_MESSAGES) return { problem: `${fields.messages.length} messages; a conversation has at most ${MAX_IMPORT_MESSAGES.toLocaleString('en')} (split it, or leave out activity lines)` };
  const messages: ImportedMessage[] = [];
  for (const [index, raw] of fields.messages.entries()) {
    const message = readMessage(raw, index + 1, now);
    if ('problem' in message) return message;
    messages.push(message);
  }
  // Stored in the order they were sent: the chat views and the search order messages by id. The sort is stable, so
  // messages sent in the same second keep the file's order.
  messages.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
  const lastSent = messages[messages.length - 1].sentAt;

  let endedAt = lastSent.getTime() > startedAt.getTime() ? lastSent : startedAt;
  if (fields.endedAt !== undefined && fields.endedAt !== null) {
    const ended = readTime(fields.endedAt, 'endedAt', now);
    if (!(ended instanceof Date)) return ended;
    if (ended.getTime() < startedAt.getTime()) return { problem: `endedAt (${ended.toISOString()}) is before startedAt (${startedAt.toISOString()})` };
    endedAt = ended;
  }

  let rating: ImportedConversation['rating'] = null;
  if (fields.rating !== undefined && fields.rating !== null) {
    if (!isObject(fields.rating)) return { problem: 'rating: expected {score, comment?}' };
    const extra = Object.keys(fields.rating).filter((k) => !RATING_FIELDS.has(k));
    if (extra.length) return { problem: `rating: unknown field${extra.length > 1 ? 's' : ''} ${describeKeys(extra)}` };
    const { score, comment } = fields.rating;
    if (typeof score !== 'number' || !Number.isInteger(score) || score < 1 || score > 5) return { problem: 'rating: score is a whole number from 1 to 5 (map a 3-point or emoji scale to it)' };
    if (comment !== undefined && comment !== null && (typeof comment !== 'string' || comment.trim().length > MAX_RATING_COMMENT)) {
      return { problem: `rating: comment is text of at most ${MAX_RATING_COMMENT} characters` };
    }
    let ratedAt = endedAt;
    if (fields.rating.ratedAt !== undefined && fields.rating.ratedAt !== null) {
      const at = readTime(fields.rating.ratedAt, 'rating: ratedAt', now);
      if (!(at instanceof Date)) return at;
      ratedAt = at;
    }
    rating = { score, comment: typeof comment === 'string' && comment.trim() ? comment.trim() : null, ratedAt };
  }

  let labels: string[] = [];
  if (fields.labels !== undefined && fields.labels !== null) {
    if (!Array.isArray(fields.labels) || fields.labels.some((l) => typeof l !== 'string')) return { problem: 'labels: expected a list of texts' };
    try {
      labels = normaliseLabels(fields.labels as string[]);
    } catch (error) {
      return { problem: `labels: ${(error as Error).message}` };
    }
    if (labels.length > MAX_LABELS) return { problem: `labels: ${labels.length} labels; a conversation has at most ${MAX_LABELS}` };
  }

  // A chat's start is its first message when the tool stamped the conversation a moment after it.
  const firstSent = messages[0].sentAt;
  return {
    source, externalId, customer: fields.customer, startedAt: firstSent < startedAt ? firstSent : startedAt, endedAt, channel, messages, rating, labels,
  };
}

// ---------- the import ----------

export const tooManyConversations = (count: number) => new AppError(413, 'too_many_rows',
  `The file has ${count.toLocaleString('en')} conversations; at most ${MAX_IMPORT_CONVERSATIONS.toLocaleString('en')} are imported per request. Split it into several files.`);
const tooManyMessages = (count: number) => new AppError(413, 'too_many_messages',
  `The file has ${count.toLocaleString('en')} messages; at most ${MAX_IMPORT_MESSAGES_TOTAL.toLocaleString('en')} are imported per request. Split it into several files.`);

/**
 * Imports the conversations in one transaction (a dry run: the same work, rolled back, so its counts are exactly what
 * the import would do). Shares the contacts import's lock, since both create customers: a second import of either kind
 * meanwhile is refused (409). Audited (not a dry run).
 */
export async function importConversations(sql: Sql, input: {
  source?: unknown; conversations: unknown[]; dryRun: boolean; actorId: number; fileName?: string;
}): Promise<ConversationImportResult> {
  if (input.conversations.length > MAX_IMPORT_CONVERSATIONS) throw tooManyConversations(input.conversations.length);
  const total = input.conversations.reduce<number>((n, c) => n + (isObject(c) && Array.isArray(c.messages) ? c.messages.length : 0), 0);
  if (total > MAX_IMPORT_MESSAGES_TOTAL) throw tooManyMessages(total);
  let defaultSource: string | null = null;
  if (input.source !== undefined && input.source !== null) {
    const source = readSource(input.source);
    if (typeof source !== 'string') throw badRequest(source.problem, 'invalid_source');
    defaultSource = source;
  }
  // The contacts import's transaction and lock (customer-import.ts): both create customers from a file.
  return inImportTransaction(sql, input.dryRun, (tx) => runConversationImport(tx, input.conversations, defaultSource, input.dryRun), (tx, result) => {
    const sources = [...new Set(input.conversations.map((c) => (isObject(c) && typeof c.source === 'string' ? c.source.trim().toLowerCase() : defaultSource)))]
      .filter((source): source is string => !!source && SOURCE_PATTERN.test(source));
    return recordAudit(tx, input.actorId, 'conversations.import', null, {
      sources, ...(input.fileName ? { fileName: input.fileName } : {}), conversations: result.conversations, imported: result.imported,
      skipped: result.skipped, rejected: result.rejected, messages: result.messages, customersCreated: result.customers.created,
    });
  });
}

async function runConversationImport(tx: Sql, rows: unknown[], defaultSource: string | null, dryRun: boolean): Promise<ConversationImportResult> {
  const result: ConversationImportResult = {
    dryRun, conversations: rows.length, imported: 0, skipped: 0, rejected: 0, messages: 0, ratings: 0, labelled: 0,
    customers: { created: 0, updated: 0, unchanged: 0 }, rejectedRows: [], skippedRows: [],
  };
  const externalIdOf = (row: unknown) => (isObject(row) && (typeof row.externalId === 'string' || typeof row.externalId === 'number') ? String(row.externalId).slice(0, MAX_EXTERNAL_ID) : null);
  const reject = (line: number, reason: string, code: RejectedRow['code'] = 'invalid', customerIds?: number[]) => {
    result.rejected++;
    result.rejectedRows.push({ line, externalId: externalIdOf(rows[line - 1]), code, reason, ...(customerIds ? { customerIds } : {}) });
  };

  // Each conversation on its own; the file naming one twice is a mistake worth saying (which of the two is meant?).
  const now = Date.now();
  const read: { line: number; conversation: ImportedConversation }[] = [];
  const firstLine = new Map<string, number>();
  rows.forEach((row, index) => {
    const line = index + 1;
    const conversation = readConversation(row, defaultSource, now);
    if ('problem' in conversation) return reject(line, conversation.problem);
    const c = conversation;
    const key = `${c.source}\u0000${c.externalId}`;
    const earlier = firstLine.get(key);
    if (earlier !== undefined) return reject(line, `the file has conversation ${c.source} "${c.externalId}" twice (also conversation ${earlier})`);
    firstLine.set(key, line);
    read.push({ line, conversation: c });
  });

  // Imported before: skipped, as they are (a second run of the same file changes nothing).
  const existing = read.length ? await tx<{ id: number; imported_from: string; external_id: string }[]>`
    select c.id, c.imported_from, c.external_id from conversations c
    join unnest(${read.map((r) => r.conversation.source)}::text[], ${read.map((r) => r.conversation.externalId)}::text[]) as k(source, external_id)
      on c.imported_from = k.source and c.external_id = k.external_id` : [];
  const already = new Map(existing.map((e) => [`${e.imported_from}\u0000${e.external_id}`, Number(e.id)]));
  const fresh = read.filter(({ line, conversation: c }) => {
    const id = already.get(`${c.source}\u0000${c.externalId}`);
    if (id === undefined) return true;
    result.skipped++;
    result.skippedRows.push({ line, externalId: c.externalId, conversationId: id });
    return false;
  });

  // The customers, matched (or made) as the contacts import does, one contact per conversation, by its line.
  const matched = new Map<number, number>();
  const contacts = await runImport(tx, {
    rows: fresh.map(({ line, conversation }): SourceRow => ({ line, kind: 'json', fields: conversation.customer })),
    format: 'json', dryRun, matched,
  });
  result.customers = { created: contacts.created, updated: contacts.updated, unchanged: contacts.unchanged };
  for (const refused of contacts.rejectedRows) reject(refused.line, `customer: ${refused.reason}`, refused.code, refused.customerIds);

  const counters = new Map<number, { conversations: number; messages: number; firstSeen: Date }>();
  const events: { k: string; cu: number; co: number; t: string; p: Record<string, unknown>; at: string }[] = [];
  for (const { line, conversation: c } of fresh) {
    const customerId = matched.get(line);
    if (customerId === undefined) continue; // refused above
    const id = await storeConversation(tx, customerId, c);
    if (id === null) { // imported meanwhile by a request that did not take the lock: cannot happen behind it, said anyway
      reject(line, `conversation ${c.source} "${c.externalId}" was imported meanwhile: run the import again`, 'changed_meanwhile');
      continue;
    }
    result.imported++;
    result.messages += c.messages.length;
    if (c.rating) result.ratings++;
    if (c.labels.length) result.labelled++;
    const said = c.messages.filter((m) => !m.private).length; // private notes are not counted, as live
    const counter = counters.get(customerId) ?? { conversations: 0, messages: 0, firstSeen: c.startedAt };
    counters.set(customerId, { conversations: counter.conversations + 1, messages: counter.messages + said, firstSeen: c.startedAt < counter.firstSeen ? c.startedAt : counter.firstSeen });
    // The customer's history: when it began and ended, and its rating, with the live events' keys.
    const imported = { importedFrom: c.source, externalId: c.externalId };
    events.push({ k: `conv:${id}`, cu: customerId, co: id, t: 'conversation.started', p: { channel: 'import', ...imported, ...(c.channel ? { sourceChannel: c.channel } : {}) }, at: c.startedAt.toISOString() });
    events.push({ k: `resolved:${id}:${c.endedAt.getTime()}`, cu: customerId, co: id, t: 'resolved', p: { by: 'system', ...imported }, at: c.endedAt.toISOString() });
    if (c.rating) events.push({ k: `rating:csat:${id}`, cu: customerId, co: id, t: 'rating', p: { kind: 'csat', rating: c.rating.score, comment: c.rating.comment, imported: true }, at: c.rating.ratedAt.toISOString() });
  }
  if (events.length) {
    await tx`
      insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
      select r.k, r.cu, r.co, r.t, r.p, r.at from jsonb_to_recordset(${tx.json(events as never)}::jsonb)
        as r(k text, cu bigint, co bigint, t text, p jsonb, at timestamptz)
      on conflict (idempotency_key) do nothing`;
  }
  if (counters.size) {
    // The counters the interactions worker keeps for live chats; and a customer first seen before this shop's records
    // began is shown so (the segment's "new customer" reads first_seen_at). last_seen_at stays: seen here, not there.
    const deltas = [...counters].map(([id, d]) => ({ id, co: d.conversations, me: d.messages, fs: d.firstSeen.toISOString() }));
    await tx`
      update customers c set conversations_count = c.conversations_count + d.co, messages_count = c.messages_count + d.me,
        first_seen_at = least(c.first_seen_at, d.fs), updated_at = now()
      from jsonb_to_recordset(${tx.json(deltas as never)}::jsonb) as d(id bigint, co int, me int, fs timestamptz)
      where c.id = d.id`;
  }
  result.rejectedRows.sort((a, b) => a.line - b.line);
  return result;
}

/**
 * One conversation with its messages (and rating), as it ended where it came from; null when the pair (source,
 * externalId) is taken. Everything is read as seen: both seen marks at its last message, so nothing shows unread.
 */
async function storeConversation(tx: Sql, customerId: number, c: ImportedConversation): Promise<number | null> {
  const lastSent = c.messages[c.messages.length - 1].sentAt;
  const [row] = await tx<{ id: number }[]>`
    insert into conversations (customer_id, status, resolved_at, resolved_by, created_at, updated_at, last_message_at, labels, imported_from, external_id, channel)
    values (${customerId}, 'resolved', ${c.endedAt}, 'system', ${c.startedAt}, now(), ${lastSent}, ${tx.array(c.labels)}::text[], ${c.source}, ${c.externalId}, 'import')
    on conflict (imported_from, external_id) where imported_from is not null do nothing
    returning id`;
  if (!row) return null;
  const id = Number(row.id);
  const messages = c.messages.map((m, i) => ({
    i, a: m.author, b: m.body, p: m.private, at: m.sentAt.toISOString(), m: m.authorName ? { importedAuthorName: m.authorName } : {},
  }));
  // One statement: ids are taken in the order of the select, so id order is the order they were sent.
  await tx`
    with stored as (
      insert into messages (conversation_id, author_type, body, private, metadata, created_at)
      select ${id}, r.a, r.b, r.p, r.m, r.at from jsonb_to_recordset(${tx.json(messages as never)}::jsonb)
        as r(i int, a text, b text, p boolean, at timestamptz, m jsonb)
      order by r.i
      returning id
    )
    update conversations set customer_last_seen_id = (select max(id) from stored), agent_last_seen_id = (select max(id) from stored)
    where id = ${id}`;
  if (c.rating) {
    // The live key of a chat's rating (one per chat); marked imported, so the reports leave it out.
    await tx`
      insert into feedback (idempotency_key, kind, customer_id, conversation_id, rating, comment, created_at, imported)
      values (${`csat:${id}`}, 'csat', ${customerId}, ${id}, ${c.rating.score}, ${c.rating.comment}, ${c.rating.ratedAt}, true)
      on conflict (idempotency_key) do nothing`;
  }
  return id;
}
