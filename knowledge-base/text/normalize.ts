// The one normalisation every reader of a shopper's text shares (tokenize.ts's word and character features, the
// classifier's input, the retriever's query and index, the grouping of unanswered questions, the answer policy):
// Unicode NFKC (full-width letters, digits and punctuation as their ASCII forms: "ＮＷ－１００２３４" → "NW-100234"),
// then traditional characters, Taiwan and Hong Kong wording and written Cantonese as simplified Mandarin
// (traditional.ts). Plain ASCII text — almost every English message — is returned untouched without a scan.
import { toSimplified } from './traditional.ts';

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** NFKC, then traditional / Cantonese as simplified Mandarin. Idempotent; O(length). */
export function normalizeText(text: string): string {
  if (ASCII_ONLY.test(text)) return text;
  return toSimplified(text.normalize('NFKC'));
}

/** Only the width (NFKC): for text whose Chinese must stay as written. */
export function normalizeWidth(text: string): string {
  return ASCII_ONLY.test(text) ? text : text.normalize('NFKC');
}
