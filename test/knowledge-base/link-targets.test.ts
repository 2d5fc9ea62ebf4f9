// Links in articles: the public help page (escaped HTML) and the console's preview (Preact elements) keep the same
// targets — one rule, safeLinkHref in knowledge-base/markdown.ts. "//host" and "/\host" are other sites to a browser.
import { describe, expect, it } from 'vitest';
import type { VNode } from 'preact';
import { renderMarkdown, safeLinkHref } from '../../knowledge-base/markdown.ts';
import { renderInline, safeHref } from '../../console/src/markdown.tsx';

const REFUSED = ['//evil.example', '/\\evil.example', '//evil.example/help', 'javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,hi', 'ftp://files.example', 'evil.example'];
const KEPT = ['https://shop.example/returns', 'http://shop.example', '/help/returns', '/help/returns#fees', '#fees', 'mailto:help@shop.example'];

/** The hrefs of the links the console's preview makes of a line. */
const previewLinks = (text: string) => renderInline(text)
  .filter((n): n is VNode<{ href: string }> => typeof n === 'object' && n !== null && (n as VNode).type === 'a')
  .map((n) => n.props.href);

describe('article link targets', () => {
  it('refuses other sites written as site paths on the help page, as the preview does', () => {
    for (const href of REFUSED) {
      const html = renderMarkdown(`See [this](${href}) now.`);
      expect(html, href).not.toContain('<a ');
      expect(safeLinkHref(href), href).toBeNull();
      expect(previewLinks(`See [this](${href}) now.`), href).toEqual([]);
    }
  });

  it('keeps http(s), mailto, site paths and anchors on both', () => {
    for (const href of KEPT) {
      expect(renderMarkdown(`See [this](${href}) now.`), href).toContain(`<a href="${href}">this</a>`);
      expect(previewLinks(`See [this](${href}) now.`), href).toEqual([href]);
      expect(safeHref(href), href).toBe(href);
    }
  });
});
