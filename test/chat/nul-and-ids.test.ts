// Input Postgres cannot take is refused at the door, with a 400 (or a socket
// `validation` error) that says why, and never costs another client anything:
// the NUL character (U+0000), which Postgres stores in neither text nor jsonb,
// and ids beyond what a bigint (and a JS number, exactly) holds. Behind the
// door, a batched insert that fails anyway is retried row by row, so only the
// bad row fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, httpAs, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, type AgentClient } from '../support/sockets.ts';
import { replyToAddress } from '../../server/services/email-reply-address.ts';

const NUL_REFUSAL = 'Text cannot contain the NUL character (U+0000).';
const SECRET = 'inbound-secret-for-nul-tests-0123';
const INBOUND = 'replies@support.example.com';

let stack: TestStack;
let admin: { cookie: string };
let agentAuth: { cookie: string; token: string };
const sockets: { close(): void }[] = [];
let seq = 0;

beforeAll(async () => {
  stack = await startStack({ config: { rateLimitSessionsPerMinute: 100, inboundEmailAddress: INBOUND, inboundEmailSecret: SECRET } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await stack?.close();
});

/** A shopper with an open conversation (so their next messages take the batched insert), connected. */
async function shopper(extra: Record<string, unknown> = {}) {
  const session = await widgetSession(stack.url, extra);
  const socket = await connectWidget(stack.url, session.visitorToken);
  sockets.push(socket);
  const first = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `first-${++seq}`, text: 'Hello' });
  return { ...session, socket, conversationId: first.conversationId };
}

const storedBodies = async (conversationId: number) =>
  (await stack.env.sql<{ body: string }[]>`select body from messages where conversation_id = ${conversationId} and author_type = 'customer' order by id`).map((r) => r.body);

