// The article an intent answers with, picked by title: the knowledge base is searched as the admin types (title, slug
// or text, GET /api/admin/articles), so a shop with thousands of articles can link any of them, not only the newest.
import { useState } from 'preact/hooks';
import { useDebounced, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { kbApi, type Article } from '../kb-api.ts';

/** An article an intent can answer with, as the article list sends it. */
type ArticleChoice = Omit<Article, 'body'>;

/** How many articles a search lists: enough to pick from, the rest found by typing more. */
const RESULTS_SHOWN = 50;

/** The search waits this long after a keystroke: one request per pause in typing, not one per letter. */
const SEARCH_AFTER_TYPING_MS = 200;

/**
 * One choice per slug (the two languages of an article share it, and the bot answers in the shopper's; live in some
 * language wins), by title.
 */
function articleChoicesOf(items: ArticleChoice[]): ArticleChoice[] {
  const bySlug = new Map<string, ArticleChoice>();
  for (const a of items) if (!bySlug.has(a.slug) || a.status === 'published') bySlug.set(a.slug, a);
  return [...bySlug.values()].sort((a, b) => a.title.localeCompare(b.title));
}

const choiceLabel = (a: ArticleChoice) => `${a.title} (${a.slug})${a.status === 'published' ? '' : ` — ${t('intents.articleDraft')}`}`;

/**
 * `slug`: the linked article (null: none). `missing`: the server said no article has it (the intents list's link
 * warning); otherwise one the search did not list is still shown by its title, looked up on its own.
 */
export function IntentArticlePicker({ slug, missing, onPick }: { slug: string | null; missing: boolean; onPick(slug: string | null): void }) {
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const settle = useDebounced(() => setQ(typed.trim()), SEARCH_AFTER_TYPING_MS);
  const found = useLoad(() => kbApi.listArticles(q ? { q } : {}, { limit: RESULTS_SHOWN }), [q]);
  const linked = useLoad(() => (slug && !missing
    ? kbApi.listArticles({ slug }).then(({ items }) => articleChoicesOf(items)[0] ?? null)
    : Promise.resolve(null)), [slug, missing]);
  const choices = articleChoicesOf(found.data?.items ?? []);
  const linkedChoice = linked.data?.slug === slug ? linked.data : null;
  const linkedLabel = linkedChoice ? choiceLabel(linkedChoice) : missing ? t('intents.articleMissing', { slug: slug ?? '' }) : slug;
  return (
    // A fragment: it sits in the editor's field label, which stacks its controls.
    <>
      <input type="search" data-testid="intent-article-search" placeholder={t('intents.articleSearch')} aria-label={t('intents.articleSearch')}
        value={typed} maxLength={200} onInput={(e) => { setTyped(e.currentTarget.value); settle(); }} />
      <select data-testid="intent-article" aria-label={t('intents.articleSlug')} value={slug ?? ''} onChange={(e) => onPick(e.currentTarget.value || null)}>
        <option value="">{t('intents.articleNone')}</option>
        {slug && !choices.some((a) => a.slug === slug) && <option value={slug}>{linkedLabel}</option>}
        {choices.map((a) => <option key={a.slug} value={a.slug}>{choiceLabel(a)}</option>)}
      </select>
      {found.data && found.data.total > found.data.items.length &&
        <span class="muted small" data-testid="intent-article-more">{t('intents.articleMore', { shown: found.data.items.length, total: found.data.total })}</span>}
      {found.data && q && !choices.length && <span class="muted small">{t('intents.articleNoMatch')}</span>}
      {found.error && <span class="error small">{found.error}</span>}
    </>
  );
}
