// How the learning loop groups the bot's misses: a month of questions (unanswered-grouping.json, 17 topics in
// English and Chinese, some with typos, neighbouring topics sharing words) should become a short list of topics
// with no row mixing two of them; and a question like one an admin has settled as "not for the bot" counts there
// instead of starting a new row. The grouping runs as record() runs it (closestGroup), first in memory for the
// figures, then on a real database.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closestGroup, GROUP_SIMILARITY, groupKey, unansweredRepository, type UnansweredRepository } from '../../knowledge-base/unanswered.ts';
import { cachedProfile, questionSimilarity } from '../../knowledge-base/question-similarity.ts';
import { detectLanguage, tokenize } from '../../knowledge-base/text/tokenize.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';

const devSet = JSON.parse(readFileSync(new URL('./unanswered-grouping.json', import.meta.url), 'utf8')) as { topics: Record<string, string[]> };

interface Question { text: string; topic: string }
interface Group { locale: string; text: string; members: Question[] }

/** The questions as they might arrive over a month: the topics interleaved, each topic's questions in file order. */
function traffic(topics: Record<string, string[]>): Question[] {
  const lists = Object.entries(topics);
  const out: Question[] = [];
  for (let i = 0; lists.some(([, questions]) => i < questions.length); i++) {
    for (const [topic, questions] of lists) if (i < questions.length) out.push({ text: questions[i], topic });
  }
  return out;
}

/** Groups questions one by one, as record() does: into the best group of the question's language, else a new one. */
function group(questions: Question[], pick: (text: string, groups: Group[]) => Group | undefined): Group[] {
  const groups: Group[] = [];
  for (const question of questions) {
    const locale = detectLanguage(question.text);
    const joined = pick(question.text, groups.filter((g) => g.locale === locale));
    if (joined) joined.members.push(question);
    else groups.push({ locale, text: question.text, members: [question] });
  }
  return groups;
}

/** The grouping before this one, for the figures: Jaccard ≥ 0.5 on the content words of a group's first question. */
function previousPick(text: string, groups: Group[]): Group | undefined {
  const words = (t: string) => new Set(tokenize(t));
  const a = words(text);
  let best: { group: Group; score: number } | undefined;
  for (const g of groups) {
    const b = words(g.text);
    const shared = [...a].filter((w) => b.has(w)).length;
    const score = a.size || b.size ? shared / (a.size + b.size - shared) : 1;
    if (score >= 0.5 && (!best || score > best.score)) best = { group: g, score };
  }
  return best?.group;
}

const currentPick = (text: string, groups: Group[]) => closestGroup(text, groups)?.group;

/** closestGroup at another threshold, to show how much room the one chosen has on either side. */
const pickFrom = (threshold: number) => (text: string, groups: Group[]) => {
  let best: { group: Group; score: number } | undefined;
  for (const g of groups) {
    const score = questionSimilarity(cachedProfile(text), cachedProfile(g.text));
    if (score >= threshold && (!best || score > best.score)) best = { group: g, score };
  }
  return best?.group;
};

function figures(groups: Group[], questions: number) {
  const topicsOf = (g: Group) => new Set(g.members.map((m) => m.topic));
  const majority = groups.reduce((sum, g) => sum + Math.max(...[...topicsOf(g)].map((t) => g.members.filter((m) => m.topic === t).length)), 0);
  return { questions, groups: groups.length, purity: majority / questions, mixed: groups.filter((g) => topicsOf(g).size > 1) };
}

