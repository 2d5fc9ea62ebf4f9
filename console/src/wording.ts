// Small pure helpers that turn numbers the server sends into words an admin reads
// at a glance (kept apart from the pages so they can be unit-tested without a DOM).
import type { Classification, JobStatus } from './kb-api.ts';

/** A share (0–1) as a percentage with as many digits as it takes to not read "0.0": 0.087 → "8.7", 0.0005 → "0.05". */
export function formatPercent(share: number): string {
  const percent = share * 100;
  if (percent === 0 || Math.abs(percent) >= 1) return percent.toFixed(1);
  return String(Number(percent.toPrecision(2)));
}

/**
 * Whether the classifier would answer from the intent, in the admin's words. The yes/no is the classifier's own
 * decision (`outOfScope`), so a score above the bar can still be a "no" when the out-of-scope sentences win or no
 * intent stands out: that case gets its own sentence instead of a line that seems to contradict itself. The score
 * and the bar are not shares anyone can read as percentages (a probability times how well the words back the
 * intent, against a bar calibrated on the training sentences, often "11.7 % against 0.053 %"), so the line says how
 * far from the bar the sentence is, and the numbers stay in its tooltip for whoever tunes the examples.
 */
export type ScoreVerdictKey = 'intents.verdictYesFar' | 'intents.verdictYesNear' | 'intents.verdictNoFar' | 'intents.verdictNoNear' | 'intents.verdictNoDespiteScore';
/** Three times the bar (or a third of it) counts as far from it. */
const FAR_FROM_BAR = 3;
export function scoreVerdict(result: Classification): { key: ScoreVerdictKey; vars: { score: string; threshold: string } } | null {
  if (result.inScopeScore === undefined || result.threshold === undefined) return null;
  const vars = { score: formatPercent(result.inScopeScore), threshold: formatPercent(result.threshold) };
  const ratio = result.threshold > 0 ? result.inScopeScore / result.threshold : Infinity;
  if (!result.outOfScope) return { key: ratio >= FAR_FROM_BAR ? 'intents.verdictYesFar' : 'intents.verdictYesNear', vars };
  if (ratio >= 1) return { key: 'intents.verdictNoDespiteScore', vars };
  return { key: ratio < 1 / FAR_FROM_BAR ? 'intents.verdictNoFar' : 'intents.verdictNoNear', vars };
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
