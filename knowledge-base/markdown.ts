// Knowledge-base Markdown: front matter, chunking by heading for retrieval, a
// plain-text view for snippets and a small HTML renderer for the public help
// page. Articles are written by admins, but the renderer escapes everything
// anyway: nothing in an article can inject markup. The table and image rules
// here are shared with the console's preview (console/src/markdown.tsx), so an
// article reads the same in the editor, on the help page and in the bot's answer.

export interface FrontMatter {
  [key: string]: string;
}

/** Splits `---\nkey: value\n---\nbody` into its fields and body. Values are plain strings (quotes removed). */
export function parseFrontMatter(source: string): { fields: FrontMatter; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(source);
  if (!match) return { fields: {}, body: source };
  const fields: FrontMatter = {};
  for (const line of match[1].split(/\r?\n/)) {
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line.trim());
    if (kv) fields[kv[1]] = kv[2].trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return { fields, body: source.slice(match[0].length) };
}

export interface Chunk {
  position: number;
  heading: string;
  /** Section text in Markdown, without its heading line. */
  text: string;
}

const MAX_CHUNK_CHARS = 1500;

/**
 * Splits an article body into sections at H2–H4 headings. A leading H1 equal
 * to the title is dropped; text before the first heading becomes a section
 * headed by the title. Over-long sections are cut at paragraph boundaries so
 * one passage stays quotable in a chat bubble.
 */
export function chunkArticle(title: string, body: string): Chunk[] {
  const sections: { heading: string; lines: string[] }[] = [{ heading: title, lines: [] }];
  let inFence = false;
  for (const line of body.split(/\r?\n/)) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^(#{1,4})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      if (heading[1].length === 1 && sections.length === 1 && !sections[0].lines.some((l) => l.trim())) {
        sections[0].heading = heading[2]; // the article's own H1
        continue;
      }
      sections.push({ heading: heading[2], lines: [] });
    } else {
      sections[sections.length - 1].lines.push(line);
    }
  }
  const chunks: Chunk[] = [];
  for (const section of sections) {
    const text = section.lines.join('\n').trim();
    if (!text) continue;
    for (const part of splitLong(text)) chunks.push({ position: chunks.length, heading: section.heading, text: part });
  }
  if (chunks.length === 0) chunks.push({ position: 0, heading: title, text: body.trim() });
  return chunks;
}

