// What `npm start` does for the knowledge base before the server listens:
// seed the demo content on a fresh database, build the retrieval sections and
// train the first intent model when none is stored, so a fresh install answers
// questions at once. Later changes go through the kb-train / kb-index jobs.
import { createSql, type Sql } from '../server/db/client.ts';
import type { Config } from '../server/config.ts';
import { seedKnowledgeBase } from './seed.ts';
import { articlesRepository } from './repositories/articles.ts';
import { modelsRepository } from './repositories/models.ts';
import { rebuildChunks } from './indexing.ts';
import { trainFromDatabase } from './training.ts';
import { resolveSentenceEncoder } from './sentence-encoder.ts';

const LOCK_KEY = 4_207_313; // arbitrary constant: "shopdesk knowledge-base first start"

/**
 * Seeds (when `seed`, default config.seedDemo), indexes and trains what is missing. Several servers
 * starting together take turns on an advisory lock (held on a connection of its own, so a caller's
 * one-connection pool cannot deadlock): the first does the work, the others find it done.
 */
export async function prepareKnowledgeBase(sql: Sql, config: Config, log: (line: string) => void = () => {}, options: { seed?: boolean } = {}): Promise<void> {
  const lock = createSql(config, { max: 1 });
  try {
    const conn = await lock.reserve();
    await conn`select pg_advisory_lock(${LOCK_KEY})`;
    try {
      await prepare(sql, config, log, options.seed ?? config.seedDemo);
    } finally {
      await conn`select pg_advisory_unlock(${LOCK_KEY})`;
      conn.release();
    }
  } finally {
    await lock.end({ timeout: 5 });
  }
}

async function prepare(sql: Sql, config: Config, log: (line: string) => void, seed: boolean): Promise<void> {
  if (seed) {
    const seeded = await seedKnowledgeBase(sql);
    if (seeded.seeded) log(`knowledge base: demo content seeded (${seeded.articles} articles, ${seeded.intents} intents, ${seeded.orders} orders, ${seeded.products ?? 0} products)`);
  }
  const articles = articlesRepository(sql);
  if ((await articles.chunks()).length === 0 && (await articles.published()).length > 0) {
    const result = await rebuildChunks(sql);
    log(`knowledge base: indexed ${result.articles} articles in ${result.chunks} sections`);
  }
  if (!(await modelsRepository(sql).latestMeta())) {
    const { encoder, reason } = await resolveSentenceEncoder(config, log);
    log(`knowledge base: training the first intent model (encoders: ${reason})…`);
    const result = await trainFromDatabase(sql, { denseEncoder: encoder });
    log(result.version ? `knowledge base: intent model v${result.version} trained (${result.encoder}, ${result.stats.trainingMs ?? '?'} ms)` : 'knowledge base: no intents yet, no model trained');
  }
}
