// The knowledge-base admin API as the console pages use it (articles, intents,
// classifier test, job status, unanswered questions). Kept in one module so the
// pages do not depend on route details.
import { del, get, post, put, query } from './api.ts';

export interface Article {
  id: number;
  slug: string;
  locale: string;
  title: string;
  category: string;
  status: 'draft' | 'published';
  body: string;
  version: number;
  url?: string;
  publishedAt: string | null;
  updatedAt: string;
}

export interface ArticleVersion {
  version: number;
  title: string;
  body: string;
  status: string;
  category: string;
  note: string | null;
  createdAt: string;
}

export interface JobStatus {
  state: 'idle' | 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Intent {
  id: number;
  name: string;
  description: string;
  label: { en?: string; zh?: string };
  answer: { en?: string; zh?: string };
  action: string | null;
  articleSlug: string | null;
  /** The typed answer ends with "Was this helpful?" (off for a greeting or a goodbye). */
  askHelpful: boolean;
  examples: { en: string[]; zh: string[] };
  /** When it last changed: a save sends back the one it was based on (stale-edits.ts). */
  updatedAt: string;
}

/** What the bot would reply (POST /api/admin/bot/preview). */
export interface BotPreview {
  action: 'answer' | 'clarify' | 'handoff';
  reply: string;
  quickReplies: { label: string; value: string }[];
  decision: string;
  reason: string;
  intent: string | null;
  confidence: number | null;
  articles: { id: number; slug: string; title: string }[];
  products: { sku: string; name: string; url?: string }[];
  /** The intent links this article and the bot does not have it (deleted, or published in no language): it answers without it. */
  missingArticle?: { intent: string; slug: string };
  /** The confidences the answer policy needs: an intent to answer, and to be offered in a clarification. */
  thresholds: { intent: number; intentOption: number };
  /** The classifier's reading the policy decided with (maybe of part of the message); null when it classified nothing. */
  prediction: { intent: string | null; confidence: number; outOfScope: boolean } | null;
  /** The message, or part of it, would reach the unanswered list. */
  miss: boolean;
  /** The part the answer leaves unanswered. */
  unansweredPart?: string;
  /** Services asked about that no article or intent names: why nothing answers. */
  unnamedServices?: string[];
}

export interface Classification {
  intent: string | null;
  confidence: number;
  /** What the out-of-scope threshold is compared with (probability × how well the text backs the intent). */
  inScopeScore?: number;
  threshold?: number;
  outOfScope: boolean;
  alternatives?: { intent: string; confidence: number }[];
}

export interface UnansweredGroup {
  id: number;
  locale: string;
  text: string;
  count: number;
  /** reason: no_match | repeated_miss | ambiguous | unhelpful (answered with answeredWith, rated not helpful). */
  examples: { text: string; conversationId: number | null; at: string; reason?: string; answeredWith?: string }[];
  lastSeen: string;
}

/** A chat the bot handed off and an agent resolved: its question and the agent's answer. */
export interface LearningCandidate {
  conversationId: number;
  question: string;
  answer: string;
  agentName: string | null;
  locale: string;
  resolvedAt: string;
  suggestedIntent: string | null;
  suggestedIntentConfidence: number | null;
  /** The bot would answer with the suggestion (the policy's intent threshold): only then is it pre-selected. */
  suggestedIntentConfident: boolean;
}

export interface ArticleFilter { q?: string; category?: string; locale?: string; status?: string; slug?: string }
/** A page of the article list: its articles (newest change first), how many match the filter, every category. */
export interface ArticlePage { items: Omit<Article, 'body'>[]; total: number; categories: string[] }
/** The most articles GET /api/admin/articles lists in one answer. */
export const MAX_ARTICLES_PER_REQUEST = 500;
export type ArticleInput = Pick<Article, 'slug' | 'locale' | 'title' | 'category' | 'body'>;

// The label goes too: PUT replaces the whole intent, so one left out would be cleared on every save.
/** The out-of-scope sentences and when they last changed (null: never stored). */
export interface OutOfScopeList { examples: string[]; updatedAt: string | null }

const intentBody = (i: Omit<Intent, 'id' | 'updatedAt'>) => ({
  name: i.name, description: i.description, label: { en: i.label.en || null, zh: i.label.zh || null }, answer: { en: i.answer.en || null, zh: i.answer.zh || null },
  action: i.action || null, articleSlug: i.articleSlug || null, askHelpful: i.askHelpful, examples: { en: i.examples.en, zh: i.examples.zh },
});

/**
 * Set on a change's answer when it was saved but its retraining or re-indexing could not be queued (the job queue was
 * unreachable; knowledge-base/owed-jobs.ts): the workers queue it once the queue is back. The editors say so.
 */
export interface JobWarning { warning?: string }

/** Set on an intent's save when its article slug names no article (yet): saved anyway, it answers without it. */
export interface LinkWarning { linkWarning?: string }

export const kbApi = {
  listArticles: (filter: ArticleFilter, page: { limit?: number; offset?: number } = {}) =>
    get<ArticlePage>(`/api/admin/articles${query({ ...filter, limit: page.limit ?? MAX_ARTICLES_PER_REQUEST, offset: page.offset })}`),
  getArticle: (id: number) => get<{ article: Article }>(`/api/admin/articles/${id}`),
  createArticle: (input: ArticleInput) => post<{ article: Article } & JobWarning>('/api/admin/articles', input),
  /** Saves a new version. A published article stays published: the bot uses the new text after the re-index. */
  /** `baseVersion`: the version the editor opened; a newer one saved meanwhile refuses the save (409). */
  saveArticle: (id: number, input: Partial<ArticleInput> & { baseVersion?: number }, note?: string) => put<{ article: Article } & JobWarning>(`/api/admin/articles/${id}`, note ? { ...input, note } : input),
  /** `baseVersion` (here and for unpublish and restore): the version the admin saw; one saved meanwhile refuses the action (409). */
  publishArticle: (id: number, baseVersion: number) => post<{ article: Article } & JobWarning>(`/api/admin/articles/${id}/publish`, { baseVersion }),
  unpublishArticle: (id: number, baseVersion: number) => post<{ article: Article } & JobWarning>(`/api/admin/articles/${id}/unpublish`, { baseVersion }),
  /** `baseVersion`: as for unpublish, the version the admin saw; one saved meanwhile refuses the delete (409). */
  deleteArticle: (id: number, baseVersion?: number) => del(`/api/admin/articles/${id}${query({ baseVersion })}`),
  versions: (id: number) => get<{ items: Omit<ArticleVersion, 'body'>[] }>(`/api/admin/articles/${id}/versions`),
  version: (id: number, version: number) => get<{ version: ArticleVersion }>(`/api/admin/articles/${id}/versions/${version}`),
  restore: (id: number, version: number, baseVersion: number) => post<{ article: Article } & JobWarning>(`/api/admin/articles/${id}/versions/${version}/restore`, { baseVersion }),
  status: () => get<{ training: JobStatus; indexing: JobStatus }>('/api/admin/kb/status'),

  /** Each with `linkWarning` when its article slug names no article. */
  listIntents: () => get<{ items: (Intent & LinkWarning)[] }>('/api/admin/intents'),
  getIntent: (id: number) => get<{ intent: Intent }>(`/api/admin/intents/${id}`),
  createIntent: (input: Omit<Intent, 'id' | 'updatedAt'>) => post<{ intent: Intent } & JobWarning & LinkWarning>('/api/admin/intents', intentBody(input)),
  /** `basedOn`: the intent's updatedAt as the editor loaded it; a change made meanwhile refuses the save (409). */
  saveIntent: (id: number, input: Omit<Intent, 'id' | 'updatedAt'>, basedOn: string) => put<{ intent: Intent } & JobWarning & LinkWarning>(`/api/admin/intents/${id}`, { ...intentBody(input), updatedAt: basedOn }),
  deleteIntent: (id: number) => del(`/api/admin/intents/${id}`),
  classify: (text: string) => post<Classification>('/api/admin/nlu/classify', { text }),
  preview: (text: string) => post<BotPreview>('/api/admin/bot/preview', { text }),
  retrain: () => post('/api/admin/nlu/train', {}),

  unanswered: () => get<{ items: UnansweredGroup[]; total: number }>('/api/admin/unanswered?status=open'),
  addAsExample: (id: number, intentId: number) => post(`/api/admin/unanswered/${id}/add-example`, { intentId }),
  createDraft: (id: number) => post<{ article: Article }>(`/api/admin/unanswered/${id}/create-article`, {}),
  dismiss: (id: number) => post(`/api/admin/unanswered/${id}/handled`, {}),
  markOutOfScope: (id: number) => post<{ added: number; total: number }>(`/api/admin/unanswered/${id}/out-of-scope`, {}),
  outOfScope: () => get<OutOfScopeList>('/api/admin/nlu/out-of-scope'),
  candidates: () => get<{ items: LearningCandidate[] }>('/api/admin/unanswered/candidates'),
  candidateAsExample: (conversationId: number, intentId: number) => post(`/api/admin/unanswered/candidates/${conversationId}/add-example`, { intentId }),
  candidateDraft: (conversationId: number) => post<{ article: Article }>(`/api/admin/unanswered/candidates/${conversationId}/create-article`, {}),
  dismissCandidate: (conversationId: number) => post(`/api/admin/unanswered/candidates/${conversationId}/handled`, { action: 'dismissed' }),
  /** `basedOn`: the list's updatedAt as loaded (null: there was none); a change made meanwhile refuses the save (409). */
  saveOutOfScope: (examples: string[], basedOn: string | null) => put<OutOfScopeList & JobWarning>('/api/admin/nlu/out-of-scope', { examples, updatedAt: basedOn }),
};

/**
 * The first `count` articles matching `filter`, in as many requests as the server's limit takes (at once). The
 * knowledge-base list grows by "Show more" and reloads this whole window, so an edit that moves an article to the
 * top neither repeats it nor skips one at a page's edge; an article seen twice while the requests ran is kept once.
 */
export async function firstArticles(filter: ArticleFilter, count: number): Promise<ArticlePage> {
  const offsets = Array.from({ length: Math.max(1, Math.ceil(count / MAX_ARTICLES_PER_REQUEST)) }, (_, i) => i * MAX_ARTICLES_PER_REQUEST);
  const pages = await Promise.all(offsets.map((offset) => kbApi.listArticles(filter, { offset, limit: Math.min(MAX_ARTICLES_PER_REQUEST, count - offset) })));
  const seen = new Set<number>();
  const items = pages.flatMap((page) => page.items).filter((a) => !seen.has(a.id) && !!seen.add(a.id));
  return { items, total: pages[0].total, categories: pages[0].categories };
}
