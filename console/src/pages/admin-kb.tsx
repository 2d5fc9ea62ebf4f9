// Knowledge-base editor: article list with search and filters, Markdown editor
// with a live (safe) preview, draft → publish, version history with diff and
// restore, and the re-index progress after a publish.
import { useEffect, useRef, useState } from 'preact/hooks';
import { guardNavigation } from '../router.ts';
import { useAction, useLoad } from '../hooks.ts';
import { staleSaveRefusal } from '../stale-save.ts';
import { changeLines, importCount, JsonTransfer, type ImportPreview } from '../json-transfer.tsx';
import { getLocale, sharedChineseInScript, t, type Key } from '../i18n.ts';
import { categoryKey, categoryName } from '../../../knowledge-base/categories.ts';
import { Markdown } from '../markdown.tsx';
import { diffLines } from '../diff.ts';
import { MAX_SLUG_LENGTH, slugFromTitle } from '../slug.ts';
import { firstArticles, kbApi, type Article, type ArticleFilter, type ArticleInput, type JobStatus, type JobWarning } from '../kb-api.ts';
import { formatTime } from '../hooks.ts';
import { jobDisplay } from '../wording.ts';
import { ConfirmButton } from '../confirm-button.tsx';

const EMPTY: ArticleInput = { slug: '', locale: 'en', title: '', category: 'general', body: '' };

/** How many articles the list shows at first, and how many more each "Show more" adds. */
const ARTICLES_STEP = 200;

/** A category as the console's reader reads it: in their language, Chinese in the script they chose. */
const shownCategory = (category: string) => categoryName(category, getLocale(), sharedChineseInScript);

type ImportItem = {
  slug: string; locale: string; result: 'created' | 'updated' | 'unchanged' | 'deleted'; changed: string[]; status: string; previousStatus: string | null; linkedIntents?: string[];
};

/**
 * The dry run of an articles import, worded for the confirmation: counts, live articles it takes offline, what a
 * replace deletes for good (and the intents that lose their article with it), what changes.
 */
function describeArticleImport(r: Record<string, unknown>): ImportPreview {
  const items = (r.items ?? []) as ImportItem[];
  const name = (i: ImportItem) => `${i.slug} (${i.locale})`;
  const deleted = items.filter((i) => i.result === 'deleted');
  const offline = items.filter((i) => i.result !== 'deleted' && i.previousStatus === 'published' && i.status !== 'published').map(name);
  const unlinked = [...new Set(deleted.flatMap((i) => i.linkedIntents ?? []))];
  const vars = { created: importCount(r, 'created'), updated: importCount(r, 'updated'), unchanged: importCount(r, 'unchanged'), deleted: deleted.length };
  const nothing = vars.created + vars.updated + vars.deleted === 0;
  const warnings = [
    ...(deleted.length ? [t('transfer.articlesDelete', { names: deleted.map(name).join(', ') })] : []),
    ...(unlinked.length ? [t('transfer.articlesUnlinked', { names: unlinked.join(', ') })] : []),
    ...(offline.length ? [t('transfer.articlesOffline', { names: offline.join(', ') })] : []),
  ];
  return {
    nothing,
    summary: nothing ? t('transfer.articlesNothing', vars) : t(vars.deleted ? 'transfer.articlesReplacePreview' : 'transfer.articlesPreview', vars),
    warning: warnings.length ? warnings.join(' ') : undefined,
    details: changeLines(items, name),
  };
}

/** What an articles import did, in the admin's words. */
const summariseArticleImport = (r: Record<string, unknown>) => {
  const vars = { created: importCount(r, 'created'), updated: importCount(r, 'updated'), unchanged: importCount(r, 'unchanged'), deleted: importCount(r, 'deleted') };
  return t(vars.deleted ? 'transfer.articlesReplaced' : 'transfer.articlesDone', vars);
};

