// Conversation labels: what agents may type, and one spelling of each.
import { badRequest } from '../errors.ts';

export const MAX_LABELS = 10;
export const MAX_LABEL_LENGTH = 32;
// Letters and digits of any script, with spaces, hyphens and underscores between them.
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N} _-]*[\p{L}\p{N}])?$/u;

/** A label as stored: trimmed, inner spaces collapsed, lower-cased (so "Refund" and "refund " are one label in the filter and the reports). */
export const labelKey = (raw: string) => raw.trim().replace(/\s+/g, ' ').toLocaleLowerCase('en');

/** Labels as stored (`labelKey`), duplicates dropped, in the order given. Throws a 400 naming the bad label. */
export function normaliseLabels(labels: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of labels) {
    const label = labelKey(raw);
    if (!LABEL.test(label) || label.length > MAX_LABEL_LENGTH) {
      throw badRequest(`Label "${raw.slice(0, 40)}" is not allowed: use 1–${MAX_LABEL_LENGTH} letters or digits, with spaces, "-" or "_" between them`);
    }
    if (!out.includes(label)) out.push(label);
  }
  return out;
}
