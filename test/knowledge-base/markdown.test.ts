// The knowledge base's Markdown: pipe tables and images on the public help page
// (escaped HTML), and the plain text the bot quotes and the retriever indexes
// (a table's rows as "Header: cell" sentences, an image as its alt text).
import { describe, expect, it } from 'vitest';
import { chunkArticle, markdownToText, parsePipeTable, renderMarkdown, safeImageSrc, snippet, splitTableRow } from '../../knowledge-base/markdown.ts';

const SIZE_TABLE = [
  '| Size | Chest (in) | Chest (cm) |',
  '|:-----|:---------:|-----------:|',
  '| S | 35–37 | 89–94 |',
  '| **M** | 38–40 | 97–102 |',
].join('\n');

describe('pipe tables on the help page', () => {
  it('renders header, alignment and body as a table in a scrolling wrapper, with inline formatting in cells', () => {
    const html = renderMarkdown(`Our chart:\n\n${SIZE_TABLE}\n\nSizes are unisex.`);
    expect(html).toBe([
      '<p>Our chart:</p>',
      '<div class="table-scroll" tabindex="0"><table>'
        + '<thead><tr><th scope="col" class="align-left">Size</th><th scope="col" class="align-center">Chest (in)</th><th scope="col" class="align-right">Chest (cm)</th></tr></thead>'
        + '<tbody><tr><td class="align-left">S</td><td class="align-center">35–37</td><td class="align-right">89–94</td></tr>'
        + '<tr><td class="align-left"><strong>M</strong></td><td class="align-center">38–40</td><td class="align-right">97–102</td></tr></tbody>'
        + '</table></div>',
      '<p>Sizes are unisex.</p>',
    ].join('\n'));
    expect(html).not.toContain('|');
  });

  it('keeps escaped pipes in their cell, fills a short row, drops cells past the header, and escapes cell text', () => {
    const html = renderMarkdown('| Code | Meaning |\n|---|---|\n| `a\\|b` | either <a> or b |\n| short |\n| 1 | 2 | 3 |');
    expect(html).toContain('<td><code>a|b</code></td><td>either &lt;a&gt; or b</td>');
    expect(html).toContain('<tr><td>short</td><td></td></tr>');
    expect(html).toContain('<tr><td>1</td><td>2</td></tr>');
    expect(html).not.toContain('<a>');
    expect(parsePipeTable(['a | b \\| c', '--|--'], 0)?.table.header).toEqual(['a', 'b | c']);
    expect(splitTableRow('| x | y |')).toEqual(['x', 'y']);
    expect(splitTableRow('x | y')).toEqual(['x', 'y']);
  });

  it('renders a table with no body as its header alone, and a table right after a paragraph line', () => {
    expect(renderMarkdown('| Size | Chest |\n| --- | --- |')).toBe(
      '<div class="table-scroll" tabindex="0"><table><thead><tr><th scope="col">Size</th><th scope="col">Chest</th></tr></thead></table></div>');
    expect(renderMarkdown('Chart below\n| a | b |\n|---|---|\n| 1 | 2 |')).toMatch(/^<p>Chart below<\/p>\n<div class="table-scroll"/);
  });

  it('leaves lines that only look like a table as text', () => {
    // A sentence with a pipe, a delimiter row of another width, a separator line that is not a delimiter row.
    for (const source of ['Pick S | M | L on the product page.', '| a | b |\n|---|\n| 1 | 2 |', '| a | b |\n| -- | x |', 'a | b\n\n---|---']) {
      const html = renderMarkdown(source);
      expect(html, source).not.toContain('<table');
      expect(parsePipeTable(source.split('\n'), 0), source).toBeNull();
    }
    expect(renderMarkdown('Pick S | M | L on the product page.')).toBe('<p>Pick S | M | L on the product page.</p>');
  });
});

