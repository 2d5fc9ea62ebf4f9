// The public help centre: /help lists the published articles by category and
// searches them (the bot's own retriever), /help/<slug>?locale=en|zh|zh-TW|zh-HK — the page
// the bot links to — renders one article; the JSON twin serves a shop's own pages.
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../server/http/types.ts';
import type { AppContext } from '../server/context.ts';
import { ErrorResponse } from '../server/http/schemas.ts';
import { notFound } from '../server/errors.ts';
import { articlesRepository, type ArticleRow } from './repositories/articles.ts';
import type { Passage } from './retriever.ts';
import { helpArticlePage, helpIndexPage, rankForSearchPage, type HelpLocale } from './help-center.ts';
import { brainOf } from './registry.ts';
import type { BrainSnapshot } from './brain.ts';
import { detectLanguage } from './text/tokenize.ts';
import { loadWidgetSettings } from '../server/services/widget-settings.ts';
import { htmlInScript, inShoppersScript, traditionalVariant, type TraditionalVariant } from '../server/services/chinese-script.ts';
import { chineseVariant, langOf, supportedLang } from './text/language.ts';

/** A stored article's slug (as the admin API accepted them, older looser ones included). */
const STORED_SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;
const SlugParams = Type.Object({ slug: Type.String({ pattern: STORED_SLUG.source }) });
// zh-TW / zh-HK: the Chinese articles, shown in Traditional (the bot's links for a shopper in Taiwan or Hong Kong).
const LocaleQuery = Type.Object({ locale: Type.Optional(Type.Union(['en', 'zh', 'zh-TW', 'zh-HK'].map((l) => Type.Literal(l)))) });
// The pages are for readers, who follow links and edit addresses: any language tag (zh-CN, as the page itself says in
// <html lang>, en-US, fr) and any slug get a page, never the API's JSON 400. A tag of neither language counts as none.
const PageLocaleQuery = Type.Object({ locale: Type.Optional(Type.String({ maxLength: 100 })) });
const PageSlugParams = Type.Object({ slug: Type.String() });

/** The asked locale when it is a tag of one of the two languages (zh-CN, en-US, zh-TW...), else none. */
const knownLocale = (asked: string | undefined): string | undefined => (supportedLang(asked) ? asked!.trim() : undefined);

/**
 * The browser's language tags, most wanted first: by q (a missing q is 1), ties in the order written; q=0 means
 * "not this one". Both the page's language and the reader's Chinese variant are read from this list.
 */
export function acceptedLanguages(acceptLanguage: string | undefined): string[] {
  return (acceptLanguage ?? '').slice(0, 1000).split(',').map((part, index) => {
    const [tag, ...params] = part.split(';').map((p) => p.trim());
    const q = params.map((p) => /^q=([0-9.]+)$/i.exec(p)?.[1]).find((v) => v !== undefined);
    return { tag, q: q === undefined ? 1 : Number(q), index };
  }).filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((entry) => entry.tag);
}

function pick(rows: ArticleRow[], asked: string | undefined): ArticleRow | undefined {
  const published = rows.filter((r) => r.status === 'published');
  const locale = asked && langOf(asked);
  return published.find((r) => r.locale === locale) ?? published.find((r) => r.locale === 'en') ?? published[0];
}

/**
 * Searches of the help centre one address may make a minute: each runs the bot's retriever and policy (the encoder
 * and the classifier) for nobody signed in, so without a bound anyone could keep the server's CPU busy. A reader
 * searches a few times; the listing and the article pages, without a search, are not counted.
 */
export const HELP_SEARCHES_PER_MINUTE = 60;
/** Article reads through the JSON API one address may make a minute (a shop's own help pages fetch one per view). */
export const HELP_ARTICLE_READS_PER_MINUTE = 120;

/** More published articles in one language than a help centre lists on a page. */
const HELP_ARTICLES_LIMIT = 10_000;

// The help pages embed the shop's chat widget (same origin: script, socket and files); nothing else is allowed,
// but for images: an article may show a picture from the shop's CDN (https only; data: is the inline favicon).
const HELP_CSP = "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The article the bot would answer the query from, as the first message of an anonymous chat (nothing is recorded). */
async function answeredArticle(snapshot: BrainSnapshot, query: string, locale: HelpLocale): Promise<string | undefined> {
  const decision = await snapshot.policy.decide({ locale, history: [] }, query);
  return decision.action === 'answer' ? decision.metadata.articles?.[0]?.slug : undefined;
}

/** The asked locale (one of the two languages), else the browser's most wanted of the two, else English. */
function helpLocale(asked: string | undefined, acceptLanguage: string | undefined): HelpLocale {
  const known = knownLocale(asked);
  if (known) return langOf(known);
  return supportedLang(acceptedLanguages(acceptLanguage).find((tag) => supportedLang(tag) !== null)) ?? 'en';
}

/** A reader of Traditional: an asked zh-TW / zh-HK, else the most wanted Chinese among the browser's languages says so. */
function readerVariant(asked: string | undefined, acceptLanguage: string | undefined): TraditionalVariant | null {
  const known = knownLocale(asked);
  if (known && known !== 'zh') return traditionalVariant(known);
  return traditionalVariant(acceptedLanguages(acceptLanguage).find((tag) => chineseVariant(tag) !== null));
}

type HelpRequest = FastifyRequest<{ Querystring: { locale?: string } }>;

/**
 * A help-centre page: HTML under the help centre's CSP (which lets the embedded widget run). A Chinese page for a
 * reader of Traditional is converted whole (the articles are written in Simplified) and tagged with their variant.
 */
