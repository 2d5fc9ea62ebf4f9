// Candidate training material from people: chats the bot handed off that an
// agent then resolved. The shopper's question and the agent's reply are
// offered to admins as a new intent example or an article draft; once used or
// dismissed, a candidate leaves the list (learning_candidates_handled).
import type { Sql } from '../server/db/client.ts';
import { asksForPerson, withoutPersonRequest } from './signals.ts';
import { detectLanguage, tokenize } from './text/tokenize.ts';
import { CJK_CHAR } from './text/language.ts';
import { withoutOrderNumbers } from './order-numbers.ts';
import { normalizeText } from './text/normalize.ts';

export interface Candidate {
  conversationId: number;
  customerId: number;
  question: string;
  answer: string;
  agentName: string | null;
  locale: string;
  resolvedAt: Date;
}

/** A chat the bot handed off and an agent resolved (columns of `conversations`): what can teach the bot. */
const resolvedHandoff = (sql: Sql) => sql`handed_off and status = 'resolved' and resolved_by = 'agent'`;

/** The newest candidates not used or dismissed yet; with `conversationId`, that one only (if it is one). */
export async function resolvedHandoffCandidates(sql: Sql, limit: number, conversationId?: number): Promise<Candidate[]> {
  const conversations = await sql<{ id: number; customer_id: number; resolved_at: Date }[]>`
    select c.id, c.customer_id, c.resolved_at from conversations c
    where ${resolvedHandoff(sql)} ${conversationId === undefined ? sql`` : sql`and c.id = ${conversationId}`}
      and not exists (select 1 from learning_candidates_handled h where h.conversation_id = c.id)
    order by c.resolved_at desc limit ${limit * 2}`;
  if (!conversations.length) return [];
  const messages = await sql<{ conversation_id: number; author_type: string; body: string; agent_name: string | null; decision: string | null }[]>`
    select m.conversation_id, m.author_type, m.body, u.name as agent_name, m.metadata->>'decision' as decision
    from messages m left join users u on u.id = m.author_id
    where m.conversation_id = any(${sql.array(conversations.map((c) => c.id))}::bigint[])
      and not m.private and m.author_type in ('customer', 'agent', 'bot')
    order by m.conversation_id, m.id`;
  type Row = (typeof messages)[number];
  const byConversation = new Map<number, Row[]>();
  for (const m of messages) {
    const list = byConversation.get(m.conversation_id) ?? [];
    list.push(m);
    byConversation.set(m.conversation_id, list);
  }

  const out: Candidate[] = [];
  for (const c of conversations) {
    const thread = byConversation.get(c.id) ?? [];
    const firstAgent = thread.findIndex((m) => m.author_type === 'agent');
    if (firstAgent < 0) continue;
    const question = questionBeforeAgent(thread.slice(0, firstAgent));
    const answer = thread.slice(firstAgent).find((m) => m.author_type === 'agent' && m.body.trim().length >= 15);
    if (!question || !answer) continue;
    out.push({
      conversationId: c.id, customerId: c.customer_id, question: question.body, answer: answer.body, agentName: answer.agent_name,
      locale: detectLanguage(question.body), resolvedAt: c.resolved_at,
    });
    if (out.length >= limit) break;
  }
  return out;
}

interface ThreadMessage { author_type: string; body: string; decision: string | null }

/**
 * Words enough to learn from once order numbers are taken out: "NW-100001", sent when the bot asked for the number,
 * is no question to teach an intent with. Four Latin letters or two Chinese characters at least.
 */
const CJK_CHARS = new RegExp(CJK_CHAR.source, 'gu');
function hasWords(text: string): boolean {
  const rest = withoutOrderNumbers(text);
  return (rest.match(CJK_CHARS)?.length ?? 0) >= 2 || (rest.match(/[a-z]/giu)?.length ?? 0) >= 4;
}

/**
 * Words of a request for a person that say nothing of what it is about: the asking ("I want to speak to someone now"),
 * the preference ("I would rather", "I'd prefer"), the filler around it ("ok but … please", "好吧我还是想找人工",
 * "算了转人工吧"). Stop words (I, a, but, to, 吧, 我 …) are dropped by the tokenizer before this list is read. A word
 * left over that is none of these is the topic ("… about a refund", "我要人工，退款的事"). Only words that never name a
 * topic are here: a word that is filler in one phrase and a topic elsewhere ("transfer me" / "a bank transfer", "a real
 * person" / "is this real?", "ok fine" / "a fine on my parcel", "chat with" / "the chat crashed", "right now" / "the
 * right size") is filler only in that phrase (REQUEST_PHRASES).
 */
const REQUEST_WORDS = new Set(tokenize('want wanna need would like prefer rather can could may speak talk help someone somebody '
  + 'anyone anybody now away immediately about get ok okay alright well just actually really honestly please pls thanks '
  + 'thank instead still then again let put through me us '
  + '想 要 我要 找 需要 帮 帮忙 事 事情 马上 立刻 好 好吧 还是 算了 转 转接 接 请 麻烦 直接 跟 和 让 给 现在 一下 嗯 那 那就 行 可以 能 能不能 吗 呢',
{ dropStopWords: false }));

/**
 * The phrases of a request in which a word that can name a topic is filler: "transfer me", "connect us"; "real",
 * "actual", "live" before a person ("a real live agent"); "chat with"; "fine" after "ok" or at the start of a sentence;
 * "right now", "right away". Read in the whole message (the signals' person request may take the person out of it
 * and leave the "real"): such a word is a topic only where it is said outside them.
 */
