// What a product catalogue costs the bot (npm run bench:products): the whole
// pipeline (classify + retrieve + decide) on BANKING77's test sentences, one at
// a time as in a chat, with 1,000 synthetic articles and no products (the
// baseline, as in bench:nlu) side by side with the same plus 10,000 synthetic
// products; then the catalogue's build time and memory. The classifier is
// trained on 10 examples per intent: it is not what is measured here.
//
// Env: BANKING77_DIR, BENCH_PRODUCTS (default 10000).
import { IntentClassifier } from '../knowledge-base/classifier/intent-classifier.ts';
import { seededRandom } from '../knowledge-base/classifier/softmax.ts';
import { createPipeline, productCatalogue } from '../knowledge-base/pipeline.ts';
import type { ProductRecord } from '../knowledge-base/repositories/products.ts';
import { latencyOf, readBanking77, syntheticArticles, toIntents, type Row } from './banking77.ts';

const PRODUCT_COUNT = Number(process.env.BENCH_PRODUCTS ?? 10_000);

/** Products whose names, descriptions and facts are made of BANKING77's words, so questions do match some of them. */
function syntheticProducts(rows: Row[], count: number): ProductRecord[] {
  const random = seededRandom(7);
  const pick = () => rows[Math.floor(random() * rows.length)].text;
  const words = () => pick().split(/\s+/).slice(0, 3).join(' ');
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1, sku: `SKU-${i + 1}`, locale: 'en', name: words(), url: `https://shop.example/p/${i + 1}`,
    priceCents: 500 + Math.floor(random() * 20_000), currency: 'USD', description: `${pick()} ${pick()} ${pick()}`,
    attributes: { Material: words(), Colours: words(), Size: words() }, inStock: random() > 0.2,
  }));
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

async function main(): Promise<void> {
  const dataset = readBanking77('bench:products');
  if (!dataset) return;
  const { train } = dataset;
  const questions = dataset.test.map((r) => r.text);
  const byIntent = new Map<string, Row[]>();
  for (const r of train) byIntent.set(r.label, [...(byIntent.get(r.label) ?? []), r]);
  const classifier = await IntentClassifier.train(toIntents([...byIntent.values()].flatMap((rows) => rows.slice(0, 10))));
  const articles = syntheticArticles(train);

  const withoutProducts = await createPipeline({ classifier, articles });
  const baseline = await latencyOf(questions, (t) => withoutProducts.run(t, { locale: 'en' }));

  const products = syntheticProducts(train, PRODUCT_COUNT);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  await productCatalogue(products);
  const buildMs = performance.now() - started;
  const rssGrowth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  const withProducts = await createPipeline({ classifier, articles, products });
  const measured = await latencyOf(questions, (t) => withProducts.run(t, { locale: 'en' }));
  let productAnswers = 0;
  for (const t of questions) if ((await withProducts.run(t, { locale: 'en' })).metadata.products) productAnswers++;

  console.log(`BANKING77 test sentences: ${questions.length}; 1,000 synthetic articles; ${PRODUCT_COUNT} synthetic products`);
  console.log(`catalogue index built in ${buildMs.toFixed(0)} ms; RSS grew ${rssGrowth.toFixed(0)} MiB while building it`);
  console.log('                         no products (baseline)     with products              ratio');
  console.log(`pipeline p50             ${ms(baseline.p50).padEnd(27)}${ms(measured.p50).padEnd(27)}×${(measured.p50 / baseline.p50).toFixed(2)}`);
  console.log(`pipeline p99             ${ms(baseline.p99).padEnd(27)}${ms(measured.p99).padEnd(27)}×${(measured.p99 / baseline.p99).toFixed(2)}`);
  console.log(`pipeline CPU-time p99    ${ms(baseline.cpuP99).padEnd(27)}${ms(measured.cpuP99).padEnd(27)}×${(measured.cpuP99 / baseline.cpuP99).toFixed(2)}`);
  console.log(`answered from a product: ${productAnswers} of ${questions.length} (banking questions against made-up products: a measure of load, not of quality)`);
  console.log(`load average: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
}

await main();
