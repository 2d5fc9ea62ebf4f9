// A small, safe Markdown renderer for the article editor's preview. It builds
// Preact elements from text (never an HTML string, never innerHTML), so nothing
// an article contains can become markup; links keep only http(s), mailto and
// same-site paths, images only http(s) and same-site paths. Subset: # headings,
// paragraphs, - / 1. lists, ``` code blocks, > quotes, GFM pipe tables, **bold**,
// *italic*, `code`, [text](url), ![alt](src), horizontal rules. Tables and image
// sources follow the help centre's rules (knowledge-base/markdown.ts), so the
// preview shows what the published page will.
import type { ComponentChildren, VNode } from 'preact';
import { parsePipeTable, safeImageSrc, safeLinkHref, type PipeTable, type TableAlign } from '../../knowledge-base/markdown.ts';

/** The help page's own rule (knowledge-base/markdown.ts), so a link the preview shows is one the page keeps. */
export const safeHref = safeLinkHref;

// An image is matched from its "!", before the "[alt](src)" inside it could read as a link. Its source may hold balanced parentheses, so a
// refused "javascript:alert(1)" leaves no stray ")" behind its alt text.
const INLINE = /(\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|!\[([^\]]*)\]\(((?:[^()\s]|\([^()\s]*\))*)(?:\s+"([^"]*)")?\))/;

export function renderInline(text: string, keyPrefix = 'i'): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let rest = text;
  let n = 0;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      out.push(rest);
      break;
    }
    if (match.index > 0) out.push(rest.slice(0, match.index));
    const key = `${keyPrefix}-${n++}`;
    if (match[2] !== undefined) out.push(<strong key={key}>{renderInline(match[2], key)}</strong>);
    else if (match[3] !== undefined) out.push(<em key={key}>{renderInline(match[3], key)}</em>);
    else if (match[4] !== undefined) out.push(<code key={key}>{match[4]}</code>);
    else if (match[8] !== undefined) {
      // An image from anywhere else (javascript:, data:, another scheme) is only its description.
      const src = safeImageSrc(match[8]);
      out.push(src ? <img key={key} src={src} alt={match[7]} title={match[9]} loading="lazy" /> : match[7]);
    } else {
      const href = safeHref(match[6]);
      out.push(href ? <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">{renderInline(match[5], key)}</a> : `${match[5]} (${match[6]})`);
    }
    rest = rest.slice(match.index + match[0].length);
  }
  return out;
}

type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; text: string }
  | { kind: 'rule' }
  | { kind: 'table'; table: PipeTable };

export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) body.push(lines[i++]);
      i++;
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const table = parsePipeTable(lines, i);
    if (table) { blocks.push({ kind: 'table', table: table.table }); i = table.end; continue; }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) { blocks.push({ kind: 'heading', level: heading[1].length, text: heading[2] }); i++; continue; }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { blocks.push({ kind: 'rule' }); i++; continue; }
    const bullet = /^\s*[-*+]\s+(.*)$/;
    const numbered = /^\s*\d+[.)]\s+(.*)$/;
    if (bullet.test(line) || numbered.test(line)) {
      const ordered = numbered.test(line) && !bullet.test(line);
      const pattern = ordered ? numbered : bullet;
      const items: string[] = [];
      while (i < lines.length && pattern.test(lines[i])) items.push(pattern.exec(lines[i++])![1]);
      blocks.push({ kind: 'list', ordered, items });
      continue;
    }
    if (line.startsWith('>')) {
      const body: string[] = [];
      while (i < lines.length && lines[i].startsWith('>')) body.push(lines[i++].replace(/^>\s?/, ''));
      blocks.push({ kind: 'quote', text: body.join(' ') });
      continue;
    }
    const body: string[] = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|>|\s*[-*+]\s|\s*\d+[.)]\s)/.test(lines[i]) && !parsePipeTable(lines, i)) body.push(lines[i++].trim());
    if (!body.length) body.push(lines[i++].trim()); // a line no rule claimed is still text
    blocks.push({ kind: 'paragraph', text: body.join(' ') });
  }
  return blocks;
}

const alignClass = (align: TableAlign) => (align ? `align-${align}` : undefined);

/** A pipe table in a wrapper that scrolls sideways when the preview is narrow; cells keep inline formatting. */
function tableElement(table: PipeTable, keyPrefix: string): VNode {
  return (
    <div key={keyPrefix} class="table-scroll">
      <table>
        <thead><tr>{table.header.map((cell, c) => <th key={c} scope="col" class={alignClass(table.align[c])}>{renderInline(cell, `${keyPrefix}-h${c}`)}</th>)}</tr></thead>
        {table.rows.length > 0 && (
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>{row.map((cell, c) => <td key={c} class={alignClass(table.align[c])}>{renderInline(cell, `${keyPrefix}-${r}-${c}`)}</td>)}</tr>
            ))}
          </tbody>
        )}
      </table>
    </div>
  );
}

export function Markdown({ source }: { source: string }): VNode {
  const blocks = parseBlocks(source);
  return (
    <div class="markdown">
      {blocks.map((block, index) => {
        const key = `b${index}`;
        switch (block.kind) {
          case 'heading': {
            const Tag = `h${Math.min(block.level + 1, 6)}` as 'h2';
            return <Tag key={key}>{renderInline(block.text, key)}</Tag>;
          }
          case 'list': {
            const items = block.items.map((item, j) => <li key={j}>{renderInline(item, `${key}-${j}`)}</li>);
            return block.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
          }
          case 'code': return <pre key={key}><code>{block.text}</code></pre>;
          case 'quote': return <blockquote key={key}>{renderInline(block.text, key)}</blockquote>;
          case 'rule': return <hr key={key} />;
          case 'table': return tableElement(block.table, key);
          default: return <p key={key}>{renderInline(block.text, key)}</p>;
        }
      })}
    </div>
  );
}
