// Small pure helpers that turn numbers the server sends into words an admin reads
// at a glance (kept apart from the pages so they can be unit-tested without a DOM).
import type { BotPreview, Classification, JobStatus } from './kb-api.ts';

/** A share (0–1) as a percentage with as many digits as it takes to not read "0.0": 0.087 → "8.7", 0.0005 → "0.05". */
export function formatPercent(share: number): string {
  const percent = share * 100;
  if (percent === 0 || Math.abs(percent) >= 1) return percent.toFixed(1);
  return String(Number(percent.toPrecision(2)));
}

/**
 * The test box's headline: what the bot would do with the sentence, read from the bot preview (the whole answer
 * policy), not from the classifier. The classifier's top intent may go unused (an article answers instead, or the
 * policy wants more confidence than the classifier has), so a line built on the classifier alone told an owner the
 * bot was sure of "Just saying hello" while it answered "I don't know". `intent`, `article` and `product` are names as
 * the preview gives them; the page words the intent as people read it.
 */
export type BotVerdictKey = 'intents.botIntent' | 'intents.botArticle' | 'intents.botArticleForIntent' | 'intents.botArticleIntentUnused'
  | 'intents.botProduct' | 'intents.botAnswers' | 'intents.botClarify' | 'intents.botHandoff' | 'intents.botNoAnswer';
export function botVerdict(preview: BotPreview, classification: Classification | null): { key: BotVerdictKey; vars: { intent?: string; article?: string; product?: string } } {
  if (preview.decision === 'fallback') return { key: 'intents.botNoAnswer', vars: {} };
  if (preview.action === 'clarify') return { key: 'intents.botClarify', vars: {} };
  if (preview.action === 'handoff') return { key: 'intents.botHandoff', vars: {} };
  const article = preview.articles[0]?.title;
  const product = preview.products[0]?.name;
  if (preview.reason === 'product' && product) return { key: 'intents.botProduct', vars: { product } };
  if (preview.reason === 'kb_passage' && article) {
    if (preview.intent) return { key: 'intents.botArticleForIntent', vars: { article, intent: preview.intent } };
    // The classifier's reading, when it had one, is what the owner sees beside: say it is not what answers.
    const unused = classification && !classification.outOfScope ? classification.intent : null;
    return unused ? { key: 'intents.botArticleIntentUnused', vars: { article, intent: unused } } : { key: 'intents.botArticle', vars: { article } };
  }
  return preview.intent ? { key: 'intents.botIntent', vars: { intent: preview.intent } } : { key: 'intents.botAnswers', vars: {} };
}

/**
 * The classifier's confidence, as secondary information, against the threshold the answer policy uses to answer from
 * an intent (the preview's `thresholds.intent`), not the classifier's own out-of-scope bar, which is tiny. Out of scope
 * (the out-of-scope sentences won, or no intent stood out) no intent answers whatever its confidence.
 */
export type ConfidenceKey = 'intents.confidenceOutOfScope' | 'intents.confidenceAbove' | 'intents.confidenceBelow';
export function confidenceLine(classification: Classification, thresholds: BotPreview['thresholds']): { key: ConfidenceKey; vars: { confidence: string; threshold: string } } {
  const vars = { confidence: formatPercent(classification.confidence), threshold: formatPercent(thresholds.intent) };
  if (classification.outOfScope || !classification.intent) return { key: 'intents.confidenceOutOfScope', vars };
  return { key: classification.confidence >= thresholds.intent ? 'intents.confidenceAbove' : 'intents.confidenceBelow', vars };
}

/**
 * What a background job's bar shows. A job that has started but reported no progress yet is "working" with an
 * indeterminate bar (a "0%" that sits for seconds reads as stuck); a percentage appears once there is real progress.
 */
export function jobDisplay(job: JobStatus): { working: boolean; percent: number | null } {
  const busy = job.state === 'queued' || job.state === 'running';
  if (!busy) return { working: false, percent: job.state === 'done' ? 100 : 0 };
  return { working: true, percent: job.progress > 0 ? Math.min(100, job.progress) : null };
}
