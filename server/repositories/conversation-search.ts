// The inbox list, with its text search (GET /api/conversations). The route builds the filters and the order of the
// view; this file finds the page of conversations and, for a text search, which message matched.
//
// A search matches the words as typed (LIKE metacharacters taken literally, case-insensitive) anywhere in any message
// of the chat — private notes and system lines included, agents wrote them — or in the customer's name, email or shop
// user id. How the page is found depends on the words (measured in `npm run bench:search`, docs/benchmarks.md):
//  1. Rare words, through the trigram indexes (migration 029): the matching messages and customers, at most
//     FEW_MATCHES of each, then the list's filters and order on their chats only. A few milliseconds.
//  2. Words too common for that ("refund", "order"): the list's SEARCH_WINDOW first chats in its own order, each
//     checked through the messages' (conversation_id, id) index, stopping at a page of matches. A common word's page
//     is among the list's first chats (the newest, in the default order); this costs about what the list costs
//     without a search (its sort).
//  3. Rarely, a common word that step 2 did not find a page of (a list narrowed by a filter): every matching chat,
//     then the filters. Slow (every match is read) but complete.
// Steps 1 and 3 need an index to look the words up in. The trigram indexes need a run of MIN_INDEXED_RUN letters or
// digits: pg_trgm has no trigram in a shorter pattern. Without one, two CJK characters in a row (退款, 发票: most
// Chinese words are two characters) are looked up in the CJK bigram indexes of migration 050 instead, then checked
// with the same ILIKE. A search with neither (one character such as 退, two letters such as "ok", only punctuation)
// is a short search: only step 2 runs, and the answer says so (`scope: 'recent'`), so that the console can tell the
// agent what was searched. A single character is left so: in nearly every Chinese chat, an index would not narrow it.
// Every step keeps the list's order, whichever the agent chose (the route's `order`, from its `sort`).
import type { Sql } from '../db/client.ts';
import { previewMessage, type ConversationRow, type PreviewMessage } from './conversations.ts';

type Fragment = ReturnType<Sql>;

/** Letters or digits in a row that give pg_trgm at least one trigram to look up. */
export const MIN_INDEXED_RUN = 3;
/**
 * Two CJK characters in a row, which migration 050's cjk_bigrams() indexes: the same ranges (kana, Han, Hangul
 * syllables).
 */
const CJK_PAIR = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3\u{20000}-\u{3134f}]{2}/u;
/** How many of the list's first chats step 2 reads, and all that a short search reads. */
export const SEARCH_WINDOW = 2000;
/** Matching messages (and customers) step 1 takes on; more, and the words are too common for it. */
const FEW_MATCHES = 2000;
/** Characters of the matched message shown around the first hit. */
const SNIPPET_BEFORE = 30;
const SNIPPET_LENGTH = 120;

export interface InboxSearch {
  /** The words as typed, trimmed. */
  text: string;
  /** `%text%` with LIKE's metacharacters escaped. */
  pattern: string;
  /** Whether an index can serve it: the trigram indexes, else the CJK bigram ones (else it is a short search). */
  indexed: boolean;
  /** Served by the CJK bigram indexes (no run of MIN_INDEXED_RUN letters or digits, but two CJK characters in a row). */
  bigrams: boolean;
}

/** What the agent typed, ready to search; null when there is nothing to search for. */
export function inboxSearch(raw: string | undefined): InboxSearch | null {
  const text = (raw ?? '').trim();
  if (!text) return null;
  const trigrams = new RegExp(`[\\p{L}\\p{N}]{${MIN_INDEXED_RUN}}`, 'u').test(text);
  const bigrams = !trigrams && CJK_PAIR.test(text);
  return {
    text,
    pattern: `%${text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`,
    indexed: trigrams || bigrams,
    bigrams,
  };
}

export interface SearchMatch {
  messageId: number;
  authorType: string;
  /** An agents' private note. */
  private: boolean;
  /** A short excerpt around the first hit in the message, whitespace collapsed, "…" where cut. */
  snippet: string;
}

export type InboxRow = ConversationRow & {
  labels: string[];
  cust_name: string | null;
  cust_email: string | null;
  last_message: PreviewMessage | null;
  unread: number;
  match: SearchMatch | null;
};