export function KnowledgeBasePage() {
  const [filter, setFilter] = useState<ArticleFilter>({});
  const [search, setSearch] = useState('');
  // The list is a window of the newest-changed articles that "Show more" widens; a reload (after an edit, an import)
  // fetches the whole window again, so the admin keeps their place. Another filter starts from the top.
  const [shown, setShown] = useState(ARTICLES_STEP);
  const list = useLoad(() => firstArticles(filter, shown), [JSON.stringify(filter), shown]);
  const refilter = (next: ArticleFilter) => {
    setFilter(next);
    setShown(ARTICLES_STEP);
  };
  const listed = list.data?.items.length ?? 0;
  const total = list.data?.total ?? 0;
  // ?article=ID opens that article (the unanswered page links drafts it creates).
  const [selected, setSelected] = useState<number | 'new' | null>(() => Number(new URLSearchParams(location.search).get('article')) || null);
  const categories = list.data?.categories ?? [];
  // The open editor's unsaved changes (the article's title), so switching articles asks before dropping them.
  const unsaved = useRef<string | null>(null);
  /** Nothing unsaved, or the admin agreed to drop it (then it is forgotten). */
  const mayDiscard = (): boolean => {
    if (unsaved.current !== null && !confirm(t('kb.confirmDiscard', { title: unsaved.current }))) return false;
    unsaved.current = null;
    return true;
  };
  const choose = (next: number | 'new') => {
    if (next === selected || !mayDiscard()) return;
    setSelected(next);
  };
  const trackUnsaved = (title: string | null) => { unsaved.current = title; };
  // A link elsewhere in the console (the top bar, an inbox link) asks too, as switching articles does.
  useEffect(() => guardNavigation(mayDiscard), []);

  return (
    <div class="admin-kb">
      <aside class="kb-list card">
        <h2>{t('nav.kb')}</h2>
        <form onSubmit={(e) => { e.preventDefault(); refilter({ ...filter, q: search.trim() || undefined }); }}>
          <input type="search" data-testid="kb-search" placeholder={t('kb.search')} value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </form>
        <div class="filters">
          <select aria-label={t('kb.category')} value={filter.category ?? ''} onChange={(e) => refilter({ ...filter, category: e.currentTarget.value || undefined })}>
            <option value="">{t('kb.allCategories')}</option>
            {categories.map((c) => <option key={c} value={c}>{shownCategory(c)}</option>)}
          </select>
          <select aria-label={t('kb.locale')} data-testid="kb-filter-locale" value={filter.locale ?? ''} onChange={(e) => refilter({ ...filter, locale: e.currentTarget.value || undefined })}>
            <option value="">{t('kb.allLocales')}</option><option value="en">en</option><option value="zh">zh</option>
          </select>
          <select aria-label={t('kb.status')} value={filter.status ?? ''} onChange={(e) => refilter({ ...filter, status: e.currentTarget.value || undefined })}>
            <option value="">{t('kb.allStatuses')}</option><option value="draft">{t('kb.draft')}</option><option value="published">{t('kb.published')}</option>
          </select>
        </div>
        <button class="primary" data-testid="kb-new" onClick={() => choose('new')}>{t('kb.new')}</button>
        {/* A file with "mode": "replace" also deletes the articles it does not name: the dry run's token confirms those it listed (as intents). */}
        <JsonTransfer exportPath="/api/admin/articles/export" importPath="/api/admin/articles/import" fileName="articles"
          summarise={summariseArticleImport}
          preview={{ describe: describeArticleImport, confirmFields: (r) => (typeof r.confirmToken === 'string' ? { confirmToken: r.confirmToken } : {}) }}
          onImported={list.reload} />
        {list.error && <p class="error">{list.error}</p>}
        <ul class="plain">
          {(list.data?.items ?? []).map((a) => (
            <li key={a.id}>
              <button class={`link kb-item ${selected === a.id ? 'selected' : ''}`} data-testid="kb-item" data-slug={a.slug} data-locale={a.locale} onClick={() => choose(a.id)}>
                {a.title}
              </button>
              <div class="muted small">{a.slug} · {a.locale} · {shownCategory(a.category)} · <span class={`badge kb-${a.status}`}>{t(`kb.${a.status}` as Key)}</span></div>
            </li>
          ))}
        </ul>
        {list.data && <p class="muted small" data-testid="kb-count">{t('kb.showing', { shown: listed, total })}</p>}
        {listed < total && (
          <button class="small" data-testid="kb-show-more" disabled={list.loading} onClick={() => setShown(shown + ARTICLES_STEP)}>
            {t('kb.showMore', { n: Math.min(ARTICLES_STEP, total - listed) })}
          </button>
        )}
      </aside>
      <section class="kb-editor">
        <IndexStatus />
        {selected === 'new' && <ArticleEditor key="new" articleId={null} categories={categories} onUnsaved={trackUnsaved} onSaved={(id) => { unsaved.current = null; list.reload(); setSelected(id); }} />}
        {typeof selected === 'number' && <ArticleEditor key={selected} articleId={selected} categories={categories} onUnsaved={trackUnsaved} onSaved={() => list.reload()}
          onDeleted={() => { unsaved.current = null; list.reload(); setSelected(null); }} />}
        {selected === null && <p class="muted empty">{t('kb.pick')}</p>}
      </section>
    </div>
  );
}

