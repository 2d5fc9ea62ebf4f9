// Rebuilding the stored retrieval chunks from the published articles (the
// kb-index job). Servers then rebuild their in-memory BM25 (and dense) index
// from article_chunks when told to reload.
import type { Sql } from '../server/db/client.ts';
import { articlesRepository } from './repositories/articles.ts';
import { modelsRepository } from './repositories/models.ts';
import { chunksOf } from './retriever.ts';

export interface IndexResult {
  articles: number;
  chunks: number;
  builtAt: string;
}

export async function rebuildChunks(sql: Sql, onProgress: (percent: number) => Promise<void> | void = () => {}): Promise<IndexResult> {
  const articles = articlesRepository(sql);
  const status = modelsRepository(sql);
  await status.setStatus('index', 'running');
  try {
    const published = await articles.published();
    const chunks = [];
    for (let i = 0; i < published.length; i++) {
      const a = published[i];
      chunks.push(...chunksOf({ id: a.id, slug: a.slug, locale: a.locale, title: a.title, category: a.category, body: a.body }).map((c) => ({ ...c, version: a.current_version })));
      if (i % 50 === 49) await onProgress(Math.round(((i + 1) / published.length) * 90));
    }
    await articles.replaceChunks(chunks);
    const result = { articles: published.length, chunks: chunks.length, builtAt: new Date().toISOString() };
    await status.setStatus('index', 'done', { details: result });
    await onProgress(100);
    return result;
  } catch (error) {
    await status.setStatus('index', 'failed', { error: (error as Error).message }).catch(() => {});
    throw error;
  }
}
