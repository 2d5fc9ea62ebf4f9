// The learning loop's admin actions on a real stack (Postgres, Redis, BullMQ workers, the seeded bot): what is taught
// from a shopper's chat remembers which chat it came from, so deleting the customer takes their words out of the
// intent and out-of-scope examples and drops the never-published drafts quoting them (a published article stays); a
// resolved hand-off's over-long question asks for a shortened text instead of failing with a 500; a group or chat
// already handled refuses a second action (409), also when two arrive at once; a draft from a resolved hand-off settles
// the unanswered group of its question only, not the chat's other questions; and every such action is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, httpAs, widgetSession, type TestStack } from '../../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, type WidgetClient } from '../../support/sockets.ts';
import { seededBotStack } from '../../support/seeded-bot-stack.ts';
import { unansweredRepository, MAX_UNANSWERED_EXAMPLES } from '../../../knowledge-base/unanswered.ts';
import { addOutOfScopeExamples, outOfScopeExamples, setOutOfScopeExamples } from '../../../knowledge-base/out-of-scope.ts';
import type { ChatMessage } from '../../../server/realtime/event-maps.ts';
import type { Redis } from 'ioredis';

let stack: TestStack;
let admin: { cookie: string };
let agent: Awaited<ReturnType<typeof connectAgent>>;
const sockets: WidgetClient[] = [];

beforeAll(async () => {
  ({ stack, admin } = await seededBotStack());
  // Online, so that a request for a person is a hand-off to them.
  const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, token, { restorePresence: true });
  await callOk(agent, 'presence:set', { presence: 'online' });
}, 180_000);

afterAll(async () => {
  sockets.forEach((s) => s.close());
  agent?.close();
  await stack?.close();
});

const api = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);

