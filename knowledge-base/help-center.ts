// The public help centre's HTML: the index (articles by category, or the
// results of a search) and one article with its category's other articles.
// Every text is escaped; article bodies go through the KB's safe Markdown
// renderer. The shop's chat widget is embedded, so "still stuck?" is one click.
import type { ArticleRow } from './repositories/articles.ts';
import type { Passage } from './retriever.ts';
import { escapeHtml, renderMarkdown } from './markdown.ts';
import { isQuestionWord, retrievalTokenize } from './pipeline.ts';
import { FAVICON } from '../server/http/favicon.ts';
import { categoryName } from './categories.ts';
import type { TraditionalVariant } from '../server/services/chinese-script.ts';

export type HelpLocale = 'en' | 'zh';

const TEXT = {
  en: {
    title: 'Help centre', search: 'Search the help centre', searchButton: 'Search', back: '← Help centre', skip: 'Skip to content',
    searchTitle: (q: string) => `Search: ${q}`,
    results: (n: number, q: string) => `${n} ${n === 1 ? 'article' : 'articles'} for “${q}”`,
    none: (q: string) => `No article matches “${q}”. Try other words, or ask us in the chat.`,
    more: 'More in this category', empty: 'No articles yet.', stuck: 'Still need help? Use the chat button in the corner.',
    missing: 'Article not found', missingText: 'This article does not exist or is no longer published. Search the help centre or browse it below.',
    updated: 'Updated',
  },
  zh: {
    title: '帮助中心', search: '搜索帮助中心', searchButton: '搜索', back: '← 帮助中心', skip: '跳到主要内容',
    searchTitle: (q: string) => `搜索：${q}`,
    results: (n: number, q: string) => `“${q}”的相关文章：${n} 篇`,
    none: (q: string) => `没有找到与“${q}”相关的文章。换个说法试试，或在聊天中问我们。`,
    more: '同类文章', empty: '暂无文章。', stuck: '还需要帮助？点击右下角的聊天按钮。',
    missing: '没有找到这篇文章', missingText: '这篇文章不存在或已下线。请搜索帮助中心，或浏览下面的文章。',
    updated: '更新于',
  },
} as const;


/**
 * Search-box queries are a few keywords ("refund", "track order") where the bot's questions are sentences: a passage
 * whose article title or heading carries the words is what the reader is looking for, so its score counts up to
 * double. A whole question is often one the bot answers: the article it would answer from (`answeredSlug`, the
 * classifier's reading included) then comes first. Returns the best `limit`, one per article as the retriever gives them.
 */
export function rankForSearchPage(passages: Passage[], query: string, limit = 5, answeredSlug?: string): Passage[] {
  const terms = new Set(retrievalTokenize(query).filter((t) => !isQuestionWord(t)));
  return passages
    .map((passage) => {
      const titled = new Set(retrievalTokenize(`${passage.title} ${passage.heading}`));
      const inTitle = terms.size ? [...terms].filter((t) => titled.has(t)).length / terms.size : 0;
      return { passage, answered: passage.slug === answeredSlug, score: passage.score * (1 + inTitle) };
    })
    .sort((a, b) => Number(b.answered) - Number(a.answered) || b.score - a.score)
    .slice(0, limit)
    .map((r) => r.passage);
}

/** The locale a help-centre link asks for: a Chinese page for a reader of Traditional keeps their variant. */
type LinkLocale = HelpLocale | TraditionalVariant;

export const articleHref = (slug: string, locale: LinkLocale) => `/help/${encodeURIComponent(slug)}?locale=${locale}`;
const indexHref = (locale: LinkLocale) => `/help?locale=${locale}`;

export interface HelpShell {
  locale: HelpLocale;
  /** The widget's site key: the chat is embedded when set. */
  siteKey: string | null;
  /** The reader's Traditional variant, if any: the page's Chinese links ask for it, so the next page is in it too. */
  variant?: TraditionalVariant | null;
}

/** The locale for a link to a page in `locale`: `zh` becomes the reader's variant (zh-TW, zh-HK) when they have one. */
function linkLocale(shell: HelpShell, locale: HelpLocale = shell.locale): LinkLocale {
  return locale === 'zh' && shell.variant ? shell.variant : locale;
}

/** `otherLocaleHref`: the same page in the other language; null when there is none (an article not translated). */
function layout(shell: HelpShell, title: string, body: string, otherLocaleHref: string | null, backLink = true): string {
  const other = shell.locale === 'en' ? { label: '中文', lang: shell.variant ?? 'zh-CN' } : { label: 'English', lang: 'en' };
  const widget = shell.siteKey ? `<script src="/widget.js" data-site="${escapeHtml(shell.siteKey)}" data-lang="${shell.locale}" async></script>` : '';
  return `<!doctype html>
<html lang="${shell.locale === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="${FAVICON}">
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.8rem}h2{font-size:1.3rem;margin-top:2rem}
small,.muted{color:#666}nav.top{display:flex;justify-content:space-between;gap:1rem;margin-bottom:1rem}form.search{display:flex;gap:.5rem;margin:1rem 0}
form.search input{flex:1;font:inherit;padding:.45rem .6rem;border:1px solid #767676;border-radius:6px}form.search button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:1px solid #888;background:#f4f4f4}
ul.articles{padding-left:1.2rem}ul.articles li{margin:.3rem 0}.result{margin:1rem 0}.result p{margin:.2rem 0}a{color:#1d4ed8}
article img{max-width:100%;height:auto}.table-scroll{overflow-x:auto;margin:1rem 0}table{border-collapse:collapse;font-size:.95rem}
th,td{border:1px solid #ddd;padding:.35rem .65rem;text-align:left;vertical-align:top}th{background:#f6f6f6}.align-center{text-align:center}.align-right{text-align:right}
.skip{position:absolute;left:.5rem;top:-4rem;background:#fff;padding:.4rem .8rem;border:2px solid #1d4ed8;border-radius:6px}.skip:focus{top:.5rem}main:focus{outline:none}</style>
</head><body>
<a class="skip" href="#main">${TEXT[shell.locale].skip}</a>
<nav class="top">${backLink ? `<a href="${indexHref(linkLocale(shell))}">${TEXT[shell.locale].back}</a>` : '<span></span>'}${otherLocaleHref === null ? '' : `<a href="${otherLocaleHref}" hreflang="${other.lang}" lang="${other.lang}">${other.label}</a>`}</nav>
<main id="main" tabindex="-1">
${body}
<p class="muted">${TEXT[shell.locale].stuck}</p>
</main>
${widget}
</body></html>`;
}

