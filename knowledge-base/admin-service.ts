// The rules behind the knowledge-base admin API: every intent change queues a
// (debounced) retrain, every change to published text queues a re-index, and
// restoring a version writes a new version (history is never rewritten).
import { specialRoleOf } from './special-intents.ts';
import type { AppContext } from '../server/context.ts';
import { createHash } from 'node:crypto';
import { conflict, notFound, badRequest, worded } from '../server/errors.ts';
import { examplesInTwoIntents, intentsRepository, type IntentInput, type IntentRecord } from './repositories/intents.ts';
import { articlesRepository, type ArticleFields, type ArticleRow, type ArticleVersionRow } from './repositories/articles.ts';
import { requestIndexing, requestTraining } from './jobs.ts';
import { requestOrOwe } from './owed-jobs.ts';
import { articleUrl } from './policy.ts';
import type { Locale } from './types.ts';
import { isUniqueViolation, type Sql, type Tx } from '../server/db/client.ts';
import { cleanOutOfScopeExamples, lockOutOfScopeList, outOfScopeExamples, setOutOfScopeExamples } from './out-of-scope.ts';
import { STALE_EDIT, staleEditMessage } from './stale-edits.ts';
import { categoryKey } from './categories.ts';
import { normalizeText } from './text/normalize.ts';
import { rewriteRulesForIntent, type RuleTouched } from '../server/services/automation-rules.ts';

/** The languages of `texts` that say something, each passed through `clean` first (nulls and empty texts dropped). */
function perLanguage(texts: { en?: string | null; zh?: string | null } | null | undefined, clean: (text: string) => string = (text) => text): Partial<Record<Locale, string>> {
  const out: Partial<Record<Locale, string>> = {};
  for (const lang of ['en', 'zh'] as const) {
    const text = texts?.[lang] ? clean(texts[lang]!) : '';
    if (text) out[lang] = text;
  }
  return out;
}

const intentExists = (name: string) => conflict(`An intent named "${name}" already exists.`, 'intent_exists');

export function toIntentJson(r: IntentRecord) {
  return {
    id: r.id, name: r.name, description: r.description, label: perLanguage(r.label), answer: perLanguage(r.answer),
    action: r.action, articleSlug: r.articleSlug, askHelpful: r.askHelpful, examples: r.examples, updatedAt: r.updatedAt.toISOString(),
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
  action?: string | null; articleSlug?: string | null; askHelpful?: boolean; examples: { en?: string[]; zh?: string[] };
}): IntentInput {
  const trim = (text: string) => text.trim();
  return {
    name: body.name, description: body.description ?? '', label: perLanguage(body.label, trim), answer: perLanguage(body.answer, trim),
    action: body.action ?? null, articleSlug: body.articleSlug ?? null, askHelpful: body.askHelpful ?? true, examples: body.examples,
  };
}

type Texts = { en?: string | null; zh?: string | null };

/** An intent of an import file: only the name is required; what is left out keeps its stored value. */
export interface IntentImportBody {
  name: string; description?: string; label?: Texts | null; answer?: Texts | null;
  action?: string | null; articleSlug?: string | null; askHelpful?: boolean; examples?: { en?: string[]; zh?: string[] };
}

type ImportResultKind = 'created' | 'updated' | 'unchanged' | 'deleted';
export interface IntentImportResult {
  dryRun: boolean; created: number; updated: number; unchanged: number; deleted: number;
  /** Of a replace that deletes: what confirms those deletions (replaceToken). */
  confirmToken?: string;
  outOfScope?: 'updated' | 'unchanged';
  items: { name: string; result: ImportResultKind; changed: string[]; linkWarning?: string }[];
}
export interface ArticleImportItem {
  slug: string; locale: string; title: string; body: string; category?: string; status?: ArticleFields['status'];
}
export interface ArticleImportResult {
  dryRun: boolean; created: number; updated: number; unchanged: number; deleted: number;
  /** Of a replace that deletes: what confirms those deletions (replaceToken). */
  confirmToken?: string;
  items: {
    slug: string; locale: string; result: ImportResultKind; changed: string[]; status: ArticleFields['status']; previousStatus: ArticleFields['status'] | null;
    /** Of a deleted article whose slug no article keeps: the intents that answer with it. */
    linkedIntents?: string[];
  }[];
}

