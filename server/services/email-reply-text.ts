// The new words of an email reply: what the shopper typed above the quoted
// history their mail client added. Mail clients quote in a few common shapes;
// everything from the first of these lines on is dropped:
// - an attribution line: "On Fri, 4 Dec 2026 at 10:02, Shop <no-reply@…> wrote:"
//   (Gmail and Apple Mail, sometimes wrapped over two or three lines), "在 2026年12月4日 …
//   写道：" (Chinese clients), "Le … a écrit :", "Am … schrieb …:";
// - Outlook's "-----Original Message-----" / "-----原始邮件-----" or its
//   "________________" rule, and a "From:" header block ("发件人：", "Von:", "De :"…),
//   with the line of dashes an HTML-only Outlook reply's <hr> becomes just above it;
// - a signature delimiter ("-- ", also without its space, since clients trim it)
//   and the phone clients' "Sent from my iPhone" / "发自我的iPhone".
// Lines quoted with ">" anywhere are dropped too (a reply written between quotes
// keeps the reply's own lines).

// Every pattern here is either anchored at the line's start or bounded, and attribution lines are measured before
// any pattern is tried: a shopper's email is anyone's text, and a pattern that scans on from every character of a
// long line (a [^:]* after each "schrieb") costs the square of its length, time the whole server waits for.
const ATTRIBUTION_END = [/\bwrote:\s*$/i, /写道[：:]\s*$/, /a écrit\s*:\s*$/i, /schrieb[^:]{0,300}:\s*$/i];
const STOP_LINES = [
  /^-{2,}\s*(original message|forwarded message|原始邮件|转发的邮件)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^--\s*$/,
  /^(sent from my|get outlook for|发自我的|从我的)\s?\S/i,
];
/**
 * An Outlook-style header block: "From:" followed within two lines by "Sent:", "Date:", "To:" or "Subject:", in the
 * languages Outlook writes it in for the shops' shoppers (English, Chinese, German, French, Spanish, Italian, Dutch):
 * "Von: … / Gesendet: … / An: … / Betreff: …", "De : … / Envoyé : … / À : … / Objet : …". A pair of such lines can be a
 * shopper's own ("De: Calle Mayor 1 / A: Calle Luna 5", an address to change from and to), so a block is a mail
 * client's only with an address in its From line, or with a line a shopper would not write: when it was sent, or its
 * subject.
 */
const HEADER_FROM = /^\*?(from|发件人|von|de|da|van)\s*[:：]/i;
const HEADER_NEXT = new RegExp(`^\\*?(${[
  'sent', 'date', 'to', 'subject', '发送时间', '日期', '收件人', '主题',
  'gesendet', 'datum', 'an', 'betreff', // German
  'envoyé', 'à', 'objet', // French ("Date :" as in English)
  'enviado', 'fecha', 'para', 'asunto', // Spanish
  'inviato', 'data', 'a', 'oggetto', // Italian
  'verzonden', 'aan', 'onderwerp', // Dutch
].join('|')})\\s*[:：]`, 'i');
/**
 * A rule of dashes: what an HTML-only Outlook reply's <hr> above its header block becomes as text. A shopper may draw
 * one between their own lines, so it ends the reply only right above a header block or an attribution.
 */
const DASH_RULE = /^-{10,}\s*$/;
const HEADER_OF_A_MAIL = /^\*?(sent|date|subject|发送时间|日期|主题|主旨|gesendet|datum|betreff|envoyé|objet|enviado|fecha|asunto|inviato|data|oggetto|verzonden|onderwerp)\s*[:：]/i;
/** Lines a header block spans after its From line: Sent, To, Cc, then Subject. */
const HEADER_BLOCK_LINES = 4;

/** Longer than this, a line is the shopper's own words, not a mail client's "On …, Shop <address> wrote:". */
const MAX_ATTRIBUTION_LENGTH = 300;
const endsLikeAttribution = (text: string) => ATTRIBUTION_END.some((re) => re.test(text));

/**
 * Whether the trimmed line `lines[at]` starts an attribution. Gmail wraps a long one: "On …, Shop <no-reply@" /
 * "shop.example> wrote:", or over three lines with a long shop name: "On …, Long Shop Name" / "<no-reply@…>" /
 * "wrote:". Three lines are taken for one only with an address in them, as a mail client writes: a shopper's own
 * "On Friday I asked" / "what you had" / "and you wrote:" has none.
 */