export interface InboxPage {
  rows: InboxRow[];
  /** all: every chat of the list was searched; recent: a short search, only the list's SEARCH_WINDOW newest. */
  scope: 'all' | 'recent' | null;
}

export interface InboxQuery {
  /** `and …` conditions on `c` (conversations), from the route: view, status, assignee, label, beforeId… */
  filters: Fragment;
  /**
   * The list's order on `c`, ending in a unique key (c.id) so that the order is total. Step 2 sorts a window of the
   * list's chats holding only id, customer_id, status, queued_at, snoozed_until, last_message_at, created_at and
   * priority: an order reads only those (subqueries on other tables by c.id included).
   */
  order: Fragment;
  /**
   * When `order` is `value nulls last, rest` and `value` is null for every chat but those `holders` selects (an
   * indexed condition): the page's ids are read in two parts, the holders with a value, then the others in `rest`,
   * each through an index, instead of sorting every chat of the list by `value`.
   */
  leadingKey?: { value: Fragment; holders: Fragment; rest: Fragment };
  limit: number;
  search: InboxSearch | null;
}

/**
 * A search that names a chat or a customer by the number the console shows: "#12" (the chat's number, in its header)
 * or "Visitor #9" / "访客 #9" (an unnamed customer's name in the lists). Null for anything else, which is searched as text.
 */
export function namedNumber(text: string): { conversationId: number } | { customerId: number } | null {
  const chat = /^#\s*(\d{1,15})$/u.exec(text);
  if (chat) return { conversationId: Number(chat[1]) };
  const customer = /^(?:visitor|customer|访客|顾客)\s*#\s*(\d{1,15})$/iu.exec(text);
  return customer ? { customerId: Number(customer[1]) } : null;
}