async function sendPage(request: HelpRequest, reply: FastifyReply, html: string, status = 200) {
  const variant = readerVariant(request.query.locale, request.headers['accept-language']);
  const chinesePage = '<html lang="zh-CN"';
  const shown = variant && html.startsWith(`<!doctype html>\n${chinesePage}`)
    ? (await htmlInScript(html, variant)).replace(chinesePage, `<html lang="${variant}"`)
    : html;
  return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', HELP_CSP).send(shown);
}

export function helpRoutes(ctx: AppContext) {
  return async (app: App) => {
    const articles = articlesRepository(ctx.sql);

    /** The page's frame; a reader of Traditional (readerVariant) has its links ask for their variant, page after page. */
    const shell = async (locale: HelpLocale, request: HelpRequest) => ({
      locale, siteKey: (await loadWidgetSettings(ctx.sql)).siteKey, variant: readerVariant(request.query.locale, request.headers['accept-language']),
    });
    /** Published articles of one language (and category), filtered in SQL rather than after loading every article. */
    const published = async (filter: { locale: string; category?: string; limit?: number }) =>
      (await articles.list({ status: 'published', limit: HELP_ARTICLES_LIMIT, ...filter })).items;

    app.get('/help', {
      // Per address, as the server sees it behind the trusted proxies (TRUST_PROXY); only a request with a search.
      config: { rateLimit: { max: HELP_SEARCHES_PER_MINUTE, timeWindow: '1 minute', allowList: (request: FastifyRequest) => !(request.query as { q?: unknown }).q?.toString().trim() } },
      schema: {
        tags: ['public'], summary: 'The help centre: published articles by category, or search results for ?q=',
        querystring: Type.Object({ ...PageLocaleQuery.properties, q: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: Type.String({ description: 'text/html' }) },
      },
    }, async (request, reply) => {
      const query = request.query.q?.trim() ?? '';
      // A question typed in Chinese is answered by the Chinese articles, whichever page it was typed on.
      const locale = query && detectLanguage(query) === 'zh' ? 'zh' : helpLocale(request.query.locale, request.headers['accept-language']);
      let search: { query: string; passages: Passage[] } | null = null;
      if (query) {
        // These routes come with the brain (server-extension.ts registers them once it has loaded), so it is here.
        const { snapshot } = brainOf(ctx);
        const passages = rankForSearchPage(await snapshot.index.search(query, 20, { locale }), query, 5, await answeredArticle(snapshot, query, locale));
        search = { query, passages };
      }
      const page = helpIndexPage(await shell(locale, request), search ? [] : await published({ locale }), search);
      return sendPage(request, reply, page);
    });

    app.get('/help/:slug', {
      schema: { tags: ['public'], summary: 'A published help article as a web page (a slug in capitals redirects to the lower-case one)', params: PageSlugParams, querystring: PageLocaleQuery,
        response: { 200: Type.String({ description: 'text/html' }), 404: Type.String({ description: 'text/html' }) } },
    }, async (request, reply) => {
      const asked = helpLocale(request.query.locale, request.headers['accept-language']);
      const { slug } = request.params;
      // Slugs are lower-case: an address typed or pasted with capitals goes to the article's one address.
      const lower = slug.toLowerCase();
      if (lower !== slug && STORED_SLUG.test(lower) && pick(await articles.findBySlug(lower), asked)) {
        const search = request.url.indexOf('?');
        return reply.redirect(`/help/${lower}${search >= 0 ? request.url.slice(search) : ''}`, 301);
      }
      // No slug of that form is stored: the "not found" page without asking the database.
      const bySlug = STORED_SLUG.test(slug) ? await articles.findBySlug(slug) : [];
      const article = pick(bySlug, asked);
      // A reader following an old link gets a page, in their language, not the API's JSON error.
      if (!article) {
        return sendPage(request, reply, helpIndexPage(await shell(asked, request), await published({ locale: asked }), null, true), 404);
      }
      const locale: HelpLocale = article.locale === 'zh' ? 'zh' : 'en';
      const siblings = await published({ locale: article.locale, category: article.category });
      // Its translation is the published article with the same slug in the other language.
      const translated = bySlug.some((r) => r.status === 'published' && r.locale !== article.locale);
      return sendPage(request, reply, helpArticlePage(await shell(locale, request), article, siblings, translated));
    });

    app.get('/api/help/articles/:slug', {
      config: { rateLimit: { max: HELP_ARTICLE_READS_PER_MINUTE, timeWindow: '1 minute' } },
      schema: { tags: ['public'], summary: 'A published help article (Markdown); with locale zh-TW or zh-HK, the Chinese one in that Traditional (locale stays zh)', params: SlugParams, querystring: LocaleQuery,
        response: {
          200: Type.Object({ id: Type.Integer(), slug: Type.String(), locale: Type.String(), title: Type.String(), category: Type.String(), body: Type.String(), updatedAt: Type.String() }),
          404: ErrorResponse,
          429: ErrorResponse,
        } },
    }, async (request) => {
      const a = pick(await articles.findBySlug(request.params.slug), request.query.locale);
      if (!a) throw notFound('Article');
      // Asked for in a Traditional variant, as the page is shown (links and image addresses left as they are).
      const variant = a.locale === 'zh' ? traditionalVariant(request.query.locale) : null;
      const [title, body] = variant ? await Promise.all([inShoppersScript(a.title, variant), inShoppersScript(a.body, variant)]) : [a.title, a.body];
      return { id: a.id, slug: a.slug, locale: a.locale, title, category: a.category, body, updatedAt: a.updated_at.toISOString() };
    });
  };
}
