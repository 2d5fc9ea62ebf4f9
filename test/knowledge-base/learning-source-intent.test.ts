// What customer deletion takes out of the intents, and the out-of-scope list's lock on import. Real server, Postgres
// and Redis (no workers: nothing here needs the bot trained).
//   - A shopper's question added to an intent from the learning loop is removed from that intent only (migration 060):
//     the same sentence an admin typed into another intent is the shop's own and stays; the link survives the intent
//     being renamed and its examples rewritten; a source recorded before 060 (no intent) still removes the text from
//     every intent; so does one whose intent no longer holds it: the intent deleted (the link set to null), renamed by
//     a 'replace' import, or the sentence moved by hand to another intent. The export lists what deletion removes.
//   - An import writing the out-of-scope list takes the list's lock, so a "Not for the bot" that read the list before
//     does not write it back over the imported one (the race is made to happen: a transaction of the test's holds the
//     lock as that action does, and the import is seen waiting for it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, widgetSession, type TestStack } from '../support/server.ts';
import { holdLocks, lockWaiters } from '../support/held-locks.ts';
import { eventually } from '../support/sockets.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { unansweredRepository } from '../../knowledge-base/unanswered.ts';
import { lockOutOfScopeList, outOfScopeExamples, setOutOfScopeExamples } from '../../knowledge-base/out-of-scope.ts';
import type { Sql } from '../../server/db/client.ts';

let stack: TestStack;
let admin: { cookie: string };

