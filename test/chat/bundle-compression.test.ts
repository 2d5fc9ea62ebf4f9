// /widget.js and the console's bundle are sent brotli-compressed to browsers that accept br (a third of a phone's
// first load on slow 3G is the widget; the console is 590 kB of script), gzip to the others, the plain bytes otherwise;
// each encoding has its own ETag, and a revalidation with any of them answers 304 (server/http/compressed-bundle.ts). Plain node:http so the test chooses Accept-Encoding itself (fetch adds and decodes its own).
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/server.ts';
import { freshWidgetBundle } from '../e2e/widget-helpers.ts';
import { bundleEncoding } from '../../server/http/compressed-bundle.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
beforeAll(async () => {
  await freshWidgetBundle();
  await consoleBundle();
  stack = await startStack({});
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

function fetchRaw(path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(`${stack.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe.each(['/widget.js', '/console/console.js'])('%s compression', (path) => {
  const get = (headers: Record<string, string>) => fetchRaw(path, headers);
  it('sends brotli when br is accepted, gzip otherwise, plain bytes without either; Vary and one ETag per encoding; 304 on revalidation', async () => {
    const plain = await get({});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const source = plain.body.toString('utf8');
    expect(source.length).toBeGreaterThan(1000);

    const br = await get({ 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(String(br.headers.vary).toLowerCase()).toContain('accept-encoding');
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(source);

    const gz = await get({ 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString('utf8')).toBe(source);
    // Brotli pays off: smaller than gzip -9 of the same bytes.
    expect(br.body.length).toBeLessThan(gz.body.length);

    // A representation per encoding: three distinct strong tags.
    const tags = [plain.headers.etag, gz.headers.etag, br.headers.etag];
    expect(new Set(tags).size).toBe(3);
    for (const tag of tags) expect(tag).toMatch(/^"[^"]+"$/);

    // Conditional requests: each copy revalidates with its own tag (304 names it), a list of tags works, a stale tag does not.
    const again = await get({ 'accept-encoding': 'br', 'if-none-match': br.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(br.headers.etag);
    expect(again.body.length).toBe(0);
    expect((await get({ 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag! })).status).toBe(304);
    expect((await get({ 'accept-encoding': 'br', 'if-none-match': `"old", ${gz.headers.etag}` })).status).toBe(304);
    expect((await get({ 'if-none-match': plain.headers.etag! })).status).toBe(304);
    expect((await get({ 'accept-encoding': 'br', 'if-none-match': '"something-else"' })).status).toBe(200);
  });
});

describe('Accept-Encoding', () => {
  it('reads Accept-Encoding with its weights: br;q=0 is refused', () => {
    expect(bundleEncoding('gzip, deflate, br')).toBe('br');
    expect(bundleEncoding('br;q=0, gzip')).toBe('gzip');
    expect(bundleEncoding('gzip;q=0.5, br;q=1.0')).toBe('br');
    expect(bundleEncoding('deflate')).toBe('identity');
    expect(bundleEncoding(undefined)).toBe('identity');
    expect(bundleEncoding('BR')).toBe('br');
  });
});
