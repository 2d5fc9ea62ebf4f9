// The new words of an email reply: what the shopper typed above the quoted
// history their mail client added. Mail clients quote in a few common shapes;
// everything from the first of these lines on is dropped:
// - an attribution line: "On Fri, 4 Dec 2026 at 10:02, Shop <no-reply@…> wrote:"
//   (Gmail and Apple Mail, sometimes wrapped over two lines), "在 2026年12月4日 …
//   写道：" (Chinese clients), "Le … a écrit :", "Am … schrieb …:";
// - Outlook's "-----Original Message-----" / "-----原始邮件-----" or its
//   "________________" rule, and a "From:" header block ("发件人：");
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
/** An Outlook-style header block: "From:" followed within two lines by "Sent:", "Date:", "To:" or "Subject:". */
const HEADER_FROM = /^\*?(from|发件人)\s*[:：]/i;
const HEADER_NEXT = /^\*?(sent|date|to|subject|发送时间|日期|收件人|主题)\s*[:：]/i;

/** Longer than this, a line is the shopper's own words, not a mail client's "On …, Shop <address> wrote:". */
const MAX_ATTRIBUTION_LENGTH = 300;
const endsLikeAttribution = (text: string) => ATTRIBUTION_END.some((re) => re.test(text));

function isAttribution(line: string, next: string | undefined): boolean {
  if (line.length >= MAX_ATTRIBUTION_LENGTH) return false; // measured first: no pattern ever runs on a long line
  if (endsLikeAttribution(line)) return true;
  // Gmail wraps a long attribution: "On …, Shop <no-reply@\nshop.example> wrote:".
  const starts = /^(on|在|le|am)\s/i.test(line) || /^在/.test(line);
  return starts && next !== undefined && line.length + 1 + next.length < MAX_ATTRIBUTION_LENGTH && endsLikeAttribution(next);
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
    if (isAttribution(bare, lines[i + 1]?.trim())) break;
    if (STOP_LINES.some((re) => re.test(bare))) break;
    if (HEADER_FROM.test(bare) && lines.slice(i + 1, i + 3).some((l) => HEADER_NEXT.test(l.trim()))) break;
    if (bare.startsWith('>')) continue;
    kept.push(line);
  }
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
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
