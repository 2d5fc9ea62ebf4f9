// The public help centre's search runs the bot's retriever and policy for anyone: it is limited per address
// (knowledge-base/help-routes.ts), as the server sees the address behind one trusted proxy (TRUST_PROXY=1), while the
// listing without a search is not counted; the JSON article API has a limit of its own. Real server with the brain,
// Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/server.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { HELP_ARTICLE_READS_PER_MINUTE, HELP_SEARCHES_PER_MINUTE } from '../../knowledge-base/help-routes.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({ config: { trustProxy: 1 }, server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] } });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

/** A GET as the proxy forwards it for the client at `address`. */
const get = async (path: string, address: string) => {
  const response = await fetch(`${stack.url}${path}`, { headers: { 'x-forwarded-for': address } });
  return { status: response.status, text: await response.text() };
};

describe('help centre limits per address', () => {
  it(`answers the search after ${HELP_SEARCHES_PER_MINUTE} a minute with 429; plain page views and other addresses go on`, async () => {
    const statuses: number[] = [];
    for (let n = 0; n < HELP_SEARCHES_PER_MINUTE; n++) statuses.push((await get(`/help?q=${encodeURIComponent(`return policy ${n}`)}`, '203.0.113.40')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const over = await get('/help?q=refund', '203.0.113.40');
    expect(over.status).toBe(429);
    expect(JSON.parse(over.text)).toMatchObject({ error: { code: 'rate_limited' } });
    // The listing (no search, or a blank one) is not a search: still shown to that address.
    expect((await get('/help', '203.0.113.40')).status).toBe(200);
    expect((await get('/help?q=%20%20', '203.0.113.40')).status).toBe(200);
    // Another reader searches as usual.
    const other = await get('/help?q=refund', '203.0.113.41');
    expect(other.status).toBe(200);
    expect(other.text).toContain('<html');
  });

  it(`answers the article API after ${HELP_ARTICLE_READS_PER_MINUTE} reads a minute with 429`, async () => {
    const [{ slug }] = await stack.env.sql<{ slug: string }[]>`select slug from articles where status = 'published' limit 1`;
    const statuses: number[] = [];
    for (let n = 0; n < HELP_ARTICLE_READS_PER_MINUTE; n++) statuses.push((await get(`/api/help/articles/${slug}`, '203.0.113.50')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await get(`/api/help/articles/${slug}`, '203.0.113.50')).status).toBe(429);
    expect((await get(`/api/help/articles/${slug}`, '203.0.113.51')).status).toBe(200);
  });
});
