// Order numbers as the shop writes them. Each shop has its own format
// (NW-123456, #1001, 000000123, 123-1234567-1234567), so it is configured as a
// pattern plus an example for the bot's replies. Shoppers type them loosely
// ("nw 123456", "#1001", "order 123456"), so a number is compared by its key:
// upper case, without spaces, hyphens or '#'. Full-width forms ("ＮＷ－１００２３４", typed with a Chinese
// keyboard) are read as their ASCII ones (NFKC), and "訂單號" as "订单号", before matching (text/normalize.ts).
import { normalizeText } from './text/normalize.ts';

export interface OrderNumberFormat {
  /** The configured pattern, matched case-insensitively on word boundaries. */
  pattern: RegExp;
  /** How an order number looks, for the bot's replies ("it looks like NW-123456"). */
  example: string;
}

/** The demo shop's numbers: NW-123456 (also typed "nw 123456" or "NW123456"). */
export const DEFAULT_ORDER_NUMBER_PATTERN = 'NW[\\s-]?\\d{6}';
export const DEFAULT_ORDER_NUMBER_EXAMPLE = 'NW-123456';

/** "NW-123 456", "#1001" → "NW123456", "1001". */
export function orderNumberKey(number: string): string {
  return number.replace(/[\s#-]+/g, '').toUpperCase();
}

const compiledFormats = new Map<string, OrderNumberFormat>();

/**
 * The configured format, compiled once per process (the config check, the shop's order feed and the bot all ask for
 * it); refuses a pattern that is no regular expression or does not match its own example.
 */
export function orderNumberFormat(source = DEFAULT_ORDER_NUMBER_PATTERN, example = DEFAULT_ORDER_NUMBER_EXAMPLE): OrderNumberFormat {
  const key = `${source}\u0000${example}`;
  let format = compiledFormats.get(key);
  if (!format) {
    format = compileFormat(source, example);
    compiledFormats.set(key, format);
  }
  return format;
}

/** A letter or digit that is no Chinese character (Chinese is written without spaces around an order number). */
const NOT_HAN_WORD_CHAR = String.raw`(?!\p{Script=Han})[\p{L}\p{N}]`;

function compileFormat(source: string, example: string): OrderNumberFormat {
  let pattern: RegExp;
  try {
    // Letters and digits next to a number make it part of a longer word; Chinese characters do not ("订单NW-100245少了").
    pattern = new RegExp(`(?<!${NOT_HAN_WORD_CHAR})(?:${source})(?!${NOT_HAN_WORD_CHAR})`, 'iu');
  } catch (error) {
    throw new Error(`ORDER_NUMBER_PATTERN is not a valid regular expression: ${(error as Error).message}`);
  }
  if (!pattern.test(example)) throw new Error(`ORDER_NUMBER_EXAMPLE "${example}" does not match ORDER_NUMBER_PATTERN ${source}`);
  return { pattern, example };
}

export const DEFAULT_ORDER_NUMBER_FORMAT = orderNumberFormat();

/** Whether a whole string is an order number of this format (used to refuse orders the bot could never find). */
export function isOrderNumber(number: string, format: OrderNumberFormat): boolean {
  const match = format.pattern.exec(number);
  return Boolean(match && match[0].length === number.trim().length);
}

export interface FoundOrderNumber {
  /** Comparison key (orderNumberKey). */
  key: string;
  /** As written, for replies. */
  shown: string;
  /** Only digits after "order" / "订单号" ("order 100234"): matched against the end of the shopper's own numbers. */
  partial: boolean;
}

// "order #100234", "order number: 100234", "订单号100234": the digits of a number written without its prefix.
const PHRASED = /(?:订单号?|order\s*(?:number|no\.?|#)?)\s*[:：#]?\s*(\d{4,12})(?!\d)/i;

/** The first order number in a message: one in the shop's format, or digits named as an order number. */
export function findOrderNumber(raw: string, format: OrderNumberFormat = DEFAULT_ORDER_NUMBER_FORMAT): FoundOrderNumber | null {
  const text = normalizeText(raw);
  const direct = format.pattern.exec(text);
  if (direct) return { key: orderNumberKey(direct[0]), shown: direct[0].trim().toUpperCase(), partial: false };
  const phrased = PHRASED.exec(text);
  if (!phrased) return null;
  // The digits alone may already be a whole number of this format (#1001 shops).
  const whole = isOrderNumber(phrased[1], format);
  return { key: orderNumberKey(phrased[1]), shown: phrased[1], partial: !whole };
}

/**
 * The message without its order numbers ("can I still change the address on NW-100234?" → "can I still change the
 * address on ?"): the number says which order, not what is asked, and no article has it.
 */
export function withoutOrderNumbers(raw: string, format: OrderNumberFormat = DEFAULT_ORDER_NUMBER_FORMAT): string {
  const text = normalizeText(raw);
  const every = new RegExp(format.pattern.source, 'giu');
  return text.replace(every, ' ').replace(new RegExp(PHRASED.source, 'gi'), (m, digits: string) => m.slice(0, m.lastIndexOf(digits)))
    .replace(/\s+/g, ' ').trim();
}