/** Polls the background jobs: fast while one runs, slowly otherwise. */
export function useJobStatus(): { training: JobStatus; indexing: JobStatus } | null {
  const [status, setStatus] = useState<{ training: JobStatus; indexing: JobStatus } | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      let busy = false;
      try {
        const s = await kbApi.status();
        if (stopped) return;
        setStatus(s);
        busy = [s.training, s.indexing].some((j) => j.state === 'queued' || j.state === 'running');
      } catch {
        // keep polling: a transient error must not freeze the indicator
      }
      if (!stopped) timer = setTimeout(poll, busy ? 700 : 3000);
    };
    void poll();
    return () => { stopped = true; clearTimeout(timer); };
  }, []);
  return status;
}

export function JobBar({ job, kind, label }: { job: JobStatus | undefined; kind: 'training' | 'indexing'; label: string }) {
  if (!job) return null;
  const { working, percent } = jobDisplay(job);
  // Started but no progress reported yet: "Training…" and a bar without a value (indeterminate), not "running 0%".
  const text = job.state === 'running' && percent === null ? t(`job.working.${kind}`) : `${label}: ${t(`job.${job.state}` as Key)}`;
  return (
    <div class={`job job-${job.state}`} data-testid={`job-${kind}`} data-state={job.state} title={label}>
      <span data-testid={`job-${kind}-text`}>{text}</span>
      {/* Keyed: an element that had a value never becomes indeterminate again by dropping the attribute. */}
      {percent === null ? <progress key="indeterminate" /> : <progress key="determinate" max={100} value={percent} />}
      {working && percent !== null && <span class="small">{percent}%</span>}
      {job.finishedAt && !working && <span class="muted small">{formatTime(job.finishedAt)}</span>}
      {job.error && <span class="error small">{job.error}</span>}
    </div>
  );
}

function IndexStatus() {
  const status = useJobStatus();
  return <div class="jobs">{status ? <JobBar job={status.indexing} kind="indexing" label={t('kb.indexing')} /> : null}</div>;
}

/**
 * `categories`: those the articles have, offered by the name the list shows; what is typed is saved under the key it
 * names (categoryKey), so "Orders" files the article under `orders` rather than starting a second "Orders".
 */
