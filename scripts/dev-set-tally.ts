// How the bot does on the development sets of shopper questions (knowledge-base/content/*-dev*.json) and on the test
// set (paraphrases.json): right / wrong / clarified / neither per set, as the rounds in knowledge-base/README.md count
// them. Runs the demo shop's whole pipeline in this process (its catalogue and orders, the shopper not signed in).
//   npx tsx scripts/dev-set-tally.ts [answers.tsv]    — the optional file gets one line per question, to compare runs.
// Right: answered from the expected article or product page (a product's Chinese page counts as the product), or,
// for a question the shop does not handle (`"slug": "none"`), not answered; clarified: options offered instead. A slug
// "a|b" names two articles that both answer.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoShopPipeline } from '../test/knowledge-base/brain/demo-shop.ts';
import type { DecideContext } from '../knowledge-base/policy.ts';

const CONTENT = join(import.meta.dirname, '..', 'knowledge-base', 'content');
const MORE = join(import.meta.dirname, '..', 'test', 'knowledge-base', 'brain');

interface Question { locale: 'en' | 'zh'; slug: string; text: string; previous?: string; page?: string }
type Verdict = 'right' | 'wrong' | 'clarified' | 'neither';

/** A set's questions: a list of {locale, slug, text | question, previous?, page?}, or {en: [...], zh: [...]}. */
function questionsOf(file: string): Question[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const item = (locale: 'en' | 'zh') => (q: Record<string, string>): Question =>
    ({ locale: (q.locale as 'en' | 'zh') ?? locale, slug: q.slug, text: q.text ?? q.question, previous: q.previous, page: q.page });
  if (Array.isArray(raw)) return raw.map(item('en'));
  const byLocale = raw as Record<'en' | 'zh', Record<string, string>[]>;
  return [...(byLocale.en ?? []).map(item('en')), ...(byLocale.zh ?? []).map(item('zh'))];
}

const devSets = [
  ...readdirSync(CONTENT).filter((f) => /-dev(-\d+)?\.json$/.test(f)).map((f) => join(CONTENT, f)),
  ...readdirSync(MORE).filter((f) => /-dev(-\d+)?\.json$/.test(f)).map((f) => join(MORE, f)),
].sort();
const sets = [...devSets, join(CONTENT, 'paraphrases.json')];

const shop = await demoShopPipeline();
const lines: string[] = [];
for (const file of sets) {
  const tally: Record<Verdict, number> = { right: 0, wrong: 0, clarified: 0, neither: 0 };
  const questions = questionsOf(file);
  for (const q of questions) {
    const context: DecideContext = { locale: q.locale, ...(q.page ? { page: { url: q.page } } : {}) } as DecideContext;
    if (q.previous) {
      const first = await shop.run(q.previous, { ...context });
      context.history = [{ author: 'customer', text: q.previous, metadata: {} }, { author: 'bot', text: first.reply, metadata: first.metadata }] as DecideContext['history'];
    }
    const decision = await shop.run(q.text, context);
    const meta = decision.metadata as { articles?: { slug: string }[]; products?: { sku: string }[]; decision?: string; reason?: string; intent?: string };
    const got = meta.articles?.[0]?.slug ?? (meta.products?.[0]?.sku ? `product:${meta.products[0].sku}` : undefined);
    const answered = decision.action === 'answer' && (!!got || meta.reason === 'intent');
    // An expected "a|b" accepts either: both articles say the answer (the label is free in two sections).
    const same = (a?: string, b?: string) => !!b && b.split('|').some((one) => a?.replace(/-ZH$/, '') === one.replace(/-ZH$/, ''));
    const verdict: Verdict = q.slug === 'none'
      ? (answered ? 'wrong' : meta.decision === 'clarify' ? 'clarified' : 'right')
      : answered ? (same(got, q.slug) ? 'right' : 'wrong') : meta.decision === 'clarify' ? 'clarified' : 'neither';
    tally[verdict]++;
    lines.push([file.split('/').pop(), q.text, `${decision.action}/${meta.decision}/${meta.reason}`, meta.intent ?? '-', got ?? '-', verdict,
      decision.reply.split('\n')[0].slice(0, 60)].join('\t'));
  }
  console.log(`${file.split('/').pop()}: right ${tally.right}, wrong ${tally.wrong}, clarified ${tally.clarified}, neither ${tally.neither} (of ${questions.length})`);
}
if (process.argv[2]) writeFileSync(process.argv[2], `${lines.join('\n')}\n`);
process.exit(0);