/** The chats a named number points to, within the list's filters; empty when there are none. */
async function namedMatches(sql: Sql, query: InboxQuery, named: NonNullable<ReturnType<typeof namedNumber>>): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select c.id from conversations c
    where ${'conversationId' in named ? sql`c.id = ${named.conversationId}` : sql`c.customer_id = ${named.customerId}`} ${query.filters}
    order by ${query.order} limit ${query.limit}`;
  return rows.map((r) => Number(r.id));
}

/** The page of the inbox list; with a search, the matching chats and each one's matched message. */
export async function inboxPage(sql: Sql, query: InboxQuery): Promise<InboxPage> {
  const { search } = query;
  if (!search && query.leadingKey) {
    const ids = await leadingKeyPage(sql, query, query.leadingKey);
    return { rows: ids.length ? await inboxRows(sql, query, sql`c.id = any(${ids}::bigint[])`, null) : [], scope: null };
  }
  if (!search) return { rows: await inboxRows(sql, query, sql`true ${query.filters}`, null), scope: null };
  // "#12" is chat 12, when the list holds it; else the words are searched as typed ("#12" in a message).
  const named = namedNumber(search.text);
  const namedIds = named ? await namedMatches(sql, query, named) : [];
  if (namedIds.length) return { rows: await inboxRows(sql, query, sql`c.id = any(${namedIds}::bigint[])`, search), scope: 'all' };
  let ids = search.indexed ? await rareMatches(sql, query, search) : null;
  if (!ids) {
    ids = await newestMatches(sql, query, search);
    if (ids.length < query.limit && search.indexed && !(await listFitsWindow(sql, query))) ids = await allMatches(sql, query, search);
  }
  const rows = ids.length ? await inboxRows(sql, query, sql`c.id = any(${ids}::bigint[])`, search) : [];
  return { rows, scope: search.indexed ? 'all' : 'recent' };
}

/**
 * The page's ids in `value nulls last, rest` order: the holders with a value come first (every one of them before any
 * null), then the chats without one; each part is one page at most, and the two together are the whole list.
 */
async function leadingKeyPage(sql: Sql, query: InboxQuery, { value, holders, rest }: NonNullable<InboxQuery['leadingKey']>): Promise<number[]> {
  const valued = await sql<{ id: number }[]>`
    select c.id from conversations c where ${holders} and ${value} is not null ${query.filters}
    order by ${query.order} limit ${query.limit}`;
  const others = valued.length < query.limit ? await sql<{ id: number }[]>`
    select c.id from conversations c where ${value} is null ${query.filters}
    order by ${rest} limit ${query.limit - valued.length}` : [];
  return [...valued, ...others].map((r) => Number(r.id));
}

const customerMatches = (sql: Sql, search: InboxSearch) =>
  sql`(cu.name ilike ${search.pattern} or cu.email ilike ${search.pattern} or cu.external_id ilike ${search.pattern})`;

/**
 * The matching messages `s` and customers `cu` as the indexes of steps 1 and 3 find them. A bigram search looks up the
 * pairs in the bigram indexes (the same expressions as migration 050's, word for word) and then tests the words as
 * ILIKE does, written as strpos on lower() (how ILIKE compares): an ILIKE here would let Postgres, in a prepared
 * statement's generic plan, AND the bigram index with a trigram one, which for a pattern without a trigram returns
 * every row (5 s on 2.4 million messages instead of a millisecond).
 */
const indexedMessageMatches = (sql: Sql, search: InboxSearch) => search.bigrams
  ? sql`cjk_bigrams(s.body) @> cjk_bigrams(${search.text}) and ${containsWords(sql, sql`s.body`, search)}`
  : sql`s.body ilike ${search.pattern}`;
const indexedCustomerMatches = (sql: Sql, search: InboxSearch) => search.bigrams
  ? sql`cjk_bigrams(coalesce(cu.name, '') || ' ' || coalesce(cu.email, '') || ' ' || coalesce(cu.external_id, '')) @> cjk_bigrams(${search.text})
        and (${containsWords(sql, sql`cu.name`, search)} or ${containsWords(sql, sql`cu.email`, search)} or ${containsWords(sql, sql`cu.external_id`, search)})`
  : customerMatches(sql, search);
const containsWords = (sql: Sql, column: Fragment, search: InboxSearch) => sql`strpos(lower(${column}), lower(${search.text})) > 0`;

/**
 * Step 1: through the trigram (or CJK bigram) indexes, when the words are in at most FEW_MATCHES messages and
 * customers; null when they are in more (the LIMIT stops reading there).
 */
async function rareMatches(sql: Sql, query: InboxQuery, search: InboxSearch): Promise<number[] | null> {
  const [found] = await sql<{ chats: string[]; customers: string[] }[]>`
    select array(select s.conversation_id from messages s where ${indexedMessageMatches(sql, search)} limit ${FEW_MATCHES + 1}) as chats,
           array(select cu.id from customers cu where ${indexedCustomerMatches(sql, search)} limit ${FEW_MATCHES + 1}) as customers`;
  if (found.chats.length > FEW_MATCHES || found.customers.length > FEW_MATCHES) return null;
  if (!found.chats.length && !found.customers.length) return [];
  const rows = await sql<{ id: number }[]>`
    select c.id from conversations c
    where (c.id = any(${found.chats}::bigint[]) or c.customer_id = any(${found.customers}::bigint[])) ${query.filters}
    order by ${query.order} limit ${query.limit}`;
  return rows.map((r) => Number(r.id));
}

/**
 * Step 2: the matches among the list's SEARCH_WINDOW first chats, in the list's order. The customer and the messages
 * are looked at chat by chat (lateral joins, which Postgres cannot turn into reading every match first: an EXISTS
 * it may, and for a common word or a short search that reads every message or customer).
 */
async function newestMatches(sql: Sql, query: InboxQuery, search: InboxSearch): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select c.id
    from (select c.id, c.customer_id, c.status, c.queued_at, c.snoozed_until, c.last_message_at, c.created_at, c.priority
          from conversations c where true ${query.filters} order by ${query.order} limit ${SEARCH_WINDOW}) c
    left join lateral (select true as found from customers cu where cu.id = c.customer_id and ${customerMatches(sql, search)}) named on true
    left join lateral (select true as found from messages s where s.conversation_id = c.id and s.body ilike ${search.pattern} limit 1) said on true
    where named.found or said.found
    order by ${query.order} limit ${query.limit}`;
  return rows.map((r) => Number(r.id));
}

