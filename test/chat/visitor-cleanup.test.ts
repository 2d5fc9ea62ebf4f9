// Visitor records of browsers that loaded the widget and never wrote are removed after VISITOR_CLEANUP_DAYS; anyone
// who left anything behind (a chat, a left message, a name or email, a sign-in, a block) stays, however long ago.
// The customers page lists the people the team dealt with, not every browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, type WidgetClient } from '../support/sockets.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';
import { removeIdleVisitors } from '../../server/services/visitor-cleanup.ts';

const IDENTITY_SECRET = 'cleanup-test-identity-secret';
let stack: TestStack;
let agentCookie: { cookie: string };
const sockets: WidgetClient[] = [];

beforeAll(async () => {
  // No workers: a visitor's counters stay 0 even after they chat, as they are for a moment before the worker runs.
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET } });
  agentCookie = { cookie: (await login(stack.url, stack.agent.email, stack.agent.password)).cookie };
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

const lastSeenDaysAgo = (id: number, days: number) =>
  stack.env.sql`update customers set last_seen_at = now() - make_interval(days => ${days}) where id = ${id}`;
const exists = async (id: number) => (await stack.env.sql`select 1 from customers where id = ${id}`).length === 1;

describe('removing idle visitors', () => {
  it('removes old visitors who left nothing, keeps everyone else, and a removed visitor comes back as a new one', async () => {
    const idle = await widgetSession(stack.url);
    const recent = await widgetSession(stack.url);
    const chatted = await widgetSession(stack.url);
    const socket = await connectWidget(stack.url, chatted.visitorToken);
    sockets.push(socket);
    await callOk(socket, 'message:send', { clientId: 'cleanup-1', text: 'hello?' });
    const leftMessage = await widgetSession(stack.url);
    await stack.env.sql`insert into offline_messages (customer_id, email, body) values (${leftMessage.customerId}, 'later@example.com', 'call me back')`;
    const named = await widgetSession(stack.url, { email: 'named@example.com' });
    const signedIn = await widgetSession(stack.url, { userId: 'cleanup-user', hash: identityHash(IDENTITY_SECRET, 'cleanup-user') });
    const blocked = await widgetSession(stack.url);
    expect((await httpAs(stack.url, 'POST', `/api/customers/${blocked.customerId}/block`, agentCookie, {})).status).toBe(200);
    for (const session of [idle, chatted, leftMessage, named, signedIn, blocked]) await lastSeenDaysAgo(session.customerId, 45);
    await lastSeenDaysAgo(recent.customerId, 10);

    expect(await removeIdleVisitors(stack.env.sql, 0)).toBe(0); // 0 = kept for ever
    expect(await exists(idle.customerId)).toBe(true);
    expect(await removeIdleVisitors(stack.env.sql, 30)).toBeGreaterThanOrEqual(1);
    expect(await exists(idle.customerId)).toBe(false);
    for (const kept of [recent, chatted, leftMessage, named, signedIn, blocked]) expect(await exists(kept.customerId)).toBe(true);

    // The removed visitor's browser still holds its token: the socket refuses it, and a new session starts afresh.
    await expect(connectWidget(stack.url, idle.visitorToken)).rejects.toThrow(/unauthorized/);
    const again = await widgetSession(stack.url, { visitorToken: idle.visitorToken });
    expect(again.customerId).not.toBe(idle.customerId);
  });

  it('removes the emptied row of a record merged into another long ago, not a recent one', async () => {
    const known = await widgetSession(stack.url, { userId: 'cleanup-merge', hash: identityHash(IDENTITY_SECRET, 'cleanup-merge') });
    const before = await widgetSession(stack.url);
    const later = await widgetSession(stack.url);
    await widgetSession(stack.url, { visitorToken: before.visitorToken, userId: 'cleanup-merge', hash: identityHash(IDENTITY_SECRET, 'cleanup-merge') });
    await widgetSession(stack.url, { visitorToken: later.visitorToken, userId: 'cleanup-merge', hash: identityHash(IDENTITY_SECRET, 'cleanup-merge') });
    await stack.env.sql`update customers set merged_at = now() - interval '40 days' where id = ${before.customerId}`;
    await removeIdleVisitors(stack.env.sql, 30);
    expect(await exists(before.customerId)).toBe(false);
    expect(await exists(later.customerId)).toBe(true);
    expect(await exists(known.customerId)).toBe(true);
  });

  it('lists on the customers page the people the team dealt with, not every browser that loaded the widget', async () => {
    const browsing = await widgetSession(stack.url);
    const named = await widgetSession(stack.url, { name: 'Listed Person' });
    const listed = await httpAs(stack.url, 'GET', '/api/customers?limit=100', agentCookie);
    const ids = listed.json.items.map((c: { id: number }) => c.id);
    expect(ids).toContain(named.customerId);
    expect(ids).not.toContain(browsing.customerId);
    // Found by search all the same, by what the team knows of them.
    const found = await httpAs(stack.url, 'GET', `/api/customers?q=${encodeURIComponent('Listed Person')}`, agentCookie);
    expect(found.json.items.map((c: { id: number }) => c.id)).toEqual([named.customerId]);
  });
});