/** A shopper's chat: `question`, then a request for a person, an agent's reply, resolved. Resolves with its ids. */
async function resolvedHandoff(question: string, reply: string): Promise<{ conversationId: number; customerId: number }> {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  sockets.push(socket);
  let conversationId: number | undefined;
  let n = 0;
  for (const text of [question, 'talk to a human please']) {
    const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot', 20_000);
    conversationId = (await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q${++n}`, text, conversationId })).conversationId;
    await botReply;
  }
  const accepted = await call(agent, 'conversation:accept', { conversationId });
  if (!accepted.ok) {
    const [row] = await stack.env.sql<{ email: string | null }[]>`select u.email from conversations c left join users u on u.id = c.assignee_id where c.id = ${conversationId!}`;
    expect(row.email, 'assigned to the agent by routing').toBe(stack.agent.email);
  }
  await callOk(agent, 'message:send', { conversationId, clientId: `a-${conversationId}`, text: reply });
  await callOk(agent, 'conversation:resolve', { conversationId });
  return { conversationId: conversationId!, customerId: session.customerId };
}

const intentId = async (name: string): Promise<number> => (await api('GET', '/api/admin/intents')).json.items.find((i: any) => i.name === name).id;
const examplesWith = (text: string) => stack.env.sql`select id from intent_examples where text = ${text}`;

describe('customer deletion and what was taught from their chats', () => {
  it("removes a resolved hand-off's question made an intent example, questions no longer kept by their group, and drafts quoting them", async () => {
    const personal = 'Hi, I am Quentin Zebrowski of 12 Larkspur Lane, can I pay for my order with a gift card?';
    const chat = await resolvedHandoff(personal, 'Yes, Quentin: gift cards are accepted at checkout, just enter the code.');
    const candidate = (await api('GET', '/api/admin/unanswered/candidates')).json.items.find((c: any) => c.conversationId === chat.conversationId);
    expect(candidate).toMatchObject({ question: personal });
    const added = await api('POST', `/api/admin/unanswered/candidates/${chat.conversationId}/add-example`, { intentId: await intentId('payment_methods') });
    expect(added.status).toBe(200);
    expect(added.json.intent.examples.en).toContain(personal);

    // Their misses in the unanswered list, each then pushed out of its group's kept examples by other shoppers' misses
    // (the group keeps its representative text, theirs): one "not for the bot", one added (edited) as an example, one
    // drafted into an article and one drafted and published.
    const other = await widgetSession(stack.url);
    const [{ id: otherChat }] = await stack.env.sql<{ id: number }[]>`
      insert into conversations (customer_id, status) values (${other.customerId}, 'resolved') returning id`;
    const repo = unansweredRepository(stack.env.sql);
    const group = async (text: string, crowdedBy: string[]) => {
      const id = await repo.record(text, chat.conversationId, { reason: 'no_match' });
      for (let i = 0; i < MAX_UNANSWERED_EXAMPLES; i++) expect(await repo.record(crowdedBy[i % crowdedBy.length], otherChat, { reason: 'no_match' })).toBe(id);
      const row = (await repo.findById(id))!;
      expect(row.text).toBe(text);
      expect(row.examples.some((e) => e.conversationId === chat.conversationId)).toBe(false);
      return row;
    };
    const marsText = 'Quentin here again, do you deliver parcels to Mars colony base four?';
    const mars = await group(marsText, ['do you deliver parcels to Mars colony base', 'deliver parcels to Mars colony base please']);
    expect((await api('POST', `/api/admin/unanswered/${mars.id}/out-of-scope`)).status).toBe(200);
    expect(await outOfScopeExamples(stack.env.sql)).toContain(marsText);

    const edited = 'Quentin asks: can the zebra saddle be engraved?';
    const saddle = await group('Quentin asking, can the zebra saddle be engraved with my name?', ['can the zebra saddle be engraved', 'is engraving on the zebra saddle possible']);
    expect((await api('POST', `/api/admin/unanswered/${saddle.id}/add-example`, { intentId: await intentId('payment_methods'), text: edited })).status).toBe(200);

    const lantern = await group('Quentin wonders whether the paper lantern kit includes the candles?', ['does the paper lantern kit include candles', 'paper lantern kit candles included']);
    const draft = await api('POST', `/api/admin/unanswered/${lantern.id}/create-article`, {});
    expect(draft.status).toBe(201);
    const kite = await group('Quentin would like to know if the stunt kite comes with a spare line?', ['does the stunt kite come with a spare line', 'stunt kite spare line included']);
    const published = await api('POST', `/api/admin/unanswered/${kite.id}/create-article`, {});
    expect(published.status).toBe(201);
    expect((await api('POST', `/api/admin/articles/${published.json.article.id}/publish`)).status).toBe(200);

    // The export lists what was taught from them.
    const exported = (await api('GET', `/api/admin/customers/${chat.customerId}/export`)).json;
    expect(exported.trainingExamples.intents.map((e: any) => e.text)).toEqual(expect.arrayContaining([personal, edited]));
    expect(exported.trainingExamples.outOfScope).toContain(marsText);

    const deleted = await api('DELETE', `/api/admin/customers/${chat.customerId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ trainingExamplesRemoved: 3, articleDraftsRemoved: 1 });
    expect(await examplesWith(personal)).toHaveLength(0);
    expect(await examplesWith(edited)).toHaveLength(0);
    expect(await outOfScopeExamples(stack.env.sql)).not.toContain(marsText);
    expect(await stack.env.sql`select id from articles where id = ${draft.json.article.id}`).toHaveLength(0);
    // The article an admin published is the shop's content now; nothing ties it to the person any more.
    expect(await stack.env.sql`select id from articles where id = ${published.json.article.id}`).toHaveLength(1);
    expect(await stack.env.sql`select id from learning_sources where conversation_id = ${chat.conversationId}`).toHaveLength(0);
    // The other shopper's words stay in the out-of-scope examples.
    expect(await outOfScopeExamples(stack.env.sql)).toContain('do you deliver parcels to Mars colony base');
  }, 120_000);
});

