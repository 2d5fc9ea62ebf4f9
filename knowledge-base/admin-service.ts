// The rules behind the knowledge-base admin API: every intent change queues a
// (debounced) retrain, every change to published text queues a re-index, and
// restoring a version writes a new version (history is never rewritten).
import type { AppContext } from '../server/context.ts';
import { conflict, notFound, badRequest } from '../server/errors.ts';
import { intentsRepository, type IntentInput, type IntentRecord } from './repositories/intents.ts';
import { articlesRepository, type ArticleFields, type ArticleRow, type ArticleVersionRow } from './repositories/articles.ts';
import { requestIndexing, requestTraining } from './jobs.ts';
import { articleUrl } from './policy.ts';
import type { Locale } from './types.ts';
import { isUniqueViolation } from '../server/db/client.ts';

/** The languages of `texts` that say something, each passed through `clean` first (nulls and empty texts dropped). */
function perLanguage(texts: { en?: string | null; zh?: string | null } | null | undefined, clean: (text: string) => string = (text) => text): Partial<Record<Locale, string>> {
  const out: Partial<Record<Locale, string>> = {};
  for (const lang of ['en', 'zh'] as const) {
    const text = texts?.[lang] ? clean(texts[lang]!) : '';
    if (text) out[lang] = text;
  }
  return out;
}

export function toIntentJson(r: IntentRecord) {
  return {
    id: r.id, name: r.name, description: r.description, label: perLanguage(r.label), answer: perLanguage(r.answer),
    action: r.action, articleSlug: r.articleSlug, examples: r.examples, updatedAt: r.updatedAt.toISOString(),
  };
}

export function toArticleJson(a: ArticleRow, publicUrl: string) {
  return {
    id: a.id, slug: a.slug, locale: a.locale, title: a.title, category: a.category, status: a.status, body: a.body,
    version: a.current_version, url: articleUrl(publicUrl, a.slug, a.locale),
    publishedAt: a.published_at?.toISOString() ?? null, createdAt: a.created_at.toISOString(), updatedAt: a.updated_at.toISOString(),
  };
}

export function toVersionJson(v: ArticleVersionRow) {
  return { version: v.version, title: v.title, body: v.body, status: v.status, category: v.category, createdBy: v.created_by, note: v.note, createdAt: v.created_at.toISOString() };
}

/** Body of an intent as the API takes it → repository input (nulls dropped, answers and labels trimmed). */
export function intentInput(body: {
  name: string; description?: string; label?: { en?: string | null; zh?: string | null } | null; answer?: { en?: string | null; zh?: string | null } | null;
  action?: string | null; articleSlug?: string | null; examples: { en?: string[]; zh?: string[] };
}): IntentInput {
  const trim = (text: string) => text.trim();
  return {
    name: body.name, description: body.description ?? '', label: perLanguage(body.label, trim), answer: perLanguage(body.answer, trim),
    action: body.action ?? null, articleSlug: body.articleSlug ?? null, examples: body.examples,
  };
}

export function kbAdminService(ctx: AppContext) {
  const intents = intentsRepository(ctx.sql);
  const articles = articlesRepository(ctx.sql);
  const retrain = (reason: string, force = false) => requestTraining(ctx.queues, ctx.sql, reason, force);
  const reindex = (reason: string) => requestIndexing(ctx.queues, ctx.sql, reason);

  async function intent(id: number): Promise<IntentRecord> {
    const found = await intents.findById(id);
    if (!found) throw notFound('Intent');
    return found;
  }

  async function article(id: number): Promise<ArticleRow> {
    const found = await articles.findById(id);
    if (!found) throw notFound('Article');
    return found;
  }

  return {
    intent,
    article,

    async createIntent(input: IntentInput): Promise<IntentRecord> {
      if (await intents.findByName(input.name)) throw conflict(`An intent named "${input.name}" already exists.`);
      const id = await intents.upsert(input);
      await retrain(`intent ${input.name} created`);
      return intent(id);
    },

    async updateIntent(id: number, input: IntentInput): Promise<IntentRecord> {
      await intent(id);
      try {
        await intents.update(id, input);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`An intent named "${input.name}" already exists.`);
        throw error;
      }
      await retrain(`intent ${input.name} edited`);
      return intent(id);
    },

    async deleteIntent(id: number): Promise<void> {
      const found = await intent(id);
      await intents.remove(id);
      await retrain(`intent ${found.name} deleted`);
    },

    async addExample(id: number, locale: Locale, text: string): Promise<IntentRecord> {
      const found = await intent(id);
      const clean = text.trim().replace(/\s+/g, ' ');
      if (!clean) throw badRequest('The example is empty.');
      await intents.addExample(id, locale, clean);
      await retrain(`example added to ${found.name}`);
      return intent(id);
    },

    async importIntents(list: IntentInput[], mode: 'merge' | 'replace') {
      const names = new Set<string>();
      for (const i of list) {
        if (names.has(i.name)) throw badRequest(`Intent "${i.name}" appears twice in the import.`);
        names.add(i.name);
      }
      const result = await intents.importAll(list, mode);
      if (result.created + result.updated + result.deleted > 0) await retrain(`import of ${list.length} intents (${mode})`);
      return result;
    },

    async createArticle(fields: ArticleFields, userId: number): Promise<ArticleRow> {
      try {
        const row = await articles.create(fields, userId);
        if (row.status === 'published') await reindex(`article ${row.slug} (${row.locale}) published`);
        return row;
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`An article "${fields.slug}" in ${fields.locale} already exists.`);
        throw error;
      }
    },

    async updateArticle(id: number, fields: Partial<ArticleFields>, userId: number, note: string | null): Promise<ArticleRow> {
      const before = await article(id);
      let row: ArticleRow | undefined;
      try {
        row = await articles.update(id, fields, userId, note);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('Another article already has that slug in that language.');
        throw error;
      }
      if (!row) throw notFound('Article');
      // Published text changed (or the article went live / was withdrawn): the bot must use the new text.
      if (before.status === 'published' || row.status === 'published') await reindex(`article ${row.slug} (${row.locale}) v${row.current_version}`);
      return row;
    },

    async deleteArticle(id: number): Promise<void> {
      const row = await articles.remove(id);
      if (!row) throw notFound('Article');
      if (row.status === 'published') await reindex(`article ${row.slug} (${row.locale}) deleted`);
    },

    async restoreVersion(id: number, version: number, userId: number): Promise<ArticleRow> {
      const old = await articles.version(id, version);
      if (!old) throw notFound('Article version');
      return this.updateArticle(id, { title: old.title, body: old.body, category: old.category }, userId, `restored version ${version}`);
    },

    async importArticles(list: ArticleFields[], userId: number): Promise<{ created: number; updated: number }> {
      let created = 0;
      let updated = 0;
      for (const item of list) {
        const [existing] = (await articles.findBySlug(item.slug, item.locale));
        if (existing) {
          await articles.update(existing.id, item, userId, 'imported');
          updated++;
        } else {
          await articles.create(item, userId);
          created++;
        }
      }
      await reindex(`import of ${list.length} articles`);
      return { created, updated };
    },
    retrain,
    reindex,
  };
}
