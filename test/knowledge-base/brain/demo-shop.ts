// The demo shop as the policy tests run it: the real demo content (published articles, intents, out-of-scope
// examples), the demo orders and catalogue, and a classifier trained from them, as a shop runs it.
import { createPipeline, type Pipeline } from '../../../knowledge-base/pipeline.ts';
import type { ArticleInput } from '../../../knowledge-base/retriever.ts';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { trainIntentClassifier } from '../../../knowledge-base/nlu.ts';
import { loadArticles, loadIntents, loadOrders, loadOutOfScope, loadProducts } from '../../../knowledge-base/content-loader.ts';
import { orderNumberKey } from '../../../knowledge-base/order-numbers.ts';
import type { OrderLookup, OrderRecord } from '../../../knowledge-base/types.ts';
import type { ProductRecord } from '../../../knowledge-base/repositories/products.ts';

export function demoProducts(): ProductRecord[] {
  return loadProducts().map((p, i) => ({
    id: i + 1, sku: p.sku, locale: p.locale ?? 'en', name: p.name, url: p.url ?? null, priceCents: p.priceCents ?? null,
    currency: p.currency ?? 'USD', description: p.description ?? '', attributes: p.attributes ?? {}, inStock: p.inStock ?? null,
  }));
}

export function demoOrders(): OrderLookup {
  const stored: OrderRecord[] = loadOrders().map((o) => ({
    number: o.number, customerExternalId: o.customerExternalId, status: o.status, carrier: o.carrier ?? null, trackingNumber: o.trackingNumber ?? null,
    totalCents: o.totalCents, currency: o.currency ?? 'USD', placedAt: new Date(o.placedAt), etaFrom: o.etaFrom ? new Date(o.etaFrom) : null,
    etaTo: o.etaTo ? new Date(o.etaTo) : null, deliveredAt: o.deliveredAt ? new Date(o.deliveredAt) : null, items: o.items,
  }));
  return {
    byKey: async (key) => stored.find((o) => orderNumberKey(o.number) === key) ?? null,
    ownEndingWith: async () => null,
    recentFor: async (id, limit) => stored.filter((o) => o.customerExternalId === id).slice(0, limit),
  };
}

/** The whole pipeline of the demo shop, with its catalogue and orders; `moreArticles` as if the shop had written them. */
export async function demoShopPipeline(moreArticles: (Omit<ArticleInput, 'id'> & { status: string })[] = []): Promise<Pipeline> {
  const intents = loadIntents();
  const classifier = await trainIntentClassifier(
    intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
    { outOfScopeExamples: loadOutOfScope() },
  );
  const articles = [...loadArticles().filter((a) => a.status === 'published'), ...moreArticles].map((a, i) => ({ ...a, id: i + 1 }));
  return createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test', orders: demoOrders(), products: demoProducts() });
}

export type Decision = Awaited<ReturnType<Pipeline['run']>>;
/** Asks the shop as a shopper would, in Chinese when the text has Chinese characters (the widget's locale otherwise). */
export const askerOf = (shop: Pipeline) => (text: string, context: DecideContext = {}) =>
  shop.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en', ...context });
/** The article answered from (the first one named). */
export const slugOf = (d: Decision) => d.metadata.articles?.[0]?.slug;
/** The section quoted: the reply's first line is "title — heading". */
export const headingOf = (d: Decision) => d.reply.split('\n')[0];
/** The conversation after the shopper asked `question` and the bot replied `reply`: a follow-up's context. */
export const after = (question: string, reply: Decision): DecideContext['history'] => [
  { author: 'customer', text: question, metadata: {} },
  { author: 'bot', text: reply.reply, metadata: reply.metadata },
];