describe("customer deletion and the shop's own training data", () => {
  /** A shopper (new customer) with a resolved chat, and an unanswered group of theirs with `text`. */
  const shopperGroup = async (text: string) => {
    const shopper = await widgetSession(stack.url);
    const [{ id: conversationId }] = await stack.env.sql<{ id: number }[]>`
      insert into conversations (customer_id, status) values (${shopper.customerId}, 'resolved') returning id`;
    const id = await unansweredRepository(stack.env.sql).record(text, conversationId, { reason: 'no_match' });
    return { customerId: shopper.customerId, conversationId, groupId: id };
  };

  it('keeps an example or out-of-scope sentence the shop had when a shopper typed the same words, and records no source for it', async () => {
    const intent = await intentId('payment_methods');
    const shopsOwn = 'do you take payment by wire transfer to a Swiss account';
    expect((await api('POST', `/api/admin/intents/${intent}/examples`, { text: shopsOwn, locale: 'en' })).status).toBe(200);
    const shopsOutOfScope = 'please tell me a joke about penguins on holiday';
    await addOutOfScopeExamples(stack.env.sql, [shopsOutOfScope]);

    const asExample = await shopperGroup(shopsOwn);
    expect((await api('POST', `/api/admin/unanswered/${asExample.groupId}/add-example`, { intentId: intent })).status).toBe(200);
    const asOutOfScope = await shopperGroup(shopsOutOfScope);
    const marked = await api('POST', `/api/admin/unanswered/${asOutOfScope.groupId}/out-of-scope`);
    expect(marked.status).toBe(200);
    expect(marked.json.added).toBe(0);
    expect(await stack.env.sql`select id from learning_sources where conversation_id in (${asExample.conversationId}, ${asOutOfScope.conversationId})`).toHaveLength(0);

    for (const shopper of [asExample, asOutOfScope]) {
      const deleted = await api('DELETE', `/api/admin/customers/${shopper.customerId}`);
      expect(deleted.status).toBe(200);
      expect(deleted.json.trainingExamplesRemoved).toBe(0);
    }
    expect(await examplesWith(shopsOwn)).toHaveLength(1);
    expect(await outOfScopeExamples(stack.env.sql)).toContain(shopsOutOfScope);
  }, 60_000);

  it("moves the intent's updatedAt, so an editor opened before the deletion cannot save the deleted words back", async () => {
    const intent = await intentId('payment_methods');
    const theirs = 'Ottoline Brackenbury here, can I pay for my parrot perch in three instalments?';
    const shopper = await shopperGroup(theirs);
    expect((await api('POST', `/api/admin/unanswered/${shopper.groupId}/add-example`, { intentId: intent })).status).toBe(200);
    // The editor, open since before the deletion.
    const loaded = (await api('GET', '/api/admin/intents')).json.items.find((i: any) => i.id === intent);
    expect(loaded.examples.en).toContain(theirs);

    expect((await api('DELETE', `/api/admin/customers/${shopper.customerId}`)).json.trainingExamplesRemoved).toBe(1);
    expect(await examplesWith(theirs)).toHaveLength(0);
    const { id: _id, ...body } = loaded;
    const stale = await api('PUT', `/api/admin/intents/${intent}`, body);
    expect(stale.status).toBe(409);
    expect(await examplesWith(theirs)).toHaveLength(0);
  }, 60_000);

  it('waits for the out-of-scope list\'s lock, so a "Not for the bot" at the same moment is neither lost nor writes their words back', async () => {
    const theirs = 'Barnaby Quillfeather asks whether you sell tickets to the moon';
    const shopper = await shopperGroup(theirs);
    expect((await api('POST', `/api/admin/unanswered/${shopper.groupId}/out-of-scope`)).status).toBe(200);
    const meanwhile = 'can you recommend a good dentist in Lisbon';
    let deletion!: Promise<{ status: number }>;
    let settled = false;
    await stack.env.sql.begin(async (tx) => {
      // What addOutOfScopeExamples does, held open while the deletion runs.
      await tx`select pg_advisory_xact_lock(hashtext('nlu_out_of_scope'))`;
      const current = await outOfScopeExamples(tx as never);
      expect(current).toContain(theirs);
      deletion = api('DELETE', `/api/admin/customers/${shopper.customerId}`);
      void deletion.finally(() => { settled = true; });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(settled, 'the deletion waits for the lock').toBe(false);
      await setOutOfScopeExamples(tx as never, [...current, meanwhile]);
    });
    expect((await deletion).status).toBe(200);
    const list = await outOfScopeExamples(stack.env.sql);
    expect(list).toContain(meanwhile);
    expect(list).not.toContain(theirs);
  }, 60_000);
});

describe('a resolved hand-off whose question is longer than an example may be', () => {
  it('asks for a shortened text (400) instead of failing, and takes one', async () => {
    const long = `${'I bought a present for my sister last spring and she loved it, and now her birthday is coming again. '.repeat(6)}Do you sell gift cards I could email to her?`;
    expect(long.length).toBeGreaterThan(500);
    const chat = await resolvedHandoff(long, 'We do: digital gift cards are on the Gift cards page, emailed at the time you choose.');
    const intent = await intentId('payment_methods');
    const path = `/api/admin/unanswered/candidates/${chat.conversationId}/add-example`;
    const refused = await api('POST', path, { intentId: intent });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/at most 500.*shortened text/);
    // Its own code, which the console words in its language (candidates.tooLong).
    expect(refused.json.error.code).toBe('example_too_long');
    expect((await api('POST', path, { intentId: intent, text: 'x'.repeat(501) })).status).toBe(400);
    // Refused, it stays on the list.
    expect((await api('GET', '/api/admin/unanswered/candidates')).json.items.some((c: any) => c.conversationId === chat.conversationId)).toBe(true);
    const taken = await api('POST', path, { intentId: intent, text: 'Do you sell gift cards I could email to my sister?' });
    expect(taken.status).toBe(200);
    expect(taken.json.intent.examples.en).toContain('Do you sell gift cards I could email to my sister?');
  }, 60_000);
});

