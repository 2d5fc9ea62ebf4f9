// SQL for articles, their version history and the retrieval chunks.
import type { Sql, Tx } from '../../server/db/client.ts';
import type { ChunkInput } from '../retriever.ts';

export type ArticleStatus = 'draft' | 'published';

export interface ArticleRow extends ArticleFields {
  id: number;
  current_version: number;
  published_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ArticleVersionRow {
  id: number;
  article_id: number;
  version: number;
  title: string;
  body: string;
  status: ArticleStatus;
  category: string;
  created_by: number | null;
  note: string | null;
  created_at: Date;
}

export interface ArticleFields {
  slug: string;
  locale: string;
  title: string;
  category: string;
  status: ArticleStatus;
  body: string;
}

export interface ArticleFilter {
  locale?: string;
  status?: ArticleStatus;
  category?: string;
  q?: string;
  /** Exactly this slug (its languages): a text search for it also finds every article that mentions it. */
  slug?: string;
  limit?: number;
  offset?: number;
}

export const articlesRepository = (sql: Sql) => {
  async function addVersion(tx: Tx, article: ArticleRow, userId: number | null, note: string | null): Promise<void> {
    await tx`
      insert into article_versions (article_id, version, title, body, status, category, created_by, note)
      values (${article.id}, ${article.current_version}, ${article.title}, ${article.body}, ${article.status}, ${article.category}, ${userId}, ${note})`;
  }

  return {
    async list(filter: ArticleFilter = {}): Promise<{ items: ArticleRow[]; total: number }> {
      const like = filter.q ? `%${filter.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : null;
      const where = sql`where true
        ${filter.locale ? sql`and locale = ${filter.locale}` : sql``}
        ${filter.status ? sql`and status = ${filter.status}` : sql``}
        ${filter.category ? sql`and category = ${filter.category}` : sql``}
        ${filter.slug ? sql`and slug = ${filter.slug}` : sql``}
        ${like ? sql`and (title ilike ${like} or slug ilike ${like} or body ilike ${like})` : sql``}`;
      const items = await sql<ArticleRow[]>`select * from articles ${where} order by updated_at desc, id desc limit ${filter.limit ?? 100} offset ${filter.offset ?? 0}`;
      const [{ total }] = await sql<{ total: number }[]>`select count(*)::int as total from articles ${where}`;
      return { items, total };
    },
    async findById(id: number): Promise<ArticleRow | undefined> {
      const [row] = await sql<ArticleRow[]>`select * from articles where id = ${id}`;
      return row;
    },
    async findBySlug(slug: string, locale?: string): Promise<ArticleRow[]> {
      return sql<ArticleRow[]>`select * from articles where slug = ${slug} ${locale ? sql`and locale = ${locale}` : sql``} order by locale`;
    },
    /** The articles with these slugs (any language); inside an import's transaction, locked until it commits. */
    async findBySlugs(slugs: string[], tx: Tx, lock = false): Promise<ArticleRow[]> {
      if (slugs.length === 0) return [];
      return tx<ArticleRow[]>`select * from articles where slug = any(${tx.array(slugs)}::text[]) order by id ${lock ? tx`for update` : tx``}`;
    },
    /** Every article, for an import that replaces the set; locked until it commits when `lock`. */
    async everyIn(tx: Tx, lock = false): Promise<ArticleRow[]> {
      return tx<ArticleRow[]>`select * from articles order by id ${lock ? tx`for update` : tx``}`;
    },
    /** The slugs of these that some article has (in any language). */
    async slugsInUse(slugs: string[]): Promise<Set<string>> {
      if (slugs.length === 0) return new Set();
      const rows = await sql<{ slug: string }[]>`select distinct slug from articles where slug = any(${sql.array(slugs)}::text[])`;
      return new Set(rows.map((r) => r.slug));
    },
    /** Creates an article with its first version (in `within`, an import's transaction, when given). */
    async create(fields: ArticleFields, userId: number | null, within?: Tx): Promise<ArticleRow> {
      const run = async (t: unknown) => {
        const tx = t as Tx;
        const [row] = await tx<ArticleRow[]>`
          insert into articles (slug, locale, title, category, status, body, published_at)
          values (${fields.slug}, ${fields.locale}, ${fields.title}, ${fields.category}, ${fields.status}, ${fields.body},
                  case when ${fields.status}::text = 'published' then now() end)
          returning *`;
        await addVersion(tx, row, userId, 'created');
        return row;
      };
      return within ? run(within) : ((await sql.begin(run)) as ArticleRow);
    },
    /**
     * Saves new content as the next version. Returns undefined when the article does not exist. `guard` sees the row as
     * locked, before anything is written, and refuses the save by throwing (a stale base version, a moved live article).
     */
    async update(id: number, fields: Partial<ArticleFields>, userId: number | null, note: string | null = null, within?: Tx, guard?: (current: ArticleRow) => void): Promise<ArticleRow | undefined> {
      const run = async (t: unknown) => {
        const tx = t as Tx;
        const [current] = await tx<ArticleRow[]>`select * from articles where id = ${id} for update`;
        if (!current) return undefined;
        guard?.(current);
        const next = { ...current, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) } as ArticleRow;
        const [row] = await tx<ArticleRow[]>`
          update articles set slug = ${next.slug}, locale = ${next.locale}, title = ${next.title}, category = ${next.category},
            status = ${next.status}, body = ${next.body}, current_version = current_version + 1, updated_at = now(),
            published_at = case when ${next.status}::text = 'published' and status <> 'published' then now() else published_at end
          where id = ${id} returning *`;
        await addVersion(tx, row, userId, note);
        return row;
      };
      return within ? run(within) : ((await sql.begin(run)) as ArticleRow | undefined);
    },
    async remove(id: number): Promise<ArticleRow | undefined> {
      const [row] = await sql<ArticleRow[]>`delete from articles where id = ${id} returning *`;
      return row;
    },
    /** Deletes these articles (with their history) in an import's transaction. */
    async removeIds(ids: number[], tx: Tx): Promise<void> {
      if (ids.length) await tx`delete from articles where id = any(${tx.array(ids)}::bigint[])`;
    },
    async versions(id: number): Promise<ArticleVersionRow[]> {
      return sql<ArticleVersionRow[]>`select * from article_versions where article_id = ${id} order by version desc`;
    },
    async version(id: number, version: number): Promise<ArticleVersionRow | undefined> {
      const [row] = await sql<ArticleVersionRow[]>`select * from article_versions where article_id = ${id} and version = ${version}`;
      return row;
    },
    async categories(): Promise<string[]> {
      return (await sql<{ category: string }[]>`select distinct category from articles order by category`).map((r) => r.category);
    },
    async published(): Promise<ArticleRow[]> {
      return sql<ArticleRow[]>`select * from articles where status = 'published' order by id`;
    },
    /** Replaces the stored chunks with those of the published articles (one transaction: readers never see half an index). */
    async replaceChunks(chunks: (ChunkInput & { version: number })[]): Promise<void> {
      await sql.begin(async (t) => {
        const tx = t as unknown as Tx;
        await tx`delete from article_chunks`;
        const rows = chunks.map((c) => ({ article_id: c.articleId, version: c.version, position: c.position, heading: c.heading, text: c.text }));
        for (let i = 0; i < rows.length; i += 500) await tx`insert into article_chunks ${tx(rows.slice(i, i + 500))}`;
      });
    },
    async chunks(): Promise<ChunkInput[]> {
      const rows = await sql<{ article_id: number; slug: string; locale: string; title: string; category: string; heading: string; position: number; text: string }[]>`
        select c.article_id, a.slug, a.locale, a.title, a.category, c.heading, c.position, c.text
        from article_chunks c join articles a on a.id = c.article_id
        where a.status = 'published'
        order by c.article_id, c.position`;
      return rows.map((r) => ({ articleId: r.article_id, slug: r.slug, locale: r.locale, title: r.title, category: r.category, heading: r.heading, position: r.position, text: r.text }));
    },
  };
};

export type ArticlesRepository = ReturnType<typeof articlesRepository>;