function ArticleEditor({ articleId, categories, onSaved, onUnsaved, onDeleted }: {
  articleId: number | null; categories: readonly string[]; onSaved(id: number): void; onUnsaved(title: string | null): void; onDeleted?(): void;
}) {
  const loaded = useLoad(() => (articleId ? kbApi.getArticle(articleId) : Promise.resolve(null)), [articleId]);
  // The intents answering with this article, named when it is deleted or unpublished (they answer without it after).
  const intents = useLoad(() => (articleId ? kbApi.listIntents() : Promise.resolve(null)), [articleId]);
  const [draft, setDraft] = useState<ArticleInput>(EMPTY);
  // The category as the admin reads and types it; the draft holds the key it stands for.
  const [categoryText, setCategoryText] = useState(() => shownCategory(EMPTY.category));
  const offeredCategories = [...new Set([...categories, EMPTY.category].map(shownCategory))].sort((a, b) => a.localeCompare(b, getLocale()));
  const [article, setArticle] = useState<Article | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  // A refusal as stale is worded for what was refused: a save (it would overwrite) or an action (publish, unpublish,
  // restore: nothing was done). Either way the editor offers to load the latest version.
  const staleKey = useRef<Key>('kb.stale');
  const { busy, error, setError, run: act } = useAction((err) => staleSaveRefusal(staleKey.current)(err));
  const refusedAsStale = error !== null && (error === t('kb.stale') || error === t('kb.staleAction'));
  const [versionsTick, setVersionsTick] = useState(0);
  // A new article's slug follows its title until the admin types one.
  const [slugTyped, setSlugTyped] = useState(false);

  useEffect(() => {
    const a = loaded.data?.article;
    if (a) {
      setArticle(a);
      setDraft({ slug: a.slug, locale: a.locale, title: a.title, category: a.category, body: a.body });
      setCategoryText(shownCategory(a.category));
    }
  }, [loaded.data]);

  // The address can change while the article is a draft (nobody has its link yet); a live one keeps it, since links
  // already sent — in the bot's answers, emails, the shop's pages — would stop working.
  const slugEditable = !article || article.status !== 'published';
  const dirty = article ? draft.title !== article.title || draft.body !== article.body || draft.category !== article.category || draft.slug !== article.slug : true;
  // What would be lost: edits to a saved article, or anything typed into a new one.
  const unsaved = article ? dirty : !articleId && (['slug', 'title', 'category', 'body'] as const).some((f) => draft[f] !== EMPTY[f]);
  const unsavedTitle = unsaved ? (article?.title || draft.title || t('kb.new')) : null;
  useEffect(() => {
    onUnsaved(unsavedTitle);
    if (unsavedTitle === null) return;
    // Closing or reloading the tab with unsaved edits: the browser asks first.
    const warn = (event: BeforeUnloadEvent) => { event.preventDefault(); event.returnValue = ''; };
    window.addEventListener('beforeunload', warn);
    return () => { window.removeEventListener('beforeunload', warn); onUnsaved(null); };
  }, [unsavedTitle]);
  // Based on the version the editor shows: a newer one saved meanwhile (another tab, another admin) refuses the save.
  const edits = () => ({ title: draft.title, category: draft.category, body: draft.body, ...(article && draft.slug !== article.slug ? { slug: draft.slug } : {}), ...(article ? { baseVersion: article.version } : {}) });
  // Refused as stale: the editor shows the latest version (what was typed is replaced).
  const loadLatest = () => {
    setError(null);
    setMessage(null);
    loaded.reload();
  };
  const run = (what: () => Promise<{ article: Article } & JobWarning>, done: string, stale: Key = 'kb.stale') => {
    setError(null);
    staleKey.current = stale;
    return act(async () => {
      const result = await what();
      setArticle(result.article);
      setDraft({ slug: result.article.slug, locale: result.article.locale, title: result.article.title, category: result.article.category, body: result.article.body });
      setCategoryText(shownCategory(result.article.category));
      // Saved, but the re-indexing is owed (the job queue was unreachable): said instead of "the bot uses it shortly".
      setMessage(result.warning ? t('kb.jobOwed') : done);
      setVersionsTick((n) => n + 1);
      onSaved(result.article.id);
    });
  };
  const live = article?.status === 'published';
  // A draft is saved as a draft; a published article's edits go live (new version, re-indexed) when saved.
  const slugMissing = () => {
    if (article || draft.slug) return false;
    setError(t('kb.slugNeeded'));
    return true;
  };
  const save = () => !slugMissing() && run(() => (article ? kbApi.saveArticle(article.id, edits()) : kbApi.createArticle(draft)), live ? t('kb.publishedMsg') : t('kb.saved'));
  // Publish, unpublish and restore name the version shown (or just saved): one saved meanwhile elsewhere, unseen here,
  // refuses them rather than going live, going offline or being overwritten.
  const publish = () => !slugMissing() && run(async () => {
    const saved = !article ? await kbApi.createArticle(draft) : dirty ? await kbApi.saveArticle(article.id, edits()) : { article };
    return saved.article.status === 'published' ? saved : kbApi.publishArticle(saved.article.id, saved.article.version);
  }, t('kb.publishedMsg'), 'kb.staleAction');
  const unpublish = () => article && run(() => kbApi.unpublishArticle(article.id, article.version), t('kb.unpublishedMsg'), 'kb.staleAction');
  const restore = (version: number) => run(() => kbApi.restore(article!.id, version, article!.version), t('kb.restored'), 'kb.staleAction');
  const linkedIntents = article ? (intents.data?.items ?? []).filter((i) => i.articleSlug === article.slug).map((i) => i.name) : [];
  // An intent links a slug, not a language: the bot answers with the article in the shopper's language, else in any
  // published one (knowledge-base/policy.ts search). With this language unpublished, linked intents answer with the
  // article in another live language, or with none.
  // Tagged with the article it was loaded for: until the load for the one shown comes back, the last one's answer is
  // no answer.
  const otherLanguages = useLoad(() => (article && live
    ? kbApi.listArticles({ slug: article.slug, status: 'published' }).then(({ items }) => ({
      articleId: article.id, locales: items.filter((a) => a.slug === article.slug && a.locale !== article.locale).map((a) => a.locale),
    }))
    : Promise.resolve(null)), [article?.id, live]);
  const otherLanguagesLive = article && otherLanguages.data?.articleId === article.id ? otherLanguages.data.locales : null;
  const unpublishQuestion = article && linkedIntents.length ? [
    t('kb.confirmUnpublish', { title: article.title, locale: article.locale }),
    otherLanguagesLive?.length
      ? t('kb.unpublishLinkedElsewhere', { slug: article.slug, names: linkedIntents.join(', '), locale: article.locale, others: otherLanguagesLive.join(', ') })
      : t('kb.unpublishLinked', { slug: article.slug, names: linkedIntents.join(', ') }),
    ...(unsaved ? [t('kb.unsavedLost')] : []),
  ].join('\n\n') : '';
  // Asks (as Delete does) only when intents answer with the article: ready once it is known which do and what they
  // would answer with (a list that failed to load asks the more cautious question, or none when the intents failed).
  const unpublishReady = !!intents.error || (!!intents.data && (otherLanguagesLive !== null || !!otherLanguages.error));
  const deleteQuestion = article ? [
    t('kb.confirmDelete', { title: article.title, locale: article.locale }),
    ...(linkedIntents.length ? [t('kb.deleteLinked', { slug: article.slug, names: linkedIntents.join(', ') })] : []),
    ...(unsaved ? [t('kb.unsavedLost')] : []),
  ].join('\n\n') : '';
  // Deletes the version shown: one saved meanwhile elsewhere (unseen here) refuses it, worded as for a stale unpublish.
  const remove = () => {
    if (!article) return;
    staleKey.current = 'kb.staleAction';
    return act(async () => {
      await kbApi.deleteArticle(article.id, article.version);
      onDeleted?.();
    });
  };

  if (articleId && !article) return <p class="muted">{loaded.error ?? t('loading')}</p>;
  return (
    <div class="card editor" data-testid="kb-editor">
      <div class="editor-head">
        <h3>{article ? article.title : t('kb.new')}</h3>
        {/* Every save, publish and unpublish is a version (history is never rewritten, and a save names the version it
            started from), so a new article's first publish is v2: said beside the status, not as "Published · v2". */}
        {article && (
          <span data-testid="kb-status">
            <span class={`badge kb-${article.status}`}>{t(`kb.${article.status}` as Key)}</span>{' '}
            <span class="muted small" data-testid="kb-version-note">{t('kb.versionNote', { version: article.version })}</span>
          </span>
        )}
      </div>
      {/* Read-only while a save is in flight: its answer replaces the fields, which would drop anything typed after the click. */}
      <fieldset class="fields" disabled={busy}>
        <div class="grid-2">
          <label>{t('kb.slug')}<input data-testid="kb-slug" required value={draft.slug} disabled={!slugEditable} pattern="[a-z0-9][a-z0-9-]*" maxLength={MAX_SLUG_LENGTH}
            title={slugEditable ? undefined : t('kb.slugLocked')}
            onInput={(e) => { setSlugTyped(e.currentTarget.value !== ''); setDraft({ ...draft, slug: e.currentTarget.value }); }} />
            {!slugEditable && <span class="muted small" data-testid="kb-slug-locked">{t('kb.slugLocked')}</span>}</label>
          <label>{t('kb.locale')}
            <select value={draft.locale} disabled={!!article} onChange={(e) => setDraft({ ...draft, locale: e.currentTarget.value })}><option value="en">en</option><option value="zh">zh</option></select>
          </label>
          <label>{t('kb.title')}<input data-testid="kb-title" value={draft.title}
            onInput={(e) => { const title = e.currentTarget.value; setDraft({ ...draft, title, slug: article || slugTyped ? draft.slug : slugFromTitle(title) }); }} /></label>
          <label>{t('kb.category')}<input data-testid="kb-category" list="kb-category-names" required maxLength={60} value={categoryText}
            onInput={(e) => { const text = e.currentTarget.value; setCategoryText(text); setDraft({ ...draft, category: categoryKey(text, categories, sharedChineseInScript) }); }} />
            <datalist id="kb-category-names">{offeredCategories.map((name) => <option key={name} value={name} />)}</datalist></label>
        </div>
        <div class="split">
          <label class="grow">{t('kb.body')}
            <textarea data-testid="kb-body" rows={18} value={draft.body} onInput={(e) => setDraft({ ...draft, body: e.currentTarget.value })} />
          </label>
          <div class="md-preview grow" data-testid="kb-preview">
            <div class="muted small">{t('kb.preview')}</div>
            <Markdown source={draft.body} />
          </div>
        </div>
      </fieldset>
      <div class="actions">
        {!live && <button data-testid="kb-save" disabled={busy || !dirty} onClick={save}>{t('kb.saveDraft')}</button>}
        <button class="primary" data-testid="kb-publish" disabled={busy || (live && !dirty)} onClick={publish}>{live ? t('kb.publishChanges') : t('kb.publish')}</button>
        {live && <button data-testid="kb-unpublish" disabled={busy || !unpublishReady}
          onClick={() => { if (!unpublishQuestion || confirm(unpublishQuestion)) void unpublish(); }}>{t('kb.unpublish')}</button>}
        {article && <ConfirmButton danger testId="kb-delete" disabled={busy || (!intents.data && !intents.error)} question={deleteQuestion} onConfirm={() => void remove()}>{t('delete')}</ConfirmButton>}
        {message && <span class="ok small" data-testid="kb-message">{message}</span>}
        {error && <span class="error small" role="alert">{error}</span>}
        {article && refusedAsStale && <button class="small" data-testid="kb-load-latest" disabled={busy} onClick={loadLatest}>{t('kb.loadLatest')}</button>}
      </div>
      {article && <VersionHistory article={article} tick={versionsTick} current={draft.body} unsaved={unsaved} busy={busy} onRestore={restore} />}
    </div>
  );
}