describe('a group or chat handled already', () => {
  it('refuses a second action (409) and keeps what the first did; of two at once, one goes through', async () => {
    const repo = unansweredRepository(stack.env.sql);
    const id = await repo.record('do you sell tickets to the moon landing museum', null, { reason: 'no_match' });
    expect((await api('POST', `/api/admin/unanswered/${id}/out-of-scope`)).status).toBe(200);
    const payment = await intentId('payment_methods');
    for (const [path, body] of [['add-example', { intentId: payment }], ['create-article', {}], ['out-of-scope', undefined], ['handled', undefined]] as const) {
      const again = await api('POST', `/api/admin/unanswered/${id}/${path}`, body);
      expect(again.status, path).toBe(409);
      expect(again.json.error.message).toContain('handled already');
    }
    expect((await repo.findById(id))!.resolution).toMatchObject({ kind: 'out_of_scope' });
    expect(await examplesWith('do you sell tickets to the moon landing museum')).toHaveLength(0);

    // A failed action leaves the group open: an unknown intent is a 404, and the group can still be acted on.
    const other = await repo.record('can I rent a hot air balloon for a proposal', null, { reason: 'no_match' });
    expect((await api('POST', `/api/admin/unanswered/${other}/add-example`, { intentId: 999_999 })).status).toBe(404);
    expect((await repo.findById(other))!.status).toBe('open');

    // Two "create article" clicks at once: one draft.
    const drafts = await Promise.all([1, 2].map(() => api('POST', `/api/admin/unanswered/${other}/create-article`, {})));
    expect(drafts.map((d) => d.status).sort()).toEqual([201, 409]);
    expect(await stack.env.sql`select id from articles where title = 'can I rent a hot air balloon for a proposal'`).toHaveLength(1);

    const chat = await resolvedHandoff('Can I order a custom engraved compass for my dad?', 'Yes, engraving is free on compasses: add the text in the product options.');
    const fromChat = await Promise.all([1, 2].map(() => api('POST', `/api/admin/unanswered/candidates/${chat.conversationId}/create-article`, {})));
    expect(fromChat.map((d) => d.status).sort()).toEqual([201, expect.any(Number)]);
    expect([404, 409]).toContain(fromChat.map((d) => d.status).sort()[1]);
    expect(await stack.env.sql`select id from articles where title = 'Can I order a custom engraved compass for my dad?'`).toHaveLength(1);
  }, 60_000);
});

describe("a draft from a resolved hand-off's question", () => {
  const repo = () => unansweredRepository(stack.env.sql);
  const miss = (text: string, conversationId: number | null) => repo().record(text, conversationId, { reason: 'no_match' });

  it("settles that question's unanswered group only: the chat's other unanswered question stays open", async () => {
    const question = 'can I pay for the walnut rocking chair with Klarna';
    const chat = await resolvedHandoff(question, 'Yes: choose Klarna at checkout and pay for the rocking chair in three parts.');
    // Before it, the shopper asked something else the bot could not answer; both are open groups holding this chat.
    const iceland = await miss('do you send parcels to Reykjavik in Iceland', chat.conversationId);
    const klarna = await miss(question, chat.conversationId);
    expect(klarna).not.toBe(iceland);
    const drafted = await api('POST', `/api/admin/unanswered/candidates/${chat.conversationId}/create-article`, {});
    expect(drafted.status).toBe(201);
    expect((await repo().findById(klarna))!.resolution).toMatchObject({ kind: 'article', articleId: drafted.json.article.id, slug: drafted.json.article.slug });
    expect(await repo().findById(iceland)).toMatchObject({ status: 'open', resolution: null });
  }, 60_000);

  it("finds the group by the chat's words alike enough to the question, else by the question alone", async () => {
    const other = await widgetSession(stack.url);
    const chat = async () => (await stack.env.sql<{ id: number }[]>`
      insert into conversations (customer_id, status) values (${other.customerId}, 'resolved') returning id`)[0].id;
    // The bot recorded only part of the message (the part it could not answer): that group is the question's.
    const partly = await chat();
    const unrelated = await miss('is the velvet footstool stuffed with horsehair', partly);
    const part = await miss('do you gift wrap the brass telescope in velvet paper', partly);
    expect(await repo().openGroupOf('Where is my order, and do you gift wrap the brass telescope in velvet paper?', partly)).toMatchObject({ id: part });
    // A question the chat never put in a group answers the group it is most like (another shopper's), not the chat's.
    const answered = await chat();
    await miss('do you sell spare strings for the cedar harp', answered);
    const elsewhere = await miss('can the cedar harp come tuned to baroque pitch', null);
    expect(await repo().openGroupOf('can the cedar harp be tuned to baroque pitch', answered)).toMatchObject({ id: elsewhere });
    expect(await repo().openGroupOf('what time does the Leeds showroom open on Sundays', answered)).toBeUndefined();
    expect(unrelated).not.toBe(part);
  }, 30_000);
});

