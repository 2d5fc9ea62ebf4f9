// What an email's "Continue the chat" link and a first sign-in may do to whoever else holds a visitor token. Found by
// an integration review: someone chats anonymously, types another person's email address, and the shop emails that
// person a link to the chat; opening it put their browser into that record, so everything they wrote could be read
// with the first person's token, and a sign-in in that browser turned the record (and the token) into their account,
// orders included. The link now merges its record into the opening browser's own, and a first sign-in gives the
// shopper a new record; either way the tokens handed out before stop working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectWidget, type WidgetClient } from '../support/sockets.ts';
import { createHmac } from 'node:crypto';
import { identityHash, signResumeToken } from '../../server/services/visitor-tokens.ts';
import { sharedSecret } from '../../server/services/secrets.ts';
import { loadWidgetSettings, saveWidgetSettings } from '../../server/services/widget-settings.ts';

const IDENTITY_SECRET = 'resume-link-identity-secret';
let stack: TestStack;
const sockets: WidgetClient[] = [];

beforeAll(async () => {
  // The secret in the widget settings (not the environment), so a test can change it as an admin would.
  stack = await startStack({});
  await saveWidgetSettings(stack.env.sql, { ...(await loadWidgetSettings(stack.env.sql)), identitySecret: IDENTITY_SECRET });
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

async function chat(token: string, clientId: string, text: string): Promise<{ socket: WidgetClient; conversationId: number }> {
  const socket = await connectWidget(stack.url, token);
  sockets.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId, text });
  return { socket, conversationId: sent.conversationId };
}

const visitorSecret = () => sharedSecret(stack.env.sql, 'visitor_token_secret', stack.env.config.sessionSecret);

async function resumeLinkFor(customerId: number): Promise<string> {
  return signResumeToken(await visitorSecret(), customerId);
}

/** A socket handshake with `token`: whether the server takes it. */
async function accepted(token: string): Promise<boolean> {
  try {
    (await connectWidget(stack.url, token)).close();
    return true;
  } catch {
    return false;
  }
}

