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
 * intent stands out: that case gets its own sentence instead of a line that seems to contradict itself.
 */
export function scoreVerdict(result: Classification): { key: 'intents.verdictYes' | 'intents.verdictNo' | 'intents.verdictNoDespiteScore'; vars: { score: string; threshold: string } } | null {
  if (result.inScopeScore === undefined || result.threshold === undefined) return null;
  const vars = { score: formatPercent(result.inScopeScore), threshold: formatPercent(result.threshold) };
  if (!result.outOfScope) return { key: 'intents.verdictYes', vars };
  return { key: result.inScopeScore >= result.threshold ? 'intents.verdictNoDespiteScore' : 'intents.verdictNo', vars };
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
