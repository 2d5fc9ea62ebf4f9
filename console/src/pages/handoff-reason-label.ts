// A hand-off reason in words, for the Reports page's chart and its per-team table.
import { t } from '../i18n.ts';

/** One the console does not know yet (older events stored an intent) shows as stored. */
export function handoffReasonLabel(reason: string): string {
  const key = `reports.handoff.${reason}`;
  const label = t(key);
  return label === key ? reason : label;
}