/**
 * What an intent linking an article no article has is told (saved anyway: the article may be imported or written
 * next; until then the intent answers without it).
 */
export const missingArticleWarning = (slug: string) =>
  `No article has the slug "${slug}" (yet): the intent answers without it until an article with that slug exists.`;

/** An item a replacing import deletes: what the admin knows it by, and which version of it they were shown. */
interface Doomed { key: string; version: string }
/** How a replacing import's deletions are confirmed: the dry run's confirmToken, or (callers older than it) their number. */
export interface ReplaceConfirmation { confirmToken?: string; confirmDeletes?: number }

/**
 * What confirms a replacing import's deletions: a digest of the items it deletes, each with its version. The dry run
 * returns it and the import sends it back, so the import deletes exactly what the preview listed: if another admin
 * deleted one of them and created another meanwhile, the count is the same and the token is not.
 */
function replaceToken(what: string, doomed: readonly Doomed[]): string {
  const keys = doomed.map((d) => `${d.key}\u0000${d.version}`).sort();
  return createHash('sha256').update([what, ...keys].join('\n')).digest('base64url').slice(0, 24);
}

/**
 * Refuses a replacing import that deletes anything unless its deletions are confirmed: by the dry run's token when
 * given (409 replace_changed when they are no longer the ones it listed), else by their number, as the API took it
 * before the token (a caller sending the count confirms whatever that many items are). Deleting nothing needs nothing.
 */
function confirmReplace(doomed: readonly Doomed[], what: 'articles' | 'intents', confirmation: ReplaceConfirmation): void {
  const n = doomed.length;
  if (n === 0) return;
  const named = `${doomed.slice(0, 5).map((d) => d.key).join(', ')}${n > 5 ? ', …' : ''}`;
  if (confirmation.confirmToken !== undefined) {
    if (confirmation.confirmToken === replaceToken(what, doomed)) return;
    throw worded(conflict(`The ${what} this import would delete have changed since it was previewed (someone deleted, added or edited some meanwhile); `
      + `it would now delete ${n} (${named}). Preview it again with ?dryRun=true and confirm what that shows.`), 'replace_changed', { n: String(n) });
  }
  if (confirmation.confirmDeletes === n) return;
  throw worded(conflict(`This import replaces the ${what} and deletes ${n} of them (${named}). `
    + `Preview it with ?dryRun=true, then send the confirmToken it returns (or confirmDeletes: ${n}) to go ahead.`), 'replace_unconfirmed', { n: String(n) });
}

/** Per-language texts with a change applied: a language the change names is replaced (null or blank clears it), the others are kept. */
function patchTexts(current: Partial<Record<Locale, string>>, change: Texts | null | undefined): Partial<Record<Locale, string>> {
  if (change === undefined) return current;
  const out = { ...current };
  for (const lang of ['en', 'zh'] as const) {
    if (change === null || lang in change) {
      const text = change?.[lang]?.trim();
      if (text) out[lang] = text;
      else delete out[lang];
    }
  }
  return out;
}

/**
 * Examples as stored (trimmed, spaces collapsed, no blanks or repeats: intent examples are cleaned as out-of-scope ones
 * are), sorted to compare two sets.
 */
const storedSet = (examples: string[]) => cleanOutOfScopeExamples(examples).sort();
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameTexts = (a: Partial<Record<Locale, string>>, b: Partial<Record<Locale, string>>) => (a.en ?? '') === (b.en ?? '') && (a.zh ?? '') === (b.zh ?? '');

/**
 * An imported intent laid over the stored one (merge means merge): a field the file leaves out keeps its value, and so
 * does a language left out of `label`, `answer` or `examples`. Returns the full intent to store and the fields that differ.
 */
