// Admin API of the knowledge base and the bot brain: intents (CRUD, examples,
// import/export), articles (draft/publish, versions, restore, import/export),
// the classifier test box, KB search, training/indexing status, and the
// learning loop (unanswered questions, candidates from resolved hand-offs).
import { Type } from 'typebox';
import { recordAudit } from '../services/audit-log.ts';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Id, IdParams, Nullable, Ok } from './schemas.ts';
import { importRowChecker } from './import-problems.ts';
import { badRequest, conflict, notFound, worded } from '../errors.ts';
import {
  ExportedAtField, ArticleActionSchema, ArticleDeleteQuery, NewArticleSchema, NEW_SLUG, ArticleImportResultSchema, ArticleInputSchema, ArticleSchema, ArticleStatusSchema, ArticleSummarySchema, ArticleUpdateSchema, BotPreviewSchema, CandidateSchema, ClassificationSchema,
  IntentImportResultSchema, IntentImportSchema, IntentInputSchema, IntentSchema, IntentUpdateSchema, BasedOn, LinkWarning, KbStatusSchema, LocaleSchema, PassageSchema, SlugSchema, UnansweredSchema, VersionSchema, VersionSummarySchema,
} from '../../knowledge-base/admin-schemas.ts';
import { intentInput, kbAdminService, toArticleJson, toIntentJson, toVersionJson } from '../../knowledge-base/admin-service.ts';
import { articlesRepository } from '../../knowledge-base/repositories/articles.ts';
import { intentsRepository, toDefinition } from '../../knowledge-base/repositories/intents.ts';
import { modelsRepository, type JobStatusRow } from '../../knowledge-base/repositories/models.ts';
import { unansweredRepository, type UnansweredRow } from '../../knowledge-base/unanswered.ts';
import { articleDraftBody, claimCandidate, markCandidateHandled, releaseCandidate, resolvedHandoffCandidates } from '../../knowledge-base/learning-loop.ts';
import { recordLearningSources } from '../../knowledge-base/learning-sources.ts';
import { jobWarnings } from '../../knowledge-base/owed-jobs.ts';
import { addOutOfScopeExamples, cleanOutOfScopeExamples, MAX_OUT_OF_SCOPE_EXAMPLES, outOfScopeExamples, outOfScopeState, replaceOutOfScopeExamples } from '../../knowledge-base/out-of-scope.ts';
import { brainOf, findBrain } from '../../knowledge-base/registry.ts';
import { productsRepository, type ProductRecord } from '../../knowledge-base/repositories/products.ts';
import { articleUrl } from '../../knowledge-base/policy.ts';
import { detectLanguage } from '../../knowledge-base/text/tokenize.ts';
import { MAX_SLUG_LENGTH, slugFromTitle } from '../../console/src/slug.ts';

const tags = ['admin'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
// A version is an integer column (int4): larger numbers are refused here rather than by Postgres.
const VersionParams = Type.Object({ id: Id, version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
const Queued = Type.Object({ queued: Type.Literal(true) });
/** An automation rule an intent's deletion took the intent out of (rewriteRulesForIntent). */
const RuleTouchedSchema = Type.Object({
  id: Type.Integer(), name: Type.String(), disabled: Type.Boolean({ description: 'Switched off: its intent condition named no intent left' }),
});
const DryRunQuery = Type.Object({ dryRun: Type.Optional(Type.Boolean({ description: 'true: write nothing, answer with what the import would do' })) });
/**
 * An import's dry run, which wrote nothing. Only the routes that declare ?dryRun have one: elsewhere the parameter
 * means nothing and the write happened, so it is audited and announced like any other.
 */
const isDryRun = (request: { routeOptions: { schema?: { querystring?: unknown } }; query: unknown }) =>
  request.routeOptions.schema?.querystring === DryRunQuery && (request.query as { dryRun?: boolean }).dryRun === true;
const ConfirmTokenField = Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'mode "replace": the confirmToken of the dry run the admin agreed to' }));

// The import files' rows, each checked with every problem it has, and against the rows before it (import-problems.ts).
const text = (value: unknown) => (typeof value === 'string' ? value : null);
const intentRows = importRowChecker({ item: IntentImportSchema, kind: 'Intent', nameOf: (row) => row.name, keyOf: (row) => text(row.name), sameKey: 'the same name' });
const articleRows = importRowChecker({
  item: ArticleInputSchema, kind: 'Article', nameOf: (row) => row.slug, sameKey: 'the same slug and locale',
  keyOf: (row) => (text(row.slug) !== null && text(row.locale) !== null ? `${row.slug}\u0000${row.locale}` : null),
});

/**
 * An import route's check of its file (its handler's first step; the route attaches its validation error so the
 * admin check runs first): every bad or repeated row refused at once, in words; any other fault of the request as the
 * schema said it.
 */
function checkImportFile(request: { validationError?: Error; body: unknown }, rows: typeof intentRows, listKey: string): void {
  const list = (request.body as Record<string, unknown> | null)?.[listKey];
  const problems = Array.isArray(list) ? rows.problems(list) : [];
  const refusal = rows.refusal(problems, Array.isArray(list) ? list.length : 0);
  if (refusal) throw refusal;
  if (request.validationError) throw request.validationError;
}

/** A client's "based on" time stamp, checked as a time (a string that is none is refused rather than never matching). */
function basedOn(stamp: string | undefined): string | undefined {
  if (stamp !== undefined && Number.isNaN(Date.parse(stamp))) throw badRequest('updatedAt must be the time stamp the item was loaded with.');
  return stamp;
}

const jobJson = (row: JobStatusRow | undefined) => ({
  state: row?.state ?? 'idle', progress: row?.progress ?? 0,
  startedAt: row?.started_at?.toISOString() ?? null, finishedAt: row?.finished_at?.toISOString() ?? null,
  error: row?.error ?? null, details: row?.details ?? {},
});

