// Sentences the bot should not claim as any intent ("what's the weather").
// Kept in the settings table (admin-editable) and trained as an explicit
// out-of-scope class; seeded from content/out-of-scope.json.
import type { Sql } from '../server/db/client.ts';
import { badRequest, conflict, worded } from '../server/errors.ts';
import { sameStamp, STALE_EDIT, staleEditMessage } from './stale-edits.ts';
import { detectLanguage, tokenize } from './text/tokenize.ts';
import { isQuestionWord } from './text/question-words.ts';

const KEY = 'nlu_out_of_scope';
/** As many as the replace route accepts: training stays quick and the settings row small. */
export const MAX_OUT_OF_SCOPE_EXAMPLES = 5000;

/** Examples as they are stored: trimmed, inner spaces collapsed, empty and repeated ones dropped. */
export const cleanOutOfScopeExamples = (examples: string[]): string[] => [...new Set(examples.map((e) => e.trim().replace(/\s+/g, ' ')).filter(Boolean))];

export async function outOfScopeExamples(sql: Sql): Promise<string[]> {
  const [row] = await sql<{ value: { examples?: string[] } }[]>`select value from settings where key = ${KEY}`;
  return (row?.value.examples ?? []).filter((e) => typeof e === 'string' && e.trim() !== '');
}

/** The list with the time it last changed (null before it was ever stored): what the editor bases a save on. */
export async function outOfScopeState(sql: Sql): Promise<{ examples: string[]; updatedAt: Date | null }> {
  const [row] = await sql<{ updated_at: Date }[]>`select updated_at from settings where key = ${KEY}`;
  return { examples: await outOfScopeExamples(sql), updatedAt: row?.updated_at ?? null };
}

export async function setOutOfScopeExamples(sql: Sql, examples: string[]): Promise<string[]> {
  const clean = cleanOutOfScopeExamples(examples);
  // On by at least a millisecond, the precision the editor holds the time in (stale-edits.ts).
  await sql`insert into settings (key, value) values (${KEY}, ${sql.json({ examples: clean })})
            on conflict (key) do update set value = excluded.value, updated_at = greatest(now(), settings.updated_at + interval '1 millisecond')`;
  return clean;
}

/**
 * Every write of the list takes this lock (in its transaction), so neither an addition, a replacement nor a customer
 * deletion's removal overwrites another unseen.
 */
export const lockOutOfScopeList = (tx: Sql) => tx`select pg_advisory_xact_lock(hashtext(${KEY}))`;
const lockList = lockOutOfScopeList;

/**
 * The editor's save: replaces the whole list. With `basedOn` (the `updatedAt` the editor loaded; null when there was
 * no list yet) only when nothing changed since, so sentences marked "Not for the bot" meanwhile are not dropped.
 */
export async function replaceOutOfScopeExamples(sql: Sql, examples: string[], basedOn?: string | null): Promise<{ examples: string[]; updatedAt: Date | null }> {
  return sql.begin(async (t) => {
    const tx = t as unknown as Sql;
    await lockList(tx);
    if (basedOn !== undefined && !sameStamp((await outOfScopeState(tx)).updatedAt, basedOn)) {
      throw conflict(staleEditMessage('The out-of-scope list', 'questions may have been marked "Not for the bot"'), STALE_EDIT);
    }
    await setOutOfScopeExamples(tx, examples);
    return outOfScopeState(tx);
  }) as Promise<{ examples: string[]; updatedAt: Date | null }>;
}

/**
 * Appends examples (the learning loop's "not for the bot"); returns how many were new, the total, and the new texts
 * themselves (as stored): only those are the shopper's words, one the list had already is the shop's.
 * `onAdded` runs in the same transaction (recording where the new texts came from), so a text is never added untraced.
 */
