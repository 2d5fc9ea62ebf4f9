// Intents and what names them or overlaps them stay consistent, on a real server, Postgres and Redis:
// - an automation rule may name only intents that exist (400 `rule_intent_unknown`); renaming an intent rewrites the rules
//   naming it in the rename's transaction (audited as rule edits), so the rule keeps firing; deleting it takes it out of
//   those rules, and a rule whose intent condition is left naming nothing is disabled rather than matching everything;
// - one sentence teaches one intent: an example another intent holds (as stored: trimmed, spaces collapsed, same
//   language) is refused on create, edit and "add example" (400 `example_in_other_intent`), and an import file that
//   would leave one in two intents is refused listing them (`import_rows`, rule `in_other_intent`), while a file that
//   moves an example from one intent to another is fine. The demo content seeds with no example in two intents.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { conditionsHold, type RuleCondition, type RuleFacts } from '../../server/services/automation-rules.ts';
import { seedKnowledgeBase } from '../../knowledge-base/seed.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
const api = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);

const createIntent = async (name: string, en: string[], zh: string[] = []) => {
  const created = await api('POST', '/api/admin/intents', { name, action: 'handoff', examples: { en, zh } });
  expect(created.status, created.text).toBe(201);
  return created.json.intent as { id: number; name: string; updatedAt: string; examples: { en: string[]; zh: string[] } };
};
const saveRule = async (name: string, intents: string[], extra: RuleCondition[] = []) => {
  const saved = await api('POST', '/api/admin/automation-rules', {
    name, trigger: 'handoff', conditions: [{ type: 'intent', intents }, ...extra], actions: [{ type: 'note', text: `${name} note` }],
  });
  expect(saved.status, saved.text).toBe(201);
  return saved.json.item as { id: number };
};
const ruleRow = async (id: number) => (await stack.env.sql<{ enabled: boolean; conditions: RuleCondition[] }[]>`
  select enabled, conditions from automation_rules where id = ${id}`)[0]!;
const ruleAudits = async (id: number) => (await stack.env.sql<{ actor_user_id: number | null; details: Record<string, unknown> }[]>`
  select actor_user_id, details from audit_log where action = 'automation_rule.update' and target = ${`automation_rule:${id}`} order by id`);
const facts = (intent: string): RuleFacts => ({ text: 'hello', language: 'en', pageUrl: null, handoffReason: 'customer_request', intent, identified: false, tags: [] });
const renamed = async (intent: { id: number; updatedAt: string; examples: { en: string[]; zh: string[] } }, name: string) =>
  api('PUT', `/api/admin/intents/${intent.id}`, { name, action: 'handoff', examples: intent.examples, updatedAt: intent.updatedAt });

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
}, 60_000);
afterAll(async () => { await stack?.close(); });

