// JSON schemas of the knowledge-base admin and assist API (inputs and every
// output), so the OpenAPI document describes them and bad input gets a 400.
import { Type } from 'typebox';
import { Nullable } from '../server/http/schemas.ts';

export const LocaleSchema = Type.Union([Type.Literal('en'), Type.Literal('zh')]);
/** A new article's slug: words of lower-case letters and digits joined by single dashes ("shipping-to-japan"). */
export const NEW_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const SlugSchema = Type.String({ pattern: NEW_SLUG.source, maxLength: 100, description: 'lower-case letters and digits, words joined by single dashes' });
/**
 * A slug an article may already have: the looser form accepted before (a--b, a-). Where a request names an existing
 * article by it (an intent's link, an edit keeping it, an import row updating it) it must not be refused; a new
 * article, or a slug being changed, gets the strict form (the admin routes check that).
 */
export const StoredSlugSchema = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$', description: 'lower-case letters, digits and dashes' });
export const IntentNameSchema = Type.String({ pattern: '^[a-z0-9_]{1,60}$' });
export const ArticleStatusSchema = Type.Union([Type.Literal('draft'), Type.Literal('published')]);
/** The export files' time stamp, sent back with the file on import (the export format is the import format); ignored. */
export const ExportedAtField = Type.Optional(Type.String({ maxLength: 40, description: 'From an export file; ignored' }));
const Example = Type.String({ minLength: 1, maxLength: 500 });
const AnswerText = Type.String({ maxLength: 4000 });
const LabelText = Type.String({ maxLength: 80 });

