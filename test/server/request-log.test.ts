// What a request's log line keeps: the path, not its query (emails in campaign links, agents' searches, unsubscribe
// tokens) nor a chat file's access key and name (a logged file address opened the file to whoever read the log).
// A real Fastify with the server's serializer, logging to a stream the test reads.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggedUrl, serializeRequest } from '../../server/plugins/request-log.ts';

describe('request log lines', () => {
  it('keep the path and the caller, and leave out queries and file keys', async () => {
    const lines: Record<string, any>[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    const app = Fastify({ logger: { level: 'info', stream, serializers: { req: serializeRequest } } });
    app.get('/*', async () => 'ok');
    for (const url of ['/demo?utm_source=mail&email=zelda@example.org', '/api/conversations?q=wombat%40example.org',
      '/api/attachments/2/9f8e7d6c5b4a/koala-passport.pdf', '/api/email/unsubscribe?token=secret-token', '/help/returns']) {
      await app.inject({ method: 'GET', url });
    }
    await app.close();
    const logged = lines.filter((l) => l.req).map((l) => l.req.url);
    expect(logged).toEqual(['/demo?…', '/api/conversations?…', '/api/attachments/2/…/…', '/api/email/unsubscribe?…', '/help/returns']);
    const text = JSON.stringify(lines);
    for (const secret of ['zelda', 'wombat', '9f8e7d6c5b4a', 'koala', 'secret-token']) expect(text).not.toContain(secret);
    expect(lines.find((l) => l.req)?.req).toMatchObject({ method: 'GET', host: 'localhost:80', remoteAddress: '127.0.0.1' });
  });

  it('masks a file address only in the attachments route', () => {
    expect(loggedUrl('/api/attachments/12/abc/x.pdf')).toBe('/api/attachments/12/…/…');
    expect(loggedUrl('/api/attachments/12')).toBe('/api/attachments/12');
    expect(loggedUrl('/help/attachments-policy')).toBe('/help/attachments-policy');
  });
});