function isAttribution(lines: string[], at: number): boolean {
  const line = lines[at].trim();
  if (line.length >= MAX_ATTRIBUTION_LENGTH) return false; // measured first: no pattern ever runs on a long line
  if (endsLikeAttribution(line)) return true;
  if (!(/^(on|le|am)\s/i.test(line) || /^在/.test(line))) return false;
  let joined = line;
  for (let wrapped = 1; wrapped <= 2; wrapped++) {
    const next = lines[at + wrapped]?.trim();
    if (!next) return false; // an attribution is not broken by an empty line
    joined += ` ${next}`;
    if (joined.length >= MAX_ATTRIBUTION_LENGTH) return false;
    if (endsLikeAttribution(next)) return wrapped === 1 || joined.includes('@');
  }
  return false;
}

/** Whether an Outlook-style header block starts at `lines[at]` (see HEADER_FROM). */
function startsHeaderBlock(lines: string[], at: number): boolean {
  const from = lines[at].trim();
  if (!HEADER_FROM.test(from)) return false;
  const after = lines.slice(at + 1, at + 1 + HEADER_BLOCK_LINES).map((l) => l.trim());
  if (!HEADER_NEXT.test(after[0] ?? '') && !HEADER_NEXT.test(after[1] ?? '')) return false;
  return from.includes('@') || after.some((l) => HEADER_OF_A_MAIL.test(l));
}

/** Whether the first line with words after `lines[at]` (within two lines) starts a header block or an attribution. */
function quoteFollows(lines: string[], at: number): boolean {
  for (let i = at + 1; i < Math.min(lines.length, at + 4); i++) {
    if (lines[i].trim()) return startsHeaderBlock(lines, i) || isAttribution(lines, i);
  }
  return false;
}

/**
 * How much of an email's text is read for the reply (`newTextOfReply`'s default). The reply is cut to a chat
 * message afterwards (capText, MAX_MESSAGE_CHARS at most 100,000), so this is twice the longest message a chat takes:
 * room for quoted ">" lines between the shopper's own, without reading a megabyte pasted below them.
 */
export const MAX_REPLY_SCAN_CHARS = 200_000;

/**
 * The reply's own text, trimmed; '' when nothing is left (only quotes, only a signature). Only the first `scanChars`
 * characters are read, cut at the end of a line when there is one.
 */
export function newTextOfReply(text: string, scanChars = MAX_REPLY_SCAN_CHARS): string {
  const lines = scannedPart(text, scanChars).replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    const bare = line.trim();
    if (isAttribution(lines, i)) break;
    if (STOP_LINES.some((re) => re.test(bare))) break;
    if (startsHeaderBlock(lines, i)) break;
    if (DASH_RULE.test(bare) && quoteFollows(lines, i)) break;
    if (bare.startsWith('>')) continue;
    kept.push(line);
  }
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** The names a mail client may give an image it sent inside the body: its file name and its Content-ID. */
export interface BodyImage { fileName?: string; cid?: string }

/** Longer than this, a line is no mail client's "[image: …]". */
const MAX_PLACEHOLDER_LENGTH = 400;
/** "[cid:ii_box1]": how an <img> of the body reads once the HTML is text (a Content-ID is at most a header line). */
const CID_REFERENCE = /\[cid:([^\]\s]{1,998})\]/g;

/**
 * The reply's words (newTextOfReply's) without what a mail client writes where an image sat in the body — Gmail's
 * "[image: box.png]" line, Outlook's "[cid:image001.png@01DB…]", "box.png [cid:ii_box1]" as an HTML body's <img>
 * becomes text — for these images only: each is a file in the chat or a signature's decoration, and its name alone
 * tells the agent nothing. A line left empty goes; the shopper's words on the line stay.
 */
export function withoutImagePlaceholders(words: string, images: BodyImage[]): string {
  if (!images.length) return words;
  const names = new Set(images.flatMap((image) => (image.fileName ? [image.fileName] : [])));
  const cids = new Set(images.flatMap((image) => (image.cid ? [image.cid] : [])));
  const lines = words.split('\n').flatMap((line) => {
    const bare = line.trim();
    if (bare.length <= MAX_PLACEHOLDER_LENGTH && bare.startsWith('[image: ') && bare.endsWith(']') && names.has(bare.slice('[image: '.length, -1))) return [];
    if (!line.includes('[cid:')) return [line];
    const kept = line.replace(CID_REFERENCE, (whole, cid: string) => (cids.has(cid) ? '' : whole)).trimEnd();
    if (kept === line) return [line];
    return kept.trim() === '' || names.has(kept.trim()) ? [] : [kept];
  });
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** The first `max` characters of `text`, without the line cut in two by that limit when an earlier line ends. */
function scannedPart(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const lastBreak = Math.max(head.lastIndexOf('\n'), head.lastIndexOf('\r'));
  return lastBreak > 0 ? head.slice(0, lastBreak) : head;
}

/** At most `max` characters, cut with "…" (a reply too long for a chat message still reaches the agent, shortened). */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text; // counted as the chat counts (UTF-16 units)
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // never half an emoji
  return `${cut.trimEnd()}…`;
}
