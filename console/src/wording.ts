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
  | 'intents.botProduct' | 'intents.botAnswers' | 'intents.botClarify' | 'intents.botHandoff' | 'intents.botNoAnswer' | 'intents.botNoAnswerUnnamed';
/**
 * `partOnly`: the bot answers (or offers options for) part of the message and the rest reaches the unanswered list
 * ("can you engrave my watch? also how long is shipping"): the page says so after the headline, which alone read as
 * the whole message answered.
 */
export interface BotVerdict { key: BotVerdictKey; vars: { intent?: string; article?: string; product?: string }; partOnly: boolean }
export function botVerdict(preview: BotPreview, classification: Classification | null): BotVerdict {
  const partOnly = !!preview.unansweredPart || (preview.miss && preview.action === 'answer');
  const verdict = (key: BotVerdictKey, vars: BotVerdict['vars'] = {}): BotVerdict => ({ key, vars, partOnly });
  // A fallback is "too unsure" only when it is: a service nothing of the shop names goes unanswered however sure.
  if (preview.decision === 'fallback') return verdict(preview.unnamedServices?.length ? 'intents.botNoAnswerUnnamed' : 'intents.botNoAnswer');
  if (preview.action === 'clarify') return verdict('intents.botClarify');
  if (preview.action === 'handoff') return verdict('intents.botHandoff');
  const article = preview.articles[0]?.title;
  const product = preview.products[0]?.name;
  if (preview.reason === 'product' && product) return verdict('intents.botProduct', { product });
  if (preview.reason === 'kb_passage' && article) {
    if (preview.intent) return verdict('intents.botArticleForIntent', { article, intent: preview.intent });
    // The classifier's reading, when it had one, is what the owner sees beside: say it is not what answers.
    const reading = policyReading(preview, classification);
    const unused = reading && !reading.outOfScope ? reading.intent : null;
    return unused ? verdict('intents.botArticleIntentUnused', { article, intent: unused }) : verdict('intents.botArticle', { article });
  }
  return preview.intent ? verdict('intents.botIntent', { intent: preview.intent }) : verdict('intents.botAnswers');
}

/**
 * The classifier's reading the policy decided with. The policy may classify part of the message (the question at its
 * end, without a greeting or an order number, the part it can answer), so the test box's own classification of the
 * whole sentence can differ: "can you engrave my watch? how much does that cost" scored 46.5% whole while the policy
 * answered from the intent it read in part. Null when the policy classified nothing; the test box's own reading only
 * for a preview from a server that does not send it.
 */
function policyReading(preview: BotPreview, classification: Classification | null): BotPreview['prediction'] {
  return preview.prediction !== undefined ? preview.prediction : classification;
}

/**
 * The classifier's confidence, as secondary information, against the threshold the answer policy uses to answer from
 * an intent (the preview's `thresholds.intent`), not the classifier's own out-of-scope bar, which is tiny. Out of scope
 * (the out-of-scope sentences won, or no intent stood out) no intent answers whatever its confidence.
 */
export type ConfidenceKey = 'intents.confidenceOutOfScope' | 'intents.confidenceAbove' | 'intents.confidenceBelow';
export function confidenceLine(preview: BotPreview, classification: Classification | null): { key: ConfidenceKey; vars: { confidence: string; threshold: string } } | null {
  const reading = policyReading(preview, classification);
  if (!reading) return null;
  const vars = { confidence: formatPercent(reading.confidence), threshold: formatPercent(preview.thresholds.intent) };
  if (reading.outOfScope || !reading.intent) return { key: 'intents.confidenceOutOfScope', vars };
  return { key: reading.confidence >= preview.thresholds.intent ? 'intents.confidenceAbove' : 'intents.confidenceBelow', vars };
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
