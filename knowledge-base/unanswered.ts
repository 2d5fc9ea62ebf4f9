// The learning loop's inbox: questions the bot could not answer — and answers
// the shopper rated not helpful — grouped by similarity (Jaccard overlap of
// their content words) with counts, so admins see "where is my parcel / parcel
// hasn't arrived" as one row of 14, not 14 rows. Each example says why it is
// here, so an admin can tell a miss from a wrong answer.
import type { Sql } from '../server/db/client.ts';
import { detectLanguage, tokenize } from './text/tokenize.ts';

export interface UnansweredRow {
  id: number;
  locale: string;
  text: string;
  normalised: string;
  cluster_key: string;
  tokens: string[];
  count: number;
  examples: UnansweredExample[];
  status: 'open' | 'handled';
  resolution: Record<string, unknown> | null;
  first_seen: Date;
  last_seen: Date;
}

/**
 * Why a question landed here: the bot's decision reason (no_match,
 * repeated_miss, ambiguous) or `unhelpful` — it answered, with `answeredWith`
 * (an intent or article), and the shopper said the answer did not help.
 */
export interface MissReason {
  reason: string;
  answeredWith?: string;
}

export interface UnansweredExample extends Partial<MissReason> {
  text: string;
  conversationId: number | null;
  at: string;
}

/** Two questions belong together when at least this share of their words is shared. */
const SIMILARITY = 0.5;
/** Examples kept per group (the newest). */
export const MAX_UNANSWERED_EXAMPLES = 10;
const CANDIDATE_CLUSTERS = 2000;

export function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 500);
}

export function contentTokens(text: string): string[] {
  return [...new Set(tokenize(text))].sort();
}

/** A question's content words and the key that makes two open groups with the same words one. */
export function groupKey(text: string): { tokens: string[]; clusterKey: string } {
  const tokens = contentTokens(text);
  return { tokens, clusterKey: tokens.join(' ') || normalise(text) };
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (!a.length && !b.length) return 1;
  const setB = new Set(b);
  let shared = 0;
  for (const t of a) if (setB.has(t)) shared++;
  return shared / (a.length + b.length - shared);
}

export const unansweredRepository = (sql: Sql) => ({
  /** Adds one miss to its most similar open group, or starts a group. */
  async record(text: string, conversationId: number | null, why: MissReason): Promise<number> {
    const normalised = normalise(text);
    if (!normalised) return 0;
    const locale = detectLanguage(text);
    const { tokens, clusterKey } = groupKey(text);
    const example: UnansweredExample = { text: text.slice(0, 500), conversationId, at: new Date().toISOString(), ...why };
    const open = await sql<{ id: number; tokens: string[] }[]>`
      select id, tokens from unanswered_questions where status = 'open' and locale = ${locale}
      order by last_seen desc limit ${CANDIDATE_CLUSTERS}`;
    let best: { id: number; score: number } | null = null;
    for (const cluster of open) {
      const score = jaccard(tokens, cluster.tokens);
      if (score >= SIMILARITY && (!best || score > best.score)) best = { id: cluster.id, score };
    }
    if (best) {
      await sql`
        update unanswered_questions set count = count + 1, last_seen = now(),
          examples = (select coalesce(jsonb_agg(e), '[]'::jsonb) from (
            select e from jsonb_array_elements(${sql.json([example] as never)}::jsonb || examples) with ordinality as x(e, n) order by n limit ${MAX_UNANSWERED_EXAMPLES}) s)
        where id = ${best.id}`;
      return best.id;
    }
    const [row] = await sql<{ id: number }[]>`
      insert into unanswered_questions (locale, text, normalised, cluster_key, tokens, examples, source_conversation_id)
      values (${locale}, ${text.slice(0, 500)}, ${normalised}, ${clusterKey}, ${sql.array(tokens)}::text[], ${sql.json([example] as never)}, ${conversationId})
      on conflict (locale, cluster_key) where status = 'open'
      do update set count = unanswered_questions.count + 1, last_seen = now()
      returning id`;
    return row.id;
  },
  async list(filter: { status?: 'open' | 'handled'; locale?: string; limit?: number; offset?: number }): Promise<{ items: UnansweredRow[]; total: number }> {
    const where = sql`where status = ${filter.status ?? 'open'} ${filter.locale ? sql`and locale = ${filter.locale}` : sql``}`;
    const items = await sql<UnansweredRow[]>`
      select * from unanswered_questions ${where} order by count desc, last_seen desc limit ${filter.limit ?? 50} offset ${filter.offset ?? 0}`;
    const [{ total }] = await sql<{ total: number }[]>`select count(*)::int as total from unanswered_questions ${where}`;
    return { items, total };
  },
  async findById(id: number): Promise<UnansweredRow | undefined> {
    const [row] = await sql<UnansweredRow[]>`select * from unanswered_questions where id = ${id}`;
    return row;
  },
  async markHandled(id: number, resolution: Record<string, unknown>): Promise<UnansweredRow | undefined> {
    const [row] = await sql<UnansweredRow[]>`
      update unanswered_questions set status = 'handled', resolution = ${sql.json(resolution as never)} where id = ${id} returning *`;
    return row;
  },
});

export type UnansweredRepository = ReturnType<typeof unansweredRepository>;