describe('automation rules naming intents', () => {
  it('never leaves a rule naming an intent deleted while the rule was being saved', async () => {
    await createIntent('race_keep', ['a question about keeping things']);
    const gone = await createIntent('race_gone', ['a question about things that go away']);
    const rule = await saveRule('Race rule', ['race_keep']);
    // Another connection holds the rule's row: the save has checked its intents and waits to write, the window in which
    // a deletion used to slip through (the check and the write were not one transaction).
    const other = postgres(stack.env.config.databaseUrl, { max: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const holding = other.begin(async (tx) => {
      await tx`select 1 from automation_rules where id = ${rule.id} for update`;
      await released;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const saving = api('PUT', `/api/admin/automation-rules/${rule.id}`, {
        name: 'Race rule', trigger: 'handoff', conditions: [{ type: 'intent', intents: ['race_gone'] }], actions: [{ type: 'note', text: 'n' }],
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const deleting = api('DELETE', `/api/admin/intents/${gone.id}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await holding;
      const [saved, deleted] = await Promise.all([saving, deleting]);
      expect(saved.status, saved.text).toBe(200);
      expect(deleted.status, deleted.text).toBe(200);
    } finally {
      release();
      await other.end();
    }
    const row = await ruleRow(rule.id);
    expect(JSON.stringify(row.conditions)).not.toContain('race_gone');
    expect(row.enabled).toBe(false);
  }, 30_000);

  it('refuses a rule naming an intent that does not exist, on create and on edit, naming it', async () => {
    await createIntent('rule_known_intent', ['a sentence only the known intent has']);
    const refused = await api('POST', '/api/admin/automation-rules', {
      name: 'ghost', trigger: 'handoff', conditions: [{ type: 'intent', intents: ['rule_known_intent', 'no_such_intent'] }], actions: [{ type: 'note', text: 'x' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.reason).toBe('rule_intent_unknown');
    expect(refused.json.error.params).toEqual({ names: 'no_such_intent' });
    expect(refused.json.error.message).toContain('no_such_intent');
    const rule = await saveRule('known only', ['rule_known_intent']);
    const edit = await api('PUT', `/api/admin/automation-rules/${rule.id}`, {
      name: 'known only', trigger: 'handoff', conditions: [{ type: 'intent', intents: ['No_Such_Intent'] }], actions: [{ type: 'note', text: 'x' }],
    });
    expect(edit.status).toBe(400);
    expect(edit.json.error.reason).toBe('rule_intent_unknown');
    expect((await ruleRow(rule.id)).conditions).toEqual([{ type: 'intent', intents: ['rule_known_intent'] }]);
  });

  it('carries the rules along when an intent is renamed, audited as rule edits by the admin', async () => {
    const intent = await createIntent('wholesale_enquiry', ['do you sell wholesale to shops', 'bulk order pricing for my store']);
    await createIntent('rule_other_intent', ['a sentence only the other intent has']);
    const rule = await saveRule('wholesale note', ['wholesale_enquiry', 'rule_other_intent'], [{ type: 'language', languages: ['en'] }]);
    const untouched = await saveRule('other only', ['rule_other_intent']);
    const put = await renamed(intent, 'bulk_orders');
    expect(put.status, put.text).toBe(200);
    const row = await ruleRow(rule.id);
    expect(row.conditions).toEqual([{ type: 'intent', intents: ['bulk_orders', 'rule_other_intent'] }, { type: 'language', languages: ['en'] }]);
    expect(row.enabled).toBe(true);
    // The bot's answers now carry the new name: the rule holds for them, not for the old one.
    expect(conditionsHold(row.conditions, facts('bulk_orders'))).toBe(true);
    expect(conditionsHold(row.conditions, facts('wholesale_enquiry'))).toBe(false);
    expect(await ruleAudits(rule.id)).toEqual([{ actor_user_id: admin.user.id, details: { name: 'wholesale note', intentRenamed: { from: 'wholesale_enquiry', to: 'bulk_orders' } } }]);
    expect(await ruleAudits(untouched.id)).toEqual([]);
    // A save that only edits the intent leaves the rules (and their audit) alone.
    const again = await renamed(put.json.intent, 'bulk_orders');
    expect(again.status, again.text).toBe(200);
    expect(await ruleAudits(rule.id)).toHaveLength(1);
  });

  it('takes a deleted intent out of the rules, disabling a rule left with an intent condition naming nothing', async () => {
    const doomed = await createIntent('rule_doomed_intent', ['a sentence only the doomed intent has']);
    await createIntent('rule_kept_intent', ['a sentence only the kept intent has']);
    const only = await saveRule('doomed only', ['rule_doomed_intent']);
    const shared = await saveRule('doomed or kept', ['rule_doomed_intent', 'rule_kept_intent']);
    const deleted = await api('DELETE', `/api/admin/intents/${doomed.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.json.rules).toEqual([
      { id: only.id, name: 'doomed only', disabled: true },
      { id: shared.id, name: 'doomed or kept', disabled: false },
    ]);
    const onlyRow = await ruleRow(only.id);
    // Not an empty condition, which would hold for every hand-off: the condition goes and the rule is off.
    expect(onlyRow).toEqual({ enabled: false, conditions: [] });
    expect(await ruleRow(shared.id)).toEqual({ enabled: true, conditions: [{ type: 'intent', intents: ['rule_kept_intent'] }] });
    expect((await ruleAudits(only.id))[0]?.details).toEqual({ name: 'doomed only', intentDeleted: 'rule_doomed_intent', disabled: true });
    expect((await ruleAudits(shared.id))[0]?.details).toEqual({ name: 'doomed or kept', intentDeleted: 'rule_doomed_intent' });
    expect((await api('DELETE', `/api/admin/intents/${doomed.id}`)).status).toBe(404);
  });

  it('takes the intents a replacing import deletes out of the rules too', async () => {
    await createIntent('rule_replaced_intent', ['a sentence only the replaced intent has']);
    const rule = await saveRule('replaced only', ['rule_replaced_intent']);
    const keep = (await api('GET', '/api/admin/intents')).json.items
      .filter((i: { name: string }) => i.name !== 'rule_replaced_intent').map((i: { name: string }) => ({ name: i.name }));
    const preview = await api('POST', '/api/admin/intents/import?dryRun=true', { mode: 'replace', intents: keep });
    expect(preview.status, preview.text).toBe(200);
    const imported = await api('POST', '/api/admin/intents/import', { mode: 'replace', intents: keep, confirmToken: preview.json.confirmToken });
    expect(imported.status, imported.text).toBe(200);
    expect(await ruleRow(rule.id)).toEqual({ enabled: false, conditions: [] });
    expect((await ruleAudits(rule.id))[0]).toEqual({ actor_user_id: admin.user.id, details: { name: 'replaced only', intentDeleted: 'rule_replaced_intent', disabled: true } });
  });
});

describe('an example in two intents', () => {
  it('refuses creating an intent with an example another holds (cleaned as stored, same language only)', async () => {
    await createIntent('dup_shipping_time', ['How long does shipping take?'], ['运费多少']);
    const refused = await api('POST', '/api/admin/intents', { name: 'dup_copycat', examples: { en: ['  How long   does shipping take? ', 'a fresh sentence'] } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.reason).toBe('example_in_other_intent');
    expect(refused.json.error.params).toEqual({ intent: 'dup_shipping_time', example: 'How long does shipping take?' });
    expect((await stack.env.sql`select 1 from intents where name = 'dup_copycat'`)).toHaveLength(0);
    // The same words in the other language are another example.
    expect((await api('POST', '/api/admin/intents', { name: 'dup_zh_as_en', examples: { en: ['运费多少'] } })).status).toBe(201);
  });

  it('refuses an edit or an added example another intent holds, and an edit keeps a shared example it had before', async () => {
    await createIntent('dup_greeting', ['hi', 'hello there']);
    const refund = await createIntent('dup_refund_status', ['where is my refund']);
    const added = await api('POST', `/api/admin/intents/${refund.id}/examples`, { text: 'hi', locale: 'en' });
    expect(added.status).toBe(400);
    expect(added.json.error.reason).toBe('example_in_other_intent');
    expect(added.json.error.params).toEqual({ intent: 'dup_greeting', example: 'hi' });
    const edit = await api('PUT', `/api/admin/intents/${refund.id}`, { name: 'dup_refund_status', examples: { en: ['where is my refund', 'hello  there'] }, updatedAt: refund.updatedAt });
    expect(edit.status).toBe(400);
    expect(edit.json.error.params).toEqual({ intent: 'dup_greeting', example: 'hello there' });
    expect((await api('GET', `/api/admin/intents/${refund.id}`)).json.intent.examples.en).toEqual(['where is my refund']);
    // Two intents sharing a sentence from before this check (older data): the other edits of either still save.
    await stack.env.sql`insert into intent_examples (intent_id, locale, text) values (${refund.id}, 'en', 'hi')`;
    const current = (await api('GET', `/api/admin/intents/${refund.id}`)).json.intent;
    const relabel = await api('PUT', `/api/admin/intents/${refund.id}`, { name: 'dup_refund_status', label: { en: 'Refund status' }, examples: current.examples, updatedAt: current.updatedAt });
    expect(relabel.status, relabel.text).toBe(200);
  });

  it('refuses an import that would leave an example in two intents, listing the clashes; moving one is fine', async () => {
    await createIntent('imp_orders', ['where is my order', 'track my order']);
    await createIntent('imp_returns', ['how do I return this']);
    const file = { intents: [
      { name: 'imp_new', examples: { en: ['brand new sentence', 'track  my order'] } },
      { name: 'imp_returns', examples: { en: ['how do I return this', 'where is my order'] } },
    ] };
    for (const query of ['?dryRun=true', '']) {
      const refused = await api('POST', `/api/admin/intents/import${query}`, file);
      expect(refused.status, refused.text).toBe(400);
      expect(refused.json.error.reason).toBe('import_rows');
      expect(refused.json.error.problems.map((p: any) => [p.row, p.name, p.field, p.rule, p.expected])).toEqual([
        [1, 'imp_new', 'examples.en', 'in_other_intent', 'imp_orders'],
        [2, 'imp_returns', 'examples.en', 'in_other_intent', 'imp_orders'],
      ]);
      expect(refused.json.error.message).toContain('"track my order" is an example of "imp_orders"');
    }
    expect((await stack.env.sql`select 1 from intents where name = 'imp_new'`)).toHaveLength(0);
    // The same file moving "where is my order" out of imp_orders in it: no clash, whatever the order of its items.
    const moved = await api('POST', '/api/admin/intents/import', { intents: [
      { name: 'imp_returns', examples: { en: ['how do I return this', 'where is my order'] } },
      { name: 'imp_orders', examples: { en: ['track my order'] } },
    ] });
    expect(moved.status, moved.text).toBe(200);
    const held = await stack.env.sql<{ name: string }[]>`
      select i.name from intent_examples e join intents i on i.id = e.intent_id where e.text = 'where is my order'`;
    expect(held.map((r) => r.name)).toEqual(['imp_returns']);
    // An item clashing only with its own stored version is no clash.
    expect((await api('POST', '/api/admin/intents/import', { intents: [{ name: 'imp_orders', examples: { en: ['track my order'] } }] })).status).toBe(200);
  });

  it('seeds the demo content with no example in two intents', async () => {
    await stack.env.sql`delete from intents`;
    await seedKnowledgeBase(stack.env.sql, { force: true });
    const shared = await stack.env.sql`select locale, text from intent_examples group by locale, text having count(*) > 1`;
    expect(shared).toEqual([]);
    expect(Number((await stack.env.sql<{ n: number }[]>`select count(*)::int as n from intents`)[0]!.n)).toBeGreaterThan(10);
  });
});
