// Which conversation each thing the learning loop taught the bot came from (migration 059): an intent example or an
// out-of-scope example made of a shopper's question, an article draft started from a chat. Recorded by the
// unanswered and candidate routes (server/http/admin-kb-routes.ts); read when a customer is deleted
// (server/services/customer-privacy.ts), which takes their words out of the training data and drops the drafts.
// An example records the intent it was added to (migration 060): while that intent holds the text, the same sentence
// an admin typed into another intent is the shop's own and stays; once it does not (moved by hand, intent deleted:
// the link is then null), the text is looked for in every intent.
import type { Sql } from '../server/db/client.ts';
import { cleanOutOfScopeExamples } from './out-of-scope.ts';

export type LearningSource =
  | { conversationId: number; kind: 'example'; text: string; intentId: number }
  | { conversationId: number; kind: 'out_of_scope'; text: string }
  | { conversationId: number; kind: 'article'; articleId: number };

/** Records where taught texts and drafts came from; texts as they are stored (trimmed, spaces collapsed). */
export async function recordLearningSources(sql: Sql, sources: LearningSource[]): Promise<void> {
  type Row = { conversation_id: number; kind: string; text: string | null; article_id: number | null; intent_id: number | null };
  const rows: Row[] = sources.flatMap((s): Row[] => {
    if (s.kind === 'article') return [{ conversation_id: s.conversationId, kind: s.kind, text: null, article_id: s.articleId, intent_id: null }];
    const [text] = cleanOutOfScopeExamples([s.text]);
    const intentId = s.kind === 'example' ? s.intentId : null;
    return text ? [{ conversation_id: s.conversationId, kind: s.kind, text, article_id: null, intent_id: intentId }] : [];
  });
  if (rows.length) await sql`insert into learning_sources ${sql(rows as never, 'conversation_id', 'kind', 'text', 'article_id', 'intent_id')}`;
}

/** An intent-example text taught from a conversation, and the intent it was added to. */
export interface TaughtExample {
  text: string;
  /** Null when recorded before migration 060 (which did not keep the intent) or when the intent was deleted since: the
   * text is looked for in every intent. */
  intentId: number | null;
}

export interface LearnedFrom {
  /** Intent examples made of these conversations' words. */
  examples: TaughtExample[];
  /** Out-of-scope texts made of them. */
  outOfScope: Set<string>;
  /** Articles started from them, drafts or since published. */
  articleIds: number[];
}

export async function learnedFrom(sql: Sql, conversationIds: number[]): Promise<LearnedFrom> {
  const out: LearnedFrom = { examples: [], outOfScope: new Set(), articleIds: [] };
  if (!conversationIds.length) return out;
  const rows = await sql<{ kind: string; text: string | null; article_id: number | null; intent_id: number | null }[]>`
    select kind, text, article_id, intent_id from learning_sources where conversation_id = any(${sql.array(conversationIds)}::bigint[])`;
  for (const r of rows) {
    if (r.kind === 'example' && r.text) out.examples.push({ text: r.text, intentId: r.intent_id == null ? null : Number(r.intent_id) });
    else if (r.kind === 'out_of_scope' && r.text) out.outOfScope.add(r.text);
    else if (r.article_id != null) out.articleIds.push(Number(r.article_id));
  }
  return out;
}

/** Forgets the records themselves (once what they point at was removed): nothing then ties the rest to the person. */
export async function forgetLearningSources(sql: Sql, conversationIds: number[]): Promise<void> {
  if (conversationIds.length) await sql`delete from learning_sources where conversation_id = any(${sql.array(conversationIds)}::bigint[])`;
}
