// Notes on a customer (server/http/customer-note-routes.ts, services/customer-notes.ts) on a real server, Postgres and
// Redis: agents list, add, edit and delete them; only the author edits, the author or an admin deletes (the admin's
// removal of a teammate's note audited); bodies are validated; unknown customers and notes are 404s; an API token acts
// as its creator within its scope; a deactivated author's notes keep their name; open consoles hear of each change
// (`customer:updated`); a merge moves the notes to the kept record; the privacy export includes them and the privacy
// deletion removes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { connectAgent, nextEvent, type AgentClient } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
type Auth = Awaited<ReturnType<typeof login>>;
let admin: Auth;
let agent: Auth;
let other: Auth;
const sockets: AgentClient[] = [];

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);
const notesOf = async (customerId: number, auth: Auth = agent) => {
  const listed = await http('GET', `/api/customers/${customerId}/notes`, auth);
  expect(listed.status, listed.text).toBe(200);
  return listed.json as { items: { id: number; customerId: number; text: string; author: { id: number; name: string; active: boolean } | null; createdAt: string; updatedAt: string }[]; total: number };
};
const addNote = async (customerId: number, text: string, auth: Auth = agent) => {
  const added = await http('POST', `/api/customers/${customerId}/notes`, auth, { text });
  expect(added.status, added.text).toBe(201);
  return added.json.note as { id: number; text: string; author: { id: number; name: string } };
};