function splitLong(text: string): string[] {
  if (text.length <= MAX_CHUNK_CHARS) return [text];
  const parts: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n\s*\n/)) {
    if (current && current.length + paragraph.length + 2 > MAX_CHUNK_CHARS) {
      parts.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${paragraph}` : paragraph;
  }
  if (current) parts.push(current);
  return parts;
}

export type TableAlign = 'left' | 'center' | 'right' | null;

/** A GFM pipe table: header cells, each column's alignment, and body rows padded or cut to the header's width. */
export interface PipeTable {
  header: string[];
  align: TableAlign[];
  rows: string[][];
}

/** The cells of one table row: outer pipes are optional and `\|` is a pipe inside a cell. */
export function splitTableRow(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  const text = line.trim();
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (text[i] === '|') {
      cells.push(cell);
      cell = '';
    } else {
      cell += text[i];
    }
  }
  cells.push(cell);
  // "| a | b |" splits into ['', ' a ', ' b ', '']: the outer pipes frame the row, they make no cells.
  if (text.startsWith('|')) cells.shift();
  if (cells.length > 1 && /(^|[^\\])\|$/.test(text)) cells.pop();
  return cells.map((c) => c.trim());
}

/** Whether a line has a pipe that is not escaped (a table row needs one). */
const hasPipe = (line: string) => /(^|[^\\])\|/.test(line);

const DELIMITER_CELL = /^:?-+:?$/;

/**
 * Reads a pipe table starting at `lines[start]`: a header row, a delimiter row (`|---|:---:|`) with as many cells,
 * then body rows up to the first blank line or line without a pipe. Returns null when the lines are not a table
 * (a sentence with a pipe in it, a header whose delimiter row has another width), so they stay text.
 */
export function parsePipeTable(lines: readonly string[], start: number): { table: PipeTable; end: number } | null {
  const headerLine = lines[start];
  const delimiterLine = lines[start + 1];
  if (headerLine === undefined || delimiterLine === undefined || !hasPipe(headerLine) || !hasPipe(delimiterLine)) return null;
  const header = splitTableRow(headerLine);
  const delimiters = splitTableRow(delimiterLine);
  if (delimiters.length !== header.length || !delimiters.every((d) => DELIMITER_CELL.test(d))) return null;
  const align = delimiters.map((d): TableAlign => {
    const left = d.startsWith(':');
    const right = d.endsWith(':');
    return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
  });
  const rows: string[][] = [];
  let end = start + 2;
  for (; end < lines.length && lines[end].trim() && hasPipe(lines[end]); end++) {
    const cells = splitTableRow(lines[end]);
    rows.push(header.map((_, i) => cells[i] ?? ''));
  }
  return { table: { header, align, rows }, end };
}

/**
 * An image source the help page and the preview show: https or a path on this site, never javascript:, data: or //host.
 * Not http: the pages' CSP allows https images only, so a shopper would see a broken picture.
 */
export function safeImageSrc(url: string): string | null {
  const trimmed = url.trim();
  if (/^https:\/\/[^\s/]/i.test(trimmed)) return trimmed;
  // A browser reads "/\host" as "//host": another site.
  if (/^\/(?![/\\])/.test(trimmed)) return trimmed;
  return null;
}

/**
 * A link target the help page and the console's preview both keep (one rule, so the preview shows what the page
 * will): http(s), mailto, a path on this site or an anchor; never javascript: or data:, nor "//host" and "/\host",
 * which browsers read as another site.
 */
export function safeLinkHref(url: string): string | null {
  const trimmed = url.trim();
  if (/^(?:https?:\/\/|mailto:)/i.test(trimmed)) return trimmed;
  if (/^\/(?![/\\])/.test(trimmed) || trimmed.startsWith('#')) return trimmed;
  return null;
}

/**
 * A table as sentences a question can match and a chat bubble can show: one line per body row,
 * "Size: M; Chest (in): 38–40." (Chinese headers get Chinese punctuation). A table without a body keeps its headers.
 */
export function tableToText(table: PipeTable): string[] {
  const chinese = /[\u3400-\u9fff]/.test(table.header.join(''));
  const [colon, separator, stop] = chinese ? ['：', '；', '。'] : [': ', '; ', '.'];
  const sentence = (parts: string[]) => {
    const line = parts.join(separator);
    return !line || /[.!?。！？]$/.test(line) ? line : line + stop;
  };
  if (!table.rows.length) return [sentence(table.header.filter(Boolean))].filter(Boolean);
  return table.rows
    .map((row) => sentence(row.flatMap((cell, i) => (!cell ? [] : table.header[i] ? [`${table.header[i]}${colon}${cell}`] : [cell]))))
    .filter(Boolean);
}

/** Replaces each pipe table in the text with its plain lines (see tableToText); everything else is kept as it is. */
function tablesToText(markdown: string): string {
  const lines = markdown.split(/\r?\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const parsed = parsePipeTable(lines, i);
    if (parsed) {
      out.push(...tableToText(parsed.table));
      i = parsed.end;
    } else {
      out.push(lines[i++]);
    }
  }
  return out.join('\n');
}

/** Markdown to readable plain text (for snippets, chat replies and indexing). Tables become lines, images their alt text. */
export function markdownToText(markdown: string): string {
  return tablesToText(markdown.replace(/```[\s\S]*?```/g, ' '))
    .replace(/!\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^\s*[-*+]\s+/gm, '• ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(\*|_)(\S.*?)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Cuts text to about `max` characters at a sentence or word boundary. */
export function snippet(text: string, max = 320): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const sentenceEnd = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('。'), cut.lastIndexOf('！'), cut.lastIndexOf('？'));
  if (sentenceEnd > max * 0.5) return cut.slice(0, sentenceEnd + 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// One inline construct at a time, leftmost first, so nothing is formatted twice (no markup inside an image's alt
// or a code span): `code`, ![image](src), [link](href), **bold**. The text between them is escaped. An image's source
// may hold balanced parentheses, so a refused "javascript:alert(1)" leaves no stray ")" behind its alt text.
const INLINE_SYNTAX = /`([^`]+)`|!\[([^\]]*)\]\(((?:[^()\s]|\([^()\s]*\))*)(?:\s+"([^"]*)")?\)|\[([^\]]+)\]\(([^)\s]*)\)|\*\*(.+?)\*\*/;

function inline(text: string): string {
  let html = '';
  let rest = text;
  for (let match = INLINE_SYNTAX.exec(rest); match; match = INLINE_SYNTAX.exec(rest)) {
    html += escapeHtml(rest.slice(0, match.index));
    const [whole, code, alt, src, title, label, href, bold] = match;
    if (code !== undefined) {
      html += `<code>${escapeHtml(code)}</code>`;
    } else if (src !== undefined) {
      const safe = safeImageSrc(src);
      // An image from anywhere else is only its description.
      const titled = title ? ` title="${escapeHtml(title)}"` : '';
      html += safe ? `<img src="${escapeHtml(safe)}" alt="${escapeHtml(alt)}"${titled} loading="lazy">` : escapeHtml(alt);
    } else if (href !== undefined) {
      const target = safeLinkHref(href);
      html += target ? `<a href="${escapeHtml(target)}">${inline(label)}</a>` : escapeHtml(whole);
    } else {
      html += `<strong>${inline(bold)}</strong>`;
    }
    rest = rest.slice(match.index + whole.length);
  }
  return html + escapeHtml(rest);
}

const alignClass = (align: TableAlign) => (align ? ` class="align-${align}"` : '');

/** A table in a wrapper that scrolls sideways on a narrow screen (and can take focus, so keyboards scroll it too). */
function tableHtml(table: PipeTable): string {
  const head = `<thead><tr>${table.header.map((cell, i) => `<th scope="col"${alignClass(table.align[i])}>${inline(cell)}</th>`).join('')}</tr></thead>`;
  const body = table.rows.length
    ? `<tbody>${table.rows.map((row) => `<tr>${row.map((cell, i) => `<td${alignClass(table.align[i])}>${inline(cell)}</td>`).join('')}</tr>`).join('')}</tbody>`
    : '';
  return `<div class="table-scroll" tabindex="0"><table>${head}${body}</table></div>`;
}

/** A deliberately small Markdown subset (headings, paragraphs, lists, pipe tables, bold, code, links, images) as escaped HTML. */
export function renderMarkdown(markdown: string): string {
  const out: string[] = [];
  let list: 'ul' | 'ol' | null = null;
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  const closeList = () => {
    if (list) out.push(`</${list}>`);
    list = null;
  };
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const table = parsePipeTable(lines, i);
    const heading = /^(#{1,6})\s+(.+?)\s*#*$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (table) {
      flush();
      closeList();
      out.push(tableHtml(table.table));
      i = table.end - 1;
    } else if (heading) {
      flush();
      closeList();
      const level = Math.min(6, heading[1].length + 1); // the page title is the only h1
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
    } else if (bullet || numbered) {
      flush();
      const kind = bullet ? 'ul' : 'ol';
      if (list !== kind) {
        closeList();
        out.push(`<${kind}>`);
        list = kind;
      }
      out.push(`<li>${inline((bullet ?? numbered)![1])}</li>`);
    } else if (!line.trim()) {
      flush();
      closeList();
    } else {
      closeList();
      paragraph.push(line.trim());
    }
  }
  flush();
  closeList();
  return out.join('\n');
}

export { escapeHtml };