function mergeImportedIntent(existing: IntentRecord | undefined, body: IntentImportBody): { input: IntentInput; changed: string[] } {
  const base = existing ?? { description: '', label: {}, answer: {}, action: null, articleSlug: null, askHelpful: true, examples: { en: [], zh: [] } };
  const examples = { en: base.examples.en ?? [], zh: base.examples.zh ?? [], ...Object.fromEntries(Object.entries(body.examples ?? {}).filter(([, v]) => v !== undefined)) };
  const input: IntentInput = {
    name: body.name,
    description: body.description !== undefined ? body.description : base.description,
    label: patchTexts(base.label ?? {}, body.label),
    answer: patchTexts(base.answer ?? {}, body.answer),
    action: body.action !== undefined ? body.action : base.action,
    articleSlug: body.articleSlug !== undefined ? body.articleSlug : base.articleSlug,
    askHelpful: body.askHelpful !== undefined ? body.askHelpful : base.askHelpful,
    examples,
  };
  if (!existing) return { input, changed: [] };
  const changed: string[] = [];
  if ((input.description ?? '') !== (existing.description ?? '')) changed.push('description');
  if (!sameTexts(input.label ?? {}, existing.label ?? {})) changed.push('label');
  if (!sameTexts(input.answer ?? {}, existing.answer ?? {})) changed.push('answer');
  if ((input.action ?? null) !== (existing.action ?? null)) changed.push('action');
  if ((input.articleSlug ?? null) !== (existing.articleSlug ?? null)) changed.push('articleSlug');
  if (input.askHelpful !== existing.askHelpful) changed.push('askHelpful');
  for (const lang of ['en', 'zh'] as const) {
    if (!sameList(storedSet(input.examples[lang] ?? []), storedSet(existing.examples[lang] ?? []))) changed.push(`examples.${lang}`);
  }
  return { input, changed };
}

/**
 * Refuses an import that would leave one example in two intents (the classifier would pick between them by chance),
 * listing each clash on the file's row that brings it in as the file's other problems are listed (`import_rows`,
 * rule `in_other_intent`, `expected` the other intent). An item's own stored version is not another intent.
 */
function refuseImportClashes(list: IntentImportBody[], after: { name: string; examples: Partial<Record<Locale, string[]>> }[], written: ReadonlySet<string>): void {
  const rowOf = new Map(list.map((item, index) => [item.name, index + 1]));
  // The intents the import leaves as they are first, then those it writes in the file's order: a clash is named on the
  // row that brings it in. One between two intents it leaves alone (older data) is not the file's doing.
  const place = (name: string) => (written.has(name) ? rowOf.get(name) ?? 0 : 0);
  const ordered = [...after].sort((a, b) => place(a.name) - place(b.name));
  const problems = examplesInTwoIntents(ordered).filter((clash) => written.has(clash.also)).map((clash) => ({
    row: rowOf.get(clash.also) ?? 0, name: clash.also, field: `examples.${clash.locale}`, rule: 'in_other_intent', expected: clash.intent,
    problem: `the example "${clash.example}" is an example of "${clash.intent}" too (one sentence teaches the bot one intent)`,
  }));
  if (!problems.length) return;
  const rows = [...new Set(problems.map((p) => p.row))];
  const listed = problems.filter((p) => p.row <= rows[Math.min(rows.length, 50) - 1]!);
  const more = rows.length - Math.min(rows.length, 50);
  const lines = rows.slice(0, 50).map((row) => {
    const own = listed.filter((p) => p.row === row);
    return `Intent ${row} (${own[0]!.name}): ${own.map((p) => p.problem).join('; ')}.`;
  });
  const head = `${rows.length} of the file's ${list.length} intent${list.length === 1 ? '' : 's'} ${rows.length === 1 ? 'needs' : 'need'} fixing; nothing was imported.`;
  const error = worded(badRequest([head, ...lines, ...(more ? [`…and ${more} more.`] : [])].join(' ')), 'import_rows', { rows: String(rows.length), more: String(more) });
  error.problems = listed;
  throw error;
}