describe('the NUL character', () => {
  it('refuses one shopper\'s message with NUL while the two sending at the same moment are stored and acknowledged', async () => {
    const [ana, ben, cleo] = await Promise.all([shopper(), shopper(), shopper()]);
    const results = await Promise.all([
      call<{ id: number }>(ana.socket, 'message:send', { clientId: 'same-moment', text: 'Where is my order?' }),
      call<{ id: number }>(ben.socket, 'message:send', { clientId: 'same-moment', text: 'a\u0000b' }),
      call<{ id: number }>(cleo.socket, 'message:send', { clientId: 'same-moment', text: 'Do you ship to Norway?' }),
    ]);
    expect(results[0]).toMatchObject({ ok: true, id: expect.any(Number) });
    expect(results[1]).toEqual({ ok: false, error: { code: 'validation', message: NUL_REFUSAL } });
    expect(results[2]).toMatchObject({ ok: true, id: expect.any(Number) });
    expect(await storedBodies(ana.conversationId)).toEqual(['Hello', 'Where is my order?']);
    expect(await storedBodies(ben.conversationId)).toEqual(['Hello']);
    expect(await storedBodies(cleo.conversationId)).toEqual(['Hello', 'Do you ship to Norway?']);
    // The refused shopper can go on writing.
    expect(await callOk(ben.socket, 'message:send', { clientId: 'after-nul', text: 'ab' })).toMatchObject({ id: expect.any(Number) });
  });

  it('refuses it in every socket payload, keys included, on the widget and the agent console alike', async () => {
    const { socket, conversationId } = await shopper();
    for (const [event, payload] of [
      ['offline:leave', { email: 'pat@example.com', text: 'Call me\u0000' }],
      ['offline:leave', { email: 'pat@example.com', name: 'P\u0000t', text: 'Call me' }],
      ['message:send', { clientId: 'nul-page', text: 'hi', page: { url: 'https://shop.example/', title: 'T\u0000' } }],
      ['feedback:csat', { conversationId, rating: 5, comment: '\u0000' }],
      ['message:send', { clientId: 'nul-key', text: 'hi', ['x\u0000']: 1 }],
    ] as const) {
      expect(await call(socket, event, payload), event).toEqual({ ok: false, error: { code: 'validation', message: NUL_REFUSAL } });
    }
    const agent: AgentClient = await connectAgent(stack.url, agentAuth.token);
    sockets.push(agent);
    expect(await call(agent, 'message:send', { conversationId, clientId: 'agent-nul', text: 'Hi\u0000' }))
      .toEqual({ ok: false, error: { code: 'validation', message: NUL_REFUSAL } });
    const [{ n }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from offline_messages`;
    expect(n).toBe(0);
    expect(await storedBodies(conversationId)).toEqual(['Hello']);
  });

  it('answers every HTTP request carrying it (body, query, path) with 400 and the reason, and stores nothing', async () => {
    const { customerId } = await shopper();
    const publicSession = await fetch(`${stack.url}/api/widget/sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ siteKey: 'demo', name: 'A\u0000B' }),
    });
    expect(publicSession.status).toBe(400);
    expect(await publicSession.json()).toEqual({ error: { code: 'validation', message: NUL_REFUSAL } });

    const cases: [string, string, { cookie: string }, unknown?][] = [
      ['GET', '/api/conversations?q=%00', agentAuth],
      ['GET', '/api/conversations?q=ab%00cd', agentAuth],
      ['GET', '/api/customers?q=%00', agentAuth],
      ['POST', '/api/admin/articles', admin, { slug: 'nul-title', locale: 'en', title: 'Ret\u0000urns', body: 'How returns work.' }],
      ['POST', '/api/admin/teams', admin, { name: 'Re\u0000turns', memberIds: [], intentIds: [] }],
      ['POST', `/api/customers/${customerId}/block`, agentAuth, { reason: 'spam\u0000' }],
      ['PATCH', `/api/customers/${customerId}`, agentAuth, { attributes: { ['plan\u0000']: 'gold' } }],
      ['GET', '/api/admin/articles/%00', admin],
    ];
    for (const [method, path, auth, body] of cases) {
      const answer = await httpAs(stack.url, method, path, auth, body);
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(answer.json, `${method} ${path}`).toEqual({ error: { code: 'validation', message: NUL_REFUSAL } });
    }
    const [articles] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from articles where slug = 'nul-title'`;
    expect(articles.n).toBe(0);
    const [blocked] = await stack.env.sql<{ blocked: boolean }[]>`select blocked_at is not null as blocked from customers where id = ${customerId}`;
    expect(blocked.blocked).toBe(false);
    // The same requests without the character still work.
    expect((await httpAs(stack.url, 'GET', '/api/customers?q=ab', agentAuth)).status).toBe(200);
    expect((await httpAs(stack.url, 'POST', '/api/admin/teams', admin, { name: 'Returns', memberIds: [], intentIds: [] })).status).toBe(201);
  });

  it('is dropped from an inbound email (its sender cannot correct it), which is posted', async () => {
    const email = `nul-${++seq}@example.com`;
    const { conversationId } = await shopper({ email });
    const replyTo = replyToAddress(stack.env.config, stack.servers[0].handle.ctx.visitorSecret, conversationId)!;
    const post = async (raw: Buffer) => {
      const response = await fetch(`${stack.url}/api/email/inbound`, {
        method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${SECRET}` }, body: new Uint8Array(raw),
      });
      return { status: response.status, json: await response.json() };
    };
    // Quoted-printable =00 decodes to NUL, as a badly written mail client may send it.
    const raw = Buffer.from([
      `From: ${email}`, `To: ${replyTo}`, 'Subject: Re: your order', 'Message-ID: <nul-text@mail.example.com>',
      'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
      'Thanks=00 a lot', '',
    ].join('\r\n'));
    const posted = await post(raw);
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ accepted: true, status: 'posted', conversationId });
    expect((await storedBodies(conversationId)).at(-1)).toBe('Thanks a lot');

    // NUL in the headers that are looked up (In-Reply-To) is no database error either: no conversation, 200.
    const strayRaw = Buffer.from([
      `From: ${email}`, 'To: someone@example.com', 'Subject: Re: hi', 'Message-ID: <nul-header@mail.example.com>',
      'In-Reply-To: <a\u0000b@mail.example.com>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Hi', '',
    ].join('\r\n'));
    const refused = await post(strayRaw);
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ accepted: false, reason: 'no_conversation' });
  });
});

