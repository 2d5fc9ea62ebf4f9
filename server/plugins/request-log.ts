// What a request's log line says about it. Fastify's default logs the whole address with its query string: shoppers'
// emails in campaign links (/demo?email=…), agents' searches (?q=…), file names, unsubscribe tokens, and the access key
// of a chat file (/api/attachments/:id/:key/:name), which opens the file to anyone who reads the log. The path is
// kept (what was asked for), its query left out, and a file's key and name masked.
import type { FastifyRequest } from 'fastify';

const ATTACHMENT_PATH = /^(\/api\/attachments\/\d+)\/[^/]+\/[^/]+$/;

export function loggedUrl(url: string): string {
  const path = url.split(/[?#]/, 1)[0];
  return `${path.replace(ATTACHMENT_PATH, '$1/…/…')}${url.includes('?') ? '?…' : ''}`;
}

/** Fastify's `req` log serializer: method, path without its query, host and the caller's address (for abuse). */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: loggedUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
  };
}