function searchForm(shell: HelpShell, query: string): string {
  const t = TEXT[shell.locale];
  return `<form class="search" role="search" method="get" action="/help"><input type="hidden" name="locale" value="${linkLocale(shell)}">
<input type="search" name="q" maxlength="200" aria-label="${t.search}" placeholder="${t.search}" value="${escapeHtml(query)}"><button type="submit">${t.searchButton}</button></form>`;
}

/** The index: published articles of the locale by category, or the passages a search found. */
export function helpIndexPage(shell: HelpShell, articles: ArticleRow[], search: { query: string; passages: Passage[] } | null, missing = false): string {
  const { locale } = shell;
  const t = TEXT[locale];
  // `missing`: the index shown for an address that names no published article, said first.
  let body = `<h1>${missing ? t.missing : t.title}</h1>${missing ? `<p>${t.missingText}</p>` : ''}${searchForm(shell, search?.query ?? '')}`;
  if (search) {
    body += search.passages.length
      ? `<p class="muted">${escapeHtml(t.results(search.passages.length, search.query))}</p>` + search.passages.map((p) => `<div class="result">
<a href="${articleHref(p.slug, linkLocale(shell))}">${escapeHtml(p.title)}</a> <small>· ${escapeHtml(p.heading)}</small><p>${escapeHtml(p.snippet)}</p></div>`).join('\n')
      : `<p>${escapeHtml(t.none(search.query))}</p>`;
  } else if (!articles.length) {
    body += `<p>${t.empty}</p>`;
  } else {
    const byCategory = new Map<string, ArticleRow[]>();
    for (const a of articles) byCategory.set(a.category, [...(byCategory.get(a.category) ?? []), a]);
    const categories = [...byCategory.keys()].sort((a, b) => categoryName(a, locale).localeCompare(categoryName(b, locale), locale));
    body += categories.map((c) => `<h2>${escapeHtml(categoryName(c, locale))}</h2>
<ul class="articles">${byCategory.get(c)!.sort((a, b) => a.title.localeCompare(b.title, locale)).map((a) => `<li><a href="${articleHref(a.slug, linkLocale(shell))}">${escapeHtml(a.title)}</a></li>`).join('')}</ul>`).join('\n');
  }
  const otherHref = `/help?locale=${linkLocale(shell, locale === 'en' ? 'zh' : 'en')}${search ? `&q=${encodeURIComponent(search.query)}` : ''}`;
  // A results page is named after its search, so a tab, the history and a screen reader tell them apart.
  return layout(shell, search ? `${t.searchTitle(search.query)} — ${t.title}` : missing ? `${t.missing} — ${t.title}` : t.title, body, otherHref, search !== null);
}

/**
 * An article body's headings renumbered under the page's h1 (the title): its highest level becomes h2, and no heading
 * is more than one level below the one before it. Articles are written with "##" and "###" as they like (the
 * renderer makes "##" an h3), which left the page jumping from h1 to h3. The renderer's headings carry no attributes
 * and their text is escaped, so the tags are found exactly.
 */
export function nestHeadings(html: string): string {
  const levels = [...new Set([...html.matchAll(/<h([1-6])>/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  if (!levels.length) return html;
  const ranked = new Map(levels.map((level, i) => [level, Math.min(6, i + 2)]));
  let previous = 1;
  return html.replace(/<h([1-6])>([\s\S]*?)<\/h\1>/g, (_m, level: string, inner: string) => {
    const next = Math.min(ranked.get(Number(level))!, previous + 1);
    previous = next;
    return `<h${next}>${inner}</h${next}>`;
  });
}

/**
 * One article, with the other articles of its category in the same language. `translated`: a published article with
 * the same slug exists in the other language (a translation shares its slug); only then does the page link to it,
 * since the link to a missing translation showed the same page again under the other language's name.
 */
export function helpArticlePage(shell: HelpShell, article: ArticleRow, siblings: ArticleRow[], translated = false): string {
  const t = TEXT[shell.locale];
  const more = siblings.filter((s) => s.id !== article.id);
  const body = `<article><h1>${escapeHtml(article.title)}</h1>
<small>${escapeHtml(categoryName(article.category, shell.locale))} · ${t.updated} ${article.updated_at.toISOString().slice(0, 10)}</small>
${nestHeadings(renderMarkdown(article.body))}
</article>${more.length ? `<h2>${t.more}</h2><ul class="articles">${more.map((s) => `<li><a href="${articleHref(s.slug, linkLocale(shell))}">${escapeHtml(s.title)}</a></li>`).join('')}</ul>` : ''}`;
  return layout(shell, article.title, body, translated ? articleHref(article.slug, linkLocale(shell, shell.locale === 'en' ? 'zh' : 'en')) : null);
}
