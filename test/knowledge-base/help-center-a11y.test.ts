// The public help centre's pages for readers with a screen reader or the keyboard (an accessibility review, WCAG 2.2
// AA): a skip link and a <main> landmark, article headings that do not skip levels under the page's h1, a results
// page titled after its search, and a search box whose border can be seen (contrast from Chromium's computed styles).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.ts';
import { helpArticlePage, helpIndexPage, nestHeadings, type HelpShell } from '../../knowledge-base/help-center.ts';
import type { ArticleRow } from '../../knowledge-base/repositories/articles.ts';
import type { Passage } from '../../knowledge-base/retriever.ts';

const shell: HelpShell = { locale: 'en', siteKey: null };

function article(slug: string, title: string, body: string, category = 'returns'): ArticleRow {
  const at = new Date('2026-11-30T10:00:00Z');
  return { id: slug.length, slug, title, body, category, locale: 'en', status: 'published', current_version: 1, published_at: at, created_at: at, updated_at: at };
}

const passage = (slug: string, title: string): Passage => ({
  articleId: 1, slug, title, heading: title, locale: 'en', category: 'refunds', snippet: 'Refunds reach your card in 5 days.', text: '', score: 1, confidence: 1,
} as Passage);

/** The heading levels of a page, in order. */
const headingLevels = (html: string) => [...html.matchAll(/<h([1-6])[\s>]/g)].map((m) => Number(m[1]));

const returns = article('return-policy', 'Return policy',
  'Intro text.\n\n## How to return\n\nSteps.\n\n### Damaged items\n\nPhotos help.\n\n## Refunds\n\nFive days.');

describe('help centre pages', () => {
  it('have a skip link first, then the navigation, and one <main> holding the page\'s h1', () => {
    for (const html of [helpIndexPage(shell, [returns], null), helpArticlePage(shell, returns, [returns])]) {
      const body = html.slice(html.indexOf('<body>'));
      expect(body).toMatch(/^<body>\s*<a class="skip" href="#main">Skip to content<\/a>\s*<nav class="top">/);
      expect(body.match(/<main\b/g)).toHaveLength(1);
      expect(body).toContain('<main id="main" tabindex="-1">');
      const main = body.slice(body.indexOf('<main'), body.indexOf('</main>'));
      expect(main).toMatch(/<h1>/);
    }
    const zh = helpIndexPage({ locale: 'zh', siteKey: null }, [], null);
    expect(zh).toContain('<a class="skip" href="#main">跳到主要内容</a>');
  });

  it("renumbers an article's headings under its h1 so no level is skipped", () => {
    const page = helpArticlePage(shell, returns, [returns]);
    // "##" had become h3 right under the h1, and "###" h4.
    expect(headingLevels(page)).toEqual([1, 2, 3, 2]);
    expect(page).toContain('<h2>How to return</h2>');
    expect(page).toContain('<h3>Damaged items</h3>');
    // Only "###" in an article: they are its sections, h2.
    const deep = helpArticlePage(shell, article('sizes', 'Sizes', '### Shirts\n\nS to XL.\n\n#### Slim fit\n\nNarrower.\n\n### Trousers\n\n28 to 40.'), []);
    expect(headingLevels(deep)).toEqual([1, 2, 3, 2]);
    // A jump inside the body (## straight to ####) is closed up too; no heading goes past h6.
    expect(nestHeadings('<h3>A</h3><h5>B</h5><h3>C</h3>')).toBe('<h2>A</h2><h3>B</h3><h2>C</h2>');
    expect(headingLevels(nestHeadings('<h2>1</h2><h3>2</h3><h4>3</h4><h5>4</h5><h6>5</h6><h6>6</h6>'))).toEqual([2, 3, 4, 5, 6, 6]);
    // Text that only looks like a heading tag is escaped by the renderer and left alone.
    expect(nestHeadings('<p>&lt;h3&gt;not a heading&lt;/h3&gt;</p>')).toBe('<p>&lt;h3&gt;not a heading&lt;/h3&gt;</p>');
  });

  it('titles a results page after its search, escaped, in the reader\'s language', () => {
    const results = helpIndexPage(shell, [], { query: 'refund <b>', passages: [passage('refund-timing', 'Refund timing')] });
    expect(/<title>([^<]*)<\/title>/.exec(results)?.[1]).toBe('Search: refund &lt;b&gt; — Help centre');
    const none = helpIndexPage({ locale: 'zh', siteKey: null }, [], { query: '退款', passages: [] });
    expect(/<title>([^<]*)<\/title>/.exec(none)?.[1]).toBe('搜索：退款 — 帮助中心');
    expect(/<title>([^<]*)<\/title>/.exec(helpIndexPage(shell, [returns], null))?.[1]).toBe('Help centre');
  });

  describe('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it("the search box's border reaches 3:1 against the page; Tab reaches the skip link first and it moves to <main>", async () => {
      const page = await browser.newPage();
      try {
        await page.setContent(helpIndexPage(shell, [returns], null));
        const ratio = await page.evaluate(() => {
          const rgb = (c: string) => /rgba?\(([^)]+)\)/.exec(c)![1].split(/[ ,]+/).slice(0, 3).map(Number);
          const lum = (c: number[]) => {
            const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const input = document.querySelector('form.search input[type=search]')!;
          const border = lum(rgb(getComputedStyle(input).borderTopColor));
          const page = lum(rgb(getComputedStyle(document.body).backgroundColor === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : getComputedStyle(document.body).backgroundColor));
          const [hi, lo] = [border, page].sort((a, b) => b - a);
          return (hi + 0.05) / (lo + 0.05);
        });
        expect(ratio).toBeGreaterThanOrEqual(3);

        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
        expect(await page.evaluate(() => document.activeElement!.getBoundingClientRect().top >= 0)).toBe(true); // shown while focused
        await page.keyboard.press('Enter');
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
      } finally {
        await page.close();
      }
    });
  });
});