describe('audit of the learning loop', () => {
  it('records who added a question as an example, marked it not for the bot or drafted an article from it', async () => {
    const repo = unansweredRepository(stack.env.sql);
    const id = await repo.record('do you ship live cacti to Norway', null, { reason: 'no_match' });
    expect((await api('POST', `/api/admin/unanswered/${id}/out-of-scope`)).status).toBe(200);
    const chat = await resolvedHandoff('Can I add a handwritten note to the flower box?', 'Of course, type your note in the gift message field at checkout.');
    const payment = await intentId('payment_methods');
    expect((await api('POST', `/api/admin/unanswered/candidates/${chat.conversationId}/add-example`, { intentId: payment })).status).toBe(200);
    const items = (await api('GET', '/api/admin/audit-log?limit=50')).json.items;
    expect(items).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'kb.unanswered.out_of_scope', target: `unanswered:${id}`, actor: expect.any(String) }),
      expect.objectContaining({ action: 'kb.candidate.add_example', target: `conversation:${chat.conversationId}`, details: { intentId: payment } }),
    ]));
  }, 60_000);
});

describe('a change stored while the job queue is unreachable', () => {
  it('answers success with a warning instead of a 500, and the workers train and index it once the queue is back', async () => {
    // The server's producer connection (every queue of the server shares it), as the reviewer cut it.
    const client = await (stack.servers[0].handle.ctx.queues.queue('kb-train') as unknown as { backend: { client: Promise<Redis> } }).backend.client;
    client.disconnect();
    let created: Awaited<ReturnType<typeof api>>;
    let article: Awaited<ReturnType<typeof api>>;
    try {
      created = await api('POST', '/api/admin/intents', {
        name: 'tandem_rental', answer: { en: 'Tandem bicycles are rented at our Harbour Street shop.' },
        examples: { en: ['where can I rent a tandem bicycle', 'do you hire out tandem bikes', 'tandem bicycle rental price'], zh: [] },
      });
      article = await api('POST', '/api/admin/articles', {
        slug: 'quokka-feeding', locale: 'en', title: 'Feeding the quokka plush', category: 'general', status: 'published',
        body: '## Feeding\n\nThe quokka plush eats imaginary leaves only; never put it in the dishwasher.',
      });
    } finally {
      await client.connect();
    }
    expect(created.status).toBe(201);
    expect(created.json.warning).toMatch(/retraining could not be queued/);
    expect(article.status).toBe(201);
    expect(article.json.warning).toMatch(/re-indexing could not be queued/);
    const owed = await stack.env.sql<{ kind: string }[]>`select kind from kb_job_status where owed_since is not null order by kind`;
    expect(owed.map((r) => r.kind)).toEqual(['index', 'train']);
    // A retry of the same change is refused (it was stored), as before: the fix is that nothing needs retrying.
    expect((await api('POST', '/api/admin/intents', { name: 'tandem_rental', examples: { en: ['x'], zh: [] } })).status).toBe(409);

    // The workers' sweep (within OWED_SWEEP_MS) queues what is owed: the bot learns the intent and finds the article.
    await eventually(async () => (await api('POST', '/api/admin/nlu/classify', { text: 'where can I rent a tandem bicycle' })).json.intent === 'tandem_rental', 90_000, 'the owed training');
    await eventually(async () => (await api('POST', '/api/admin/kb/search', { query: 'can the quokka plush go in the dishwasher' })).json.items?.[0]?.slug === 'quokka-feeding', 30_000, 'the owed indexing');
    expect(await stack.env.sql`select kind from kb_job_status where owed_since is not null`).toHaveLength(0);
  }, 150_000);
});
