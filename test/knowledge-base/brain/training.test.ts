// Training from the database (knowledge-base/training.ts) on a shop's first
// intents: one intent already gets a model that answers its paraphrases and
// leaves unrelated questions out of scope, and the training status shows what
// the latest run did, never a note an earlier run left.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../../server/db/client.ts';
import { trainFromDatabase } from '../../../knowledge-base/training.ts';
import { intentsRepository } from '../../../knowledge-base/repositories/intents.ts';
import { modelsRepository } from '../../../knowledge-base/repositories/models.ts';
import { backgroundExamplesFor, BACKGROUND_EXAMPLES, setOutOfScopeExamples } from '../../../knowledge-base/out-of-scope.ts';
import { IntentClassifier, type IntentClassifierJSON } from '../../../knowledge-base/classifier/intent-classifier.ts';
import { createPipeline } from '../../../knowledge-base/pipeline.ts';
import { adminUrl, databaseUrl, templateDb } from '../../support/databases.ts';

const DB = `shopdesk_oneintent_${process.pid}`;
let sql: Sql;

const SHIPPING_TIME = {
  name: 'shipping_time',
  answer: { en: 'Orders arrive in 3-5 working days.' },
  examples: {
    en: ['how long does delivery take', 'when will my parcel arrive', 'how many days until my package gets here', 'what is the shipping time', 'how fast do you ship'],
  },
};
const UNRELATED = ['do you sell gift cards?', "what's the weather", 'how much does it cost', 'can I pay with PayPal', 'hello'];

async function status() {
  return (await modelsRepository(sql).status()).find((s) => s.kind === 'train')!;
}

async function liveClassifier(): Promise<IntentClassifier> {
  const row = await modelsRepository(sql).latest();
  return IntentClassifier.fromJSON(row!.model as IntentClassifierJSON);
}

beforeAll(async () => {
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${DB} with (force)`);
  await admin.unsafe(`create database ${DB} template ${templateDb()}`);
  await admin.end();
  sql = createSql({ databaseUrl: databaseUrl(DB) }, { max: 2 });
});

afterAll(async () => {
  await sql?.end();
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${DB} with (force)`);
  await admin.end();
});

describe('training a shop whose intents are just starting', () => {
  it('trains no model without intents, and says so', async () => {
    const result = await trainFromDatabase(sql);
    expect(result).toMatchObject({ version: null, skipped: true });
    expect((await status()).details).toEqual({ note: 'no intents with examples; no model trained' });
  });

  it('answers a lone intent from its paraphrases and leaves unrelated questions out of scope', async () => {
    await intentsRepository(sql).upsert(SHIPPING_TIME);
    const result = await trainFromDatabase(sql);
    expect(result).toMatchObject({ version: 1, skipped: false });
    const details = (await status()).details;
    expect(details).toMatchObject({ version: 1, intents: 1, backgroundExamples: backgroundExamplesFor([{ name: 'shipping_time', examples: SHIPPING_TIME.examples.en }]).length });
    expect(details).not.toHaveProperty('note');

    const classifier = await liveClassifier();
    expect(classifier.intents).toEqual(['shipping_time']);
    for (const paraphrase of ['how long does shipping take', 'when will my order arrive?']) {
      expect(await classifier.classify(paraphrase), paraphrase).toMatchObject({ intent: 'shipping_time', outOfScope: false });
    }
    for (const question of UNRELATED) expect((await classifier.classify(question)).outOfScope, question).toBe(true);

    // What the widget says, through the same policy the server runs.
    const brain = await createPipeline({ classifier, articles: [], intents: [SHIPPING_TIME] });
    const answered = await brain.run('how long does shipping take');
    expect(answered).toMatchObject({ action: 'answer', reply: 'Orders arrive in 3-5 working days.', miss: false });
    expect((await brain.run('do you sell gift cards?')).reply).not.toContain('3-5 working days');
  });

  it("trains the lone intent against the admin's out-of-scope examples too", async () => {
    await setOutOfScopeExamples(sql, ['who won the match yesterday', 'write me a short story', 'what is the square root of 81']);
    const result = await trainFromDatabase(sql);
    expect(result).toMatchObject({ version: 2, skipped: false });
    const classifier = await liveClassifier();
    expect(classifier.classes).toContain('__out_of_scope__');
    expect(await classifier.classify('how long does shipping take')).toMatchObject({ intent: 'shipping_time', outOfScope: false });
    for (const question of [...UNRELATED, 'who won the game last night']) expect((await classifier.classify(question)).outOfScope, question).toBe(true);
  });

  it('trains two intents against each other alone, and an unchanged retrain reports the live model, not an older note', async () => {
    await intentsRepository(sql).upsert({ name: 'gift_cards', answer: { en: 'Yes, from $10.' }, examples: { en: ['do you sell gift cards', 'can I buy a gift voucher', 'gift card for a friend'] } });
    await trainFromDatabase(sql);
    const trained = (await status()).details;
    expect(trained).toMatchObject({ version: 3, intents: 2 });
    expect(trained).not.toHaveProperty('backgroundExamples');
    expect(await (await liveClassifier()).classify('do you sell gift cards?')).toMatchObject({ intent: 'gift_cards', outOfScope: false });

    // A note merged in by something else is gone once the next run reports.
    await modelsRepository(sql).setStatus('train', 'done', { details: { note: 'stale' } });
    expect((await status()).details).toMatchObject({ note: 'stale', version: 3 });
    expect(await trainFromDatabase(sql)).toMatchObject({ version: 3, skipped: true });
    const unchanged = (await status()).details;
    expect(unchanged).toMatchObject({ version: 3, intents: 2, unchanged: true });
    expect(unchanged).not.toHaveProperty('note');
  });

  it('leaves out background sentences that share a topic word with the lone intent', () => {
    const greeting = backgroundExamplesFor([{ name: 'greeting', examples: ['hello', 'good morning', '你好'] }]);
    expect(greeting).not.toContain('good morning');
    expect(greeting).not.toContain('你好');
    expect(greeting.length).toBeGreaterThan(BACKGROUND_EXAMPLES.length / 2);
  });
});