describe('images on the help page', () => {
  it('shows http(s) and site images lazily, with the alt text escaped', () => {
    expect(renderMarkdown('![Rewards card](https://example.com/rewards.png)')).toBe(
      '<p><img src="https://example.com/rewards.png" alt="Rewards card" loading="lazy"></p>');
    expect(renderMarkdown('See ![the "card" <b>](/img/card.png?a=1&b=2) here')).toBe(
      '<p>See <img src="/img/card.png?a=1&amp;b=2" alt="the &quot;card&quot; &lt;b&gt;" loading="lazy"> here</p>');
    // The alt text is never formatted: no markup inside an attribute.
    expect(renderMarkdown('![**bold** `x`](https://example.com/a.png)')).toBe(
      '<p><img src="https://example.com/a.png" alt="**bold** `x`" loading="lazy"></p>');
  });

  it('shows any other image as its alt text alone', () => {
    for (const src of ['javascript:alert(1)', 'data:image/png;base64,AAAA', '//evil.example/x.png', '/\\evil.example/x.png', 'ftp://host/x.png', 'x.png', '']) {
      const html = renderMarkdown(`Card: ![Rewards card](${src}) here`);
      expect(html, src).toBe('<p>Card: Rewards card here</p>');
    }
    expect(renderMarkdown('![<script>alert(1)</script>](javascript:x)')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(safeImageSrc(' HTTPS://cdn.example/a.png ')).toBe('HTTPS://cdn.example/a.png');
    expect(safeImageSrc('https://')).toBeNull();
    expect(safeImageSrc('http://cdn.example/a.png')).toBeNull(); // the pages' CSP would block it: a broken picture
    // A title, as Markdown allows, is the image's tooltip (it was printed as raw text).
    expect(renderMarkdown('![Tote sizes](https://cdn.example.com/tote.png "Sizes")')).toBe(
      '<p><img src="https://cdn.example.com/tote.png" alt="Tote sizes" title="Sizes" loading="lazy"></p>');
    expect(markdownToText('See ![Tote sizes](https://cdn.example.com/tote.png "Sizes") here')).toBe('See Tote sizes here');
  });

  it('keeps links, bold and code as before, with an image inside a table cell', () => {
    expect(renderMarkdown('Read **[returns](/help/return-policy)** or `[x](/y)` and [bad](javascript:alert(1))')).toBe(
      '<p>Read <strong><a href="/help/return-policy">returns</a></strong> or <code>[x](/y)</code> and [bad](javascript:alert(1))</p>');
    expect(renderMarkdown('| Card | Look |\n|---|---|\n| Gold | ![gold card](https://example.com/gold.png) |')).toContain(
      '<td><img src="https://example.com/gold.png" alt="gold card" loading="lazy"></td>');
  });
});

describe('plain text for the bot and the retriever', () => {
  it('reads each body row as "Header: cell" sentences, and an image as its alt text', () => {
    expect(markdownToText(`${SIZE_TABLE}\n\n![Rewards card](https://example.com/rewards.png) shows your points.`)).toBe(
      'Size: S; Chest (in): 35–37; Chest (cm): 89–94.\nSize: M; Chest (in): 38–40; Chest (cm): 97–102.\n\nRewards card shows your points.');
    expect(markdownToText('![Card](javascript:alert(1)) done')).toBe('Card done');
  });

  it('leaves out missing cells, keeps escaped pipes as text, a body-less table as its headers, and Chinese punctuation for Chinese headers', () => {
    expect(markdownToText('| Size | Chest | Note |\n|---|---|---|\n| M | 38–40 |\n| L | | runs \\| small |')).toBe(
      'Size: M; Chest: 38–40.\nSize: L; Note: runs | small.');
    expect(markdownToText('| Size | Chest |\n|---|---|')).toBe('Size; Chest.');
    expect(markdownToText('| 尺码 | 胸围（英寸） |\n|---|---|\n| M | 38–40 |')).toBe('尺码：M；胸围（英寸）：38–40。');
    expect(markdownToText('Pick S | M | L.')).toBe('Pick S | M | L.');
  });

  it('chunks by heading with each table whole in its section, and snippets without pipes', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `| ${i} | ${'x'.repeat(20)} |`).join('\n');
    const body = `Intro text.\n\n## Size chart for tops\n\n${SIZE_TABLE}\n\nUS sizing.\n\n## Long chart\n\n| N | Note |\n|---|---|\n${rows}\n\n## After\n\nLast words.`;
    const chunks = chunkArticle('Clothing size guide', body);
    expect(chunks.map((c) => c.heading)).toEqual(['Clothing size guide', 'Size chart for tops', 'Long chart', 'After']);
    expect(chunks[1].text).toBe(`${SIZE_TABLE}\n\nUS sizing.`);
    // Over the section limit, but a table has no paragraph break to cut at: it stays one passage, all its rows read.
    expect(markdownToText(chunks[2].text).split('\n')).toHaveLength(60);
    const quoted = snippet(markdownToText(chunks[1].text));
    expect(quoted).toBe('Size: S; Chest (in): 35–37; Chest (cm): 89–94. Size: M; Chest (in): 38–40; Chest (cm): 97–102. US sizing.');
    expect(quoted).not.toContain('|');
  });
});
