// The team's usual reply time as a shopper reads it: a rounded, slightly generous figure ("about 5 min"), never a
// precise-looking one ("4 min 12 s") that a shopper would time; nothing at all past a day, where a number only
// discourages and the offline form says it better.

export type ReplyWait = { unit: 'under-minute' } | { unit: 'minutes' | 'hours'; count: number };

/** Minute figures a shopper reads at a glance; the median is rounded up to the next one. */
const MINUTE_STEPS = [1, 2, 3, 5, 10, 15, 20, 30, 45];

export function replyWait(seconds: number | null | undefined): ReplyWait | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 60) return { unit: 'under-minute' };
  const minutes = Math.ceil(seconds / 60);
  const step = MINUTE_STEPS.find((m) => m >= minutes);
  if (step) return { unit: 'minutes', count: step };
  const hours = Math.ceil(minutes / 60);
  return hours <= 24 ? { unit: 'hours', count: hours } : null;
}