export async function addOutOfScopeExamples(sql: Sql, examples: string[], onAdded?: (tx: Sql, texts: string[]) => Promise<void>): Promise<{ added: number; total: number; texts: string[] }> {
  return sql.begin(async (tx) => {
    // The lock keeps two admins' additions from overwriting each other.
    await lockList(tx as unknown as Sql);
    const current = await outOfScopeExamples(tx as unknown as Sql);
    const merged = cleanOutOfScopeExamples([...current, ...examples]);
    if (merged.length > MAX_OUT_OF_SCOPE_EXAMPLES) {
      throw worded(badRequest(`At most ${MAX_OUT_OF_SCOPE_EXAMPLES} out-of-scope examples are kept; remove some first.`), 'out_of_scope_full', { n: String(MAX_OUT_OF_SCOPE_EXAMPLES) });
    }
    await setOutOfScopeExamples(tx as unknown as Sql, merged);
    const had = new Set(cleanOutOfScopeExamples(current));
    const texts = merged.filter((e) => !had.has(e));
    if (onAdded && texts.length) await onAdded(tx as unknown as Sql, texts);
    return { added: texts.length, total: merged.length, texts };
  }) as Promise<{ added: number; total: number; texts: string[] }>;
}

/**
 * Generic things shoppers write that are about no one topic (greetings, vague requests, small talk, everyday
 * questions), written for this project. An intent classifier cannot learn from one intent alone, so while a shop
 * has a single intent it is trained against these (beside the admin's own out-of-scope examples) as the
 * out-of-scope class: the intent then wins only on the words its examples share, and a question about something
 * else, which shares at most the way it is asked ("how", "do you", "can I"), stays out of scope.
 */
export const BACKGROUND_EXAMPLES: readonly string[] = [
  'hi there, can you help me',
  'I have a question',
  'can I ask you something',
  'is anyone there',
  'are you a real person or a bot',
  'what can you do',
  'I need some help please',
  'ok',
  'thank you so much',
  'never mind',
  'I don\'t understand',
  'can you explain that again',
  'what does that mean',
  'that doesn\'t answer my question',
  'tell me more about it',
  'I would like some information',
  'who am I talking to',
  'how are you today',
  'good morning',
  'sounds good, bye',
  'yes',
  'no thanks',
  'maybe later',
  'what is this website',
  'how does this work',
  'do you have any recommendations',
  'what do you think',
  'can you check something for me',
  'I\'m just browsing',
  'is this the right place to ask',
  'what are your opening hours on holidays',
  'where is your company based',
  'do you have a phone number',
  'I love your products',
  'this is my first time here',
  'can I speak english',
  'what languages do you speak',
  'how old are you',
  'what is your name',
  'do you like music',
  'can you recommend a restaurant nearby',
  'who is the president',
  'what day is it today',
  'how do I cook rice',
  'my computer is slow',
  'I forgot what I was going to ask',
  'how do I write a good essay',
  'is it going to be sunny',
  '你好',
  '在吗',
  '有人吗',
  '我有个问题',
  '可以帮我一下吗',
  '你是机器人吗',
  '你能做什么',
  '谢谢',
  '好的',
  '没事了',
  '我不明白',
  '能再说一遍吗',
  '这是什么意思',
  '你叫什么名字',
  '今天星期几',
  '随便看看',
  '你们公司在哪里',
  '有什么推荐的吗',
  '我想咨询一下',
  '你们几点下班',
  '附近有什么好吃的',
  '帮我写一篇作文',
  '米饭怎么煮',
  '再见',
];

/** Words of a text that say what it is about (not how it is asked); stemmed English, segmented Chinese. */
function topicWords(text: string): string[] {
  return tokenize(text).filter((w) => !isQuestionWord(w) && /[\p{L}\p{N}]/u.test(w));
}

/**
 * The background sentences to train a lone intent against: those in a language its examples are written in (a
 * question in another language shares none of its words and is out of scope anyway; more sentences would only
 * outweigh its few examples) that share no topic word with its examples or name (so an intent about greetings,
 * say, is not trained against "你好").
 */
export function backgroundExamplesFor(intents: { name: string; examples: string[] }[]): string[] {
  const examples = intents.flatMap((i) => i.examples);
  const languages = new Set(examples.map(detectLanguage));
  const own = new Set([...intents.map((i) => i.name.replace(/[_\-.:/]+/g, ' ')), ...examples].flatMap(topicWords));
  return BACKGROUND_EXAMPLES.filter((sentence) => languages.has(detectLanguage(sentence)) && !topicWords(sentence).some((w) => own.has(w)));
}
