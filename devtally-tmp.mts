import { readFileSync } from 'node:fs';
import { createPipeline } from './knowledge-base/pipeline.ts';
import { trainIntentClassifier } from './knowledge-base/nlu.ts';
import { loadArticles, loadIntents, loadOutOfScope } from './knowledge-base/content-loader.ts';
const articles = loadArticles().filter((a) => a.status === 'published').map((a, i) => ({ ...a, id: i + 1 }));
const intents = loadIntents();
const classifier = await trainIntentClassifier(
  intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
  { outOfScopeExamples: loadOutOfScope() },
);
const pipeline = await createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test' });
const dev = JSON.parse(readFileSync('knowledge-base/content/paraphrases-dev.json', 'utf8')) as { locale: 'en' | 'zh'; slug: string; text: string }[];
const slugOfIntent = new Map(intents.map((i) => [`intent:${i.name}`, i.articleSlug]));
const tally = { right: 0, wrong: 0, clarifiedWithIt: 0, otherwise: 0 };
for (const p of dev) {
  const d = await pipeline.run(p.text, { locale: p.locale });
  const first = d.metadata.articles?.[0]?.slug;
  const offered = d.quickReplies.map((q) => slugOfIntent.get(q.value) ?? q.value.replace(/^article:/, ''));
  let k: keyof typeof tally;
  if (d.action === 'answer' && first) k = first === p.slug ? 'right' : 'wrong';
  else if (d.metadata.decision === 'clarify' && offered.includes(p.slug)) k = 'clarifiedWithIt';
  else k = 'otherwise';
  tally[k]++;
  if (k !== 'right') console.log(k.padEnd(16), p.slug.padEnd(26), `[${d.action}/${d.metadata.reason} ${d.metadata.intent ?? ''} ${first ?? ''} offered=${offered.join(',')}]`, p.text);
}
console.log(dev.length, tally);
