// The learning loop's inbox: questions the bot could not answer — and answers
// the shopper rated not helpful — grouped by what they ask about, with counts, so
// admins see "is there a loyalty program / loyalty points / do you have rewards"
// as one row of 3, not 3 rows. How alike two questions are is question-similarity.ts
// (topic words without the way a question is put, a shop's synonyms, typos).
// Each example says why it is here, so an admin can tell a miss from a wrong answer.
import type { Sql } from '../server/db/client.ts';
import { detectLanguage } from './text/tokenize.ts';
import { cachedProfile, questionSimilarity, topicTerms } from './question-similarity.ts';

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
  /** The conversation `text` came from (migration 004); null for groups recorded before. */
  source_conversation_id: number | null;
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

/**
 * A question joins the group whose question it is most like from this similarity on (question-similarity.ts). Chosen
 * on test/knowledge-base/unanswered-grouping.json: at 0.4 "can I change my delivery address" joined "do you ship to
 * France"; at 0.45–0.5 no group mixed two topics.
 */
export const GROUP_SIMILARITY = 0.45;
/** Examples kept per group (the newest). */
export const MAX_UNANSWERED_EXAMPLES = 10;
const CANDIDATE_CLUSTERS = 2000;
/**
 * Handled groups a new question can still count into: those the admin said the bot should not answer ("Not for the
 * bot", dismissed), handled or asked within this many days. A group taught to the bot (an intent example, an
 * article) is not among them: a similar miss after that says the teaching did not cover it, and is a new row.
 */
const HANDLED_KINDS_THAT_ABSORB = ['out_of_scope', 'dismissed'];
const HANDLED_RECENT_DAYS = 90;
/**
 * How long an admin's claim on a group holds (`claim`, then the action, then `markHandled` or `reopen`). An action
 * takes seconds: its database waits give up after the lock timeout (10 s by default) and queueing a retrain after
 * three tries. A claim older than this was left by a process that stopped mid-action (a crash, a deploy), and the group
 * counts as open again instead of staying out of the list for good. (DB_LOCK_TIMEOUT_MS set above a minute would
 * call for a longer bound: an action may wait for a few locks.)
 */
export const CLAIM_EXPIRES_AFTER_SECONDS = 5 * 60;

export function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 500);
}

/**
 * A question's topic terms and the key that makes two open groups with the same terms one (the database's unique
 * key on open groups). Groups stored before this grouping keep their old keys and tokens: matching reads their
 * question's text, not those columns.
 */
export function groupKey(text: string): { tokens: string[]; clusterKey: string } {
  const tokens = topicTerms(text);
  return { tokens, clusterKey: tokens.join(' ') || normalise(text) };
}

/** The group (of those given, by their question's text) a new question is most like, if like enough. */
export function closestGroup<G extends { text: string }>(text: string, groups: readonly G[]): { group: G; score: number } | null {
  const question = cachedProfile(text);
  let best: { group: G; score: number } | null = null;
  for (const group of groups) {
    const score = questionSimilarity(question, cachedProfile(group.text));
    if (score >= GROUP_SIMILARITY && (!best || score > best.score)) best = { group, score };
  }
  return best;
}

/** Whether a row is a claim left too long (SQL): true only for a pending resolution older than the bound. */
const claimExpired = (sql: Sql) => sql`(case when status = 'handled' and resolution->>'kind' = 'pending'
  then (resolution->>'at')::timestamptz < now() - make_interval(secs => ${CLAIM_EXPIRES_AFTER_SECONDS}) else false end)`;

/** A group as the list shows it: one under an expired claim is open (its pending resolution is no outcome). */
const asListed = ({ claim_expired: expired, ...row }: UnansweredRow & { claim_expired: boolean }): UnansweredRow =>
  (expired ? { ...row, status: 'open', resolution: null } : row);