const PERSON_NOUN = String.raw`(?:person|people|human|humans|agent|agents|someone|somebody|one|rep|representative|operator|staff|being)`;
const REQUEST_PHRASES = [
  /\b(?:transfer|connect|put|pass)\s+(?:me|us)\b/giu,
  new RegExp(String.raw`\b(?:real|actual|live)\b(?=(?:\s+(?:real|actual|live|human))*\s+${PERSON_NOUN}\b)`, 'giu'),
  /\b(?:live\s+)?chat(?:ting)?\s+(?=with\b|to\b)/giu,
  /(?:^|[,.!?;]|\b(?:ok|okay|alright)\b)\s*fine\b/giu,
  /\bright\s+(?:now|away)\b/giu,
];
const withoutRequestPhrases = (text: string) => REQUEST_PHRASES.reduce((rest, re) => rest.replace(re, ' '), text);

/**
 * A request for a person that also says what it is about ("Can I speak to a human, I need a refund", "我要人工，退款的事"):
 * the shopper's question as much as any other message. A bare "talk to a human please" or "ok but I would rather talk
 * to a real person" is none.
 */
function personRequestWithTopic(text: string): boolean {
  const normal = normalizeText(text);
  const saidOutsidePhrases = new Set(tokenize(withoutRequestPhrases(normal)));
  return tokenize(withoutPersonRequest(normal)).some((token) => !REQUEST_WORDS.has(token) && !/^\d+$/.test(token) && saidOutsidePhrases.has(token));
}

/** The signals' phrases are written in simplified Mandarin: "請幫我轉接客服人員" is read as the bot reads it. */
const asksForPersonIn = (text: string) => asksForPerson(normalizeText(text));

const isQuestion = (m: ThreadMessage) => m.author_type === 'customer' && (!asksForPersonIn(m.body) || personRequestWithTopic(m.body))
  && m.body.trim().length >= 8 && hasWords(m.body);

/**
 * The question the agent answered: the shopper's last message before the agent spoke that is not just "get me a
 * person" — and not one the bot had already answered. A chat where the bot answered "do you ship to Canada?" and the
 * shopper then sent a photo of a broken strap went to a person for the photo; pairing the Canada question with the
 * agent's "I have issued a replacement" would teach the bot nonsense. Such a chat offers nothing (no text question
 * came after the bot's answer), unless the shopper's first words after that answer asked for a person: then the
 * answer did not help, and the question before it is the one — unless a request for a person says what it is about:
 * "Where is my order?" answered, then "I want to talk to a person about a refund" and the agent's "I have issued your
 * refund" pair the refund request, not the order question.
 */
export function questionBeforeAgent(beforeAgent: readonly ThreadMessage[]): ThreadMessage | undefined {
  let lastAnswer = -1;
  beforeAgent.forEach((m, i) => { if (m.author_type === 'bot' && m.decision === 'answer') lastAnswer = i; });
  const sinceAnswer = beforeAgent.slice(lastAnswer + 1);
  const asked = [...sinceAnswer].reverse().find(isQuestion);
  if (asked || lastAnswer < 0) return asked;
  const reaction = sinceAnswer.find((m) => m.author_type === 'customer');
  return reaction && asksForPersonIn(reaction.body) ? [...beforeAgent.slice(0, lastAnswer)].reverse().find(isQuestion) : undefined;
}

export type CandidateAction = 'example' | 'article' | 'dismissed';

/** Marks a resolved hand-off as used or dismissed; false when it is no candidate (not a resolved hand-off). */
export async function markCandidateHandled(sql: Sql, conversationId: number, action: CandidateAction, userId: number): Promise<boolean> {
  const rows = await sql`
    insert into learning_candidates_handled (conversation_id, action, handled_by)
    select id, ${action}, ${userId} from conversations
    where id = ${conversationId} and ${resolvedHandoff(sql)}
    on conflict (conversation_id) do update set action = excluded.action, handled_by = excluded.handled_by, handled_at = now()
    returning conversation_id`;
  return rows.length > 0;
}

/**
 * Takes a candidate for an admin's action in one statement: false when it was handled already (a second click, or
 * another admin at the same moment), so an example or a draft is not made twice. `releaseCandidate` puts it back on the
 * list when the action fails.
 */
export async function claimCandidate(sql: Sql, conversationId: number, action: CandidateAction, userId: number): Promise<boolean> {
  const rows = await sql`
    insert into learning_candidates_handled (conversation_id, action, handled_by)
    select id, ${action}, ${userId} from conversations where id = ${conversationId} and ${resolvedHandoff(sql)}
    on conflict (conversation_id) do nothing
    returning conversation_id`;
  return rows.length > 0;
}

export async function releaseCandidate(sql: Sql, conversationId: number): Promise<void> {
  await sql`delete from learning_candidates_handled where conversation_id = ${conversationId}`;
}

/**
 * The Markdown of an article draft started from shoppers' questions: the questions quoted, then the answer (an
 * agent's reply that resolved one of them) or a place to write it.
 */
export function articleDraftBody(locale: 'en' | 'zh', questions: string[], answer?: string): string {
  const zh = locale === 'zh';
  return [
    zh ? '## 顾客的问题' : '## What shoppers asked', '',
    ...questions.map((q) => `- ${q.replace(/\n/g, ' ')}`), '',
    zh ? '## 回答' : '## Answer', '', answer ?? (zh ? '（在此撰写回答）' : '(Write the answer here.)'),
  ].join('\n');
}