describe('grouping unanswered questions (development set)', () => {
  const questions = traffic(devSet.topics);
  // The fewest groups possible: one per topic and language (a group is answered in its language).
  const topicLanguages = new Set(questions.map((q) => `${q.topic}/${detectLanguage(q.text)}`)).size;

  it('makes a month of questions a short list of topics, none mixing two', () => {
    const before = figures(group(questions, previousPick), questions.length);
    const after = figures(group(questions, currentPick), questions.length);
    const reversed = figures(group([...questions].reverse(), currentPick), questions.length);
    const line = (name: string, f: typeof after) => `${name}: ${f.questions} questions → ${f.groups} groups, purity ${f.purity.toFixed(3)}, ${f.mixed.length} mixed`;
    const sweep = [0.35, 0.4, 0.45, 0.5, 0.55, 0.6].map((t) => {
      const [f, r] = [questions, [...questions].reverse()].map((order) => figures(group(order, pickFrom(t)), questions.length));
      return `  at ${t.toFixed(2)}${t === GROUP_SIMILARITY ? ' (chosen)' : ''}: ${f.groups} / ${r.groups} groups (in order / reversed), ${f.mixed.length} / ${r.mixed.length} mixed`;
    });
    console.log([`unanswered grouping, ${Object.keys(devSet.topics).length} topics (${topicLanguages} topic×language)`,
      line('previous (Jaccard ≥ 0.5 on content words)', before), line('current', after), line('current, reverse order', reversed),
      'current at other thresholds:', ...sweep].join('\n'));

    expect(questions.length).toBeGreaterThanOrEqual(60);
    for (const f of [after, reversed]) {
      expect(f.mixed.map((g) => g.members.map((m) => `${m.text} [${m.topic}]`))).toEqual([]);
      expect(f.purity).toBe(1);
      expect(f.groups).toBeLessThanOrEqual(Math.round(questions.length * 0.55));
    }
    expect(after.groups).toBeLessThanOrEqual(Math.round(before.groups * 0.6));
  });

  it('puts the month-one review\'s separate rows together', () => {
    const groups = group(questions, currentPick);
    const groupOf = (text: string) => groups.find((g) => g.members.some((m) => m.text === text));
    const together = (...texts: string[]) => expect(new Set(texts.map(groupOf)).size, texts.join(' / ')).toBe(1);
    together('is there a loyalty program', 'loyalty points', 'do you have rewards', 'loyality program?');
    together('有会员积分吗', '会员积分怎么算', '有没有积分');
    together('how do I wash the tote', 'can I machine wash it', 'washing instructions');
    together('do you have a store in Paris', 'showroom address', 'can I visit your shop');
    together('你们门店在哪里', '有实体店吗', '线下门店地址');
    together('whats the weather today', 'what is the weather like');
    // A reviewer's five rows about the shop's stores (visiting one, one near me, picking an order up there) are one.
    together('do you have a store in Paris', 'physical store in Boston', 'store near me', 'nearest store location',
      'do u have a shop i can visit', 'pick up my order in store', 'can I collect my order in store');
    together('你们门店在哪里', '可以到店自提吗', '支持门店自提吗', '北京有实体店吗', '离我最近的门店');
    // Neighbours that share words stay apart.
    const apart = (a: string, b: string) => expect(groupOf(a), `${a} / ${b}`).not.toBe(groupOf(b));
    apart('do you have a store in Paris', 'can you deliver to Paris');
    apart('do you sell gift cards', 'do you offer gift wrapping');
    apart('can I cancel my order', 'where is my order');
    apart('how do I wash the tote', 'what is the tote made of');
    apart('怎么取消订单', '订单到哪了');
    // Who a discount is for is the topic; "store" in store credit, or "your shop" meaning the business, is no store.
    apart('Do you offer a student discount?', 'Do you offer military discount?');
    apart('学生有折扣吗', '军人有优惠吗');
    apart('do you have a store in Paris', 'store credit');
    apart('do you have a store in Paris', 'does your shop accept apple pay');
    apart('pick up my order in store', 'can you pick up my return from home');
  });
});

describe('recording unanswered questions', () => {
  let env: TestEnv;
  let unanswered: UnansweredRepository;
  beforeAll(async () => {
    env = await createTestEnv();
    unanswered = unansweredRepository(env.sql);
  });
  afterAll(async () => {
    await env?.cleanup();
  });
  const miss = (text: string) => unanswered.record(text, null, { reason: 'no_match' });
  const open = async () => (await unanswered.list({ status: 'open', limit: 200 })).items;

  it('counts a question like one marked "not for the bot" or dismissed into that group, which stays handled', async () => {
    const weather = await miss('whats the weather today');
    await unanswered.markHandled(weather, { kind: 'out_of_scope', added: 1 });
    expect(await miss('what is the weather like')).toBe(weather);
    const handled = await unanswered.findById(weather);
    expect(handled).toMatchObject({ status: 'handled', count: 2, resolution: { kind: 'out_of_scope', at: expect.any(String) } });
    expect(handled?.examples.map((e) => e.text)).toEqual(['what is the weather like', 'whats the weather today']);
    expect((await open()).some((g) => /weather/.test(g.text))).toBe(false);

    const jobs = await miss('are you hiring students');
    await unanswered.markHandled(jobs, { kind: 'dismissed' });
    expect(await miss('hiring students?')).toBe(jobs);
    // Something else asked the same way is a row of its own.
    const other = await miss('is there a student discount');
    expect(other).not.toBe(jobs);
    expect((await open()).map((g) => g.id)).toContain(other);
  });

  it('opens a new row for a question like one taught to the bot, and forgets old settled groups', async () => {
    const taught = await miss('do you engrave the wallet');
    await unanswered.markHandled(taught, { kind: 'example', intentId: 1, intent: 'engraving' });
    const again = await miss('can you engrave my wallet');
    expect(again).not.toBe(taught);
    expect(await unanswered.findById(again)).toMatchObject({ status: 'open', count: 1 });

    const old = await miss('do you sell concert tickets');
    await unanswered.markHandled(old, { kind: 'out_of_scope', added: 1 });
    await env.sql`update unanswered_questions set last_seen = now() - interval '120 days',
                    resolution = resolution || jsonb_build_object('at', now() - interval '120 days') where id = ${old}`;
    expect(await miss('concert tickets for sale?')).not.toBe(old);
  });

  it('joins groups stored before this grouping, whose key and tokens were the old content words', async () => {
    // As the previous grouping stored it: stemmed content words, scaffolding ("there") included.
    const [stored] = await env.sql<{ id: number }[]>`
      insert into unanswered_questions (locale, text, normalised, cluster_key, tokens, count, examples)
      values ('en', 'is there a loyalty program', 'is there a loyalty program', 'loyalti program there', '{loyalti,program,there}', 4, '[]')
      returning id`;
    expect(await miss('do you have rewards')).toBe(stored.id);
    expect(await miss('loyalty points?')).toBe(stored.id);
    expect((await unanswered.findById(stored.id))?.count).toBe(6);
    // A new group is keyed by its topic terms: same terms, same open row, even when written differently.
    expect(groupKey('Do you have a store in Lyon?').clusterKey).toBe(groupKey('showroom lyon').clusterKey);
    const lyon = await miss('Do you have a store in Lyon?');
    expect(await miss('showroom lyon')).toBe(lyon);
    expect(await miss('do you ship to Lyon')).not.toBe(lyon);
  });
});