/** Did step 2 read the whole list (so that what it found is all there is)? */
async function listFitsWindow(sql: Sql, query: InboxQuery): Promise<boolean> {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from (select 1 from conversations c where true ${query.filters} limit ${SEARCH_WINDOW + 1}) listed`;
  return n <= SEARCH_WINDOW;
}

/** Step 3: every chat with a matching message or customer, then the list's filters and order. */
async function allMatches(sql: Sql, query: InboxQuery, search: InboxSearch): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select c.id from conversations c
    where c.id in (
        select s.conversation_id from messages s where ${indexedMessageMatches(sql, search)}
        union
        select byCustomer.id from customers cu join conversations byCustomer on byCustomer.customer_id = cu.id where ${indexedCustomerMatches(sql, search)})
      ${query.filters}
    order by ${query.order} limit ${query.limit}`;
  return rows.map((r) => Number(r.id));
}

/** The list's rows for `where`, in its order; with a search, each chat's newest matching message too. */
async function inboxRows(sql: Sql, query: InboxQuery, where: Fragment, search: InboxSearch | null): Promise<InboxRow[]> {
  const rows = await sql<(Omit<InboxRow, 'match'> & { hit_id: number | null; hit_author: string | null; hit_private: boolean | null; hit_excerpt: string | null; hit_cut_before: boolean | null; hit_cut_after: boolean | null })[]>`
    select c.id, c.customer_id, c.status, c.assignee_id, u.name as assignee_name, c.handed_off, c.queued_at, c.assigned_at,
           c.first_response_at, c.resolved_at, c.last_message_at, c.created_at, c.customer_last_seen_id, c.agent_last_seen_id, c.labels, c.snoozed_until, c.version,
           c.priority, c.channel, c.team_id, (select t.name from teams t where t.id = c.team_id) as team_name,
           cu.name as cust_name, cu.email as cust_email, ${previewMessage(sql)} as last_message,
           -- A chat the bot is handling is the bot's to answer: no unread badge for agents (as in the counts).
           case when c.status = 'bot' then 0 else
             (select count(*)::int from messages x where x.conversation_id = c.id and x.author_type = 'customer' and x.id > c.agent_last_seen_id) end as unread,
           ${search ? sql`hit.id as hit_id, hit.author_type as hit_author, hit.private as hit_private, hit.excerpt as hit_excerpt, hit.cut_before as hit_cut_before,
             hit.cut_after as hit_cut_after` : sql`null::bigint as hit_id`}
    from conversations c
    join customers cu on cu.id = c.customer_id
    left join users u on u.id = c.assignee_id
    ${search ? sql`left join lateral ${newestMatchingMessage(sql, search)} hit on true` : sql``}
    where ${where}
    order by ${query.order}
    limit ${query.limit}`;
  return rows.map(({ hit_id, hit_author, hit_private, hit_excerpt, hit_cut_before, hit_cut_after, ...row }) => ({
    ...row,
    match: hit_id === null || hit_id === undefined ? null : {
      messageId: Number(hit_id),
      authorType: hit_author!,
      private: hit_private!,
      snippet: snippetOf(hit_excerpt!, hit_cut_before!, hit_cut_after!),
    },
  }));
}

/**
 * The chat's newest message containing the words, cut to SNIPPET_LENGTH characters around the first hit. Newest,
 * because the list is newest first. strpos on lower() finds the same place ILIKE matched (both lower-case by the
 * database's ctype).
 */
const newestMatchingMessage = (sql: Sql, search: InboxSearch) => sql`(
  select id, author_type, private, substr(body, excerpt_from, ${SNIPPET_LENGTH}) as excerpt, excerpt_from > 1 as cut_before,
         excerpt_from + ${SNIPPET_LENGTH} <= char_length(body) as cut_after
  from (select m.id, m.author_type, m.private, m.body, greatest(1, strpos(lower(m.body), lower(${search.text})) - ${SNIPPET_BEFORE}) as excerpt_from
        from messages m where m.conversation_id = c.id and m.body ilike ${search.pattern}
        order by m.id desc limit 1) newest)`;

function snippetOf(excerpt: string, cutBefore: boolean, cutAfter: boolean): string {
  const text = excerpt.replace(/\s+/g, ' ').trim();
  return `${cutBefore ? '…' : ''}${text}${cutAfter ? '…' : ''}`;
}
