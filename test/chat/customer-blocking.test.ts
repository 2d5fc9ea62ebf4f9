// Blocking a shopper who spams or abuses the team: their open chat closes, their widget is dropped and refused
// (with a code that does not make it start over as a new visitor), their files are refused before being stored,
// the team sees who blocked them and why, and unblocking lets them chat again. Only agents can do either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';
import { solidPng } from '../support/png.ts';

let stack: TestStack;
let agent: AgentClient;
let agentAuth: { token: string; cookie: string; user: { id: number; name: string } };
const open: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack();
  agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, agentAuth.token, { restorePresence: true });
  open.push(agent);
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

/** The handshake's refusal code, or 'connected'. */
async function connectOutcome(token: string): Promise<string> {
  try {
    const socket = await connectWidget(stack.url, token);
    open.push(socket);
    return 'connected';
  } catch (error) {
    return (error as { data?: { code?: string } }).data?.code ?? String(error);
  }
}

async function shopperWaitingForAPerson(label: string): Promise<{ token: string; customerId: number; socket: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url, { name: `Spammy ${label}` });
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text: 'buy cheap watches at example.net' });
  await callOk(socket, 'handoff:request', { conversationId: sent.conversationId });
  return { token: session.visitorToken, customerId: session.customerId, socket, conversationId: sent.conversationId };
}

describe('blocking a shopper', () => {
  it('closes their chat, drops and refuses their widget, refuses their files, and unblocking undoes it', async () => {
    const shopper = await shopperWaitingForAPerson('a');
    const dropped = nextEvent(shopper.socket, 'disconnect');
    const closedForTeam = nextEvent<ConversationSummary>(agent, 'conversation:updated', (c) => c.id === shopper.conversationId && c.status === 'resolved');

    const blocked = await httpAs(stack.url, 'POST', `/api/customers/${shopper.customerId}/block`, { cookie: agentAuth.cookie }, { reason: '  Sends spam links  ' });
    expect(blocked.status).toBe(200);
    expect(blocked.json.customer.blocked).toMatchObject({ blockedBy: agentAuth.user.id, reason: 'Sends spam links' });
    expect(await dropped).toBe('io server disconnect');
    await closedForTeam;
    const [conversation] = await stack.env.sql`select status from conversations where id = ${shopper.conversationId}`;
    expect(conversation.status).toBe('resolved');

    // The widget's stored token still names the customer, but the handshake refuses it as blocked (not as an
    // unknown visitor, which would make the widget start a fresh session and slip past the block).
    expect(await connectOutcome(shopper.token)).toBe('blocked');
    const resumed = await widgetSession(stack.url, { visitorToken: shopper.token });
    expect(resumed.customerId).toBe(shopper.customerId);
    expect(await connectOutcome(resumed.visitorToken)).toBe('blocked');

    const png = await solidPng(2, 2, [10, 20, 30]);
    const upload = await fetch(`${stack.url}/api/widget/attachments?${new URLSearchParams({ clientId: 'blocked-file' })}`, {
      method: 'POST', headers: { 'content-type': 'image/png', authorization: `Bearer ${shopper.token}` }, body: new Uint8Array(png),
    });
    expect(upload.status).toBe(403);
    expect((await upload.json()).error.code).toBe('blocked');
    const [{ files }] = await stack.env.sql`select count(*)::int as files from attachments a join conversations c on c.id = a.conversation_id where c.customer_id = ${shopper.customerId}`;
    expect(files).toBe(0);

    // The team sees it on the profile, and the audit log says who did it.
    const profile = await httpAs(stack.url, 'GET', `/api/customers/${shopper.customerId}`, { cookie: agentAuth.cookie });
    expect(profile.json.customer.blocked.reason).toBe('Sends spam links');
    const audit = await stack.env.sql`select actor_user_id, action, details from audit_log where target = ${`customer:${shopper.customerId}`} order by id`;
    expect(audit.map((a) => [a.actor_user_id, a.action, a.details])).toEqual([[agentAuth.user.id, 'customer.block', { reason: 'Sends spam links' }]]);

    const unblocked = await httpAs(stack.url, 'DELETE', `/api/customers/${shopper.customerId}/block`, { cookie: agentAuth.cookie });
    expect(unblocked.status).toBe(200);
    expect(unblocked.json.customer.blocked).toBeNull();
    expect(await connectOutcome(shopper.token)).toBe('connected');
    const [last] = await stack.env.sql`select action from audit_log where target = ${`customer:${shopper.customerId}`} order by id desc limit 1`;
    expect(last.action).toBe('customer.unblock');
  });

  it('frees the seat of the agent who held the blocked shopper\'s chat', async () => {
    const shopper = await shopperWaitingForAPerson('b');
    await callOk(agent, 'message:send', { conversationId: shopper.conversationId, clientId: 'b-answer', text: 'Hello, how can I help?' });
    await eventually(async () => (await stack.env.sql`select status from conversations where id = ${shopper.conversationId}`)[0].status === 'assigned', 10_000, 'chat assigned');
    const [before] = await stack.env.sql`select count(*)::int as n from conversations where assignee_id = ${agentAuth.user.id} and status = 'assigned'`;
    await httpAs(stack.url, 'POST', `/api/customers/${shopper.customerId}/block`, { cookie: agentAuth.cookie }, {});
    const [after] = await stack.env.sql`select count(*)::int as n from conversations where assignee_id = ${agentAuth.user.id} and status = 'assigned'`;
    expect(after.n).toBe(before.n - 1);
    const [row] = await stack.env.sql`select block_reason from customers where id = ${shopper.customerId}`;
    expect(row.block_reason).toBeNull(); // no reason given
  });

  it('is for signed-in agents only, and its input is checked', async () => {
    const session = await widgetSession(stack.url);
    const path = `/api/customers/${session.customerId}/block`;
    expect((await httpAs(stack.url, 'POST', path, null, {})).status).toBe(401);
    // A shopper's own visitor token is no agent session.
    const asShopper = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${session.visitorToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect(asShopper.status).toBe(401);
    expect((await httpAs(stack.url, 'POST', path, { cookie: agentAuth.cookie }, { reason: 'x'.repeat(501) })).status).toBe(400);
    expect((await httpAs(stack.url, 'POST', path, { cookie: agentAuth.cookie }, { reason: 'spam', until: 'forever' })).status).toBe(400);
    expect((await httpAs(stack.url, 'POST', '/api/customers/999999999/block', { cookie: agentAuth.cookie }, {})).status).toBe(404);
    expect((await httpAs(stack.url, 'DELETE', path, null)).status).toBe(401);
    // Nothing of the refused calls was kept.
    const [row] = await stack.env.sql`select blocked_at from customers where id = ${session.customerId}`;
    expect(row.blocked_at).toBeNull();
    expect(await connectOutcome(session.visitorToken)).toBe('connected');
  });
});