describe('the batched insert', () => {
  it('retries a failed batch row by row: a NUL that got past validation fails its own message only', async () => {
    // Straight to the chat service, as a caller that skipped validation would: the three messages of one turn share one
    // batch, Postgres refuses the NUL (22P05), and the two good ones are stored by the row-by-row retry.
    const [ana, ben, cleo] = await Promise.all([shopper(), shopper(), shopper()]);
    const chat = stack.servers[0].handle.ctx.chat;
    const results = await Promise.allSettled([
      chat.customerMessage(ana.customerId, { clientId: 'batch-1', text: 'first good one' }),
      chat.customerMessage(ben.customerId, { clientId: 'batch-2', text: 'bad\u0000one' }),
      chat.customerMessage(cleo.customerId, { clientId: 'batch-3', text: 'second good one' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22P05' });
    expect(await storedBodies(ana.conversationId)).toEqual(['Hello', 'first good one']);
    expect(await storedBodies(ben.conversationId)).toEqual(['Hello']);
    expect(await storedBodies(cleo.conversationId)).toEqual(['Hello', 'second good one']);
    // Ids keep the order of arrival.
    const first = results[0] as PromiseFulfilledResult<{ id: number }>;
    const last = results[2] as PromiseFulfilledResult<{ id: number }>;
    expect(first.value.id).toBeLessThan(last.value.id);
  });
});

describe('ids too large for the database', () => {
  it('answers ids past Number.MAX_SAFE_INTEGER with 400 wherever they are sent (path, query, body)', async () => {
    const { customerId } = await shopper();
    const huge = ['99999999999999999999', '9223372036854775807', '9007199254740992'];
    for (const id of huge) {
      for (const [method, path, auth, body] of [
        ['GET', `/api/customers/${id}`, agentAuth],
        ['GET', `/api/admin/articles/${id}`, admin],
        ['GET', `/api/admin/intents/${id}`, admin],
        ['GET', `/api/conversations/${id}/transcript`, agentAuth],
        ['GET', `/api/conversations?customerId=${id}`, agentAuth],
        ['GET', `/api/conversations?beforeId=${id}`, agentAuth],
        ['GET', `/api/customers/${customerId}/timeline?beforeId=${id}`, agentAuth],
        ['GET', `/api/admin/articles?offset=${id}`, admin],
        ['GET', `/api/admin/articles/1/versions/${id}`, admin],
      ] as [string, string, { cookie: string }, unknown?][]) {
        const answer = await httpAs(stack.url, method, path, auth, body);
        expect(answer.status, `${method} ${path}`).toBe(400);
        expect(answer.json.error.code, `${method} ${path}`).toBe('validation');
      }
      // In a JSON body the number is parsed as a (rounded) JS number: refused all the same.
      const merge = await fetch(`${stack.url}/api/customers/${customerId}/merge`, {
        method: 'POST', headers: { 'content-type': 'application/json', cookie: agentAuth.cookie }, body: `{"intoId": ${id}}`,
      });
      expect(merge.status, `merge into ${id}`).toBe(400);
      expect((await merge.json()).error.code).toBe('validation');
    }
    // The largest id taken is still a normal lookup.
    expect((await httpAs(stack.url, 'GET', `/api/customers/${Number.MAX_SAFE_INTEGER}`, agentAuth)).status).toBe(404);
    expect((await httpAs(stack.url, 'GET', `/api/conversations?customerId=${Number.MAX_SAFE_INTEGER}`, agentAuth)).status).toBe(200);
    // An article version is a 32-bit column: beyond it is a 400 too.
    expect((await httpAs(stack.url, 'GET', '/api/admin/articles/1/versions/2147483648', admin)).status).toBe(400);
  });
});
