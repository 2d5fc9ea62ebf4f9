// The console's pure pieces: the safe Markdown subset renderer (no markup from
// text, only safe link targets), the version diff, and the two dictionaries.
import { describe, expect, it } from 'vitest';
import type { VNode } from 'preact';
import { parseBlocks, renderInline, safeHref, Markdown } from '../../console/src/markdown.tsx';
import { diffLines } from '../../console/src/diff.ts';
import { _dictionariesForTests as dictionaries } from '../../console/src/i18n.ts';

/** Flattens a rendered tree to [tag, props, text] tuples, to see what would reach the DOM. */
function walk(node: unknown, out: { type: string; props: Record<string, unknown> }[] = [], texts: string[] = []) {
  if (node === null || node === undefined || typeof node === 'boolean') return { out, texts };
  if (typeof node === 'string' || typeof node === 'number') { texts.push(String(node)); return { out, texts }; }
  if (Array.isArray(node)) { node.forEach((n) => walk(n, out, texts)); return { out, texts }; }
  const vnode = node as VNode<Record<string, unknown>>;
  out.push({ type: String(vnode.type), props: vnode.props });
  walk(vnode.props.children, out, texts);
  return { out, texts };
}

describe('safe Markdown renderer', () => {
  it('renders the subset: headings, lists, code, quotes, emphasis and links', () => {
    const blocks = parseBlocks('# Title\n\nSome **bold** text\n- one\n- two\n\n1. first\n2. second\n\n```\ncode <b>\n```\n> quoted\n\n---');
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'list', 'list', 'code', 'quote', 'rule']);
    const { out, texts } = walk(Markdown({ source: 'Read [our policy](https://shop.example/returns) or *ask* `us`.' }));
    expect(out.map((n) => n.type)).toEqual(['div', 'p', 'a', 'em', 'code']);
    expect(out[2].props.href).toBe('https://shop.example/returns');
    expect(out[2].props.rel).toContain('noopener');
    expect(texts.join('')).toBe('Read our policy or ask us.');
  });

  it('never turns text into markup and drops unsafe link targets', () => {
    const hostile = '<img src=x onerror=alert(1)> <script>alert(2)</script> [click](javascript:alert(3)) [data](data:text/html,hi) [proto](//evil.example)';
    const { out, texts } = walk(Markdown({ source: hostile }));
    expect(out.map((n) => n.type)).toEqual(['div', 'p']); // no element besides the paragraph: everything else is text
    expect(texts.join('')).toContain('<script>alert(2)</script>');
    expect(texts.join('')).toContain('click (javascript:alert(3))');
    expect(out.some((n) => 'dangerouslySetInnerHTML' in n.props)).toBe(false);
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref(' JAVASCRIPT:alert(1)')).toBeNull();
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref('/\\evil.example')).toBeNull(); // browsers read "/\\host" as "//host"
    expect(safeHref('/help/returns')).toBe('/help/returns');
    expect(safeHref('mailto:help@shop.example')).toBe('mailto:help@shop.example');
    expect(renderInline('**<b>x</b>**')).toHaveLength(1);
  });
});

describe('tables and images in the preview', () => {
  it('renders a pipe table as table elements with alignment classes and inline formatting in cells', () => {
    const source = 'Chart:\n| Size | Chest (in) | Note |\n|:---|:---:|---:|\n| **M** | 38–40 | a \\| b |\n| L |';
    expect(parseBlocks(source).map((b) => b.kind)).toEqual(['paragraph', 'table']);
    const { out, texts } = walk(Markdown({ source }));
    expect(out.map((n) => n.type)).toEqual(['div', 'p', 'div', 'table', 'thead', 'tr', 'th', 'th', 'th', 'tbody', 'tr', 'td', 'strong', 'td', 'td', 'tr', 'td', 'td', 'td']);
    expect(out[2].props.class).toBe('table-scroll');
    expect(out.filter((n) => n.type === 'th').map((n) => n.props.class)).toEqual(['align-left', 'align-center', 'align-right']);
    expect(texts).toEqual(['Chart:', 'Size', 'Chest (in)', 'Note', 'M', '38–40', 'a | b', 'L']);
  });

  it('renders a body-less table without a tbody, and a line that only looks like a table as text', () => {
    expect(walk(Markdown({ source: '| Size | Chest |\n|---|---|' })).out.map((n) => n.type)).toEqual(['div', 'div', 'table', 'thead', 'tr', 'th', 'th']);
    const { out, texts } = walk(Markdown({ source: 'Pick S | M | L\n|---|' }));
    expect(out.map((n) => n.type)).toEqual(['div', 'p']);
    expect(texts.join('')).toBe('Pick S | M | L |---|');
  });

  it('shows https and site images as lazy img elements (with a title when given), any other as its alt text', () => {
    const { out } = walk(Markdown({ source: '![Rewards card](https://example.com/rewards.png "Our card") ![Map](/img/map.png)' }));
    const images = out.filter((n) => n.type === 'img');
    expect(images.map((n) => [n.props.src, n.props.alt, n.props.title, n.props.loading])).toEqual([
      ['https://example.com/rewards.png', 'Rewards card', 'Our card', 'lazy'], ['/img/map.png', 'Map', undefined, 'lazy'],
    ]);
    for (const src of ['http://example.com/plain.png', 'javascript:alert(1)', 'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+', '//evil.example/x.png']) {
      const refused = walk(Markdown({ source: `Card: ![Rewards <b>card</b>](${src}) here` }));
      expect(refused.out.map((n) => n.type), src).toEqual(['div', 'p']);
      expect(refused.texts.join(''), src).toBe('Card: Rewards <b>card</b> here');
    }
  });
});

describe('version diff', () => {
  it('marks removed, added and unchanged lines', () => {
    expect(diffLines('a\nb\nc', 'a\nB\nc\nd')).toEqual([
      { op: 'same', text: 'a' }, { op: 'removed', text: 'b' }, { op: 'added', text: 'B' }, { op: 'same', text: 'c' }, { op: 'added', text: 'd' },
    ]);
    expect(diffLines('same', 'same')).toEqual([{ op: 'same', text: 'same' }]);
  });
});

describe('UI strings', () => {
  it('Chinese has every English string, non-empty, with the same placeholders', () => {
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(',');
    for (const [key, english] of Object.entries(dictionaries.en)) {
      const chinese = dictionaries.zh[key as keyof typeof dictionaries.zh];
      expect(chinese, key).toBeTruthy();
      expect(placeholders(chinese), key).toBe(placeholders(english));
    }
  });
});