/** `onRestore` restores through the editor, whose message or refusal (a stale one offers the latest version) shows. */
function VersionHistory({ article, tick, current, unsaved, busy, onRestore }: { article: Article; tick: number; current: string; unsaved: boolean; busy: boolean; onRestore(version: number): Promise<boolean> }) {
  const versions = useLoad(() => kbApi.versions(article.id), [article.id, tick]);
  const [compare, setCompare] = useState<number | null>(null);
  const items = [...(versions.data?.items ?? [])].sort((a, b) => b.version - a.version);
  const shown = useLoad(() => (compare ? kbApi.version(article.id, compare).then((r) => r.version) : Promise.resolve(null)), [article.id, compare]).data;
  const restore = async (version: number) => {
    // A published article's restored text is live at once (bot and help page); a draft's only becomes the draft.
    const question = t(article.status === 'published' ? 'kb.confirmRestoreLive' : 'kb.confirmRestoreDraft', { version, title: article.title });
    if (!confirm(unsaved ? `${question} ${t('kb.unsavedLost')}` : question)) return;
    if (await onRestore(version)) setCompare(null);
  };
  return (
    <section class="versions" data-testid="kb-versions">
      <h4>{t('kb.history')}</h4>
      <table>
        <thead><tr><th>v</th><th>{t('kb.status')}</th><th>{t('kb.title')}</th><th>{t('kb.when')}</th><th /></tr></thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.version} data-testid="kb-version" data-version={v.version}>
              <td>{v.version}</td><td>{t(`kb.${v.status}` as Key)}</td><td>{v.title}</td><td class="small">{formatTime(v.createdAt)}{v.note ? ` · ${v.note}` : ''}</td>
              <td>
                <button class="small" data-testid="kb-diff" onClick={() => setCompare(compare === v.version ? null : v.version)}>{t('kb.diff')}</button>
                {v.version !== article.version && <button class="small" data-testid="kb-restore" disabled={busy} onClick={() => restore(v.version)}>{t('kb.restore')}</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown && shown.version === compare && (
        <div class="diff" data-testid="kb-diff-view">
          <div class="muted small">{t('kb.diffExplain', { version: shown.version })}</div>
          <pre>{diffLines(shown.body, current).map((line, i) => (
            <div key={i} class={`diff-${line.op}`}>{line.op === 'added' ? '+ ' : line.op === 'removed' ? '- ' : '  '}{line.text}</div>
          ))}</pre>
        </div>
      )}
    </section>
  );
}
