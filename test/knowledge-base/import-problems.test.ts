// A knowledge-base import file with bad rows, against a real server: refused with every bad row at once, 1-based and
// named by slug or intent name, each problem in words (the allowed values, the unknown field's name, the format), in
// the message and as `problems`; the code stays "validation"; a long file's list is capped and says how many more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, type TestStack } from '../support/server.ts';

let stack: TestStack;
let cookie: string;

beforeAll(async () => {
  stack = await startStack();
  cookie = (await login(stack.url, stack.admin.email, stack.admin.password)).cookie;
}, 120_000);
afterAll(async () => stack?.close());

async function post(path: string, body: unknown, withCookie = true) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST', headers: { ...(withCookie ? { cookie } : {}), 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() as any };
}

const article = (slug: string, extra: Record<string, unknown> = {}) => ({ slug, locale: 'en', title: `About ${slug}`, body: 'Text.', ...extra });

describe('an articles import with bad rows', () => {
  it('lists every bad row at once, 1-based, named, in words; nothing is imported', async () => {
    const file = {
      articles: [
        article('shipping-times'),
        article('emballage', { locale: 'fr', tags: ['gift'] }),
        article('Gift Wrap'),
        article('returns', { title: '' }),
        article('shipping-times'),
      ],
    };
    const refused = await post('/api/admin/articles/import?dryRun=true', file);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation');
    expect(refused.body.error.reason).toBe('import_rows');
    expect(refused.body.error.params).toEqual({ rows: '4', more: '0' });
    expect(refused.body.error.message).toBe("4 of the file's 5 articles need fixing; nothing was imported. "
      + 'Article 2 (emballage): locale must be en or zh; unknown field "tags". '
      + 'Article 3 (Gift Wrap): slug must be lower-case letters, digits and dashes (not starting with a dash), at most 100. '
      + 'Article 4 (returns): title is empty. '
      + 'Article 5 (shipping-times): repeats article 1 (the same slug and locale).');
    expect(refused.body.error.problems).toEqual([
      { row: 2, name: 'emballage', field: 'locale', rule: 'one_of', expected: 'en, zh', problem: 'locale must be en or zh' },
      { row: 2, name: 'emballage', field: 'tags', rule: 'unknown_field', problem: 'unknown field "tags"' },
      { row: 3, name: 'Gift Wrap', field: 'slug', rule: 'format', expected: 'slug', problem: expect.stringMatching(/^slug must be lower-case/) },
      { row: 4, name: 'returns', field: 'title', rule: 'empty', expected: '1', problem: 'title is empty' },
      { row: 5, name: 'shipping-times', field: null, rule: 'duplicate', expected: '1', problem: 'repeats article 1 (the same slug and locale)' },
    ]);
    expect((await stack.env.sql`select 1 from articles where slug = 'shipping-times'`).length).toBe(0);
  });

  it('names a row without a slug by its number, and says what is missing or of the wrong type', async () => {
    const refused = await post('/api/admin/articles/import', { articles: [{ locale: 'en', title: 'No slug', body: 3 }, 'not an article'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("2 of the file's 2 articles need fixing; nothing was imported. "
      + 'Article 1: body must be text; slug is missing. Article 2: the row must be an object.');
  });

  it('caps a long list at 50 rows and says how many more', async () => {
    const refused = await post('/api/admin/articles/import?dryRun=true', { articles: Array.from({ length: 60 }, (_, i) => article(`Bad ${i}`)) });
    expect(refused.status).toBe(400);
    expect(refused.body.error.params).toEqual({ rows: '60', more: '10' });
    expect(new Set(refused.body.error.problems.map((p: any) => p.row)).size).toBe(50);
    expect(refused.body.error.message).toMatch(/^60 of the file's 60 articles need fixing; .* Article 50 \(Bad 49\): [^.]*, at most 100\. …and 10 more\.$/);
  });

  it('still refuses a bad field outside the rows, and a stranger, as before', async () => {
    const badMode = await post('/api/admin/articles/import', { articles: [article('fine')], mode: 'upsert' });
    expect(badMode.status).toBe(400);
    expect(badMode.body.error.code).toBe('validation');
    expect(badMode.body.error.problems).toBeUndefined();
    expect((await post('/api/admin/articles/import', { articles: [article('Bad one')] }, false)).status).toBe(401);
  });
});

describe('an intents import with bad rows', () => {
  it('lists every bad row at once, named by intent name', async () => {
    const refused = await post('/api/admin/intents/import?dryRun=true', {
      intents: [
        { name: 'gift_wrap', examples: { en: ['wrap it'] } },
        { name: 'Gift-Wrap', action: 'refund' },
        { name: 'engraving', examples: { fr: ['graver'] }, answer: { en: 'x'.repeat(4001) } },
        { name: 'gift_wrap' },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation');
    expect(refused.body.error.message).toBe("3 of the file's 4 intents need fixing; nothing was imported. "
      + 'Intent 2 (Gift-Wrap): name must be lower-case letters, digits and underscores, at most 60; action must be order_status or handoff (or null). '
      + 'Intent 3 (engraving): unknown field "examples.fr"; answer.en is longer than 4000 characters (it has 4001). '
      + 'Intent 4 (gift_wrap): repeats intent 1 (the same name).');
    expect(refused.body.error.problems.map((p: any) => [p.row, p.name, p.field, p.rule])).toEqual([
      [2, 'Gift-Wrap', 'name', 'format'], [2, 'Gift-Wrap', 'action', 'one_of'],
      [3, 'engraving', 'examples.fr', 'unknown_field'], [3, 'engraving', 'answer.en', 'too_long'],
      [4, 'gift_wrap', null, 'duplicate'],
    ]);
  });
});
