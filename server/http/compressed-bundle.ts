// A built bundle (widget.js, console.js) served compressed: read and compressed once per build (by the file's mtime),
// brotli to browsers that take it, gzip to the rest, the plain bytes otherwise, with an ETag per encoding and 304s.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CompressedBundle {
  mtimeMs: number;
  body: Buffer;
  gzipped: Buffer;
  brotli: Buffer;
  /** Of the uncompressed bytes; each encoding's ETag is this with a suffix (see bundleEtag). */
  etag: string;
}

type BundleEncoding = 'br' | 'gzip' | 'identity';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** What the browser accepts, best first: br, then gzip, else the plain bytes (q=0 refuses one). */
export function bundleEncoding(acceptEncoding: string | string[] | undefined): BundleEncoding {
  const accepted = new Set<string>();
  for (const part of String(acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return 'identity';
}

/**
 * Each encoding is its own representation (RFC 9110 8.8.3): a strong ETag per encoding, so a cache holding the gzip
 * copy never takes a 304 as confirming the brotli one. The plain bytes keep the bare tag.
 */
function bundleEtag(bundle: CompressedBundle, encoding: BundleEncoding): string {
  return encoding === 'identity' ? bundle.etag : `${bundle.etag.slice(0, -1)}-${encoding}"`;
}

/**
 * Reads `file` once per build; null while it does not exist. Brotli's best quality (11) is about a tenth smaller than
 * gzip -9 but slow on a large file (2 s for the 590 kB console against 0.1 s at 9), hence the quality per bundle.
 */
export function compressedBundleLoader(file: string, options: { brotliQuality: number }): () => Promise<CompressedBundle | null> {
  // One compression per build, off the event loop (zlib's thread pool): the requests that arrive meanwhile wait for it.
  let cached: { mtimeMs: number; bundle: Promise<CompressedBundle> } | null = null;
  const compress = async (mtimeMs: number): Promise<CompressedBundle> => {
    const body = await readFile(file);
    const [gzipped, brotli] = await Promise.all([
      gzipAsync(body, { level: 9 }),
      brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: options.brotliQuality, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    ]);
    return { mtimeMs, body, gzipped, brotli, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  };
  return async () => {
    const info = await stat(file).catch(() => null);
    if (!info) return null;
    if (cached?.mtimeMs !== info.mtimeMs) {
      const attempt = { mtimeMs: info.mtimeMs, bundle: compress(info.mtimeMs) };
      cached = attempt;
      // A read that failed (the file replaced mid-read) is tried again by the next request.
      attempt.bundle.catch(() => { if (cached === attempt) cached = null; });
    }
    return cached.bundle;
  };
}

/** Answers with the bundle in the best encoding the request accepts, or 304 when the client holds a current copy. */
export function sendBundle(request: FastifyRequest, reply: FastifyReply, bundle: CompressedBundle): FastifyReply {
  const encoding = bundleEncoding(request.headers['accept-encoding']);
  reply.header('etag', bundleEtag(bundle, encoding));
  reply.header('vary', 'accept-encoding');
  // If-None-Match may list several tags (a cache holding more than one copy; W/ compares weakly). A tag of any
  // encoding of this build is still current: the 304 names the copy the client holds, which stays valid as it is.
  const held = String(request.headers['if-none-match'] ?? '').split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  const current = (['br', 'gzip', 'identity'] as const).map((e) => bundleEtag(bundle, e));
  const match = held.includes('*') ? bundleEtag(bundle, encoding) : held.find((tag) => current.includes(tag));
  if (match) {
    reply.header('etag', match);
    return reply.status(304).send();
  }
  if (encoding === 'identity') return reply.send(bundle.body);
  reply.header('content-encoding', encoding);
  return reply.send(encoding === 'br' ? bundle.brotli : bundle.gzipped);
}