const unansweredJson = (r: UnansweredRow) => ({
  id: r.id, locale: r.locale, text: r.text, count: r.count, examples: r.examples, status: r.status, resolution: r.resolution,
  firstSeen: r.first_seen.toISOString(), lastSeen: r.last_seen.toISOString(),
});

export default function adminKbRoutes(ctx: AppContext) {
  return async (app: App) => {
    const service = kbAdminService(ctx);
    const intents = intentsRepository(ctx.sql);
    const articles = articlesRepository(ctx.sql);
    /**
     * The address of a draft started from a shopper's question: made from its title ("do you have a loyalty program"
     * → do-you-have-a-loyalty-program), numbered when taken; `fallback` when the title has no Latin letters or digits
     * (a Chinese one). The admin can still change it while the article is a draft.
     */
    const draftSlug = async (title: string, locale: string, fallback: string): Promise<string> => {
      // Cut to leave room for "-20", without a dash left at the end ("a-" is no valid slug).
      const base = slugFromTitle(title).slice(0, MAX_SLUG_LENGTH - 4).replace(/-+$/, '') || fallback;
      for (let n = 1; n <= 20; n++) {
        const candidate = n === 1 ? base : `${base}-${n}`;
        if (!(await articles.findBySlug(candidate, locale)).length) return candidate;
      }
      return `${base}-${Date.now().toString(36)}`;
    };
    /**
     * Slugs must be in the strict form (NEW_SLUG) for new articles and for a slug being changed; a stored article keeps
     * an older, looser one (a--b) it already has, so it stays editable, importable and deletable.
     */
    const badSlug = (slug: string) =>
      worded(badRequest(`"${slug}" is no valid slug for a new article: use lower-case letters and digits, words joined by single dashes (e.g. shipping-to-japan).`), 'slug_invalid', { slug: slug.slice(0, 100) });
    const models = modelsRepository(ctx.sql);
    const unanswered = unansweredRepository(ctx.sql);
    const articleJson = (row: Parameters<typeof toArticleJson>[0]) => toArticleJson(row, ctx.config.publicUrl);
    const admin = { preHandler: app.requireAdmin };

    // Who changed what the bot says goes in the audit log like the shop's other settings: each change to an article,
    // an intent or the out-of-scope examples that succeeded (not a dry run), named by route, with its id and what the
    // request named it by. One hook for all of them, so a new route of this kind cannot be forgotten.
    const AUDITED: Record<string, string> = {
      'POST /api/admin/intents/import': 'kb.intents.import', 'POST /api/admin/intents': 'kb.intent.create',
      'PUT /api/admin/intents/:id': 'kb.intent.update', 'DELETE /api/admin/intents/:id': 'kb.intent.delete',
      'POST /api/admin/intents/:id/examples': 'kb.intent.add_example', 'PUT /api/admin/nlu/out-of-scope': 'kb.out_of_scope.update',
      'POST /api/admin/articles/import': 'kb.articles.import', 'POST /api/admin/articles': 'kb.article.create',
      'PUT /api/admin/articles/:id': 'kb.article.update', 'POST /api/admin/articles/:id/publish': 'kb.article.publish',
      'POST /api/admin/articles/:id/unpublish': 'kb.article.unpublish', 'DELETE /api/admin/articles/:id': 'kb.article.delete',
      'POST /api/admin/articles/:id/versions/:version/restore': 'kb.article.restore',
      // The learning loop's actions change intents, the out-of-scope examples or the articles too.
      'POST /api/admin/unanswered/:id/add-example': 'kb.unanswered.add_example', 'POST /api/admin/unanswered/:id/out-of-scope': 'kb.unanswered.out_of_scope',
      'POST /api/admin/unanswered/:id/create-article': 'kb.unanswered.create_article',
      'POST /api/admin/unanswered/candidates/:conversationId/add-example': 'kb.candidate.add_example',
      'POST /api/admin/unanswered/candidates/:conversationId/create-article': 'kb.candidate.create_article',
    };
    // A change stored whose training or indexing could not be queued is owed (owed-jobs.ts): the answer is the change's
    // success with a `warning` that says so. Each request collects its warnings in a store of its own.
    const warningsOf = new WeakMap<object, string[]>();
    // In the schemas of the answers that may carry it, for the OpenAPI document: added after serialisation (onSend),
    // so the serialiser never sees it to strip it.
    const JobWarning = { warning: Type.Optional(Type.String({ description: 'Set when the change was saved but its retraining or re-indexing could not be queued (the job queue was unreachable); the workers queue it once the queue is back.' })) };
    app.addHook('preHandler', (request, _reply, done) => {
      const warnings: string[] = [];
      warningsOf.set(request, warnings);
      jobWarnings.run(warnings, done);
    });
    app.addHook('onSend', async (request, reply, payload) => {
      const warnings = warningsOf.get(request);
      if (!warnings?.length || typeof payload !== 'string' || reply.statusCode >= 400) return payload;
      try {
        const body = JSON.parse(payload) as unknown;
        return body && typeof body === 'object' && !Array.isArray(body) ? JSON.stringify({ ...body, warning: warnings.join(' ') }) : payload;
      } catch {
        return payload;
      }
    });
    // onSend, not onResponse: the entry is written before the admin's client hears the change is done.
    app.addHook('onSend', async (request, reply, payload) => {
      const action = AUDITED[`${request.method} ${request.routeOptions.url}`];
      if (!action || reply.statusCode >= 400 || !request.user || isDryRun(request)) return payload;
      const params = (request.params ?? {}) as { id?: number; version?: number; conversationId?: number };
      const body = (request.body ?? {}) as { slug?: unknown; name?: unknown; title?: unknown; mode?: unknown; intentId?: unknown };
      const details = Object.fromEntries(Object.entries({ slug: body.slug, name: body.name, title: body.title, mode: body.mode, version: params.version, intentId: body.intentId })
        .filter(([, v]) => typeof v === 'string' || typeof v === 'number'));
      const kind = action.startsWith('kb.intent') ? 'intent' : action.startsWith('kb.unanswered') ? 'unanswered' : action.startsWith('kb.candidate') ? 'conversation' : 'article';
      const targetId = params.id ?? params.conversationId;
      await recordAudit(ctx.sql, request.user.id, action, targetId ? `${kind}:${targetId}` : null, details)
        .catch((error: unknown) => request.log.warn({ err: error, action }, 'knowledge-base change not audited'));
      return payload;
    });

    // Consoles show intents by their labels (console/src/intent-names.tsx): a change that can rename, relabel, add or
    // remove one tells every console to reload them. After the answer, so the admin's own console reads the saved state.
    const CHANGES_INTENT_LABELS = new Set(['POST /api/admin/intents/import', 'POST /api/admin/intents', 'PUT /api/admin/intents/:id', 'DELETE /api/admin/intents/:id']);
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode >= 400 || isDryRun(request)) return;
      if (CHANGES_INTENT_LABELS.has(`${request.method} ${request.routeOptions.url}`)) ctx.realtime.toAgents('intents:changed');
    });

    // ---------- intents ----------
    /** A saved intent as a create or an update answers it: with a warning when its article slug names no article. */
    const intentAnswer = async (record: Parameters<typeof toIntentJson>[0]) => {
      const linkWarning = await service.linkWarning(record);
      return { intent: toIntentJson(record), ...(linkWarning ? { linkWarning } : {}) };
    };
    // Each with its link warning, so the console marks the intents whose article is missing however many articles there are.
    app.get('/api/admin/intents', {
      ...admin, schema: { tags, summary: 'All intents with their examples (linkWarning: the article slug names no article)',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ ...IntentSchema.properties, linkWarning: Type.Optional(LinkWarning) })) }), ...errors } },
    }, async () => {
      const items: (ReturnType<typeof toIntentJson> & { linkWarning?: string })[] = (await intents.list()).map(toIntentJson);
      await service.warnMissingArticles(items, (item) => item.articleSlug);
      return { items };
    });

    app.get('/api/admin/intents/export', {
      ...admin,
      schema: { tags, summary: 'Export intents and out-of-scope examples as JSON (the import format)',
        response: { 200: Type.Object({ intents: Type.Array(IntentInputSchema), outOfScope: Type.Array(Type.String()), exportedAt: Type.String() }), ...errors } },
    }, async () => ({
      intents: (await intents.list()).map((r) => {
        const d = toDefinition(r);
        return { name: d.name, description: d.description ?? '', label: { en: d.label?.en ?? null, zh: d.label?.zh ?? null }, answer: { en: d.answer?.en ?? null, zh: d.answer?.zh ?? null }, action: (d.action ?? null) as 'order_status' | 'handoff' | null, articleSlug: d.articleSlug ?? null, askHelpful: r.askHelpful, examples: r.examples };
      }),
      outOfScope: await outOfScopeExamples(ctx.sql),
      exportedAt: new Date().toISOString(),
    }));

    app.post('/api/admin/intents/import', {
      ...admin,
      bodyLimit: 5 * 1024 * 1024,
      schema: { tags, summary: 'Import intents: merge by name (fields left out keep their values), or replace the whole set; retrains in the background when something changed',
        description: 'Intents keep their ids (and team links) when their names match. Unchanged intents are not written. With ?dryRun=true nothing is written and the '
          + 'response says what the import would do. A replace that deletes intents needs the confirmToken its dry run returned (409 replace_changed when '
          + 'the intents it would delete are no longer those; 409 replace_unconfirmed without it), or confirmDeletes equal to their number (older callers).',
        querystring: DryRunQuery,
        body: Type.Object({
          intents: Type.Array(IntentImportSchema, { maxItems: 2000 }),
          mode: Type.Optional(Type.Union([Type.Literal('merge'), Type.Literal('replace')])),
          outOfScope: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: MAX_OUT_OF_SCOPE_EXAMPLES })),
          confirmToken: ConfirmTokenField,
          confirmDeletes: Type.Optional(Type.Integer({ minimum: 0, description: 'mode "replace", without confirmToken: how many intents the admin agreed to delete (from the dry run)' })),
          exportedAt: ExportedAtField,
        }, { additionalProperties: false }),
        response: { 200: IntentImportResultSchema, ...errors } },
      attachValidation: true,
    }, async (request) => {
      checkImportFile(request, intentRows, 'intents');
      const { intents: list, mode, outOfScope, confirmDeletes, confirmToken } = request.body;
      return service.importIntents(list, mode ?? 'merge', { dryRun: request.query.dryRun ?? false, confirmDeletes, confirmToken, outOfScope, actorId: request.user!.id });
    });

    app.get('/api/admin/intents/:id', {
      ...admin, schema: { tags, summary: 'One intent', params: IdParams, response: { 200: Type.Object({ intent: IntentSchema }), ...errors } },
    }, async (request) => ({ intent: toIntentJson(await service.intent(request.params.id)) }));

    app.post('/api/admin/intents', {
      ...admin, schema: { tags, summary: 'Create an intent; retrains in the background', body: IntentInputSchema, response: { 201: Type.Object({ intent: IntentSchema, linkWarning: Type.Optional(LinkWarning), ...JobWarning }), ...errors } },
    }, async (request, reply) => reply.status(201).send(await intentAnswer(await service.createIntent(intentInput(request.body)))));

    app.put('/api/admin/intents/:id', {
      ...admin, schema: { tags, summary: 'Replace an intent (examples included); retrains in the background',
        description: 'Send the updatedAt the intent was loaded with: when it changed meanwhile (an example added from the unanswered questions, another admin) the save is refused with 409 conflict.',
        params: IdParams, body: IntentUpdateSchema, response: { 200: Type.Object({ intent: IntentSchema, linkWarning: Type.Optional(LinkWarning), ...JobWarning }), ...errors } },
    }, async (request) => {
      const { updatedAt, ...body } = request.body;
      return intentAnswer(await service.updateIntent(request.params.id, intentInput(body), basedOn(updatedAt), request.user!.id));
    });

    app.delete('/api/admin/intents/:id', {
      ...admin, schema: { tags, summary: 'Delete an intent; retrains in the background',
        description: 'The automation rules naming the intent lose it from their intent conditions (audited as rule edits); a rule whose condition then names no intent is disabled. `rules` lists them.',
        params: IdParams, response: { 200: Type.Object({ ok: Type.Literal(true), rules: Type.Array(RuleTouchedSchema), ...JobWarning }), ...errors } },
    }, async (request) => {
      const { rules } = await service.deleteIntent(request.params.id, request.user!.id);
      return { ok: true as const, rules };
    });

    app.post('/api/admin/intents/:id/examples', {
      ...admin, schema: { tags, summary: 'Add one example to an intent', params: IdParams,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 500 }), locale: Type.Optional(LocaleSchema) }, { additionalProperties: false }),
        response: { 200: Type.Object({ intent: IntentSchema, ...JobWarning }), ...errors } },
    }, async (request) => ({ intent: toIntentJson(await service.addExample(request.params.id, request.body.locale ?? detectLanguage(request.body.text), request.body.text)) }));

    const OutOfScopeList = Type.Object({
      examples: Type.Array(Type.String()),
      updatedAt: Nullable(Type.String({ description: 'When the list last changed (null: never stored); send it back with a replacement' })),
    });
    const outOfScopeJson = (state: { examples: string[]; updatedAt: Date | null }) => ({ examples: state.examples, updatedAt: state.updatedAt?.toISOString() ?? null });
    app.get('/api/admin/nlu/out-of-scope', {
      ...admin, schema: { tags, summary: 'Sentences the bot must not claim as an intent', response: { 200: OutOfScopeList, ...errors } },
    }, async () => outOfScopeJson(await outOfScopeState(ctx.sql)));

    app.put('/api/admin/nlu/out-of-scope', {
      ...admin, schema: { tags, summary: 'Replace the out-of-scope examples; retrains in the background',
        description: 'Send the updatedAt the list was loaded with: when it changed meanwhile (questions marked "Not for the bot") the save is refused with 409 conflict.',
        body: Type.Object({
          examples: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: MAX_OUT_OF_SCOPE_EXAMPLES }),
          updatedAt: Type.Optional(Nullable(BasedOn('list (null: there was no list yet)'))),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ ...OutOfScopeList.properties, ...JobWarning }), ...errors } },
    }, async (request) => {
      const { updatedAt } = request.body;
      const saved = await replaceOutOfScopeExamples(ctx.sql, request.body.examples, updatedAt === null ? null : basedOn(updatedAt));
      await service.retrain('out-of-scope examples edited');
      return outOfScopeJson(saved);
    });

    // ---------- products (written by the shop's feed; read here) ----------
    /** A stored product as the feed takes it: without its row id. */
    const feedProduct = ({ id: _id, ...product }: ProductRecord) => product;
    const ProductSchema = Type.Object({
      sku: Type.String(), locale: Type.String(), name: Type.String(), url: Nullable(Type.String()), priceCents: Nullable(Type.Integer()),
      currency: Type.String(), description: Type.String(), attributes: Type.Record(Type.String(), Type.String()), inStock: Nullable(Type.Boolean()),
    });
    app.get('/api/admin/products/export', {
      ...admin, schema: { tags, summary: 'Export every product in the feed format (PUT /api/integrations/products takes the file back)',
        response: { 200: Type.Object({ products: Type.Array(ProductSchema), exportedAt: Type.String() }), ...errors } },
    }, async () => ({
      products: (await productsRepository(ctx.sql).all()).map(feedProduct),
      exportedAt: new Date().toISOString(),
    }));

    app.get('/api/admin/products', {
      ...admin, schema: { tags, summary: "The shop's products the bot answers from (newest feed first; ?q= filters by SKU or name)",
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: Type.Object({ items: Type.Array(ProductSchema), total: Type.Integer() }), ...errors } },
    }, async (request) => {
      const { items, total } = await productsRepository(ctx.sql).list(request.query.q?.trim() ?? '', request.query.limit ?? 100);
      return { items: items.map(feedProduct), total };
    });

    // ---------- classifier, search, jobs ----------
    app.post('/api/admin/nlu/classify', {
      ...admin, schema: { tags, summary: "The intents editor's test box: the classifier's full output for a sentence",
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: ClassificationSchema, ...errors, 503: ErrorResponse } },
    }, async (request) => {
      const snapshot = brainOf(ctx).snapshot;
      if (!snapshot.classifier) throw conflict('No intent model has been trained yet.', 'no_model');
      const result = await snapshot.classifier.classify(request.body.text);
      return { ...result, threshold: snapshot.classifier.threshold, modelVersion: snapshot.modelVersion ?? 0 };
    });

    app.post('/api/admin/bot/preview', {
      ...admin, schema: { tags, summary: 'What the bot would reply to a sentence (the whole policy, as the first message of an anonymous chat); records nothing',
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }), locale: Type.Optional(LocaleSchema) }, { additionalProperties: false }),
        response: { 200: BotPreviewSchema, ...errors, 503: ErrorResponse } },
    }, async (request) => {
      const snapshot = brainOf(ctx).snapshot;
      const decision = await snapshot.policy.decide({ locale: request.body.locale ?? detectLanguage(request.body.text), history: [] }, request.body.text);
      const { metadata, evidence } = decision;
      // The policy reads an intent whose article the index lacks as linking none (policy.ts): the test box says so.
      const linkedSlug = metadata.intent ? (await intents.findByName(metadata.intent))?.articleSlug : null;
      const missingArticle = metadata.intent && linkedSlug && !snapshot.index.hasArticle(linkedSlug) ? { intent: metadata.intent, slug: linkedSlug } : undefined;
      return {
        action: decision.action, reply: decision.reply, quickReplies: decision.quickReplies, decision: metadata.decision, reason: metadata.reason,
        intent: metadata.intent ?? null, confidence: metadata.confidence ?? null, articles: metadata.articles ?? [], products: metadata.products ?? [],
        modelVersion: snapshot.modelVersion ?? 0, ...(missingArticle ? { missingArticle } : {}),
        thresholds: { intent: snapshot.policy.thresholds.intent, intentOption: snapshot.policy.thresholds.intentOption },
        // What the policy itself read (it may have classified part of the message), so the test box's confidence line
        // cannot contradict its headline; and whether part of the message is left unanswered, and why nothing answers.
        prediction: evidence.prediction
          ? { intent: evidence.prediction.intent, confidence: evidence.prediction.confidence, outOfScope: evidence.prediction.outOfScope } : null,
        miss: decision.miss,
        ...(evidence.unansweredPart ? { unansweredPart: evidence.unansweredPart } : {}),
        ...(evidence.unnamedServices?.length ? { unnamedServices: evidence.unnamedServices } : {}),
      };
    });

    app.post('/api/admin/nlu/train', {
      ...admin, schema: { tags, summary: 'Retrain now (background job); force=true retrains even when the examples did not change',
        querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }),
        response: { 202: Queued, ...errors } },
    }, async (request, reply) => {
      await service.retrain('requested by an admin', request.query.force ?? false);
      return reply.status(202).send({ queued: true as const });
    });

    app.post('/api/admin/kb/search', {
      ...admin, schema: { tags, summary: 'Ranked KB passages for a query (what the bot would retrieve)',
        body: Type.Object({ query: Type.String({ minLength: 1, maxLength: 2000 }), locale: Type.Optional(LocaleSchema), k: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(PassageSchema), encoder: Type.String() }), ...errors, 503: ErrorResponse } },
    }, async (request) => {
      const host = brainOf(ctx);
      const passages = await host.search(request.body.query, request.body.k ?? 5, request.body.locale);
      return { items: passages.map((p) => ({ ...p, url: articleUrl(ctx.config.publicUrl, p.slug, p.locale) })), encoder: host.snapshot.index.encoderName };
    });

    app.post('/api/admin/kb/reindex', {
      ...admin, schema: { tags, summary: 'Rebuild the retrieval index now (background job)', response: { 202: Queued, ...errors } },
    }, async (_request, reply) => {
      await service.reindex('requested by an admin');
      return reply.status(202).send({ queued: true as const });
    });

    app.get('/api/admin/kb/status', {
      ...admin, schema: { tags, summary: 'Training and indexing status, the live model and the encoder of this server', response: { 200: KbStatusSchema, ...errors } },
    }, async () => {
      const [statusRows, model] = await Promise.all([models.status(), models.latestMeta()]);
      const host = findBrain(ctx);
      const snapshot = host?.snapshot;
      return {
        training: jobJson(statusRows.find((r) => r.kind === 'train')),
        indexing: jobJson(statusRows.find((r) => r.kind === 'index')),
        model: model ? { version: model.version, encoder: model.encoder, trainedAt: model.trained_at.toISOString(), stats: model.stats } : null,
        server: {
          loaded: !!host,
          encoder: host?.encoderName ?? 'none',
          sentenceEncoder: host?.sentence.encoder?.name ?? null,
          reason: host?.sentence.reason ?? 'the knowledge-base brain is not running on this server',
          modelVersion: snapshot?.modelVersion ?? null,
          indexedArticles: snapshot?.index.articleCount ?? 0,
          indexedSections: snapshot?.index.size ?? 0,
          loadedAt: snapshot?.loadedAt.toISOString() ?? null,
        },
      };
    });

    // ---------- articles ----------
    app.get('/api/admin/articles', {
      ...admin, schema: { tags, summary: 'Articles, filtered by locale, status, category or text',
        querystring: Type.Object({
          locale: Type.Optional(LocaleSchema), status: Type.Optional(ArticleStatusSchema), category: Type.Optional(Type.String({ maxLength: 60 })),
          q: Type.Optional(Type.String({ maxLength: 200 })), slug: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'exactly this slug (its languages)' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        }),
        response: { 200: Type.Object({ items: Type.Array(ArticleSummarySchema), total: Type.Integer(), categories: Type.Array(Type.String()) }), ...errors } },
    }, async (request) => {
      const { items, total } = await articles.list(request.query);
      return { items: items.map(articleJson), total, categories: await articles.categories() };
    });

    app.get('/api/admin/articles/export', {
      ...admin, schema: { tags, summary: 'Export all articles (current versions) as JSON (the import format)',
        response: { 200: Type.Object({ articles: Type.Array(ArticleInputSchema), exportedAt: Type.String() }), ...errors } },
    }, async () => ({
      articles: (await articles.list({ limit: 100_000 })).items.map((a) => ({ slug: a.slug, locale: a.locale as 'en' | 'zh', title: a.title, category: a.category, status: a.status, body: a.body })),
      exportedAt: new Date().toISOString(),
    }));

    app.post('/api/admin/articles/import', {
      ...admin,
      bodyLimit: 20 * 1024 * 1024,
      schema: { tags, summary: 'Import articles: new slugs are created, changed ones get an "imported" version, unchanged ones are left alone; re-indexes when published text changed',
        description: 'Matched by slug and locale. An existing article keeps its category and status when the file leaves them out; a new one is a draft in '
          + '"general" unless the file says otherwise. With ?dryRun=true nothing is written and the response says what the import would do. mode "replace" also '
          + 'deletes the articles the file does not name; a replace that deletes articles needs the confirmToken its dry run returned (409 replace_changed when '
          + 'the articles it would delete are no longer those; 409 replace_unconfirmed without it), or confirmDeletes equal to their number (older callers).',
        querystring: DryRunQuery,
        body: Type.Object({
          articles: Type.Array(ArticleInputSchema, { maxItems: 5000 }),
          mode: Type.Optional(Type.Union([Type.Literal('merge'), Type.Literal('replace')])),
          confirmToken: ConfirmTokenField,
          confirmDeletes: Type.Optional(Type.Integer({ minimum: 0, description: 'mode "replace", without confirmToken: how many articles the admin agreed to delete (from the dry run)' })),
          exportedAt: ExportedAtField,
        }, { additionalProperties: false }),
        response: { 200: ArticleImportResultSchema, ...errors } },
      attachValidation: true,
    }, async (request) => {
      checkImportFile(request, articleRows, 'articles');
      // A row whose loose slug no stored article (in its language) has would create one with it: refused.
      for (const item of request.body.articles.filter((a) => !NEW_SLUG.test(a.slug))) {
        if (!(await articles.findBySlug(item.slug, item.locale)).length) throw badSlug(item.slug);
      }
      return service.importArticles(request.body.articles, request.user!.id,
        { dryRun: request.query.dryRun ?? false, mode: request.body.mode ?? 'merge', confirmDeletes: request.body.confirmDeletes, confirmToken: request.body.confirmToken });
    });

    app.get('/api/admin/articles/:id', {
      ...admin, schema: { tags, summary: 'One article (current version)', params: IdParams, response: { 200: Type.Object({ article: ArticleSchema }), ...errors } },
    }, async (request) => ({ article: articleJson(await service.article(request.params.id)) }));

    app.post('/api/admin/articles', {
      ...admin, schema: { tags, summary: 'Create an article (draft unless status is "published")', body: NewArticleSchema, response: { 201: Type.Object({ article: ArticleSchema, ...JobWarning }), ...errors } },
    }, async (request, reply) => {
      const b = request.body;
      const row = await service.createArticle({ ...b, category: b.category ?? 'general', status: b.status ?? 'draft' }, request.user!.id);
      return reply.status(201).send({ article: articleJson(row) });
    });

    app.put('/api/admin/articles/:id', {
      ...admin, schema: { tags, summary: 'Save a new version of an article (a published article is re-indexed)', params: IdParams, body: ArticleUpdateSchema, response: { 200: Type.Object({ article: ArticleSchema, ...JobWarning }), ...errors } },
    }, async (request) => {
      const { note, baseVersion, ...fields } = request.body;
      if (fields.slug !== undefined && !NEW_SLUG.test(fields.slug) && fields.slug !== (await service.article(request.params.id)).slug) throw badSlug(fields.slug);
      return { article: articleJson(await service.updateArticle(request.params.id, fields, request.user!.id, note ?? null, baseVersion)) };
    });

    // Publish, unpublish and restore act on the version the admin saw: with its number (baseVersion) one saved meanwhile
    // refuses the action (409) rather than publishing, withdrawing or overwriting text nobody here has read.
    app.post('/api/admin/articles/:id/publish', {
      ...admin, schema: { tags, summary: 'Publish: the bot uses the article after the background re-index', params: IdParams, body: ArticleActionSchema,
        response: { 200: Type.Object({ article: ArticleSchema, ...JobWarning }), ...errors } },
    }, async (request) => ({ article: articleJson(await service.updateArticle(request.params.id, { status: 'published' }, request.user!.id, 'published', request.body?.baseVersion)) }));

    app.post('/api/admin/articles/:id/unpublish', {
      ...admin, schema: { tags, summary: 'Back to draft: the bot stops using the article', params: IdParams, body: ArticleActionSchema,
        response: { 200: Type.Object({ article: ArticleSchema, ...JobWarning }), ...errors } },
    }, async (request) => ({ article: articleJson(await service.updateArticle(request.params.id, { status: 'draft' }, request.user!.id, 'unpublished', request.body?.baseVersion)) }));

    // As publish and unpublish: with the version the admin saw, a delete over one saved meanwhile is refused (409).
    app.delete('/api/admin/articles/:id', {
      ...admin, schema: { tags, summary: 'Delete an article and its history', params: IdParams, querystring: ArticleDeleteQuery, response: { 200: Ok, ...errors } },
    }, async (request) => {
      await service.deleteArticle(request.params.id, request.query.baseVersion);
      return { ok: true as const };
    });

    app.get('/api/admin/articles/:id/versions', {
      ...admin, schema: { tags, summary: 'Version history, newest first', params: IdParams, response: { 200: Type.Object({ items: Type.Array(VersionSummarySchema) }), ...errors } },
    }, async (request) => {
      await service.article(request.params.id);
      return {
        items: (await articles.versions(request.params.id)).map((row) => {
          const { body: _body, ...summary } = toVersionJson(row);
          return summary;
        }),
      };
    });

    app.get('/api/admin/articles/:id/versions/:version', {
      ...admin, schema: { tags, summary: 'One version of an article (for diff and restore)', params: VersionParams, response: { 200: Type.Object({ version: VersionSchema }), ...errors } },
    }, async (request) => {
      const v = await articles.version(request.params.id, request.params.version);
      if (!v) throw notFound('Article version');
      return { version: toVersionJson(v) };
    });

    app.post('/api/admin/articles/:id/versions/:version/restore', {
      ...admin, schema: { tags, summary: "Restore an old version's text as a new version", params: VersionParams, body: ArticleActionSchema,
        response: { 200: Type.Object({ article: ArticleSchema, ...JobWarning }), ...errors } },
    }, async (request) => ({ article: articleJson(await service.restoreVersion(request.params.id, request.params.version, request.user!.id, request.body?.baseVersion)) }));

    // ---------- learning loop ----------
    app.get('/api/admin/unanswered', {
      ...admin, schema: { tags, summary: "The bot's misses, grouped by similarity, most frequent first",
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('handled')])), locale: Type.Optional(LocaleSchema),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        }),
        response: { 200: Type.Object({ items: Type.Array(UnansweredSchema), total: Type.Integer() }), ...errors } },
    }, async (request) => {
      const { items, total } = await unanswered.list(request.query);
      return { items: items.map(unansweredJson), total };
    });

    const loadQuestion = async (id: number) => {
      const row = await unanswered.findById(id);
      if (!row) throw notFound('Unanswered question');
      return row;
    };
    /**
     * Runs an admin's action on an open group. The group is claimed first, in one statement (409 when it is handled
     * already: a second click, or another admin at the same moment), so an example, a draft or the out-of-scope
     * examples are not made twice; if the action fails the group is open again. A claim whose action never ended (the
     * process died) expires (unanswered.ts, CLAIM_EXPIRES_AFTER_SECONDS) and the group can be acted on again.
     */
    const actOnGroup = async <T>(id: number, by: number, action: (question: UnansweredRow) => Promise<T>): Promise<T> => {
      await loadQuestion(id);
      const question = await unanswered.claim(id, by);
      if (!question) throw conflict('This question was handled already (reload the list to see what was done).', 'question_handled');
      try {
        return await action(question);
      } catch (error) {
        await unanswered.reopen(question).catch(() => undefined); // the action's own error is the one to report
        throw error;
      }
    };
    /** The conversation a group's text (as the admin may have edited it) came from, for learning_sources. */
    const sourceOf = (question: UnansweredRow, text: string): number | null => {
      const [clean] = cleanOutOfScopeExamples([text]);
      const example = question.examples.find((e) => cleanOutOfScopeExamples([e.text])[0] === clean && e.conversationId != null);
      return example?.conversationId ?? question.source_conversation_id ?? null;
    };
    /** Every conversation a group's kept questions came from. */
    const groupSources = (question: UnansweredRow): { conversationId: number; text: string }[] => [
      ...(question.source_conversation_id != null ? [{ conversationId: Number(question.source_conversation_id), text: question.text }] : []),
      ...question.examples.flatMap((e) => (e.conversationId != null ? [{ conversationId: Number(e.conversationId), text: e.text }] : [])),
    ];

    app.post('/api/admin/unanswered/:id/handled', {
      ...admin, schema: { tags, summary: 'Mark a group as handled (409 when it is handled already)', params: IdParams, response: { 200: Type.Object({ item: UnansweredSchema }), ...errors } },
    }, async (request) => actOnGroup(request.params.id, request.user!.id, async (question) =>
      ({ item: unansweredJson((await unanswered.markHandled(question.id, { kind: 'dismissed', by: request.user!.id }))!) })));

    app.post('/api/admin/unanswered/:id/add-example', {
      ...admin, schema: { tags, summary: "Add the group's question (or an edited text) as an example of an intent; retrains", params: IdParams,
        body: Type.Object({ intentId: Id, text: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })), locale: Type.Optional(LocaleSchema) }, { additionalProperties: false }),
        response: { 200: Type.Object({ item: UnansweredSchema, intent: IntentSchema, ...JobWarning }), ...errors } },
    }, async (request) => actOnGroup(request.params.id, request.user!.id, async (question) => {
      const text = request.body.text ?? question.text;
      await service.intent(request.body.intentId);
      // Recorded in the insert's transaction and only when the example is new: one the intent had already is the
      // shop's own, and must not leave with a shopper who typed the same words.
      const from = sourceOf(question, text);
      const intent = await service.addExample(request.body.intentId, request.body.locale ?? (question.locale as 'en' | 'zh'), text,
        from == null ? undefined : (tx) => recordLearningSources(tx, [{ conversationId: from, kind: 'example', text, intentId: request.body.intentId }]));
      const item = await unanswered.markHandled(question.id, { kind: 'example', intentId: intent.id, intent: intent.name, by: request.user!.id });
      return { item: unansweredJson(item!), intent: toIntentJson(intent) };
    }));

    app.post('/api/admin/unanswered/:id/out-of-scope', {
      ...admin, schema: { tags, summary: "Not for the bot: the group's questions become out-of-scope examples (the bot stops claiming them as an intent); retrains",
        params: IdParams,
        response: { 200: Type.Object({ item: UnansweredSchema, added: Type.Integer(), total: Type.Integer(), ...JobWarning }), ...errors } },
    }, async (request) => actOnGroup(request.params.id, request.user!.id, async (question) => {
      // Sources only for the texts the list did not have (in the same transaction): one it had is the shop's own.
      const { added, total } = await addOutOfScopeExamples(ctx.sql, [question.text, ...question.examples.map((e) => e.text)], async (tx, texts) => {
        const isNew = new Set(texts);
        await recordLearningSources(tx, groupSources(question)
          .filter((s) => isNew.has(cleanOutOfScopeExamples([s.text])[0] ?? ''))
          .map((s) => ({ ...s, kind: 'out_of_scope' as const })));
      });
      await service.retrain('questions marked out of scope');
      const item = await unanswered.markHandled(question.id, { kind: 'out_of_scope', added, by: request.user!.id });
      return { item: unansweredJson(item!), added, total };
    }));

    app.post('/api/admin/unanswered/:id/create-article', {
      ...admin, schema: { tags, summary: 'Start an article draft from the group (examples quoted in the body)', params: IdParams,
        body: Type.Object({
          slug: Type.Optional(SlugSchema), title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          locale: Type.Optional(LocaleSchema), category: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })), body: Type.Optional(Type.String({ maxLength: 100_000 })),
        }, { additionalProperties: false }),
        response: { 201: Type.Object({ item: UnansweredSchema, article: ArticleSchema }), ...errors } },
    }, async (request, reply) => actOnGroup(request.params.id, request.user!.id, async (question) => {
      const locale = request.body.locale ?? (question.locale === 'zh' ? 'zh' : 'en');
      const title = request.body.title ?? question.text.slice(0, 120);
      const slug = request.body.slug ?? await draftSlug(title, locale, `draft-${question.id}`);
      const body = request.body.body ?? articleDraftBody(locale, question.examples.map((e) => e.text));
      const article = await service.createArticle({ slug, locale, title, category: request.body.category ?? 'general', status: 'draft', body }, request.user!.id);
      // A draft that quotes the shoppers (its default title or body) goes when one of them is deleted, unless published.
      if (request.body.title === undefined || request.body.body === undefined) {
        const chats = [...new Set(groupSources(question).map((s) => s.conversationId))];
        await recordLearningSources(ctx.sql, chats.map((conversationId) => ({ conversationId, kind: 'article' as const, articleId: article.id })));
      }
      const item = await unanswered.markHandled(question.id, { kind: 'article', articleId: article.id, slug: article.slug, by: request.user!.id });
      return reply.status(201).send({ item: unansweredJson(item!), article: articleJson(article) });
    }));

    app.get('/api/admin/unanswered/candidates', {
      ...admin, schema: { tags, summary: 'Agent replies that resolved handed-off chats: candidate examples or article drafts',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
        response: { 200: Type.Object({ items: Type.Array(CandidateSchema) }), ...errors } },
    }, async (request) => {
      const candidates = await resolvedHandoffCandidates(ctx.sql, request.query.limit ?? 20);
      const snapshot = findBrain(ctx)?.snapshot;
      const classifier = snapshot?.classifier ?? null;
      const items = [];
      for (const c of candidates) {
        const prediction = classifier ? await classifier.classify(c.question) : null;
        // As the bot reads it: in scope and at or above the policy's intent threshold (a 0.109 lean is no suggestion to pre-select).
        const confident = !!prediction?.intent && !prediction.outOfScope && prediction.confidence >= snapshot!.policy.thresholds.intent;
        items.push({
          conversationId: c.conversationId, customerId: c.customerId, question: c.question, answer: c.answer, agentName: c.agentName,
          locale: c.locale, resolvedAt: c.resolvedAt.toISOString(),
          suggestedIntent: prediction?.intent ?? null, suggestedIntentConfidence: prediction ? Math.round(prediction.confidence * 1000) / 1000 : null,
          suggestedIntentConfident: confident,
        });
      }
      return { items };
    });

    const CandidateParams = Type.Object({ conversationId: Id });
    const loadCandidate = async (conversationId: number) => {
      const [candidate] = await resolvedHandoffCandidates(ctx.sql, 1, conversationId);
      if (!candidate) throw notFound('Candidate');
      return candidate;
    };
    /** As actOnGroup: the chat leaves the list before the action (409 if it left already), and comes back if the action fails. */
    const actOnCandidate = async <T>(conversationId: number, kind: 'example' | 'article', by: number, action: () => Promise<T>): Promise<T> => {
      if (!(await claimCandidate(ctx.sql, conversationId, kind, by))) throw conflict('This chat was used or dismissed already (reload the list).', 'question_handled');
      try {
        return await action();
      } catch (error) {
        await releaseCandidate(ctx.sql, conversationId).catch(() => undefined); // the action's own error is the one to report
        throw error;
      }
    };

    app.post('/api/admin/unanswered/candidates/:conversationId/add-example', {
      ...admin, schema: { tags, summary: "Add a resolved hand-off's question as an example of an intent; retrains, and the chat leaves the candidates", params: CandidateParams,
        body: Type.Object({
          intentId: Id,
          text: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "the example's text when not the shopper's question as asked (needed when that is over 500 characters)" })),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ intent: IntentSchema, ...JobWarning }), ...errors } },
    }, async (request) => {
      const candidate = await loadCandidate(request.params.conversationId);
      const text = request.body.text ?? candidate.question.trim().replace(/\s+/g, ' ');
      // Chat messages may be up to 4,000 characters, examples 500 (the database refused a longer one with a 500).
      if (text.length > 500) throw badRequest(`The shopper's question is ${text.length} characters long and an example has at most 500: send a shortened text.`, 'example_too_long');
      await service.intent(request.body.intentId);
      return actOnCandidate(candidate.conversationId, 'example', request.user!.id, async () => {
        // Recorded in the insert's transaction and only when the example is new (one the intent had is the shop's).
        const intent = await service.addExample(request.body.intentId, candidate.locale === 'zh' ? 'zh' : 'en', text,
          (tx) => recordLearningSources(tx, [{ conversationId: candidate.conversationId, kind: 'example', text, intentId: request.body.intentId }]));
        return { intent: toIntentJson(intent) };
      });
    });

    app.post('/api/admin/unanswered/candidates/:conversationId/create-article', {
      ...admin, schema: { tags, summary: "Start an article draft from a resolved hand-off (the question and the agent's answer); the chat leaves the candidates", params: CandidateParams,
        response: { 201: Type.Object({ article: ArticleSchema }), ...errors } },
    }, async (request, reply) => {
      const candidate = await loadCandidate(request.params.conversationId);
      const locale = candidate.locale === 'zh' ? 'zh' : 'en';
      const title = candidate.question.slice(0, 120);
      const article = await actOnCandidate(candidate.conversationId, 'article', request.user!.id, async () => {
        const created = await service.createArticle({
          slug: await draftSlug(title, locale, `draft-chat-${candidate.conversationId}`), locale, title, category: 'general',
          status: 'draft', body: articleDraftBody(locale, [candidate.question], candidate.answer),
        }, request.user!.id);
        // It quotes the shopper and the agent's reply to them: it goes when they are deleted, unless published by then.
        await recordLearningSources(ctx.sql, [{ conversationId: candidate.conversationId, kind: 'article', articleId: created.id }]);
        return created;
      });
      // The unanswered group of the same question is answered by this draft too, as "Create article" from it would.
      // Only that group: the chat's other questions are not what the draft answers.
      const group = await unanswered.openGroupOf(candidate.question, candidate.conversationId);
      const claimed = group && await unanswered.claim(group.id, request.user!.id);
      if (claimed) await unanswered.markHandled(claimed.id, { kind: 'article', articleId: article.id, slug: article.slug, by: request.user!.id });
      return reply.status(201).send({ article: articleJson(article) });
    });

    app.post('/api/admin/unanswered/candidates/:conversationId/handled', {
      ...admin, schema: { tags, summary: 'Take a resolved hand-off off the candidates list: used as an example or an article, or dismissed',
        params: CandidateParams,
        body: Type.Object({ action: Type.Union([Type.Literal('example'), Type.Literal('article'), Type.Literal('dismissed')]) }, { additionalProperties: false }),
        response: { 200: Ok, ...errors } },
    }, async (request) => {
      if (!(await markCandidateHandled(ctx.sql, request.params.conversationId, request.body.action, request.user!.id))) throw notFound('Candidate');
      return { ok: true as const };
    });
  };
}