export const unansweredRepository = (sql: Sql) => ({
  /**
   * Adds one miss to the group it is most like: an open one, or one handled recently as not for the bot (it counts
   * there and stays handled, rather than bringing back a row the admin has settled). Else it starts a group.
   */
  async record(text: string, conversationId: number | null, why: MissReason): Promise<number> {
    const normalised = normalise(text);
    if (!normalised) return 0;
    // A bot turn still running when its customer was deleted (customer-privacy.ts) must not put their words back into
    // the list the deletion just took them out of. FOR SHARE waits for a deletion that has marked the chat and not yet
    // committed, and then reads what it committed.
    if (conversationId !== null) {
      const [chat] = await sql<{ erased: boolean }[]>`select anonymised_at is not null as erased from conversations where id = ${conversationId} for share`;
      if (chat?.erased) return 0;
    }
    const locale = detectLanguage(text);
    const { tokens, clusterKey } = groupKey(text);
    const example: UnansweredExample = { text: text.slice(0, 500), conversationId, at: new Date().toISOString(), ...why };
    const candidates = await sql<{ id: number; text: string; status: string }[]>`
      select id, text, status from unanswered_questions
      where locale = ${locale} and (status = 'open' or ${claimExpired(sql)} or (status = 'handled' and resolution->>'kind' in ${sql(HANDLED_KINDS_THAT_ABSORB)}
        and greatest(last_seen, (resolution->>'at')::timestamptz) > now() - make_interval(days => ${HANDLED_RECENT_DAYS})))
      order by status desc, last_seen desc limit ${CANDIDATE_CLUSTERS}`;
    const best = closestGroup(text, candidates);
    if (best) {
      await sql`
        update unanswered_questions set count = count + 1, last_seen = now(),
          examples = (select coalesce(jsonb_agg(e), '[]'::jsonb) from (
            select e from jsonb_array_elements(${sql.json([example] as never)}::jsonb || examples) with ordinality as x(e, n) order by n limit ${MAX_UNANSWERED_EXAMPLES}) s)
        where id = ${best.group.id}`;
      return best.group.id;
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
    const status = (filter.status ?? 'open') === 'open' ? sql`(status = 'open' or ${claimExpired(sql)})` : sql`(status = 'handled' and not ${claimExpired(sql)})`;
    const where = sql`where ${status} ${filter.locale ? sql`and locale = ${filter.locale}` : sql``}`;
    const items = await sql<(UnansweredRow & { claim_expired: boolean })[]>`
      select *, ${claimExpired(sql)} as claim_expired from unanswered_questions ${where}
      order by count desc, last_seen desc limit ${filter.limit ?? 50} offset ${filter.offset ?? 0}`;
    const [{ total }] = await sql<{ total: number }[]>`select count(*)::int as total from unanswered_questions ${where}`;
    return { items: items.map(asListed), total };
  },
  /**
   * The open group a resolved hand-off's question was counted in, which a draft made from the chat answers too: of the
   * groups holding a question from its chat, the one whose question from it is this one (the same words, or alike
   * enough to have been grouped with it: the bot may have recorded only the part it could not answer). Other groups of
   * the chat are other questions ("do you ship to Iceland?" before "can I pay with Klarna?") and stay open. A question
   * the bot did not record (it answered, and the shopper asked for a person) answers the group it is most like, if any.
   */
  async openGroupOf(text: string, conversationId: number): Promise<{ id: number; text: string } | undefined> {
    const locale = detectLanguage(text);
    const fromChat = sql`(source_conversation_id = ${conversationId} or examples @> ${sql.json([{ conversationId }] as never)}::jsonb)`;
    const open = await sql<(Pick<UnansweredRow, 'id' | 'text' | 'locale' | 'examples' | 'source_conversation_id'> & { from_chat: boolean })[]>`
      select id, text, locale, examples, source_conversation_id, ${fromChat} as from_chat from unanswered_questions
      where (status = 'open' or ${claimExpired(sql)}) and (locale = ${locale} or ${fromChat})
      order by last_seen desc limit ${CANDIDATE_CLUSTERS}`;
    // Each question the chat put in a group (its examples from the chat, and the group's own question if the chat asked it).
    const asked = open.filter((g) => g.from_chat).flatMap((group) => [
      ...(group.source_conversation_id === conversationId ? [group.text] : []),
      ...group.examples.filter((e) => e.conversationId === conversationId).map((e) => e.text),
    ].map((question) => ({ group, text: question })));
    const wanted = normalise(text);
    const own = asked.find((q) => normalise(q.text) === wanted) ?? closestGroup(text, asked)?.group;
    const group = own?.group ?? closestGroup(text, open.filter((g) => g.locale === locale))?.group;
    return group && { id: group.id, text: group.text };
  },
  async findById(id: number): Promise<UnansweredRow | undefined> {
    const [row] = await sql<UnansweredRow[]>`select * from unanswered_questions where id = ${id}`;
    return row;
  },
  /** Settles a group; `at` (when) is added to the resolution: a similar question counts into it for a while after. */
  async markHandled(id: number, resolution: Record<string, unknown>): Promise<UnansweredRow | undefined> {
    const [row] = await sql<UnansweredRow[]>`
      update unanswered_questions set status = 'handled',
        resolution = ${sql.json(resolution as never)}::jsonb || jsonb_build_object('at', now())
      where id = ${id} returning *`;
    return row;
  },
  /**
   * Takes an open group for an admin's action, in one statement: undefined when it is handled already (by an earlier
   * click, or another admin at the same moment), so an action is never applied twice. The resolution is set when the
   * action is done (markHandled); `reopen` gives the group back if it fails. A claim older than
   * CLAIM_EXPIRES_AFTER_SECONDS (its action died with its process) may be taken over. Two takeovers at once are one:
   * the second waits for the first's row and finds a fresh claim in it.
   */
  async claim(id: number, by: number): Promise<UnansweredRow | undefined> {
    const [row] = await sql<UnansweredRow[]>`
      update unanswered_questions set status = 'handled', resolution = jsonb_build_object('kind', 'pending', 'by', ${by}::bigint, 'at', now())
      where id = ${id} and (status = 'open' or ${claimExpired(sql)}) returning *`;
    return row;
  },
  /**
   * Gives back a group its action failed on. Only the claim `claimed` holds (known by its time): an action that
   * outlived its claim must not free the group while the admin who took it over is acting on it.
   */
  async reopen(claimed: UnansweredRow): Promise<void> {
    const at = claimed.resolution?.at;
    if (typeof at !== 'string') return;
    await sql`update unanswered_questions set status = 'open', resolution = null
      where id = ${claimed.id} and resolution->>'kind' = 'pending' and resolution->>'at' = ${at}`;
  },
});

export type UnansweredRepository = ReturnType<typeof unansweredRepository>;
