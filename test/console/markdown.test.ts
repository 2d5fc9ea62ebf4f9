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
    expect(safeHref('/help/returns')).toBe('/help/returns');
    expect(safeHref('mailto:help@shop.example')).toBe('mailto:help@shop.example');
    expect(renderInline('**<b>x</b>**')).toHaveLength(1);
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
