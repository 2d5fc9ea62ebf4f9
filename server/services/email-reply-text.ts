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

const ATTRIBUTION_END = [/\bwrote:\s*$/i, /写道[：:]\s*$/, /a écrit\s*:\s*$/i, /schrieb[^:]*:\s*$/i];
const STOP_LINES = [
  /^-{2,}\s*(original message|forwarded message|原始邮件|转发的邮件)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^--\s*$/,
  /^(sent from my|get outlook for|发自我的|从我的)\s?\S/i,
];
/** An Outlook-style header block: "From:" followed within two lines by "Sent:", "Date:", "To:" or "Subject:". */
const HEADER_FROM = /^\*?(from|发件人)\s*[:：]/i;
const HEADER_NEXT = /^\*?(sent|date|to|subject|发送时间|日期|收件人|主题)\s*[:：]/i;

function isAttribution(line: string, next: string | undefined): boolean {
  const starts = /^(on|在|le|am)\s/i.test(line) || /^在/.test(line);
  if (!starts) return ATTRIBUTION_END.some((re) => re.test(line)) && line.length < 300;
  if (ATTRIBUTION_END.some((re) => re.test(line))) return true;
  // Gmail wraps a long attribution: "On …, Shop <no-reply@\nshop.example> wrote:".
  return next !== undefined && ATTRIBUTION_END.some((re) => re.test(next)) && `${line} ${next}`.length < 300;
}

/** The reply's own text, trimmed; '' when nothing is left (only quotes, only a signature). */
export function newTextOfReply(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
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

/** At most `max` characters, cut with "…" (a reply too long for a chat message still reaches the agent, shortened). */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text; // counted as the chat counts (UTF-16 units)
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // never half an emoji
  return `${cut.trimEnd()}…`;
}
