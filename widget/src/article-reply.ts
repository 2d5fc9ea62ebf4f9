// How a bot answer quoted from an article reads in the widget. The stored text
// is written to stand alone (transcripts, the console, e-mail): "Title —
// Heading", the passage, then "Read more: <url>". The widget shows the article
// as a link under the answer anyway, so it sets the first line as a heading
// and leaves out the trailing link line that repeats it.
export interface ArticleLink {
  title: string;
  url?: string;
}

export function articleReplyParts(text: string, articles: readonly ArticleLink[]): { heading: string | null; body: string } {
  if (!articles.length) return { heading: null, body: text };
  let lines = text.split('\n');
  let heading: string | null = null;
  if (lines.length > 1 && lines[0].startsWith(articles[0].title)) {
    heading = lines[0];
    lines = lines.slice(1);
  }
  const urls = new Set(articles.map((a) => a.url).filter((u): u is string => typeof u === 'string' && u !== ''));
  const last = /^[^\n:：]{1,40}(?:: |：)(\S+)$/.exec(lines[lines.length - 1] ?? '');
  if (last && urls.has(last[1])) {
    lines = lines.slice(0, -1);
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  }
  return { heading, body: lines.join('\n') };
}
