// The public help centre page the bot links to: /help/<slug>?locale=en|zh
// renders a published article as a small, escaped HTML page; the JSON twin
// serves the widget or a shop's own help pages.
import { Type } from 'typebox';
import type { App } from '../server/http/types.ts';
import type { AppContext } from '../server/context.ts';
import { ErrorResponse } from '../server/http/schemas.ts';
import { notFound } from '../server/errors.ts';
import { articlesRepository, type ArticleRow } from './repositories/articles.ts';
import { escapeHtml, renderMarkdown } from './markdown.ts';
import { FAVICON } from '../server/http/favicon.ts';

const SlugParams = Type.Object({ slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$' }) });
const LocaleQuery = Type.Object({ locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh')])) });

function pick(rows: ArticleRow[], locale: string | undefined): ArticleRow | undefined {
  const published = rows.filter((r) => r.status === 'published');
  return published.find((r) => r.locale === locale) ?? published.find((r) => r.locale === 'en') ?? published[0];
}

function page(article: ArticleRow): string {
  return `<!doctype html>
<html lang="${article.locale === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(article.title)}</title>
<link rel="icon" href="${FAVICON}">
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.8rem}h2{font-size:1.3rem;margin-top:2rem}small{color:#666}</style>
</head><body><article><h1>${escapeHtml(article.title)}</h1>
<small>${escapeHtml(article.category)} · ${article.updated_at.toISOString().slice(0, 10)}</small>
${renderMarkdown(article.body)}
</article></body></html>`;
}

export function helpRoutes(ctx: AppContext) {
  return async (app: App) => {
    const articles = articlesRepository(ctx.sql);

    app.get('/help/:slug', {
      schema: { tags: ['public'], summary: 'A published help article as a web page', params: SlugParams, querystring: LocaleQuery,
        response: { 200: Type.String({ description: 'text/html' }), 404: ErrorResponse } },
    }, async (request, reply) => {
      const article = pick(await articles.findBySlug(request.params.slug), request.query.locale);
      if (!article) throw notFound('Article');
      return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(page(article));
    });

    app.get('/api/help/articles/:slug', {
      schema: { tags: ['public'], summary: 'A published help article (Markdown)', params: SlugParams, querystring: LocaleQuery,
        response: {
          200: Type.Object({ id: Type.Integer(), slug: Type.String(), locale: Type.String(), title: Type.String(), category: Type.String(), body: Type.String(), updatedAt: Type.String() }),
          404: ErrorResponse,
        } },
    }, async (request) => {
      const a = pick(await articles.findBySlug(request.params.slug), request.query.locale);
      if (!a) throw notFound('Article');
      return { id: a.id, slug: a.slug, locale: a.locale, title: a.title, category: a.category, body: a.body, updatedAt: a.updated_at.toISOString() };
    });
  };
}