beforeAll(async () => {
  stack = await startStack({ server: { extensions: [knowledgeBaseExtension()] } });
  admin = { cookie: (await login(stack.url, stack.admin.email, stack.admin.password)).cookie };
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const api = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);

async function createIntent(name: string, examples: string[]): Promise<number> {
  const created = await api('POST', '/api/admin/intents', { name, answer: { en: `About ${name}.` }, examples: { en: examples } });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return created.json.intent.id;
}

/** A shopper (new customer) with a resolved chat, and an unanswered group of theirs with `text`. */
async function shopperGroup(text: string) {
  const shopper = await widgetSession(stack.url);
  const [{ id: conversationId }] = await stack.env.sql<{ id: number }[]>`
    insert into conversations (customer_id, status) values (${shopper.customerId}, 'resolved') returning id`;
  const groupId = await unansweredRepository(stack.env.sql).record(text, conversationId, { reason: 'no_match' });
  return { customerId: shopper.customerId, conversationId, groupId };
}

/**
 * Gives a second intent an example another holds, as only older data can (the API refuses it since
 * example_in_other_intent): what deletion does with a sentence in two intents still matters for such data.
 */
const shareExample = (intentId: number, text: string) => stack.env.sql`insert into intent_examples (intent_id, locale, text) values (${intentId}, 'en', ${text})`;

const examplesOf = async (intentId: number): Promise<string[]> => (await api('GET', `/api/admin/intents/${intentId}`)).json.intent.examples.en;

describe('customer deletion and an example taught to one intent', () => {
  it("removes it from the intent it was added to and keeps an admin's identical example in another intent", async () => {
    const sentence = 'can you wrap the bird feeder as a birthday present';
    const wrapping = await createIntent('gift_wrapping', ['do you offer gift wrapping', 'can I get my order gift wrapped']);
    const orders = await createIntent('order_extras', ['can I add a card to my order', 'can I add a note to the parcel']);

    const shopper = await shopperGroup(sentence);
    expect((await api('POST', `/api/admin/unanswered/${shopper.groupId}/add-example`, { intentId: wrapping })).status).toBe(200);
    // The admin types the same sentence into another intent on their own.
    await shareExample(orders, sentence);

    // The intent is renamed and its examples rewritten (an editor's save): it keeps its id, and the link.
    const loaded = (await api('GET', `/api/admin/intents/${wrapping}`)).json.intent;
    const { id: _id, ...body } = loaded;
    const saved = await api('PUT', `/api/admin/intents/${wrapping}`, { ...body, name: 'gift_wrap_service', examples: { en: [...loaded.examples.en, 'is gift wrap free'] } });
    expect(saved.status, JSON.stringify(saved.json)).toBe(200);

    // The export lists the example they taught, not the admin's.
    const exported = (await api('GET', `/api/admin/customers/${shopper.customerId}/export`)).json;
    expect(exported.trainingExamples.intents).toEqual([{ intent: 'gift_wrap_service', locale: 'en', text: sentence }]);

    const deleted = await api('DELETE', `/api/admin/customers/${shopper.customerId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json.trainingExamplesRemoved).toBe(1);
    expect(await examplesOf(wrapping)).not.toContain(sentence);
    expect(await examplesOf(wrapping)).toEqual(expect.arrayContaining(['do you offer gift wrapping', 'is gift wrap free']));
    expect(await examplesOf(orders)).toContain(sentence);
  }, 60_000);

  it('removes a text recorded before the intent was kept (migration 060) from every intent, as before', async () => {
    const sentence = 'do you gift wrap the hedgehog lamp for free';
    const one = await createIntent('wrap_questions', [sentence, 'how much is gift wrap']);
    const two = await createIntent('lamp_questions', ['which bulb does the lamp take']);
    await shareExample(two, sentence);
    const shopper = await shopperGroup(sentence);
    await stack.env.sql`insert into learning_sources (conversation_id, kind, text) values (${shopper.conversationId}, 'example', ${sentence})`;

    const deleted = await api('DELETE', `/api/admin/customers/${shopper.customerId}`);
    expect(deleted.json.trainingExamplesRemoved).toBe(2);
    expect(await examplesOf(one)).not.toContain(sentence);
    expect(await examplesOf(two)).not.toContain(sentence);
  }, 60_000);

  it('removes the text from every intent once its intent is deleted (the link is kept, set to null), and the export lists it', async () => {
    const sentence = 'can the otter mug be wrapped in recycled paper';
    const doomed = await createIntent('mug_wrapping', ['do you wrap mugs', 'is the mug packed safely']);
    const kept = await createIntent('packaging', ['is your packaging recyclable', 'do you use plastic in parcels']);
    const shopper = await shopperGroup(sentence);
    expect((await api('POST', `/api/admin/unanswered/${shopper.groupId}/add-example`, { intentId: doomed })).status).toBe(200);
    // Their words end up in the other intent (a copy the admin pasted there before deleting the first).
    await shareExample(kept, sentence);

    expect((await api('DELETE', `/api/admin/intents/${doomed}`)).status).toBe(200);
    expect(await stack.env.sql`select intent_id from learning_sources where conversation_id = ${shopper.conversationId}`)
      .toEqual([{ intent_id: null }]);
    const exported = (await api('GET', `/api/admin/customers/${shopper.customerId}/export`)).json;
    expect(exported.trainingExamples.intents).toEqual([{ intent: 'packaging', locale: 'en', text: sentence }]);
    const deleted = await api('DELETE', `/api/admin/customers/${shopper.customerId}`);
    expect(deleted.json.trainingExamplesRemoved).toBe(1);
    expect(await examplesOf(kept)).not.toContain(sentence);
    expect(await stack.env.sql`select id from learning_sources where conversation_id = ${shopper.conversationId}`).toHaveLength(0);
  }, 60_000);

  it('follows the sentence an admin moved by hand to another intent', async () => {
    const sentence = 'will the fox scarf arrive before the weekend';
    const first = await createIntent('scarf_questions', ['is the scarf wool', 'how long is the scarf']);
    const second = await createIntent('delivery_time', ['when will my parcel arrive', 'how long does delivery take']);
    const shopper = await shopperGroup(sentence);
    expect((await api('POST', `/api/admin/unanswered/${shopper.groupId}/add-example`, { intentId: first })).status).toBe(200);

    // The editor's save of the first intent without the sentence, then the sentence added to the second.
    const loaded = (await api('GET', `/api/admin/intents/${first}`)).json.intent;
    const { id: _id, ...body } = loaded;
    const saved = await api('PUT', `/api/admin/intents/${first}`, { ...body, examples: { en: loaded.examples.en.filter((x: string) => x !== sentence) } });
    expect(saved.status, JSON.stringify(saved.json)).toBe(200);
    expect((await api('POST', `/api/admin/intents/${second}/examples`, { text: sentence, locale: 'en' })).status).toBe(200);

    const exported = (await api('GET', `/api/admin/customers/${shopper.customerId}/export`)).json;
    expect(exported.trainingExamples.intents).toEqual([{ intent: 'delivery_time', locale: 'en', text: sentence }]);
    const deleted = await api('DELETE', `/api/admin/customers/${shopper.customerId}`);
    expect(deleted.json.trainingExamplesRemoved).toBe(1);
    expect(await examplesOf(second)).not.toContain(sentence);
    expect(await examplesOf(second)).toEqual(['when will my parcel arrive', 'how long does delivery take']);
  }, 60_000);

  it("follows the sentence into the intent a 'replace' import renamed its intent to", async () => {
    const sentence = 'does the heron print come framed';
    const original = await createIntent('print_frames', ['are the prints framed', 'what size is the frame']);
    const shopper = await shopperGroup(sentence);
    expect((await api('POST', `/api/admin/unanswered/${shopper.groupId}/add-example`, { intentId: original })).status).toBe(200);

    // Every intent as exported, the one renamed: the import deletes the old name and creates the new one.
    const all = (await api('GET', '/api/admin/intents/export')).json.intents as { name: string }[];
    const file = all.map((i) => (i.name === 'print_frames' ? { ...i, name: 'framing_options' } : i));
    expect(file.find((i) => i.name === 'framing_options')).toBeDefined();
    const preview = await api('POST', '/api/admin/intents/import?dryRun=true', { intents: file, mode: 'replace' });
    expect(preview.status, JSON.stringify(preview.json)).toBe(200);
    expect(preview.json.deleted).toBe(1);
    const imported = await api('POST', '/api/admin/intents/import', { intents: file, mode: 'replace', confirmDeletes: 1 });
    expect(imported.status, JSON.stringify(imported.json)).toBe(200);
    const [renamed] = await stack.env.sql<{ id: number }[]>`select id from intents where name = 'framing_options'`;
    expect(await examplesOf(renamed.id)).toContain(sentence);

    const exported = (await api('GET', `/api/admin/customers/${shopper.customerId}/export`)).json;
    expect(exported.trainingExamples.intents).toEqual([{ intent: 'framing_options', locale: 'en', text: sentence }]);
    const deleted = await api('DELETE', `/api/admin/customers/${shopper.customerId}`);
    expect(deleted.json.trainingExamplesRemoved).toBe(1);
    expect(await examplesOf(renamed.id)).toEqual(['are the prints framed', 'what size is the frame']);
  }, 60_000);
});

describe('an import of the out-of-scope list', () => {
  it('waits for the list\'s lock, so a "Not for the bot" that read the list before does not write it back over the import', async () => {
    await setOutOfScopeExamples(stack.env.sql, ['what is the weather in Oslo']);
    const imported = ['tell me a story about a dragon', 'who won the football yesterday'];
    const markedMeanwhile = 'can you book me a taxi to the airport';
    let readBefore: string[] = [];
    let marking!: Sql;
    // What addOutOfScopeExamples does before it writes, in a transaction of the test's: the lock, then the list as it is.
    const release = await holdLocks(stack.env.sql, async (tx) => {
      marking = tx;
      await lockOutOfScopeList(tx);
      readBefore = await outOfScopeExamples(tx);
    });
    let importDone = false;
    const importing = api('POST', '/api/admin/intents/import', { intents: [], mode: 'merge', outOfScope: imported })
      .finally(() => { importDone = true; });
    try {
      // Until the import is seen waiting for the lock, or (without the lock) has finished.
      await eventually(async () => importDone || (await lockWaiters(stack.env.sql)) >= 1, 20_000, 'the import waiting for the lock or done');
      expect(importDone, 'the import waits for the list\'s lock').toBe(false);
    } finally {
      // The "Not for the bot" writes what it read plus its sentence, and commits.
      await setOutOfScopeExamples(marking, [...readBefore, markedMeanwhile]);
      await release();
    }
    const result = await importing;
    expect(result.status).toBe(200);
    expect(result.json.outOfScope).toBe('updated');
    expect(await outOfScopeExamples(stack.env.sql)).toEqual(imported);
  }, 60_000);
});
