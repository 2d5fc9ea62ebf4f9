// A second shop, unlike the demo one the answer policy was tuned on: consumer electronics (earbuds, chargers, a
// smartwatch, power banks) in English and Chinese, that offers a student discount and pickup at its one shop. Its
// articles, intents, products and 70 shopper questions (the answer each should get, written before the bot was run
// on them) were written here by a review that replaced the demo content through the admin API.
import { readFileSync } from 'node:fs';
import { createPipeline, type Pipeline } from '../../../knowledge-base/pipeline.ts';
import { trainIntentClassifier } from '../../../knowledge-base/nlu.ts';
import type { IntentDefinition } from '../../../knowledge-base/pipeline.ts';
import type { ProductRecord } from '../../../knowledge-base/repositories/products.ts';
import type { ContentArticle } from '../../../knowledge-base/content-loader.ts';
import { demoOrders } from './demo-shop.ts';

const read = <T>(file: string): T => JSON.parse(readFileSync(new URL(`./electronics-shop/${file}`, import.meta.url), 'utf8')) as T;

export interface ShopQuestion {
  id: string;
  locale: 'en' | 'zh';
  text: string;
  /** What the shopper should get: an answer from one of `expected` (article slugs), a hand-off, or no answer. */
  expect: 'answer' | 'handoff' | 'none';
  expected: string[];
}

export const electronicsQuestions = () => read<ShopQuestion[]>('questions.json');

export function electronicsProducts(): ProductRecord[] {
  return read<(Omit<ProductRecord, 'id'>)[]>('products.json').map((p, i) => ({ ...p, id: i + 1, url: p.url ?? null }));
}

export async function electronicsShopPipeline(): Promise<Pipeline> {
  const { intents, outOfScope } = read<{ intents: IntentDefinition[]; outOfScope: string[] }>('intents.json');
  const classifier = await trainIntentClassifier(
    intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
    { outOfScopeExamples: outOfScope },
  );
  const articles = read<ContentArticle[]>('articles.json').filter((a) => a.status === 'published').map((a, i) => ({ ...a, id: i + 1 }));
  // The demo's orders: none of them is this shop's, so every order number is someone else's or unknown.
  return createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test', orders: demoOrders(), products: electronicsProducts() });
}
