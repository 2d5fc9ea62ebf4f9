// Knowledge-base admin actions against what changed under them, on a real stack (Postgres, Redis): publishing,
// unpublishing or restoring an article with the version the admin saw (baseVersion) is refused (409, the stale-save
// refusal) when a colleague saved another version meanwhile, and works as before without it; an unanswered group
// whose claim was left by an action that never ended (a crash) can be acted on again once the claim is old, while a
// fresh claim still refuses a second action. Other properties in an action's body are ignored, as before baseVersion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, type TestStack } from '../support/server.ts';
import { STALE_EDIT_MARK } from '../../knowledge-base/stale-edits.ts';
import { unansweredRepository, CLAIM_EXPIRES_AFTER_SECONDS } from '../../knowledge-base/unanswered.ts';

let stack: TestStack;
let admin: { cookie: string };
let adminId: number;

beforeAll(async () => {
  stack = await startStack();
  const session = await login(stack.url, stack.admin.email, stack.admin.password);
  admin = { cookie: session.cookie };
  adminId = session.user.id;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const api = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);

/** The stored article and how many versions it has: what a refused action must leave as it was. */
async function stored(id: number) {
  const article = (await api('GET', `/api/admin/articles/${id}`)).json.article;
  const versions = (await api('GET', `/api/admin/articles/${id}/versions`)).json.items.length;
  return { status: article.status, version: article.version, body: article.body, versions };
}

function expectStaleRefusal(answer: { status: number; json: any }) {
  expect(answer.status).toBe(409);
  expect(answer.json.error.code).toBe('conflict');
  expect(answer.json.error.message).toContain(STALE_EDIT_MARK);
}

describe('article actions based on an older version', () => {
  let seq = 0;
  /** A draft at version 2: opened by the admin at version 1, saved again by a colleague since. */
  async function savedMeanwhile(): Promise<number> {
    const created = (await api('POST', '/api/admin/articles', { slug: `stale-action-${++seq}`, locale: 'en', title: 'Gift cards', body: 'Gift cards never expire.' })).json.article;
    expect(created.version).toBe(1);
    expect((await api('PUT', `/api/admin/articles/${created.id}`, { body: 'Gift cards expire after five years.', baseVersion: 1 })).json.article.version).toBe(2);
    return created.id;
  }

  it('publish: refused when another version was saved since the one the admin saw; publishes the one seen', async () => {
    const id = await savedMeanwhile();
    const before = await stored(id);
    expectStaleRefusal(await api('POST', `/api/admin/articles/${id}/publish`, { baseVersion: 1 }));
    expect(await stored(id)).toEqual(before);
    expect(before).toMatchObject({ status: 'draft', version: 2 });

    const published = await api('POST', `/api/admin/articles/${id}/publish`, { baseVersion: 2 });
    expect(published.status).toBe(200);
    expect(published.json.article).toMatchObject({ status: 'published', version: 3, body: 'Gift cards expire after five years.' });
  });

  it('unpublish: refused when another version was saved since the one the admin saw', async () => {
    const id = await savedMeanwhile();
    expect((await api('POST', `/api/admin/articles/${id}/publish`, { baseVersion: 2 })).status).toBe(200);
    // A colleague changes the live text (version 4) while this admin still looks at version 3.
    expect((await api('PUT', `/api/admin/articles/${id}`, { body: 'Gift cards expire after ten years.', baseVersion: 3 })).status).toBe(200);
    const before = await stored(id);
    expectStaleRefusal(await api('POST', `/api/admin/articles/${id}/unpublish`, { baseVersion: 3 }));
    expect(await stored(id)).toEqual(before);
    expect(before).toMatchObject({ status: 'published', version: 4 });

    const unpublished = await api('POST', `/api/admin/articles/${id}/unpublish`, { baseVersion: 4 });
    expect(unpublished.status).toBe(200);
    expect(unpublished.json.article).toMatchObject({ status: 'draft', version: 5 });
  });

  it('restore: refused when another version was saved since the one the admin saw', async () => {
    const id = await savedMeanwhile();
    const before = await stored(id);
    expectStaleRefusal(await api('POST', `/api/admin/articles/${id}/versions/1/restore`, { baseVersion: 1 }));
    expect(await stored(id)).toEqual(before);

    const restored = await api('POST', `/api/admin/articles/${id}/versions/1/restore`, { baseVersion: 2 });
    expect(restored.status).toBe(200);
    expect(restored.json.article).toMatchObject({ version: 3, body: 'Gift cards never expire.' });
  });

  it('delete: refused when another version was saved since the one the admin saw (its text and history kept); deletes the one seen', async () => {
    const id = await savedMeanwhile();
    const before = await stored(id);
    expectStaleRefusal(await api('DELETE', `/api/admin/articles/${id}?baseVersion=1`));
    expect(await stored(id)).toEqual(before);
    expect(before).toMatchObject({ version: 2, versions: 2, body: 'Gift cards expire after five years.' });

    expect((await api('DELETE', `/api/admin/articles/${id}?baseVersion=2`)).status).toBe(200);
    expect((await api('GET', `/api/admin/articles/${id}`)).status).toBe(404);
    // Gone is gone: a second delete (any version) is a 404, not a conflict.
    expect((await api('DELETE', `/api/admin/articles/${id}?baseVersion=1`)).status).toBe(404);
    expect((await api('DELETE', `/api/admin/articles/${id}?baseVersion=0`)).status).toBe(400);
    // Without baseVersion (API clients written before it) the delete takes whatever is stored.
    const other = await savedMeanwhile();
    expect((await api('DELETE', `/api/admin/articles/${other}`)).status).toBe(200);
    expect((await api('GET', `/api/admin/articles/${other}`)).status).toBe(404);
  });

  it('without baseVersion (API clients written before it), with an empty body or none, each action acts on the latest version', async () => {
    const id = await savedMeanwhile();
    expect((await api('POST', `/api/admin/articles/${id}/publish`, {})).json.article).toMatchObject({ status: 'published', version: 3 });
    expect((await api('POST', `/api/admin/articles/${id}/unpublish`)).json.article).toMatchObject({ status: 'draft', version: 4 });
    expect((await api('POST', `/api/admin/articles/${id}/publish`)).json.article).toMatchObject({ status: 'published', version: 5 });
    expect((await api('POST', `/api/admin/articles/${id}/versions/1/restore`)).json.article).toMatchObject({ version: 6, body: 'Gift cards never expire.' });
    expect((await api('POST', `/api/admin/articles/${id}/versions/2/restore`, {})).json.article).toMatchObject({ version: 7, body: 'Gift cards expire after five years.' });
    expect((await api('POST', `/api/admin/articles/${id}/unpublish`, {})).json.article).toMatchObject({ status: 'draft', version: 8 });
  });

  it('with other properties beside baseVersion (accepted and ignored before it), each action still works', async () => {
    const id = await savedMeanwhile();
    const published = await api('POST', `/api/admin/articles/${id}/publish`, { note: 'go live' });
    expect(published.status, JSON.stringify(published.json)).toBe(200);
    expect(published.json.article).toMatchObject({ status: 'published', version: 3 });
    // baseVersion is still read beside them: a stale one is refused.
    expectStaleRefusal(await api('POST', `/api/admin/articles/${id}/unpublish`, { baseVersion: 2, note: 'pause it' }));
    const unpublished = await api('POST', `/api/admin/articles/${id}/unpublish`, { baseVersion: 3, reason: 'pause it' });
    expect(unpublished.json.article).toMatchObject({ status: 'draft', version: 4 });
    const restored = await api('POST', `/api/admin/articles/${id}/versions/1/restore`, { comment: 'back to the first text' });
    expect(restored.json.article).toMatchObject({ version: 5, body: 'Gift cards never expire.' });
  });

  it('refuses a baseVersion that is no version (400)', async () => {
    const id = await savedMeanwhile();
    for (const body of [{ baseVersion: 0 }, { baseVersion: 'two' }, { baseVersion: 2.5 }, { baseVersion: null }]) {
      const answer = await api('POST', `/api/admin/articles/${id}/publish`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expect((await stored(id)).status).toBe('draft');
  });

  it('the OpenAPI document lists baseVersion for publish, unpublish, restore and delete', async () => {
    const paths = (await httpAs(stack.url, 'GET', '/docs/json', null)).json?.paths ?? {};
    for (const path of ['/api/admin/articles/{id}/publish', '/api/admin/articles/{id}/unpublish', '/api/admin/articles/{id}/versions/{version}/restore']) {
      expect(JSON.stringify(paths[path]?.post?.requestBody ?? {}), path).toContain('baseVersion');
    }
    // A DELETE has no body: the version is a query parameter.
    expect((paths['/api/admin/articles/{id}']?.delete?.parameters ?? []).map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain('query:baseVersion');
  });
});

describe('unanswered groups claimed by an action that never ended', () => {
  const repo = () => unansweredRepository(stack.env.sql);
  let seq = 0;
  /** A new open group of its own (its words unlike any other test's), and its id. */
  const newGroup = async (): Promise<{ id: number; text: string }> => {
    const topics = ['telescope lenses', 'bamboo bicycles', 'velvet curtains', 'ceramic teapots', 'wool blankets', 'leather saddles', 'copper kettles', 'linen aprons'];
    const text = `do you sell ${topics[seq++ % topics.length]} in size ${seq}`;
    const id = await repo().record(text, null, { reason: 'no_match' });
    expect(id).toBeGreaterThan(0);
    return { id, text };
  };
  /** The group as an action left it when its process died mid-action: claimed (pending) `minutesAgo` ago. */
  const claimedAgo = async (id: number, minutesAgo: number, by = adminId) => {
    await stack.env.sql`
      update unanswered_questions set status = 'handled',
        resolution = jsonb_build_object('kind', 'pending', 'by', ${by}::bigint, 'at', now() - make_interval(mins => ${minutesAgo}))
      where id = ${id}`;
  };
  const openIds = async (): Promise<number[]> => (await api('GET', '/api/admin/unanswered?status=open&limit=200')).json.items.map((i: any) => i.id);
  const handledIds = async (): Promise<number[]> => (await api('GET', '/api/admin/unanswered?status=handled&limit=200')).json.items.map((i: any) => i.id);
  const expiredMinutes = Math.ceil(CLAIM_EXPIRES_AFTER_SECONDS / 60) + 5;

  it('a claim older than the bound is free: the group is listed as open and can be dismissed', async () => {
    const { id } = await newGroup();
    await claimedAgo(id, expiredMinutes);
    const listed = (await api('GET', '/api/admin/unanswered?status=open&limit=200')).json.items.find((i: any) => i.id === id);
    expect(listed).toMatchObject({ status: 'open', resolution: null });
    expect(await handledIds()).not.toContain(id);

    const dismissed = await api('POST', `/api/admin/unanswered/${id}/handled`);
    expect(dismissed.status).toBe(200);
    expect(dismissed.json.item).toMatchObject({ status: 'handled', resolution: { kind: 'dismissed', by: adminId } });
    expect(await openIds()).not.toContain(id);
    // Settled now: a second click is refused as before.
    expect((await api('POST', `/api/admin/unanswered/${id}/handled`)).status).toBe(409);
  });

  it('a group under an expired claim can be added as an example', async () => {
    const intent = await api('POST', '/api/admin/intents', { name: 'stale_claim_products', examples: { en: ['what do you sell'] } });
    expect(intent.status).toBe(201);
    const { id, text } = await newGroup();
    await claimedAgo(id, expiredMinutes);
    const added = await api('POST', `/api/admin/unanswered/${id}/add-example`, { intentId: intent.json.intent.id });
    expect(added.status).toBe(200);
    expect(added.json.intent.examples.en).toContain(text);
    expect(added.json.item.resolution).toMatchObject({ kind: 'example', intent: 'stale_claim_products' });
  });

  it('a fresh claim (an action still running) refuses another action and keeps the group out of the open list', async () => {
    const { id } = await newGroup();
    await claimedAgo(id, 1);
    expect(await openIds()).not.toContain(id);
    const refused = await api('POST', `/api/admin/unanswered/${id}/handled`);
    expect(refused.status).toBe(409);
    expect((await repo().findById(id))!.resolution).toMatchObject({ kind: 'pending', by: adminId });
    // Still refused just inside the bound.
    await claimedAgo(id, Math.floor(CLAIM_EXPIRES_AFTER_SECONDS / 60) - 1);
    expect((await api('POST', `/api/admin/unanswered/${id}/out-of-scope`)).status).toBe(409);
  });

  it('two actions at once on a group under an expired claim: one goes through, the other is refused', async () => {
    const { id } = await newGroup();
    await claimedAgo(id, expiredMinutes);
    const answers = await Promise.all([api('POST', `/api/admin/unanswered/${id}/handled`), api('POST', `/api/admin/unanswered/${id}/handled`)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
  });

  it('an action that outlived its claim does not free the group taken over by another admin when it fails', async () => {
    const { id } = await newGroup();
    const first = (await repo().claim(id, adminId))!;
    expect(first).toBeDefined();
    expect(await repo().claim(id, adminId)).toBeUndefined(); // fresh: a second click is refused
    await stack.env.sql`
      update unanswered_questions set resolution = jsonb_set(resolution, '{at}', to_jsonb(now() - make_interval(mins => ${expiredMinutes})))
      where id = ${id}`;
    const firstAsStored = (await repo().findById(id))!; // the first claim with its time set back
    const second = await repo().claim(id, adminId + 1000);
    expect(second).toBeDefined();
    // The first action fails late: giving the group back must leave the second admin's claim alone.
    await repo().reopen(firstAsStored);
    expect((await repo().findById(id))!.resolution).toMatchObject({ kind: 'pending', by: adminId + 1000 });
    expect(await repo().claim(id, adminId)).toBeUndefined();
    // The second action fails: the group is open again.
    await repo().reopen(second!);
    expect((await repo().findById(id))!).toMatchObject({ status: 'open', resolution: null });
  });

  it('a new similar question counts into a group under an expired claim rather than starting a second group', async () => {
    const { id, text } = await newGroup();
    await claimedAgo(id, expiredMinutes);
    expect(await repo().record(`${text}?`, null, { reason: 'no_match' })).toBe(id);
    expect((await repo().findById(id))!.count).toBe(2);
  });
});
