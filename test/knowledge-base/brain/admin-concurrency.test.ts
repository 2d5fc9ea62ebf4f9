// The knowledge-base admin against what changes under it, on a real stack (Postgres, Redis, BullMQ workers, two
// servers): a stale intent, out-of-scope or article save is refused (409) instead of undoing a change made meanwhile,
// the out-of-scope replacement waits for the list's lock, replacing out-of-scope sentences retrains, a forced retrain
// survives a plain one waiting, a published article keeps its address, and a server whose reload subscription dropped
// catches up with the model announced while it was away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startStack, login, httpAs, type TestStack } from '../../support/server.ts';
import { eventually } from '../../support/sockets.ts';
import { knowledgeBaseExtension } from '../../../knowledge-base/server-extension.ts';
import { addOutOfScopeExamples } from '../../../knowledge-base/out-of-scope.ts';
import { reloadChannel } from '../../../knowledge-base/reload-channel.ts';
import { STALE_EDIT_MARK } from '../../../knowledge-base/stale-edits.ts';
import { TRAIN_DEBOUNCE_MS } from '../../../knowledge-base/jobs.ts';

let stack: TestStack;
let admin: { cookie: string };
// Every connection a server duplicates from its Redis client, to find server 0's reload subscriber among them.
const duplicated: Redis[] = [];
const originalDuplicate = Redis.prototype.duplicate;

beforeAll(async () => {
  Redis.prototype.duplicate = function duplicate(this: Redis, ...args: Parameters<Redis['duplicate']>) {
    const client = originalDuplicate.apply(this, args);
    duplicated.push(client);
    return client;
  };
  try {
    stack = await startStack({ servers: 2, workers: true, server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] } });
  } finally {
    Redis.prototype.duplicate = originalDuplicate;
  }
  admin = { cookie: (await login(stack.url, stack.admin.email, stack.admin.password)).cookie };
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

const api = (method: string, path: string, body?: unknown, base = stack.url) => httpAs(base, method, path, admin, body);

/**
 * The training status once no training is queued or running, nor about to: a request that came while one ran starts
 * its own job only when that one ends (after the debounce), so the status must stay ended for longer than that.
 */
const trainingSettled = () => eventually(async () => {
  const ended = async () => {
    const training = (await api('GET', '/api/admin/kb/status')).json.training;
    return training.state !== 'queued' && training.state !== 'running' ? training : null;
  };
  const first = await ended();
  if (!first) return null;
  await new Promise((resolve) => setTimeout(resolve, 2 * TRAIN_DEBOUNCE_MS));
  const second = await ended();
  return second && second.finishedAt === first.finishedAt && second;
}, 150_000, 'the training to settle');

const intentBody = ({ id: _id, updatedAt: _u, ...rest }: Record<string, unknown>) => rest;

describe('intent saves based on an old copy', () => {
  it('refuses a save that would delete an example added meanwhile, and saves one based on the current intent', async () => {
    const loaded = (await api('GET', '/api/admin/intents')).json.items.find((i: any) => i.name === 'shipping_time');
    // Meanwhile the unanswered page adds an example to it.
    const added = 'how many days until my parcel shows up';
    expect((await api('POST', `/api/admin/intents/${loaded.id}/examples`, { text: added, locale: 'en' })).status).toBe(200);

    // The editor, still showing the intent as loaded, saves a new description with the examples it had.
    const stale = await api('PUT', `/api/admin/intents/${loaded.id}`, { ...intentBody(loaded), description: 'edited in an old tab', updatedAt: loaded.updatedAt });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('conflict');
    expect(stale.json.error.message).toContain(STALE_EDIT_MARK);
    const after = (await api('GET', `/api/admin/intents/${loaded.id}`)).json.intent;
    expect(after.examples.en).toContain(added);
    expect(after.description).toBe(loaded.description);

    // Reloaded, the same edit goes through and keeps the example; the next save is based on the answer's updatedAt.
    const saved = await api('PUT', `/api/admin/intents/${loaded.id}`, { ...intentBody(after), description: 'edited after a reload', updatedAt: after.updatedAt });
    expect(saved.status).toBe(200);
    expect(saved.json.intent.examples.en).toContain(added);
    expect(saved.json.intent.updatedAt).not.toBe(after.updatedAt);
    const again = await api('PUT', `/api/admin/intents/${loaded.id}`, { ...intentBody(saved.json.intent), description: loaded.description, updatedAt: saved.json.intent.updatedAt });
    expect(again.status).toBe(200);
    // Two saves from the same copy: the second is stale.
    const twice = await api('PUT', `/api/admin/intents/${loaded.id}`, { ...intentBody(saved.json.intent), updatedAt: saved.json.intent.updatedAt });
    expect(twice.status).toBe(409);

    expect((await api('PUT', `/api/admin/intents/${loaded.id}`, { ...intentBody(after), updatedAt: 'yesterday' })).status).toBe(400);
    expect((await api('PUT', '/api/admin/intents/999999', { ...intentBody(after), updatedAt: after.updatedAt })).status).toBe(404);
  });

  it('documents updatedAt in the OpenAPI document', async () => {
    const doc = (await httpAs(stack.url, 'GET', '/docs/json', null)).json;
    const text = JSON.stringify(doc?.paths?.['/api/admin/intents/{id}']?.put ?? {});
    expect(text).toContain('updatedAt');
    expect(JSON.stringify(doc?.paths?.['/api/admin/nlu/out-of-scope']?.put ?? {})).toContain('updatedAt');
    expect(JSON.stringify(doc?.paths?.['/api/admin/articles/{id}']?.put ?? {})).toContain('baseVersion');
    // The warning an owed training or indexing adds to a change's answer (owed-jobs.ts).
    for (const [path, method] of [['/api/admin/intents/{id}', 'put'], ['/api/admin/intents', 'post'], ['/api/admin/articles/{id}', 'put'], ['/api/admin/nlu/out-of-scope', 'put']]) {
      expect(doc?.paths?.[path]?.[method]?.responses?.[method === 'post' ? '201' : '200']?.content?.['application/json']?.schema?.properties?.warning, `${method} ${path}`).toMatchObject({ type: 'string' });
    }
  });
});