beforeAll(async () => {
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 100 } });
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity)
                      values ('noor@demo.shop', 'Noor Notes', 'agent', ${await hashPassword('noor-notes-pw')}, 5)`;
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  other = await login(stack.url, 'noor@demo.shop', 'noor-notes-pw');
}, 60_000);
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

describe('customer notes', () => {
  it('are listed newest first with their authors, added by any agent, edited by their author only', async () => {
    const { customerId } = await widgetSession(stack.url, { name: 'Vera Vip', email: 'vera@example.com' });
    expect(await notesOf(customerId)).toEqual({ items: [], total: 0 });

    const first = await addNote(customerId, '  Prefers email.  ');
    expect(first).toMatchObject({ text: 'Prefers email.', author: { id: agent.user.id, name: agent.user.name, active: true } });
    const second = await addNote(customerId, 'VIP, always check stock first\nthen answer.', other);
    const listed = await notesOf(customerId, admin);
    expect(listed.total).toBe(2);
    expect(listed.items.map((n) => [n.id, n.text, n.author?.name])).toEqual([
      [second.id, 'VIP, always check stock first\nthen answer.', 'Noor Notes'],
      [first.id, 'Prefers email.', agent.user.name],
    ]);
    expect(listed.items[0].createdAt).toBe(listed.items[0].updatedAt);

    // The author edits; the text is trimmed and the note says when.
    const edited = await http('PATCH', `/api/customers/${customerId}/notes/${first.id}`, agent, { text: 'Prefers email, never phone. ' });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.json.note).toMatchObject({ id: first.id, text: 'Prefers email, never phone.', author: { id: agent.user.id } });
    expect(Date.parse(edited.json.note.updatedAt)).toBeGreaterThan(Date.parse(edited.json.note.createdAt));

    // Nobody else edits it, not even an admin.
    for (const who of [other, admin]) {
      const refused = await http('PATCH', `/api/customers/${customerId}/notes/${first.id}`, who, { text: 'Call them at night.' });
      expect(refused.status).toBe(403);
      expect(refused.json.error).toEqual({ code: 'forbidden', message: 'Only the author of a note can edit it.', reason: 'note_not_yours' });
    }
    expect((await notesOf(customerId)).items.find((n) => n.id === first.id)?.text).toBe('Prefers email, never phone.');
  });

  it('are deleted by their author or an admin (audited when it is a teammate’s), not by another agent', async () => {
    const { customerId } = await widgetSession(stack.url, { name: 'Dina Delete' });
    const mine = await addNote(customerId, 'Refund promised on 12 Dec by Sam');
    const theirs = await addNote(customerId, 'Asked twice about the warranty', other);

    const refused = await http('DELETE', `/api/customers/${customerId}/notes/${mine.id}`, other);
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toBe('Only the author of a note or an admin can delete it.');
    expect((await notesOf(customerId)).total).toBe(2);

    const own = await http('DELETE', `/api/customers/${customerId}/notes/${theirs.id}`, other);
    expect(own.status, own.text).toBe(200);
    expect(own.json).toEqual({ ok: true });
    const byAdmin = await http('DELETE', `/api/customers/${customerId}/notes/${mine.id}`, admin);
    expect(byAdmin.status, byAdmin.text).toBe(200);
    expect(await notesOf(customerId)).toEqual({ items: [], total: 0 });
    expect((await http('DELETE', `/api/customers/${customerId}/notes/${mine.id}`, admin)).status).toBe(404);

    // The admin's removal of a teammate's note is in the audit log (without its words); the author's own is not.
    const audit = await stack.env.sql<{ actor_user_id: number; target: string; details: Record<string, unknown> }[]>`
      select actor_user_id, target, details from audit_log where action = 'customer.note_delete' and target = ${`customer:${customerId}`}`;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: admin.user.id, details: { noteId: mine.id, authorId: agent.user.id } });
    expect(JSON.stringify(audit[0].details)).not.toContain('Refund');
  });

  it('refuses empty, too long and malformed notes with 400s, and unknown customers and notes with 404s', async () => {
    const { customerId } = await widgetSession(stack.url, { name: 'Val Idation' });
    const path = `/api/customers/${customerId}/notes`;
    for (const body of [{ text: '' }, {}, { text: 42 }, { text: 'ok', pinned: true }, { text: 'x'.repeat(2001) }]) {
      const refused = await http('POST', path, agent, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error.code).toBe('validation');
    }
    const blank = await http('POST', path, agent, { text: ' \n\t ' });
    expect(blank.status).toBe(400);
    expect(blank.json.error).toEqual({ code: 'validation', message: 'A note cannot be empty.', reason: 'note_empty' });
    // 2,000 characters (a Chinese one counts once) are fine.
    const longest = await addNote(customerId, '退'.repeat(2000));
    expect(longest.text).toHaveLength(2000);
    // Counted after trimming: blank lines pasted around the longest note do not make it too long.
    expect((await addNote(customerId, `\n\n  ${'退'.repeat(2000)}  \n`)).text).toBe('退'.repeat(2000));
    expect((await http('POST', path, agent, { text: ` ${'x'.repeat(2001)} ` })).json.error.message).toBe('A note can be at most 2000 characters.');
    expect((await http('PATCH', `${path}/${longest.id}`, agent, { text: '   ' })).status).toBe(400);
    expect((await http('PATCH', `${path}/${longest.id}`, agent, { text: 'y'.repeat(2001) })).status).toBe(400);
    expect((await http('GET', `/api/customers/abc/notes`, agent)).status).toBe(400);

    const unknown = await http('GET', '/api/customers/99999999/notes', agent);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toEqual({ code: 'not_found', message: 'Customer not found.' });
    expect((await http('POST', '/api/customers/99999999/notes', agent, { text: 'hello' })).status).toBe(404);
    const noNote = await http('PATCH', `${path}/99999999`, agent, { text: 'hello' });
    expect(noNote.status).toBe(404);
    expect(noNote.json.error.message).toBe('Note not found.');
    // A note reached through another customer's address is not found there.
    const { customerId: elsewhere } = await widgetSession(stack.url, { name: 'Else Where' });
    expect((await http('PATCH', `/api/customers/${elsewhere}/notes/${longest.id}`, agent, { text: 'moved?' })).status).toBe(404);
    expect((await http('DELETE', `/api/customers/${elsewhere}/notes/${longest.id}`, admin)).status).toBe(404);
    // Signed out: 401.
    expect((await http('GET', path, null)).status).toBe(401);
    expect((await http('POST', path, null, { text: 'hello' })).status).toBe(401);
  });

  it('keep a deactivated author’s name', async () => {
    await stack.env.sql`insert into users (email, name, role, password_hash) values ('leaving@demo.shop', 'Lee Leaving', 'agent', ${await hashPassword('leaving-notes-pw')})`;
    const leaving = await login(stack.url, 'leaving@demo.shop', 'leaving-notes-pw');
    const { customerId } = await widgetSession(stack.url, { name: 'Kept Note' });
    const note = await addNote(customerId, 'Wholesale buyer, invoice monthly', leaving);
    const deactivated = await http('PATCH', `/api/admin/team/${leaving.user.id}`, admin, { active: false });
    expect(deactivated.status, deactivated.text).toBe(200);
    const [listed] = (await notesOf(customerId)).items;
    expect(listed).toMatchObject({ id: note.id, text: 'Wholesale buyer, invoice monthly', author: { id: leaving.user.id, name: 'Lee Leaving', active: false } });
  });

  it('can be read and added with an API token, acting as its creator within its scope', async () => {
    const made = await http('POST', '/api/admin/api-tokens', admin, { name: 'CRM notes', scope: 'agent' });
    expect(made.status, made.text).toBe(201);
    const token = made.json.token as string;
    const withToken = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, {
        method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, json: await response.json() as any };
    };
    const { customerId } = await widgetSession(stack.url, { name: 'Token Tess' });
    const agentsNote = await addNote(customerId, 'Agent wrote this');

    const added = await withToken('POST', `/api/customers/${customerId}/notes`, { text: 'Synced from the CRM: gold tier' });
    expect(added.status).toBe(201);
    expect(added.json.note.author).toMatchObject({ id: admin.user.id, name: admin.user.name });
    const listed = await withToken('GET', `/api/customers/${customerId}/notes`);
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((n: { text: string }) => n.text)).toEqual(['Synced from the CRM: gold tier', 'Agent wrote this']);
    expect((await withToken('PATCH', `/api/customers/${customerId}/notes/${added.json.note.id}`, { text: 'gold tier (checked)' })).status).toBe(200);
    // An agent-scope token of an admin is an agent: it deletes its creator's notes, not a teammate's.
    expect((await withToken('DELETE', `/api/customers/${customerId}/notes/${agentsNote.id}`)).status).toBe(403);
    expect((await withToken('DELETE', `/api/customers/${customerId}/notes/${added.json.note.id}`)).status).toBe(200);

    await http('DELETE', `/api/admin/api-tokens/${made.json.apiToken.id}`, admin);
    expect((await withToken('GET', `/api/customers/${customerId}/notes`)).status).toBe(401);
  });

  it('tell every open console that the customer changed', async () => {
    const { customerId } = await widgetSession(stack.url, { name: 'Live Lou' });
    const watcher = await connectAgent(stack.url, other.token);
    sockets.push(watcher);
    const matches = (e: { customerId: number }) => e.customerId === customerId;

    const added = nextEvent<{ customerId: number }>(watcher, 'customer:updated', matches);
    const note = await addNote(customerId, 'Ships to a PO box only');
    expect(await added).toEqual({ customerId });
    const edited = nextEvent<{ customerId: number }>(watcher, 'customer:updated', matches);
    await http('PATCH', `/api/customers/${customerId}/notes/${note.id}`, agent, { text: 'Ships to a PO box only (Berlin)' });
    expect(await edited).toEqual({ customerId });
    const deleted = nextEvent<{ customerId: number }>(watcher, 'customer:updated', matches);
    await http('DELETE', `/api/customers/${customerId}/notes/${note.id}`, agent);
    expect(await deleted).toEqual({ customerId });
  });

  it('move to the kept record when two records are merged', async () => {
    const kept = await widgetSession(stack.url, { name: 'Mona Merge', email: 'mona@example.com' });
    const merged = await widgetSession(stack.url, { email: 'MONA@example.com' });
    const keptNote = await addNote(kept.customerId, 'Kept record note');
    const movedNote = await addNote(merged.customerId, 'Second record note', other);

    // Consoles showing the kept record reload it: the notes that moved are listed apart from its profile.
    const watcher = await connectAgent(stack.url, other.token);
    sockets.push(watcher);
    const told = nextEvent<{ customerId: number }>(watcher, 'customer:updated', (e) => e.customerId === kept.customerId);
    const done = await http('POST', `/api/customers/${merged.customerId}/merge`, agent, { intoId: kept.customerId });
    expect(done.status, done.text).toBe(200);
    expect(await told).toEqual({ customerId: kept.customerId });
    const listed = await notesOf(kept.customerId);
    expect(listed.items.map((n) => [n.id, n.text, n.customerId, n.author?.name])).toEqual([
      [movedNote.id, 'Second record note', kept.customerId, 'Noor Notes'],
      [keptNote.id, 'Kept record note', kept.customerId, agent.user.name],
    ]);
    // The record merged away has none, and its address says where the person is now.
    const gone = await http('GET', `/api/customers/${merged.customerId}/notes`, agent);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('customer_merged');
    expect((await http('POST', `/api/customers/${merged.customerId}/notes`, agent, { text: 'late' })).json.error.code).toBe('customer_merged');
    const [left] = await stack.env.sql`select count(*)::int as n from customer_notes where customer_id = ${merged.customerId}`;
    expect(left.n).toBe(0);
    // The author still edits the note where it now is.
    expect((await http('PATCH', `/api/customers/${kept.customerId}/notes/${movedNote.id}`, other, { text: 'Second record note (merged)' })).status).toBe(200);
  });

  it('keep a visitor record that holds only a note from the idle-visitor sweep', async () => {
    // The idle-visitor sweep and the merge's "held nothing" both read CUSTOMER_OWNED_TABLES: a note counts.
    const visitor = await widgetSession(stack.url);
    await addNote(visitor.customerId, 'Called about a lost parcel, no name given');
    await stack.env.sql`update customers set last_seen_at = now() - interval '90 days' where id = ${visitor.customerId}`;
    const { removeIdleVisitors } = await import('../../server/services/visitor-cleanup.ts');
    await removeIdleVisitors(stack.env.sql, 30);
    const [still] = await stack.env.sql`select count(*)::int as n from customers where id = ${visitor.customerId}`;
    expect(still.n).toBe(1);
  });

  it('are in the privacy export and removed by the privacy deletion; none can be added after', async () => {
    const { customerId } = await widgetSession(stack.url, { name: 'Pia Privacy', email: 'pia@example.com' });
    await addNote(customerId, 'Lives at 3 Quiet Road, leave parcels with the neighbour');
    const exported = await http('GET', `/api/admin/customers/${customerId}/export`, admin);
    expect(exported.status).toBe(200);
    expect(exported.json.notes).toEqual([expect.objectContaining({ text: 'Lives at 3 Quiet Road, leave parcels with the neighbour', author: agent.user.name })]);

    const deleted = await http('DELETE', `/api/admin/customers/${customerId}`, admin);
    expect(deleted.status, deleted.text).toBe(200);
    const [left] = await stack.env.sql`select count(*)::int as n from customer_notes where customer_id = ${customerId}`;
    expect(left.n).toBe(0);
    const [audit] = await stack.env.sql`select details from audit_log where action = 'customer.delete' and target = ${`customer:${customerId}`}`;
    expect(audit.details).toMatchObject({ notesDeleted: 1 });
    expect(await notesOf(customerId)).toEqual({ items: [], total: 0 });
    const refused = await http('POST', `/api/customers/${customerId}/notes`, agent, { text: 'Still here?' });
    expect(refused.status).toBe(409);
  });
});