export function kbAdminService(ctx: AppContext) {
  const intents = intentsRepository(ctx.sql);
  const articles = articlesRepository(ctx.sql);
  // The change is stored by now: a job queue out of reach makes the job owed (owed-jobs.ts), not the change a 500.
  const retrain = (reason: string, force = false) => requestOrOwe(ctx.sql, 'train', () => requestTraining(ctx.queues, ctx.sql, reason, force), ctx.log);
  const reindex = (reason: string) => requestOrOwe(ctx.sql, 'index', () => requestIndexing(ctx.queues, ctx.sql, reason), ctx.log);

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

  /**
   * The category an article is stored under: a category typed as the console shows it ("Orders", "Contact us", "订单")
   * or in another case is the existing one it names (categories.ts), not a second category beside it; the Chinese
   * names match in Traditional too (normalizeText). `row` names the import file's article a blank category is refused
   * for, as its other row problems are named (its place in the file, its slug and locale).
   */
  function storedCategory(typed: string, existing: readonly string[], row?: { index: number; item: string }): string {
    const key = categoryKey(typed, existing, undefined, normalizeText);
    if (key) return key;
    if (!row) throw worded(badRequest('The category is blank: name one (or leave it out for "general").'), 'category_blank');
    throw worded(badRequest(`Article ${row.index + 1} (${row.item}): the category is blank: name one (or leave it out for "general"); nothing was imported.`),
      'import_category_blank', { row: String(row.index + 1), item: row.item });
  }
  async function withStoredCategory<F extends { category?: string }>(fields: F): Promise<F> {
    return fields.category === undefined ? fields : { ...fields, category: storedCategory(fields.category, await articles.categories()) };
  }

  /** The warning for each of these article slugs that no article has, by slug (blanks and repeats are skipped; one query). */
  async function missingArticleWarnings(slugs: readonly (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(slugs.filter((slug): slug is string => !!slug))];
    const inUse = await articles.slugsInUse(wanted);
    return new Map(wanted.filter((slug) => !inUse.has(slug)).map((slug) => [slug, missingArticleWarning(slug)]));
  }

  /** Sets `linkWarning` on each item whose article slug (`slugOf`) no article has. */
  async function warnMissingArticles<I extends { linkWarning?: string }>(items: I[], slugOf: (item: I) => string | null | undefined): Promise<void> {
    const warnings = await missingArticleWarnings(items.map(slugOf));
    for (const item of items) {
      const warning = warnings.get(slugOf(item) ?? '');
      if (warning) item.linkWarning = warning;
    }
  }

  return {
    intent,
    article,
    /** The warning for an intent that links an article no article has (see missingArticleWarning); undefined if none. */
    async linkWarning(record: IntentRecord): Promise<string | undefined> {
      return (await missingArticleWarnings([record.articleSlug])).get(record.articleSlug ?? '');
    },
    warnMissingArticles,

    async createIntent(input: IntentInput): Promise<IntentRecord> {
      if (await intents.findByName(input.name)) throw intentExists(input.name);
      const id = await intents.upsert(input);
      await retrain(`intent ${input.name} created`);
      return intent(id);
    },

    /**
     * Replaces an intent, examples included; `basedOn` is the `updatedAt` the edit started from (stale-edits.ts). A
     * rename carries the automation rules naming the intent along, in the rename's transaction (audited as by `actorId`).
     */
    async updateIntent(id: number, input: IntentInput, basedOn?: string, actorId: number | null = null): Promise<IntentRecord> {
      const found = await intent(id);
      if (input.name !== found.name && specialRoleOf(found.name)) {
        throw conflict(`The bot knows the intent "${found.name}" by name (it does more than answer from its examples), so it keeps its name; change its examples, label and answer instead.`, 'intent_name_kept');
      }
      let outcome: Awaited<ReturnType<typeof intents.update>>;
      try {
        outcome = await intents.update(id, input, basedOn, async (tx, previousName) => {
          if (previousName !== input.name) await rewriteRulesForIntent(tx as unknown as Sql, actorId, previousName, input.name);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw intentExists(input.name);
        throw error;
      }
      if (outcome === 'missing') throw notFound('Intent');
      if (outcome === 'stale') throw conflict(staleEditMessage(`The intent "${found.name}"`, 'an example may have been added from the unanswered questions'), STALE_EDIT);
      await retrain(`intent ${input.name} edited`);
      return intent(id);
    },

    /**
     * Deletes an intent and takes it out of the automation rules naming it, in one transaction: returns those rules,
     * `disabled` for each left with an intent condition naming nothing (rewriteRulesForIntent), audited as by `actorId`.
     */
    async deleteIntent(id: number, actorId: number | null = null): Promise<{ rules: RuleTouched[] }> {
      const outcome = await intents.remove(id, (tx, name) => rewriteRulesForIntent(tx as unknown as Sql, actorId, name, null).then((rules) => ({ name, rules })));
      if (!outcome?.removed) throw notFound('Intent');
      await retrain(`intent ${outcome.removed.name} deleted`);
      return { rules: outcome.removed.rules };
    },

    /** `onAdded` runs in the insert's transaction, only when the example was new (see the repository). */
    async addExample(id: number, locale: Locale, text: string, onAdded?: (tx: Sql) => Promise<void>): Promise<IntentRecord> {
      const found = await intent(id);
      const clean = text.trim().replace(/\s+/g, ' ');
      if (!clean) throw badRequest('The example is empty.');
      await intents.addExample(id, locale, clean, onAdded && ((tx) => onAdded(tx as unknown as Sql)));
      await retrain(`example added to ${found.name}`);
      return intent(id);
    },

    /**
     * Imports intents in one transaction. "merge" creates new names and updates the fields the file gives of existing
     * ones; "replace" also deletes the intents the file does not name, and only when the dry run's `confirmToken` says
     * they are the ones it listed (or `confirmDeletes` is their number), so an empty or wrong file cannot wipe the set unseen. Intents keep their ids (and so
     * their team links) when their names match. Unchanged intents are not written; only a real change retrains.
     */
    async importIntents(list: IntentImportBody[], mode: 'merge' | 'replace', options: { dryRun?: boolean; outOfScope?: string[]; actorId?: number } & ReplaceConfirmation = {}): Promise<IntentImportResult> {
      const names = new Set<string>();
      for (const i of list) {
        if (names.has(i.name)) throw worded(badRequest(`Intent "${i.name}" appears twice in the import.`), 'import_intent_twice', { item: i.name.slice(0, 100) });
        names.add(i.name);
      }
      const dryRun = options.dryRun ?? false;
      // Each intent's article slug as imported, checked once the transaction is done (a read of its own).
      const linked = new Map<string, string | null | undefined>();
      const result = (await ctx.sql.begin(async (t) => {
        const tx = t as unknown as Tx;
        const stored = new Map((await intents.list(tx, !dryRun)).map((r) => [r.name, r]));
        const out: IntentImportResult = { dryRun, created: 0, updated: 0, unchanged: 0, deleted: 0, items: [] };
        const writes: IntentInput[] = [];
        for (const body of list) {
          const existing = stored.get(body.name);
          const { input, changed } = mergeImportedIntent(existing, body);
          linked.set(body.name, input.articleSlug);
          const kind = !existing ? 'created' : changed.length ? 'updated' : 'unchanged';
          out[kind]++;
          out.items.push({ name: body.name, result: kind, changed });
          if (kind !== 'unchanged') writes.push(input);
        }
        const doomed = mode === 'replace' ? [...stored.keys()].filter((name) => !names.has(name)) : [];
        for (const name of doomed) out.items.push({ name, result: 'deleted', changed: [] });
        out.deleted = doomed.length;
        const confirming = doomed.map((name) => ({ key: name, version: `${stored.get(name)!.id}@${stored.get(name)!.updatedAt.getTime()}` }));
        if (doomed.length) out.confirmToken = replaceToken('intents', confirming);
        if (options.outOfScope) {
          // The list's lock, as every writer of it takes (after the intents' rows, as customer deletion does): a "Not for
          // the bot" that read the list before would otherwise write it back over the imported one. A dry run only reads.
          if (!dryRun) await lockOutOfScopeList(tx as unknown as Sql);
          const current = await outOfScopeExamples(tx as unknown as Sql);
          out.outOfScope = sameList(storedSet(options.outOfScope), storedSet(current)) ? 'unchanged' : 'updated';
        }
        // Compared as the import leaves the set (an example may move from one intent to another in one file), under the
        // lock every write of examples takes; a dry run says it too, before the admin confirms.
        if (!dryRun) await intents.lockExamples(tx);
        const after = new Map<string, { name: string; examples: Partial<Record<Locale, string[]>> }>([...stored].filter(([name]) => !doomed.includes(name)));
        for (const input of writes) after.set(input.name, input);
        refuseImportClashes(list, [...after.values()], new Set(writes.map((input) => input.name)));
        if (dryRun) return out;
        confirmReplace(confirming, 'intents', options);
        await intents.removeNames(doomed, tx);
        // The rules naming a deleted intent lose it, as when one intent is deleted (deleteIntent).
        for (const name of doomed) await rewriteRulesForIntent(tx as unknown as Sql, options.actorId ?? null, name, null);
        for (const input of writes) await intents.upsert(input, tx, true);
        if (out.outOfScope === 'updated') await setOutOfScopeExamples(tx as unknown as Sql, options.outOfScope!);
        return out;
      })) as IntentImportResult;
      await warnMissingArticles(result.items.filter((i) => i.result !== 'deleted'), (i) => linked.get(i.name));
      if (!dryRun && result.created + result.updated + result.deleted > 0) await retrain(`import of ${list.length} intents (${mode})`);
      else if (!dryRun && result.outOfScope === 'updated') await retrain('out-of-scope examples imported');
      return result;
    },

    async createArticle(typed: ArticleFields, userId: number): Promise<ArticleRow> {
      const fields = await withStoredCategory(typed);
      try {
        const row = await articles.create(fields, userId);
        if (row.status === 'published') await reindex(`article ${row.slug} (${row.locale}) published`);
        return row;
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`An article "${fields.slug}" in ${fields.locale} already exists.`, 'article_exists');
        throw error;
      }
    },

    /**
     * Saves the next version of an article. `baseVersion`, the version the editor opened, must still be the current one
     * (checked under the row's lock), so a stale editor cannot silently overwrite a newer version. A published article
     * keeps its address (links in sent answers and emails): its slug and language change only once it is unpublished.
     */
    async updateArticle(id: number, typed: Partial<ArticleFields>, userId: number, note: string | null, baseVersion?: number): Promise<ArticleRow> {
      const before = await article(id);
      const fields = await withStoredCategory(typed);
      let row: ArticleRow | undefined;
      const guard = (current: ArticleRow) => {
        if (baseVersion !== undefined && current.current_version !== baseVersion) {
          throw conflict(staleEditMessage(`The article "${current.title}"`, `you opened version ${baseVersion}; version ${current.current_version} is the latest`), STALE_EDIT);
        }
        const moved = (fields.slug !== undefined && fields.slug !== current.slug) || (fields.locale !== undefined && fields.locale !== current.locale);
        if (moved && current.status === 'published') {
          throw conflict('A published article keeps its address (links to it were sent in answers and emails): unpublish it first to change its slug or language.', 'slug_published');
        }
      };
      try {
        row = await articles.update(id, fields, userId, note, undefined, guard);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('Another article already has that slug in that language.', 'slug_taken');
        throw error;
      }
      if (!row) throw notFound('Article');
      // Published text changed (or the article went live / was withdrawn): the bot must use the new text.
      if (before.status === 'published' || row.status === 'published') await reindex(`article ${row.slug} (${row.locale}) v${row.current_version}`);
      return row;
    },

    /**
     * `baseVersion` as for a save: deleting over a version the admin has not seen (saved meanwhile, unseen) is refused
     * (409) rather than taking that version and the history with it. Checked on the locked row, so no save slips between.
     */
    async deleteArticle(id: number, baseVersion?: number): Promise<void> {
      const row = (await ctx.sql.begin(async (t) => {
        const tx = t as unknown as Tx;
        const [current] = await tx<ArticleRow[]>`select * from articles where id = ${id} for update`;
        if (!current) return undefined;
        if (baseVersion !== undefined && current.current_version !== baseVersion) {
          throw conflict(staleEditMessage(`The article "${current.title}"`, `you opened version ${baseVersion}; version ${current.current_version} is the latest`), STALE_EDIT);
        }
        await articles.removeIds([id], tx);
        return current;
      })) as ArticleRow | undefined;
      if (!row) throw notFound('Article');
      if (row.status === 'published') await reindex(`article ${row.slug} (${row.locale}) deleted`);
    },

    /** `baseVersion` as for a save: restoring over a version the admin has not seen is refused (409). */
    async restoreVersion(id: number, version: number, userId: number, baseVersion?: number): Promise<ArticleRow> {
      const old = await articles.version(id, version);
      if (!old) throw notFound('Article version');
      return this.updateArticle(id, { title: old.title, body: old.body, category: old.category }, userId, `restored version ${version}`, baseVersion);
    },

    /**
     * Imports articles (matched by slug and language) in one transaction. A new article gets category "general" and
     * status "draft" unless the file says otherwise; an existing one keeps its category and status when the file leaves
     * them out (an export file names both). Only an article whose text, category or status differs gets a new "imported"
     * version; the index is rebuilt only when published text changed. "replace" also deletes the articles the file does
     * not name (slug and language), as an intents import does: only those its dry run listed (`confirmToken`), so a
     * shop swaps the demo articles for its own in one import and a wrong file cannot wipe them unseen.
     */
    async importArticles(list: ArticleImportItem[], userId: number, options: { dryRun?: boolean; mode?: 'merge' | 'replace' } & ReplaceConfirmation = {}): Promise<ArticleImportResult> {
      const keys = new Set<string>();
      for (const a of list) {
        const key = `${a.slug}\u0000${a.locale}`;
        if (keys.has(key)) throw worded(badRequest(`Article "${a.slug}" (${a.locale}) appears twice in the import.`), 'import_article_twice', { item: `${a.slug} (${a.locale})` });
        keys.add(key);
      }
      const dryRun = options.dryRun ?? false;
      // Each new category joins the known ones as it is met: "FAQ" then "faq" in one file is one category, as spelt first.
      const categories = [...await articles.categories()];
      list = list.map((item, index) => {
        if (item.category === undefined) return item;
        const category = storedCategory(item.category, categories, { index, item: `${item.slug}, ${item.locale}` });
        if (!categories.includes(category)) categories.push(category);
        return { ...item, category };
      });
      const result = (await ctx.sql.begin(async (t) => {
        const tx = t as unknown as Tx;
        const replace = options.mode === 'replace';
        const rows = replace ? await articles.everyIn(tx, !dryRun) : await articles.findBySlugs([...new Set(list.map((a) => a.slug))], tx, !dryRun);
        const stored = new Map(rows.map((r) => [`${r.slug}\u0000${r.locale}`, r]));
        const out: ArticleImportResult = { dryRun, created: 0, updated: 0, unchanged: 0, deleted: 0, items: [] };
        for (const item of list) {
          const existing = stored.get(`${item.slug}\u0000${item.locale}`);
          if (!existing) {
            const fields: ArticleFields = { slug: item.slug, locale: item.locale, title: item.title, body: item.body, category: item.category ?? 'general', status: item.status ?? 'draft' };
            out.created++;
            out.items.push({ slug: item.slug, locale: item.locale, result: 'created', changed: [], status: fields.status, previousStatus: null });
            if (!dryRun) await articles.create(fields, userId, tx);
            continue;
          }
          const next = { title: item.title, body: item.body, category: item.category ?? existing.category, status: item.status ?? existing.status };
          const changed = (['title', 'body', 'category', 'status'] as const).filter((field) => next[field] !== existing[field]);
          const kind = changed.length ? 'updated' : 'unchanged';
          out[kind]++;
          out.items.push({ slug: item.slug, locale: item.locale, result: kind, changed: [...changed], status: next.status, previousStatus: existing.status });
          if (!dryRun && changed.length) await articles.update(existing.id, next, userId, 'imported', tx);
        }
        const doomed = replace ? rows.filter((r) => !keys.has(`${r.slug}\u0000${r.locale}`)) : [];
        // An intent answering with a deleted article's slug loses it only when no language of that slug is left.
        const keptSlugs = new Set(list.map((a) => a.slug));
        const linking = doomed.some((r) => !keptSlugs.has(r.slug)) ? await intents.list(tx) : [];
        for (const r of doomed) {
          const linkedIntents = keptSlugs.has(r.slug) ? [] : linking.filter((i) => i.articleSlug === r.slug).map((i) => i.name);
          out.items.push({ slug: r.slug, locale: r.locale, result: 'deleted', changed: [], status: r.status, previousStatus: r.status, ...(linkedIntents.length ? { linkedIntents } : {}) });
        }
        out.deleted = doomed.length;
        const confirming = doomed.map((r) => ({ key: `${r.slug} (${r.locale})`, version: `${r.id}@${r.current_version}` }));
        if (doomed.length) out.confirmToken = replaceToken('articles', confirming);
        if (dryRun) return out;
        confirmReplace(confirming, 'articles', options);
        await articles.removeIds(doomed.map((r) => r.id), tx);
        return out;
      }).catch((error: unknown) => {
        // Someone created one of the new articles between the read and the insert: nothing was imported.
        if (isUniqueViolation(error)) throw conflict('One of the new articles was created meanwhile by someone else; nothing was imported. Try again.', 'import_race');
        throw error;
      })) as ArticleImportResult;
      const live = result.items.filter((i) => i.result !== 'unchanged' && (i.status === 'published' || i.previousStatus === 'published'));
      if (!dryRun && live.length > 0) await reindex(`import of ${list.length} articles (${live.length} published changed or deleted)`);
      return result;
    },
    retrain,
    reindex,
  };
}
