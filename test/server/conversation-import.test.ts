// Importing past conversations from another chat tool (POST /api/admin/conversations/import) on a real server,
// Postgres and Redis: admins only; each conversation filed under its customer (matched as the contacts import does, or
// created), resolved, with its own times, authors and read marks; nothing live (no queued history events, hence no
// webhooks or emails, no bot reply, no queue, nothing for the shopper's widget); a second run skips everything; a dry run
// writes nothing; bad conversations refused with their position and reason; caps answered 413 in words; the reports
// leave imported chats and ratings out; the inbox search finds their words; audited.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget } from '../support/sockets.ts';
import { queuedEvents } from '../support/queued-events.ts';
import { loadWidgetSettings, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { MAX_IMPORT_CONVERSATIONS, MAX_IMPORT_MESSAGES, MAX_IMPORT_MESSAGES_TOTAL, readTime } from '../../server/services/conversation-import.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;
const IDENTITY_SECRET = 'identity-secret-for-conversation-import';

beforeAll(async () => {
  // No workers: history events the server queues wait in Redis, where the test can see that none were.
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(async () => {
  await stack?.close();
});

type Who = { cookie: string } | null;
const importFile = (body: unknown, options: { dryRun?: boolean; who?: Who; fileName?: string } = {}) => {
  const search = new URLSearchParams({ ...(options.dryRun ? { dryRun: 'true' } : {}), ...(options.fileName ? { fileName: options.fileName } : {}) }).toString();
  return httpAs(stack.url, 'POST', `/api/admin/conversations/import${search ? `?${search}` : ''}`, options.who === undefined ? admin : options.who, body);
};
const sql = () => stack.env.sql;
const conversationOf = async (source: string, externalId: string) =>
  (await sql()`select * from conversations where imported_from = ${source} and external_id = ${externalId}`)[0] as Record<string, any> | undefined;
const count = async (table: 'conversations' | 'messages' | 'customers' | 'feedback') =>
  (await sql()<{ n: number }[]>`select count(*)::int as n from ${sql()(table)}`)[0].n;

/** A Chatwoot-like file: one customer known by shop user id, one by email only, one new. */
const chatwoot = () => ({
  source: 'Chatwoot',
  conversations: [
    {
      externalId: 101, channel: 'web', startedAt: '2024-03-01T09:30:00Z', endedAt: '2024-03-01T10:05:00Z',
      customer: { externalId: 'shop-ci-1', email: 'ida@example.com', name: 'Ida Imported' },
      messages: [
        { author: 'agent', authorName: 'Sam (old tool)', body: 'Hello Ida, the parcel left today.', sentAt: '2024-03-01T09:41:00Z' },
        // Out of order in the file: stored by time.
        { author: 'customer', body: 'Where is my order zebrafinch-7731?', sentAt: '2024-03-01T09:31:00Z' },
        { author: 'bot', authorName: 'Old Bot', body: 'A person will answer shortly.', sentAt: '2024-03-01T09:31:05Z' },
        { author: 'agent', authorName: 'Sam (old tool)', body: 'Checked with the warehouse.', sentAt: '2024-03-01T09:40:00Z', private: true },
      ],
      rating: { score: 2, comment: 'Slow answer' },
      labels: ['Shipping', 'VIP'],
    },
    {
      externalId: '102', startedAt: 1709370000, // Unix seconds: 2024-03-02T09:00:00Z
      customer: { email: 'JOE@example.com' },
      messages: [{ author: 'customer', body: 'Can I change the size?', sentAt: 1709370030 }, { author: 'agent', body: 'Yes, done.', sentAt: 1709370200 }],
    },
    {
      externalId: '103', source: 'intercom', startedAt: '2024-03-03T12:00:00Z',
      customer: { externalId: 'shop-ci-new', name: 'Nina New' },
      messages: [{ author: 'customer', body: 'Do you ship to Norway?', sentAt: '2024-03-03T12:00:10Z' }],
    },
  ],
});

describe('who may import', () => {
  it('refuses agents (403) and signed-out callers (401), and writes nothing', async () => {
    const before = await count('conversations');
    expect((await importFile(chatwoot(), { who: agent })).status).toBe(403);
    expect((await importFile(chatwoot(), { who: null })).status).toBe(401);
    expect(await count('conversations')).toBe(before);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await httpAs(stack.url, 'GET', '/docs/json', null)).json;
    expect(doc.paths['/api/admin/conversations/import'].post.summary).toMatch(/Import past conversations/);
  });
});

describe('importing conversations', () => {
  let joeId: number;
  let idaId: number;

  beforeAll(async () => {
    // Known before the import: Ida by her shop user id (a contacts import), Joe by the address he typed in the widget.
    expect((await httpAs(stack.url, 'POST', '/api/admin/customers/import', admin, { customers: [{ externalId: 'shop-ci-1', name: 'Ida Known' }] })).status).toBe(200);
    idaId = Number((await sql()`select id from customers where external_id = 'shop-ci-1'`)[0].id);
    joeId = (await widgetSession(stack.url, { name: 'Joe', email: 'joe@example.com' })).customerId;
  });

  it('a dry run answers what the import would do and writes nothing', async () => {
    const before = await Promise.all([count('conversations'), count('messages'), count('customers'), count('feedback')]);
    const dry = await importFile(chatwoot(), { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ dryRun: true, conversations: 3, imported: 3, skipped: 0, rejected: 0, messages: 7, ratings: 1, labelled: 1, customers: { created: 1 } });
    expect(await Promise.all([count('conversations'), count('messages'), count('customers'), count('feedback')])).toEqual(before);
    expect((await sql()`select 1 from audit_log where action = 'conversations.import'`).length).toBe(0);
  });

  it('files each conversation under its customer, resolved, with its own times, authors and order, read, and audited', async () => {
    const customersBefore = await count('customers');
    const labelsInUse = async () => (await httpAs(stack.url, 'GET', '/api/conversation-labels', agent)).json.items;
    expect(await labelsInUse()).toEqual([]); // counted now: the server keeps this count for 30 s unless labels change
    const result = await importFile(chatwoot(), { fileName: 'chatwoot-march.json' });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({
      dryRun: false, conversations: 3, imported: 3, skipped: 0, rejected: 0, messages: 7, ratings: 1, labelled: 1,
      customers: { created: 1, updated: 1, unchanged: 1 }, rejectedRows: [], skippedRows: [],
    });
    expect(await count('customers')).toBe(customersBefore + 1); // Nina only
    // The imported labels are suggested, and in the inbox's filter, at once.
    expect(await labelsInUse()).toEqual([{ label: 'shipping', conversations: 1 }, { label: 'vip', conversations: 1 }]);

    const ida = (await conversationOf('chatwoot', '101'))!;
    expect(ida).toMatchObject({
      customer_id: idaId, status: 'resolved', resolved_by: 'system', handed_off: false, assignee_id: null, queued_at: null,
      labels: ['shipping', 'vip'], imported_from: 'chatwoot', external_id: '101', channel: 'import',
    });
    expect(ida.created_at.toISOString()).toBe('2024-03-01T09:30:00.000Z');
    expect(ida.resolved_at.toISOString()).toBe('2024-03-01T10:05:00.000Z');
    expect(ida.last_message_at.toISOString()).toBe('2024-03-01T09:41:00.000Z');
    const messages = await sql()`select id, author_type, author_id, body, private, metadata, created_at from messages where conversation_id = ${ida.id} order by id`;
    expect(messages.map((m) => [m.author_type, m.body, m.private, m.created_at.toISOString()])).toEqual([
      ['customer', 'Where is my order zebrafinch-7731?', false, '2024-03-01T09:31:00.000Z'],
      ['bot', 'A person will answer shortly.', false, '2024-03-01T09:31:05.000Z'],
      ['agent', 'Checked with the warehouse.', true, '2024-03-01T09:40:00.000Z'],
      ['agent', 'Hello Ida, the parcel left today.', false, '2024-03-01T09:41:00.000Z'],
    ]);
    expect(messages.every((m) => m.author_id === null)).toBe(true);
    expect(messages[3].metadata).toEqual({ importedAuthorName: 'Sam (old tool)' });
    // Nothing unread for the agents or the shopper.
    expect(Number(ida.agent_last_seen_id)).toBe(Number(messages[3].id));
    expect(Number(ida.customer_last_seen_id)).toBe(Number(messages[3].id));
    // The contacts import's rules: Ida's known name stays, her email was empty and is filled.
    const [idaRecord] = await sql()`select name, email, conversations_count, messages_count, first_seen_at, last_seen_at from customers where id = ${idaId}`;
    expect(idaRecord).toMatchObject({ name: 'Ida Known', email: 'ida@example.com', conversations_count: 1, messages_count: 3 });
    expect(idaRecord.first_seen_at.toISOString()).toBe('2024-03-01T09:30:00.000Z');

    // Unix seconds; Joe matched by email in any case; a conversation's own source wins over the file's.
    const joe = (await conversationOf('chatwoot', '102'))!;
    expect(Number(joe.customer_id)).toBe(joeId);
    expect(joe.created_at.toISOString()).toBe('2024-03-02T09:00:00.000Z');
    expect(joe.resolved_at.toISOString()).toBe('2024-03-02T09:03:20.000Z'); // no endedAt: the last message
    const nina = (await conversationOf('intercom', '103'))!;
    expect((await sql()`select name, external_id, last_seen_at from customers where id = ${nina.customer_id}`)[0])
      .toMatchObject({ name: 'Nina New', external_id: 'shop-ci-new', last_seen_at: null });

    // The rating: the chat's one CSAT, marked imported; the history has the start, end and rating.
    const [rating] = await sql()`select idempotency_key, rating, comment, imported, created_at from feedback where conversation_id = ${ida.id}`;
    expect(rating).toMatchObject({ idempotency_key: `csat:${ida.id}`, rating: 2, comment: 'Slow answer', imported: true });
    const timeline = (await httpAs(stack.url, 'GET', `/api/customers/${idaId}/timeline`, agent)).json.items;
    expect(timeline.map((e: { type: string }) => e.type)).toEqual(['rating', 'resolved', 'conversation.started']); // rated as it ended
    expect(timeline[2]).toMatchObject({ conversationId: Number(ida.id), payload: { channel: 'import', importedFrom: 'chatwoot', externalId: '101', sourceChannel: 'web' } });

    // The customer panel lists it, marked.
    const profile = (await httpAs(stack.url, 'GET', `/api/customers/${idaId}`, agent)).json;
    expect(profile.conversations).toEqual([expect.objectContaining({ id: Number(ida.id), status: 'resolved', importedFrom: 'chatwoot' })]);

    const [audit] = await sql()`select details from audit_log where action = 'conversations.import' order by id desc limit 1`;
    expect(audit.details).toMatchObject({ fileName: 'chatwoot-march.json', conversations: 3, imported: 3, skipped: 0, rejected: 0, messages: 7, customersCreated: 1 });
    expect(audit.details.sources.sort()).toEqual(['chatwoot', 'intercom']);
  });

  it('sets nothing live in motion: no history events queued (no webhooks, no emails), no bot reply, no queue, nothing in the widget', async () => {
    const imported = await sql()`select id from conversations where imported_from is not null`;
    expect(imported.length).toBe(3);
    for (const { id } of imported) expect(await queuedEvents(stack, Number(id))).toEqual([]);
    expect((await sql()`select 1 from messages where client_id like 'bot-reply:%' or author_type = 'system'`).length).toBe(0);
    expect((await sql()`select 1 from conversations where status <> 'resolved' or queued_at is not null`).length).toBe(0);
    expect((await sql()`select 1 from webhook_deliveries`).length).toBe(0);
    expect((await sql()`select 1 from email_followups`).length).toBe(0);

    // Ida signs in on the shop's site: her widget starts fresh, it does not show the old tool's transcript.
    const visitor = await widgetSession(stack.url, { userId: 'shop-ci-1', hash: createHmac('sha256', IDENTITY_SECRET).update('shop-ci-1').digest('hex') });
    expect(visitor.customerId).toBe(idaId);
    const widget = await connectWidget(stack.url, visitor.visitorToken);
    try {
      const current = await callOk<{ conversation: unknown; messages: unknown[] }>(widget, 'conversation:current', {});
      expect(current).toMatchObject({ conversation: null, messages: [] });
      // Not by its id either (a crafted client): the old tool's agents' names stay with the team.
      const importedId = Number((await conversationOf('chatwoot', '101'))!.id);
      expect(await callOk(widget, 'conversation:current', { conversationId: importedId })).toMatchObject({ conversation: null, messages: [] });
      // Nor can it be rated here (its rating came with it): not found, as for every shopper path, whatever the shop's rating setting.
      await saveWidgetSettings(sql(), { ...(await loadWidgetSettings(sql())), csatAsk: 'all' });
      expect(await call(widget, 'feedback:csat', { conversationId: importedId, rating: 1 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    } finally {
      widget.close();
    }
  });

  it('a second run of the same file imports nothing twice: every conversation is skipped', async () => {
    const before = await Promise.all([count('conversations'), count('messages'), count('customers'), count('feedback')]);
    const again = await importFile(chatwoot());
    expect(again.json).toMatchObject({ imported: 0, skipped: 3, rejected: 0, messages: 0, ratings: 0, customers: { created: 0, updated: 0, unchanged: 0 } });
    const ida = (await conversationOf('chatwoot', '101'))!;
    expect(again.json.skippedRows).toContainEqual({ line: 1, externalId: '101', conversationId: Number(ida.id) });
    expect(await Promise.all([count('conversations'), count('messages'), count('customers'), count('feedback')])).toEqual(before);
    expect((await sql()`select conversations_count from customers where id = ${idaId}`)[0].conversations_count).toBe(1);
  });

  it('an imported chat cannot be reopened: it is history, and reopening would queue it as a chat of this team', async () => {
    const ida = (await conversationOf('chatwoot', '101'))!;
    const console_ = await connectAgent(stack.url, agent.token);
    try {
      expect(await call(console_, 'conversation:reopen', { conversationId: Number(ida.id) })).toMatchObject({
        ok: false, error: { code: 'conflict', reason: 'conversation_imported' },
      });
    } finally {
      console_.close();
    }
    const [row] = await sql()`select status, queued_at from conversations where id = ${ida.id}`;
    expect(row).toMatchObject({ status: 'resolved', queued_at: null });
    expect((await sql()`select 1 from messages where conversation_id = ${ida.id} and author_type = 'system'`).length).toBe(0);
  });

  it('the inbox search finds an imported message', async () => {
    const found = (await httpAs(stack.url, 'GET', '/api/conversations?view=all&q=zebrafinch', agent)).json;
    const ida = (await conversationOf('chatwoot', '101'))!;
    expect(found.items.map((i: { conversation: { id: number } }) => i.conversation.id)).toEqual([Number(ida.id)]);
    expect(found.items[0].match).toMatchObject({ authorType: 'customer' });
  });

  it('the reports leave imported chats and their ratings out', async () => {
    const range = 'from=2024-03-01&to=2024-03-31&tz=UTC';
    const report = (await httpAs(stack.url, 'GET', `/api/admin/reports?${range}`, admin)).json;
    expect(report.conversationsPerDay.reduce((n: number, d: { total: number }) => n + d.total, 0)).toBe(0);
    expect(report.containment).toMatchObject({ total: 0, botResolved: 0, handedOff: 0, closedByTeam: 0 });
    expect(report.agentStarted).toBe(0);
    expect(report.csat).toMatchObject({ count: 0, average: null });
    expect(report.labels).toEqual([]);
    expect((await httpAs(stack.url, 'GET', `/api/admin/reports/ratings?${range}`, admin)).json.items).toEqual([]);
    const csv = (await httpAs(stack.url, 'GET', `/api/admin/reports/conversations.csv?${range}`, admin)).text;
    expect(csv.trim().split('\n')).toHaveLength(1); // the header only
    const agents = (await httpAs(stack.url, 'GET', `/api/admin/reports/agents?${range}`, admin)).json;
    expect(agents.team).toMatchObject({ handled: 0, resolved: 0 });
    expect(agents.agents.every((a: { handled: number }) => a.handled === 0)).toBe(true);
  });
});

describe('refused conversations and caps', () => {
  it('refuses each bad conversation with its position and reason, and imports the others', async () => {
    const good = { externalId: 'ok-1', customer: { email: 'good@example.com' }, startedAt: '2024-04-01T10:00:00Z', messages: [{ author: 'customer', body: 'Hi', sentAt: '2024-04-01T10:00:00Z' }] };
    const file = {
      source: 'tiledesk',
      conversations: [
        good,
        { ...good, externalId: 'bad-2', messages: [{ author: 'visitor', body: 'Hi', sentAt: '2024-04-01T10:00:00Z' }] },
        { ...good, externalId: 'bad-3', startedAt: 1711965600000 },
        { ...good, externalId: 'bad-4', customer: { name: 'No Id' } },
        { ...good, externalId: 'bad-5', messages: [] },
        { ...good, externalId: 'bad-6', rating: { score: 7 } },
        { ...good, externalId: 'bad-7', messages: [{ author: 'customer', body: '   ', sentAt: '2024-04-01T10:00:00Z' }] },
        { ...good, externalId: 'bad-8', topic: 'x' },
        good, // the same conversation twice
        { ...good, externalId: 'bad-10', messages: [{ author: 'customer', body: 'Psst', sentAt: '2024-04-01T10:00:00Z', private: true }] },
        { ...good, externalId: 'bad-11', startedAt: '2999-01-01T00:00:00Z' },
        { ...good, externalId: 'bad-12', labels: ['no!'] },
        { ...good, externalId: 'bad-13', messages: Array.from({ length: MAX_IMPORT_MESSAGES + 1 }, () => ({ author: 'customer', body: 'x', sentAt: '2024-04-01T10:00:00Z' })) },
        { ...good, externalId: undefined },
        // Shapes the schema would once have refused for the whole file: only these conversations are refused.
        { ...good, externalId: 'bad-15', messages: 'Hi there' },
        { ...good, externalId: 'bad-16', messages: ['Hi there'] },
        null,
      ],
    };
    const result = await importFile(file);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ conversations: 17, imported: 1, rejected: 16 });
    const reasons = Object.fromEntries(result.json.rejectedRows.map((r: { line: number; reason: string }) => [r.line, r.reason]));
    expect(reasons).toEqual({
      2: 'message 1: author is "customer", "agent" or "bot"',
      3: 'startedAt: 1711965600000 looks like milliseconds; give Unix seconds or an ISO 8601 time',
      4: 'customer: neither an externalId nor an email: one of them says who the contact is',
      5: 'messages: expected a list of at least one message',
      6: 'rating: score is a whole number from 1 to 5 (map a 3-point or emoji scale to it)',
      7: 'message 1: body is empty (leave out activity lines and parts with only a file)',
      8: 'unknown field "topic"',
      9: 'the file has conversation tiledesk "ok-1" twice (also conversation 1)',
      10: 'message 1: only an agent\'s message can be private (a note)',
      11: 'startedAt: 2999-01-01T00:00:00.000Z is in the future',
      12: expect.stringMatching(/^labels: Label "no!" is not allowed/),
      13: `${MAX_IMPORT_MESSAGES + 1} messages; a conversation has at most 1,000 (split it, or leave out activity lines)`,
      14: "externalId: expected the conversation's id in the tool it came from (text or a whole number)",
      15: 'messages: expected a list of at least one message',
      16: 'message 1: expected an object with author, body and sentAt',
      17: 'expected an object with externalId, customer, startedAt and messages',
    });
    expect(result.json.rejectedRows.find((r: { line: number }) => r.line === 4)).toMatchObject({ externalId: 'bad-4', code: 'invalid' });
    expect(await conversationOf('tiledesk', 'ok-1')).toBeDefined();
    expect((await sql()`select 1 from conversations where imported_from = 'tiledesk'`).length).toBe(1);
  });

  it('refuses a conversation with the NUL character or a lone surrogate in any of its texts by its position, and imports the others', async () => {
    const good = { externalId: 'nul-ok', customer: { email: 'nul-conv@example.com' }, startedAt: '2024-04-05T10:00:00Z', messages: [{ author: 'customer', body: 'Hi', sentAt: '2024-04-05T10:00:00Z' }] };
    const result = await importFile({ source: 'nultool', conversations: [
      good,
      { ...good, externalId: 'nul-body', messages: [good.messages[0], { author: 'agent', body: 'Hello\u0000there', sentAt: '2024-04-05T10:01:00Z' }] },
      { ...good, externalId: 'nul-customer', customer: { email: 'nul-conv-2@example.com', name: 'Half \ud83d' } },
      { ...good, externalId: 'nul-rating', rating: { score: 4, comment: 'ok\u0000' } },
      { ...good, externalId: 'nul-key', messages: [{ ...good.messages[0], ['x\u0000']: 1 }] },
    ] });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ conversations: 5, imported: 1, rejected: 4 });
    expect(result.json.rejectedRows.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [2, 'message 2: body: text cannot contain the NUL character (U+0000)'],
      [3, expect.stringMatching(/^customer: text must be well-formed Unicode/)],
      [4, 'rating: text cannot contain the NUL character (U+0000)'],
      [5, 'message 1: x\\u0000: text cannot contain the NUL character (U+0000)'],
    ]);
    expect(await conversationOf('nultool', 'nul-ok')).toBeDefined();
    expect((await sql()`select 1 from conversations where imported_from = 'nultool'`).length).toBe(1);
    expect(await sql()`select 1 from customers where email = 'nul-conv-2@example.com'`).toHaveLength(0);

    // The file's own fields are guarded as on every route: a 400, nothing imported.
    const badSource = await importFile({ source: 'nul\u0000tool', conversations: [{ ...good, externalId: 'nul-source' }] });
    expect(badSource.status).toBe(400);
    expect(badSource.json.error.message).toBe('Text cannot contain the NUL character (U+0000).');
    expect(await conversationOf('nultool', 'nul-source')).toBeUndefined();
  });

  it('a customer whose email is one record and shop user id another is a conflict: that conversation is refused, never merged', async () => {
    await httpAs(stack.url, 'POST', '/api/admin/customers/import', admin, { customers: [{ externalId: 'shop-c1', email: 'c1@example.com' }, { externalId: 'shop-c2', email: 'c2@example.com' }] });
    const result = await importFile({ source: 'chatwoot', conversations: [
      { externalId: 'conflict-1', customer: { externalId: 'shop-c1', email: 'c2@example.com' }, startedAt: '2024-04-02T10:00:00Z', messages: [{ author: 'customer', body: 'Hi', sentAt: '2024-04-02T10:00:00Z' }] },
    ] });
    expect(result.json).toMatchObject({ imported: 0, rejected: 1, rejectedRows: [{ line: 1, externalId: 'conflict-1', code: 'conflict', reason: expect.stringMatching(/^customer: externalId "shop-c1" is customer #\d+ and c2@example.com is customer #\d+/) }] });
    expect(await conversationOf('chatwoot', 'conflict-1')).toBeUndefined();
  });

  it('answers the caps with 413 in words, a broken file and a bad source with 400, and writes nothing', async () => {
    const before = await count('conversations');
    const one = (i: number, messages = 1) => ({ externalId: `cap-${i}`, customer: { email: 'cap@example.com' }, startedAt: '2024-04-03T10:00:00Z',
      messages: Array.from({ length: messages }, () => ({ author: 'customer', body: 'x', sentAt: '2024-04-03T10:00:00Z' })) });
    const tooMany = await importFile({ source: 'x', conversations: Array.from({ length: MAX_IMPORT_CONVERSATIONS + 1 }, (_, i) => one(i)) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.json.error).toMatchObject({ code: 'too_many_rows', message: 'The file has 501 conversations; at most 500 are imported per request. Split it into several files.' });
    const perConversation = Math.ceil((MAX_IMPORT_MESSAGES_TOTAL + 1) / 100);
    const tooManyMessages = await importFile({ source: 'x', conversations: Array.from({ length: 100 }, (_, i) => one(i, perConversation)) });
    expect(tooManyMessages.status).toBe(413);
    expect(tooManyMessages.json.error.code).toBe('too_many_messages');
    const huge = await importFile({ source: 'x', conversations: [{ ...one(1), messages: [{ author: 'customer', body: 'y'.repeat(11 * 1024 * 1024), sentAt: '2024-04-03T10:00:00Z' }] }] });
    expect(huge.status).toBe(413);
    expect(huge.json.error.message).toMatch(/larger than 10 MB/);

    const broken = await fetch(`${stack.url}/api/admin/conversations/import`, { method: 'POST', headers: { cookie: admin.cookie, 'content-type': 'application/json' }, body: '\uFEFF{"conversations": [' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('not_parseable');
    const badSource = await importFile({ source: 'Old Tool!', conversations: [one(1)] });
    expect(badSource.status).toBe(400);
    expect(badSource.json.error.message).toMatch(/^source: name the tool/);
    expect(await count('conversations')).toBe(before);
  });

  it('a file with a byte-order mark is read as JSON', async () => {
    const body = `\uFEFF${JSON.stringify({ source: 'bom', conversations: [{ externalId: 1, customer: { email: 'bom@example.com' }, startedAt: '2024-04-04T10:00:00Z', messages: [{ author: 'customer', body: 'Hi', sentAt: '2024-04-04T10:00:00Z' }] }] })}`;
    const response = await fetch(`${stack.url}/api/admin/conversations/import`, { method: 'POST', headers: { cookie: admin.cookie, 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { imported: number }).imported).toBe(1);
  });

  it('one import at a time, shared with the contacts import: another running is a 409', async () => {
    await sql().begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('shopdesk:customer-import'))`;
      const refused = await importFile({ source: 'lock', conversations: [] });
      expect(refused.status).toBe(409);
      expect(refused.json.error.code).toBe('import_running');
    });
  });
});

describe('times in the file', () => {
  it('reads ISO 8601 (a time without a zone as UTC) and Unix seconds, and refuses impossible days, milliseconds and words', () => {
    const iso = (value: unknown) => { const read = readTime(value, 'sentAt'); return read instanceof Date ? read.toISOString() : read.problem; };
    expect(iso('2024-03-01T09:30:00+02:00')).toBe('2024-03-01T07:30:00.000Z');
    expect(iso('2024-03-01 09:30')).toBe('2024-03-01T09:30:00.000Z');
    expect(iso(1709370000)).toBe('2024-03-02T09:00:00.000Z');
    expect(iso('2024-02-30T10:00:00Z')).toBe('sentAt: "2024-02-30T10:00:00Z" is not a real time');
    expect(iso(1709370000000)).toBe('sentAt: 1709370000000 looks like milliseconds; give Unix seconds or an ISO 8601 time');
    expect(iso('yesterday')).toBe('sentAt: expected an ISO 8601 time such as 2024-03-01T09:30:00Z, or Unix seconds');
    expect(iso(0)).toBe('sentAt: 1970-01-01T00:00:00.000Z is before 2000');
  });
});