export const IntentInputSchema = Type.Object({
  name: IntentNameSchema,
  description: Type.Optional(Type.String({ maxLength: 500 })),
  label: Type.Optional(Nullable(Type.Object({ en: Type.Optional(Nullable(LabelText)), zh: Type.Optional(Nullable(LabelText)) }, {
    additionalProperties: false, description: 'Shown to the shopper as a quick reply when the bot asks which intent they mean',
  }))),
  answer: Type.Optional(Nullable(Type.Object({ en: Type.Optional(Nullable(AnswerText)), zh: Type.Optional(Nullable(AnswerText)) }, { additionalProperties: false }))),
  action: Type.Optional(Nullable(Type.Union([Type.Literal('order_status'), Type.Literal('handoff')]))),
  articleSlug: Type.Optional(Nullable(StoredSlugSchema)),
  askHelpful: Type.Optional(Type.Boolean({ description: 'Whether the typed answer ends with "Was this helpful?" (default true; false suits a greeting or a goodbye). An answer linking an article always asks.' })),
  examples: Type.Object({
    en: Type.Optional(Type.Array(Example, { maxItems: 1000 })),
    zh: Type.Optional(Type.Array(Example, { maxItems: 1000 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** A time stamp from a GET answer, sent back with a save to say what the edit was based on (stale-edits.ts). */
export const BasedOn = (what: string) => Type.String({ maxLength: 40, description: `The ${what}'s updatedAt as loaded. A save based on an older copy is refused with 409 conflict `
  + '(someone, or the unanswered page, changed it meanwhile): reload, then edit again. Leave it out only to overwrite whatever is stored (clients written before it existed).' });

/** The intent editor's save: the whole intent, and what it was based on. */
export const IntentUpdateSchema = Type.Object({
  ...IntentInputSchema.properties,
  updatedAt: Type.Optional(BasedOn('intent')),
}, { additionalProperties: false });

/** One intent of an import file: only `name` is required. For an intent that exists, a field left out keeps its value
 * (in `label`, `answer` and `examples` per language); null or "" clears it. A new intent gets empty values. */
export const IntentImportSchema = Type.Object({
  ...IntentInputSchema.properties,
  examples: Type.Optional(IntentInputSchema.properties.examples),
}, { additionalProperties: false, description: 'Fields left out keep the existing intent\'s values (per language for label, answer and examples)' });

const ImportResultKind = Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged'), Type.Literal('deleted')]);

/** Said (not refused: the article may be imported or written next) when an intent's articleSlug names no article. */
export const LinkWarning = Type.String({ description: 'Set when articleSlug names no article (yet): the intent is saved and answers without the article until one with that slug exists' });

export const IntentImportResultSchema = Type.Object({
  dryRun: Type.Boolean({ description: 'true: nothing was written, this is what the import would do' }),
  created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), deleted: Type.Integer(),
  outOfScope: Type.Optional(Type.Union([Type.Literal('updated'), Type.Literal('unchanged')], { description: 'When the file has out-of-scope examples' })),
  confirmToken: Type.Optional(Type.String({ description: 'Of a replace that deletes: send it back as confirmToken to confirm exactly these deletions' })),
  items: Type.Array(Type.Object({
    name: Type.String(),
    result: ImportResultKind,
    changed: Type.Array(Type.String(), { description: 'Fields an update changes: description, label, answer, action, articleSlug, askHelpful, examples.en, examples.zh' }),
    linkWarning: Type.Optional(LinkWarning),
  }), { description: 'Every intent of the file, then those a replace deletes' }),
});

export const ArticleImportResultSchema = Type.Object({
  dryRun: Type.Boolean({ description: 'true: nothing was written, this is what the import would do' }),
  created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), deleted: Type.Integer(),
  confirmToken: Type.Optional(Type.String({ description: 'Of a replace that deletes: send it back as confirmToken to confirm exactly these deletions' })),
  items: Type.Array(Type.Object({
    slug: Type.String(),
    locale: Type.String(),
    result: ImportResultKind,
    changed: Type.Array(Type.String(), { description: 'Fields an update changes: title, body, category, status' }),
    status: ArticleStatusSchema,
    previousStatus: Nullable(ArticleStatusSchema),
    linkedIntents: Type.Optional(Type.Array(Type.String(), { description: 'Of a deleted article whose slug no article keeps: the intents that answer with it' })),
  }), { description: 'Every article of the file, in its order, then those a replace deletes' }),
});

export const IntentSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  label: Type.Object({ en: Type.Optional(Type.String()), zh: Type.Optional(Type.String()) }),
  answer: Type.Object({ en: Type.Optional(Type.String()), zh: Type.Optional(Type.String()) }),
  action: Nullable(Type.String()),
  articleSlug: Nullable(Type.String()),
  askHelpful: Type.Boolean(),
  examples: Type.Object({ en: Type.Array(Type.String()), zh: Type.Array(Type.String()) }),
  updatedAt: Type.String(),
});

export const ArticleSchema = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  locale: Type.String(),
  title: Type.String(),
  category: Type.String(),
  status: ArticleStatusSchema,
  body: Type.String(),
  version: Type.Integer(),
  url: Type.String({ description: 'Public help-centre page' }),
  publishedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ArticleSummarySchema = Type.Omit(ArticleSchema, ['body']);

/** An article as imported and exported: an export names stored slugs, older looser ones included (the import route refuses those only for a new article). */
export const ArticleInputSchema = Type.Object({
  slug: StoredSlugSchema,
  locale: LocaleSchema,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  status: Type.Optional(ArticleStatusSchema),
  body: Type.String({ maxLength: 100_000 }),
}, { additionalProperties: false });

/** A new article: as imported, its slug in the strict form. */
export const NewArticleSchema = Type.Object({ ...ArticleInputSchema.properties, slug: SlugSchema }, { additionalProperties: false });

/** The version an article edit or action started from (stale-edits.ts); `what` says what a stale one would have done. */
const BaseVersion = (what: string) => Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The version the admin had open (the article\'s `version` as loaded). '
  + `When another version was saved meanwhile ${what} is refused with 409 conflict instead. Leave it out only to act on whatever is stored.` });

/**
 * Publish, unpublish and restore-a-version: what they act on is the version the admin saw, so they take its number as
 * a save does; an action on a version someone saved meanwhile (unseen) is refused with 409. The body may be left out
 * (clients written before it send none: Fastify checks a missing body as null). Other properties are allowed and
 * ignored, as they were before baseVersion: a client sending `{"note": "go live"}` must not start getting 400s.
 */
export const ArticleActionSchema = Nullable(Type.Object({
  baseVersion: Type.Optional(BaseVersion('the action')),
}));

/** Deleting an article: the version the admin saw, as a query parameter (a DELETE has no body). */
export const ArticleDeleteQuery = Type.Object({
  baseVersion: Type.Optional(BaseVersion('the delete (which would take it and the history with it)')),
});

export const ArticleUpdateSchema = Type.Object({
  slug: Type.Optional(StoredSlugSchema),
  locale: Type.Optional(LocaleSchema),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  body: Type.Optional(Type.String({ maxLength: 100_000 })),
  status: Type.Optional(ArticleStatusSchema),
  note: Type.Optional(Type.String({ maxLength: 200, description: 'What changed (shown in the version history)' })),
  baseVersion: Type.Optional(BaseVersion('the save (which would overwrite it)')),
}, { additionalProperties: false, minProperties: 1 });

export const VersionSchema = Type.Object({
  version: Type.Integer(),
  title: Type.String(),
  body: Type.String(),
  status: ArticleStatusSchema,
  category: Type.String(),
  createdBy: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
  createdAt: Type.String(),
});
export const VersionSummarySchema = Type.Omit(VersionSchema, ['body']);

export const PassageSchema = Type.Object({
  articleId: Type.Integer(),
  slug: Type.String(),
  title: Type.String(),
  heading: Type.String(),
  locale: Type.String(),
  snippet: Type.String(),
  score: Type.Number(),
  confidence: Type.Number(),
  url: Type.String(),
});

export const ClassificationSchema = Type.Object({
  intent: Nullable(Type.String()),
  confidence: Type.Number(),
  inScopeScore: Type.Optional(Type.Number({ description: 'Probability × how well the text backs the intent; compared with threshold' })),
  outOfScope: Type.Boolean(),
  alternatives: Type.Array(Type.Object({ intent: Type.String(), confidence: Type.Number() })),
  encoder: Type.String(),
  threshold: Type.Number(),
  modelVersion: Type.Integer(),
});

export const BotPreviewSchema = Type.Object({
  action: Type.Union([Type.Literal('answer'), Type.Literal('clarify'), Type.Literal('handoff')]),
  reply: Type.String(),
  quickReplies: Type.Array(Type.Object({ label: Type.String(), value: Type.String() })),
  decision: Type.String(),
  reason: Type.String({ description: 'why: intent, kb_passage, product, ambiguous, no_match, person_request …' }),
  intent: Nullable(Type.String()),
  confidence: Nullable(Type.Number()),
  articles: Type.Array(Type.Object({ id: Type.Integer(), slug: Type.String(), title: Type.String() })),
  products: Type.Array(Type.Object({ sku: Type.String(), name: Type.String(), url: Type.Optional(Type.String()) })),
  modelVersion: Type.Integer(),
  missingArticle: Type.Optional(Type.Object({ intent: Type.String(), slug: Type.String() }, {
    description: 'The intent links this article, which the search index lacks (deleted, or published in no language): the bot answers as though it linked none',
  })),
  thresholds: Type.Object({ intent: Type.Number(), intentOption: Type.Number() }, {
    description: "The answer policy's intent confidences: to answer from an intent, and to offer one in a clarification",
  }),
  prediction: Nullable(Type.Object({ intent: Nullable(Type.String()), confidence: Type.Number(), outOfScope: Type.Boolean() }, {
    description: "The classifier's reading the policy decided with: of the text it classified, which may be part of the message (the question at its end, without a greeting or an order number). Null when it classified nothing",
  })),
  miss: Type.Boolean({ description: 'The message (or part of it) would reach the unanswered list' }),
  unansweredPart: Type.Optional(Type.String({ description: 'The part of the message the answer leaves unanswered (it reaches the unanswered list)' })),
  unnamedServices: Type.Optional(Type.Array(Type.String(), { description: 'Services the message asks about that no article or intent names: why nothing answers' })),
}, { description: 'What the bot would say to this as the first message of an anonymous chat; nothing is recorded' });

export const JobStatusSchema = Type.Object({
  state: Type.String(),
  progress: Type.Integer(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  error: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const KbStatusSchema = Type.Object({
  training: JobStatusSchema,
  indexing: JobStatusSchema,
  model: Nullable(Type.Object({ version: Type.Integer(), encoder: Type.String(), trainedAt: Type.String(), stats: Type.Record(Type.String(), Type.Unknown()) })),
  server: Type.Object({
    loaded: Type.Boolean(),
    encoder: Type.String({ description: 'classifier encoder / retrieval ranking in use on this server' }),
    sentenceEncoder: Nullable(Type.String()),
    reason: Type.String(),
    modelVersion: Nullable(Type.Integer()),
    indexedArticles: Type.Integer(),
    indexedSections: Type.Integer(),
    loadedAt: Nullable(Type.String()),
  }),
});

export const UnansweredSchema = Type.Object({
  id: Type.Integer(),
  locale: Type.String(),
  text: Type.String(),
  count: Type.Integer(),
  examples: Type.Array(Type.Object({
    text: Type.String(), conversationId: Nullable(Type.Integer()), at: Type.String(),
    reason: Type.Optional(Type.String({ description: 'no_match | repeated_miss | ambiguous | unhelpful (answered, rated not helpful)' })),
    answeredWith: Type.Optional(Type.String({ description: 'for unhelpful: the intent or article the bot answered with' })),
  })),
  status: Type.String(),
  resolution: Nullable(Type.Record(Type.String(), Type.Unknown())),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
});

export const CandidateSchema = Type.Object({
  conversationId: Type.Integer(),
  customerId: Type.Integer(),
  question: Type.String({ description: 'What the shopper asked before the hand-off' }),
  answer: Type.String({ description: "The agent's reply that resolved it" }),
  agentName: Nullable(Type.String()),
  locale: Type.String(),
  resolvedAt: Type.String(),
  suggestedIntent: Nullable(Type.String()),
  suggestedIntentConfidence: Nullable(Type.Number()),
  suggestedIntentConfident: Type.Boolean({ description: "Whether the bot would answer with the suggested intent (the policy's intent threshold, in scope): only then is it worth pre-selecting" }),
});