describe('resume links and first sign-ins', () => {
  it("a link opened in someone's browser brings the chat to that browser's record and cuts off the token it was made for", async () => {
    const sender = await widgetSession(stack.url, { email: 'victim@example.com' });
    const started = await chat(sender.visitorToken, 'sender-1', 'Please email me when you know');
    const link = await resumeLinkFor(sender.customerId);

    const opener = await widgetSession(stack.url);
    const resumed = await widgetSession(stack.url, { visitorToken: opener.visitorToken, resumeToken: link });
    expect(resumed).toMatchObject({ customerId: opener.customerId, resumed: true, conversationId: started.conversationId, identified: false });
    const [moved] = await stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${started.conversationId}`;
    expect(Number(moved.customer_id)).toBe(opener.customerId);

    // The chat shows in the opener's widget; the sender's token no longer reaches anything.
    const mine = await connectWidget(stack.url, resumed.visitorToken);
    sockets.push(mine);
    const current = await callOk<{ conversation: { id: number } }>(mine, 'conversation:current', { conversationId: started.conversationId });
    expect(current.conversation.id).toBe(started.conversationId);
    await expect.poll(() => started.socket.connected).toBe(false);
    expect(await accepted(sender.visitorToken)).toBe(false);
    const senderAgain = await widgetSession(stack.url, { visitorToken: sender.visitorToken });
    expect([sender.customerId, opener.customerId]).not.toContain(senderAgain.customerId);
    const transcript = await fetch(`${stack.url}/api/widget/conversations/${started.conversationId}/transcript`, { headers: { authorization: `Bearer ${sender.visitorToken}` } });
    expect(transcript.status).toBe(401);

    // The link works once: opened again elsewhere it brings nothing, and nobody becomes the opener.
    const later = await widgetSession(stack.url, { resumeToken: link });
    expect(later.resumed).toBe(false);
    expect(later.customerId).not.toBe(opener.customerId);

    // Asking for another shopper's chat as "current" gets one's own.
    const stranger = await widgetSession(stack.url);
    const strangerSocket = await connectWidget(stack.url, stranger.visitorToken);
    sockets.push(strangerSocket);
    expect(await call(strangerSocket, 'conversation:current', { conversationId: started.conversationId })).toEqual({ ok: true, conversation: null, messages: [], hasEarlier: false });
  });

  it("shows the link's own chat, never one imported from another tool onto the same record", async () => {
    const sender = await widgetSession(stack.url, { email: 'imported-too@example.com' });
    const own = await chat(sender.visitorToken, 'imported-too-1', 'My own question');
    await stack.env.sql`update conversations set status = 'resolved' where id = ${own.conversationId}`;
    // A chat from the old tool filed on the same record afterwards: newer, but not one the shopper had here.
    const [imported] = await stack.env.sql<{ id: number }[]>`
      insert into conversations (customer_id, status, imported_from, external_id)
      values (${sender.customerId}, 'resolved', 'chatwoot', 'resume-imported-1') returning id`;
    expect(Number(imported.id)).toBeGreaterThan(own.conversationId);
    const resumed = await widgetSession(stack.url, { resumeToken: await resumeLinkFor(sender.customerId) });
    expect(resumed).toMatchObject({ resumed: true, conversationId: own.conversationId });
  });

  it('a first sign-in gives the shopper a record of their own: a token of the anonymous record never becomes them', async () => {
    const anonymous = await widgetSession(stack.url);
    const before = await chat(anonymous.visitorToken, 'anon-1', 'Where is my parcel?');
    // A copy of this token (another tab, a shared computer, whoever sent a link) is kept.
    const signedIn = await widgetSession(stack.url, { visitorToken: anonymous.visitorToken, userId: 'first-time-77', hash: identityHash(IDENTITY_SECRET, 'first-time-77'), email: 'shop@example.com' });
    expect(signedIn.identified).toBe(true);
    expect(signedIn.customerId).not.toBe(anonymous.customerId);
    const [kept] = await stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${before.conversationId}`;
    expect(Number(kept.customer_id)).toBe(signedIn.customerId);
    const copy = await widgetSession(stack.url, { visitorToken: anonymous.visitorToken });
    expect(copy.identified).toBe(false);
    expect(copy.customerId).not.toBe(signedIn.customerId);

    // Two tabs signing in as a new customer at once: one record.
    const [a, b] = await Promise.all(['x', 'y'].map(async () => {
      const tab = await widgetSession(stack.url);
      return widgetSession(stack.url, { visitorToken: tab.visitorToken, userId: 'first-time-88', hash: identityHash(IDENTITY_SECRET, 'first-time-88') });
    }));
    expect(a.customerId).toBe(b.customerId);
  });

  it("an email typed in the widget (the pre-chat form) never replaces what the shop said of a customer it signed in", async () => {
    const signedIn = await widgetSession(stack.url, { userId: 'prechat-9', hash: identityHash(IDENTITY_SECRET, 'prechat-9'), email: 'real@example.com', name: 'Real Name' });
    const typed = await widgetSession(stack.url, { visitorToken: signedIn.visitorToken, email: 'typed@example.com', name: 'Typed' });
    expect(typed.customerId).toBe(signedIn.customerId);
    const [row] = await stack.env.sql<{ email: string; name: string }[]>`select email, name from customers where id = ${signedIn.customerId}`;
    expect(row).toEqual({ email: 'real@example.com', name: 'Real Name' });
    // An anonymous shopper's typed address is kept (that is where replies they miss are sent).
    const anonymous = await widgetSession(stack.url);
    await widgetSession(stack.url, { visitorToken: anonymous.visitorToken, email: 'anon@example.com' });
    const [anon] = await stack.env.sql<{ email: string }[]>`select email from customers where id = ${anonymous.customerId}`;
    expect(anon.email).toBe('anon@example.com');
  });

  it("a token counts only with its record's visitor key: an id used again after a restore is nobody's old token", async () => {
    const first = await widgetSession(stack.url);
    expect(first.visitorToken).toMatch(/^v2\.\d+\.[0-9a-f]+\./);
    await chat(first.visitorToken, 'restore-1', 'My home address is 1 Secret Lane');
    // A restore from a backup taken before this shopper came: the id is handed out again, to someone else.
    await stack.env.sql`delete from customers where id = ${first.customerId}`;
    await stack.env.sql`insert into customers (id, name) values (${first.customerId}, 'Someone else')`;
    expect(await accepted(first.visitorToken)).toBe(false);
    const again = await widgetSession(stack.url, { visitorToken: first.visitorToken });
    expect(again.customerId).not.toBe(first.customerId);
  });

  it('takes a v1 token of a record from before visitor keys once, and gives it a key and a v2 token', async () => {
    const [old] = await stack.env.sql<{ id: number }[]>`insert into customers (name, visitor_key) values ('From before keys', null) returning id`;
    const id = Number(old.id);
    const legacy = `v1.${id}.${createHmac('sha256', await visitorSecret()).update(`v1.${id}`).digest('base64url')}`;
    expect(await accepted(legacy)).toBe(true);
    const upgraded = await widgetSession(stack.url, { visitorToken: legacy });
    expect(upgraded.customerId).toBe(id);
    expect(upgraded.visitorToken).toMatch(/^v2\./);
    expect(await accepted(upgraded.visitorToken)).toBe(true);
    expect(await accepted(legacy)).toBe(false);
  });

  it("a sign-out (the widget's reset()) withdraws the shopper's tokens everywhere: a copy kept elsewhere starts over", async () => {
    const signedIn = await widgetSession(stack.url, { userId: 'shared-pc-5', hash: identityHash(IDENTITY_SECRET, 'shared-pc-5') });
    const elsewhere = await chat(signedIn.visitorToken, 'shared-1', 'Where is my order?');
    const end = await fetch(`${stack.url}/api/widget/sessions/end`, { method: 'POST', headers: { authorization: `Bearer ${signedIn.visitorToken}` } });
    expect(await end.json()).toEqual({ ended: true });
    await expect.poll(() => elsewhere.socket.connected).toBe(false);
    expect(await accepted(signedIn.visitorToken)).toBe(false);
    const copy = await widgetSession(stack.url, { visitorToken: signedIn.visitorToken });
    expect(copy).toMatchObject({ identified: false });
    expect(copy.customerId).not.toBe(signedIn.customerId);
    // Signing in again with a valid hash brings the customer back, their chat included.
    const back = await widgetSession(stack.url, { userId: 'shared-pc-5', hash: identityHash(IDENTITY_SECRET, 'shared-pc-5') });
    expect(back.customerId).toBe(signedIn.customerId);
    expect((await fetch(`${stack.url}/api/widget/sessions/end`, { method: 'POST', headers: { authorization: 'Bearer nonsense' } })).status).toBe(401);
  });

  it("a new identity secret withdraws the tokens of the customers the old one signed in; anonymous shoppers keep theirs", async () => {
    const signedIn = await widgetSession(stack.url, { userId: 'rotated-1', hash: identityHash(IDENTITY_SECRET, 'rotated-1') });
    const anonymous = await widgetSession(stack.url);
    const rotated = 'a-brand-new-identity-secret-after-a-leak';
    await saveWidgetSettings(stack.env.sql, { ...(await loadWidgetSettings(stack.env.sql)), identitySecret: rotated });
    try {
      // Noticed by the next session request (any shopper's).
      const stillAnonymous = await widgetSession(stack.url, { visitorToken: anonymous.visitorToken });
      expect(stillAnonymous.customerId).toBe(anonymous.customerId);
      const old = await widgetSession(stack.url, { visitorToken: signedIn.visitorToken });
      expect(old.identified).toBe(false);
      expect(old.customerId).not.toBe(signedIn.customerId);
      expect(await accepted(signedIn.visitorToken)).toBe(false);
      const withNewHash = await widgetSession(stack.url, { userId: 'rotated-1', hash: identityHash(rotated, 'rotated-1') });
      expect(withNewHash.customerId).toBe(signedIn.customerId);
    } finally {
      await saveWidgetSettings(stack.env.sql, { ...(await loadWidgetSettings(stack.env.sql)), identitySecret: IDENTITY_SECRET });
    }
  });
});