describe('the out-of-scope list', () => {
  it('refuses a replacement based on a list that sentences were added to meanwhile ("Not for the bot")', async () => {
    const loaded = (await api('GET', '/api/admin/nlu/out-of-scope')).json;
    expect(loaded).toMatchObject({ examples: expect.any(Array) });
    expect(loaded).toHaveProperty('updatedAt');
    // What the unanswered page's "Not for the bot" does.
    await addOutOfScopeExamples(stack.env.sql, ['can you book me a taxi']);
    const stale = await api('PUT', '/api/admin/nlu/out-of-scope', { examples: [...loaded.examples, 'tell me a riddle'], updatedAt: loaded.updatedAt });
    expect(stale.status).toBe(409);
    expect(stale.json.error.message).toContain(STALE_EDIT_MARK);
    const current = (await api('GET', '/api/admin/nlu/out-of-scope')).json;
    expect(current.examples).toContain('can you book me a taxi');
    expect(current.examples).not.toContain('tell me a riddle');

    const saved = await api('PUT', '/api/admin/nlu/out-of-scope', { examples: [...current.examples, 'tell me a riddle'], updatedAt: current.updatedAt });
    expect(saved.status).toBe(200);
    expect(saved.json.examples).toEqual(expect.arrayContaining(['can you book me a taxi', 'tell me a riddle']));
    expect(saved.json.updatedAt).not.toBe(current.updatedAt);
  });

  it('waits for the lock the additions take', async () => {
    const current = (await api('GET', '/api/admin/nlu/out-of-scope')).json;
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let locked!: () => void;
    const lockHeld = new Promise<void>((resolve) => { locked = resolve; });
    const holder = stack.env.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('nlu_out_of_scope'))`;
      locked();
      await released;
    });
    await lockHeld;
    let answered = false;
    const save = api('PUT', '/api/admin/nlu/out-of-scope', { examples: current.examples, updatedAt: current.updatedAt }).then((r) => { answered = true; return r; });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(answered).toBe(false);
    release();
    await holder;
    expect((await save).status).toBe(200);
  });
});

describe('training', () => {
  it('retrains when out-of-scope sentences are replaced by as many others', async () => {
    await trainingSettled();
    const before = (await api('GET', '/api/admin/kb/status')).json.training.details.version;
    const current = (await api('GET', '/api/admin/nlu/out-of-scope')).json;
    const replaced = [...current.examples.slice(0, -1), 'what is the capital of peru'];
    expect(replaced).toHaveLength(current.examples.length);
    expect((await api('PUT', '/api/admin/nlu/out-of-scope', { examples: replaced, updatedAt: current.updatedAt })).status).toBe(200);
    const status = await eventually(async () => {
      const training = (await api('GET', '/api/admin/kb/status')).json.training;
      return training.state === 'done' && training.details.version !== before && training;
    }, 150_000, 'a new model');
    expect(status.details.unchanged).toBeUndefined();
    expect(status.details.version).toBeGreaterThan(before);
  }, 330_000);

  it('keeps a forced retrain asked for while a plain one waits', async () => {
    await trainingSettled();
    const before = (await api('GET', '/api/admin/kb/status')).json.training.details.version;
    const intent = (await api('GET', '/api/admin/intents')).json.items.find((i: any) => i.name === 'payment_methods');
    // An edit that leaves the examples alone queues a plain retrain (which finds the model current)…
    expect((await api('PUT', `/api/admin/intents/${intent.id}`, { ...intentBody(intent), description: `${intent.description} `.trim() + '.', updatedAt: intent.updatedAt })).status).toBe(200);
    // …and "Retrain now" (forced) arrives while it waits out its debounce.
    expect((await api('POST', '/api/admin/nlu/train?force=true', {})).status).toBe(202);
    const status = await eventually(async () => {
      const training = (await api('GET', '/api/admin/kb/status')).json.training;
      return training.state === 'done' && training;
    }, 150_000, 'the training to end');
    expect(status.details.unchanged).toBeUndefined();
    expect(status.details.version).toBeGreaterThan(before);
  }, 330_000);
});

describe('article saves', () => {
  it('refuses a save based on an older version, and a new address for a published article', async () => {
    const created = (await api('POST', '/api/admin/articles', { slug: 'gift-wrap-options', locale: 'en', title: 'Gift wrap', body: 'We wrap gifts.' })).json.article;
    expect(created.version).toBe(1);
    const first = await api('PUT', `/api/admin/articles/${created.id}`, { body: 'We wrap gifts in paper.', baseVersion: 1 });
    expect(first.status).toBe(200);
    expect(first.json.article.version).toBe(2);
    // A second tab, opened on version 1, saves over it.
    const stale = await api('PUT', `/api/admin/articles/${created.id}`, { body: 'We wrap gifts.\n\nAnd ribbons.', baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('conflict');
    expect(stale.json.error.message).toContain(STALE_EDIT_MARK);
    const stored = (await api('GET', `/api/admin/articles/${created.id}`)).json.article;
    expect(stored).toMatchObject({ version: 2, body: 'We wrap gifts in paper.' });
    expect((await api('GET', `/api/admin/articles/${created.id}/versions`)).json.items).toHaveLength(2);

    // A draft may move; a published article keeps its address until it is unpublished.
    expect((await api('PUT', `/api/admin/articles/${created.id}`, { slug: 'gift-wrapping', baseVersion: 2 })).json.article.slug).toBe('gift-wrapping');
    expect((await api('POST', `/api/admin/articles/${created.id}/publish`, {})).status).toBe(200);
    const moved = await api('PUT', `/api/admin/articles/${created.id}`, { slug: 'wrapping' });
    expect(moved.status).toBe(409);
    expect(moved.json.error.message).toContain('unpublish it first');
    const relocale = await api('PUT', `/api/admin/articles/${created.id}`, { locale: 'zh' });
    expect(relocale.status).toBe(409);
    expect((await api('GET', `/api/admin/articles/${created.id}`)).json.article).toMatchObject({ slug: 'gift-wrapping', locale: 'en', status: 'published' });
    // Its text stays editable, and so does the address once it is a draft again.
    expect((await api('PUT', `/api/admin/articles/${created.id}`, { title: 'Gift wrapping', slug: 'gift-wrapping' })).status).toBe(200);
    expect((await api('POST', `/api/admin/articles/${created.id}/unpublish`, {})).status).toBe(200);
    expect((await api('PUT', `/api/admin/articles/${created.id}`, { slug: 'wrapping' })).json.article.slug).toBe('wrapping');
    await api('DELETE', `/api/admin/articles/${created.id}`);
  });
});

describe('hot reload', () => {
  it('reloads a server whose reload subscription dropped: the model announced meanwhile is not missed', async () => {
    await trainingSettled();
    const channel = reloadChannel(stack.env.config);
    const subscribers = duplicated.filter((c) => (c as any).condition?.subscriber?.channels?.('subscribe')?.includes(channel));
    expect(subscribers).toHaveLength(2); // one per server, server 0's first
    const server0 = subscribers[0];
    const modelOn = async (i: number) => (await api('POST', '/api/admin/nlu/classify', { text: 'where is my order' }, stack.servers[i].url)).json.modelVersion;
    const before = await modelOn(0);
    expect(await modelOn(1)).toBe(before);

    // Drop server 0's subscriber and keep it away: reconnecting goes to a closed port until the test lets it back.
    const options = server0.options as { port?: number; retryStrategy?: (times: number) => number };
    const port = options.port;
    options.retryStrategy = () => 200;
    options.port = 1;
    server0.disconnect(true);
    await eventually(async () => server0.status !== 'ready', 5_000, 'the subscriber to drop');

    expect((await api('POST', '/api/admin/nlu/train?force=true', {})).status).toBe(202);
    const newer = await eventually(async () => {
      const version = await modelOn(1);
      return version > before && version;
    }, 150_000, 'server 1 to load the new model');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await modelOn(0)).toBe(before); // the announcement went by while server 0 was away

    options.port = port;
    await eventually(async () => (await modelOn(0)) === newer, 20_000, 'server 0 to catch up after reconnecting');
  }, 360_000);
});
