// DNS rebinding: the webhook sender resolves the host once, checks the
// addresses, and connects to exactly those — it never asks DNS again. Played
// with real local receivers and an injected resolver (the seam that stands for
// DNS): a name that answers with this machine's LAN address for the check and
// with 127.0.0.1 afterwards only ever reaches the LAN receiver; a name that
// resolves to a refused address gets no connection at all; over TLS the host
// name is still what SNI carries and what the certificate is checked against.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { deliver } from '../../workers/webhook-delivery.ts';
import type { ResolvedAddress, Resolver } from '../../server/services/outbound-address.ts';

/** A non-loopback IPv4 address of this machine: allowed as a destination (a private network), unlike 127.0.0.1. */
const lanAddress = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

interface Seen {
  connections: number;
  requests: { host: string | undefined; body: string }[];
}

function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** An HTTP receiver that counts TCP connections as well as requests (a refused delivery must not even connect). */
function receiver(seen: Seen): Server {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.requests.push({ host: request.headers.host, body });
      response.writeHead(200).end('ok');
    });
  });
  server.on('connection', () => (seen.connections += 1));
  return server;
}

describe.skipIf(!lanAddress)('webhook destinations are pinned to the address checked', () => {
  let env: TestEnv;
  // Same port on two addresses: the LAN one (allowed) and loopback (this server's own; refused).
  const lan: Seen = { connections: 0, requests: [] };
  const loopback: Seen = { connections: 0, requests: [] };
  const lanServer = receiver(lan);
  const loopbackServer = receiver(loopback);
  let port: number;
  const calls: string[] = [];
  /** Answers from a table; a name listed with two answers gives the first once, then the second for ever after. */
  const answers = new Map<string, ResolvedAddress[][]>();
  const resolve: Resolver = async (host) => {
    calls.push(host);
    const list = answers.get(host);
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.length > 1 ? list.shift()! : list[0];
  };

  async function pendingDelivery(url: string): Promise<number> {
    const [hook] = await env.sql<{ id: number }[]>`insert into webhooks (url, secret, events) values (${url}, 'secret', '{message.created}') returning id`;
    const [row] = await env.sql<{ id: number }[]>`
      insert into webhook_deliveries (webhook_id, event_key, event, payload)
      values (${hook.id}, 'pin:' || ${url}, 'ping', ${env.sql.json({ event: 'ping', occurredAt: new Date().toISOString(), customerId: null, conversationId: null, data: {} })}::jsonb)
      returning id`;
    return row.id;
  }
  const firstAttempt = (deliveryId: number) => ({ id: `wh-${deliveryId}`, data: { deliveryId }, attemptsMade: 0, opts: { attempts: 8 } }) as unknown as Job;
  const row = async (deliveryId: number) =>
    (await env.sql<{ status: string; attempts: number; last_error: string | null }[]>`select status, attempts, last_error from webhook_deliveries where id = ${deliveryId}`)[0];

  beforeAll(async () => {
    env = await createTestEnv();
    port = await listen(lanServer, 0, lanAddress!);
    await listen(loopbackServer, port, '127.0.0.1');
  });
  afterAll(async () => {
    for (const server of [lanServer, loopbackServer]) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await env?.cleanup();
  });

  it('connects to the address it checked, even when the name answers differently afterwards', async () => {
    calls.length = 0;
    answers.set('hooks.rebind.test', [[{ address: lanAddress!, family: 4 }], [{ address: '127.0.0.1', family: 4 }]]);
    const id = await pendingDelivery(`http://hooks.rebind.test:${port}/in`);
    expect(await deliver(env.sql, firstAttempt(id), { resolve })).toEqual({ deliveryId: id, status: 'delivered' });
    // Resolved once; the request went to the LAN address checked, under the name the admin saved.
    expect(calls).toEqual(['hooks.rebind.test']);
    expect(lan.requests).toHaveLength(1);
    expect(lan.requests[0].host).toBe(`hooks.rebind.test:${port}`);
    expect(JSON.parse(lan.requests[0].body)).toMatchObject({ id, event: 'ping' });
    expect(loopback.connections).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'delivered', attempts: 1 });

    // The name now answers 127.0.0.1: the next attempt (another delivery) is refused before any connection.
    const next = await pendingDelivery(`http://hooks.rebind.test:${port}/again`);
    await expect(deliver(env.sql, firstAttempt(next), { resolve })).rejects.toThrow(/hooks\.rebind\.test resolves to 127\.0\.0\.1, which is on this server/);
    expect(loopback.connections).toBe(0);
    expect(lan.requests).toHaveLength(1);
  });

  it('a name resolving to a refused address (among others) fails at once, without a connection', async () => {
    answers.set('evil.rebind.test', [[{ address: lanAddress!, family: 4 }, { address: '127.0.0.1', family: 4 }]]);
    const lanBefore = lan.connections;
    const id = await pendingDelivery(`http://evil.rebind.test:${port}/in`);
    await expect(deliver(env.sql, firstAttempt(id), { resolve })).rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringMatching(/refused: evil\.rebind\.test resolves to 127\.0\.0\.1/) });
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/^refused: /) });
    expect(loopback.connections).toBe(0);
    expect(lan.connections).toBe(lanBefore);
  });

  it('a name that does not resolve is a failed attempt, retried', async () => {
    const id = await pendingDelivery(`http://nowhere.rebind.test:${port}/in`);
    await expect(deliver(env.sql, firstAttempt(id), { resolve })).rejects.toThrow(/ENOTFOUND nowhere\.rebind\.test/);
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('over TLS, SNI and the certificate check still use the host name, not the pinned address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-tls-'));
    try {
      // A certificate for hooks.tls.test that this process does not trust (self-signed).
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=hooks.tls.test', '-addext', 'subjectAltName=DNS:hooks.tls.test'], { stdio: 'ignore' });
      const context = createSecureContext({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
      const names: (string | null)[] = [];
      let requests = 0;
      const tlsServer = createTlsServer({
        SNICallback: (servername, done) => {
          names.push(servername);
          done(null, context);
        },
      }, (_request, response) => {
        requests += 1;
        response.writeHead(200).end();
      });
      const tlsPort = await listen(tlsServer, 0, lanAddress!);
      try {
        answers.set('hooks.tls.test', [[{ address: lanAddress!, family: 4 }]]);
        const id = await pendingDelivery(`https://hooks.tls.test:${tlsPort}/in`);
        await expect(deliver(env.sql, firstAttempt(id), { resolve })).rejects.toThrow(/self[- ]signed certificate/);
        // Reached the pinned address, presented the name, and refused the certificate it could not verify.
        expect(names).toEqual(['hooks.tls.test']);
        expect(requests).toBe(0);
        expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/self[- ]signed certificate/) });
      } finally {
        tlsServer.closeAllConnections();
        await new Promise((r) => tlsServer.close(r));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
