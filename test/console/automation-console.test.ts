// Team & settings → Automation (console/src/pages/admin-automation.tsx) in Debian's Chromium against a real server,
// Postgres and Redis: an admin builds a rule (a new chat, Chinese or English keywords, the shopper's language; a label
// and a note), sees it listed with what it does, and a shopper's first message then gets the label and the note, which
// the chat shows agents, signed by the rule. Switching the rule off is one click. A new chat's rule is not offered the
// hand-off's own conditions (its reason, the bot's intent).
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually } from '../support/sockets.ts';

const bed = consoleTestBed();

describe('automation rules in the console', () => {
  it('an admin creates a rule on the Automation tab, and a new chat it matches is labelled and noted', async () => {
    const { page, errors } = await signedInConsole(bed, '/console/admin/team', { account: bed.stack.admin });
    await page.getByTestId('tab-automation').click();
    const rules = page.getByTestId('automation-rules');
    await expect.poll(() => rules.textContent()).toContain('No rules yet.');
    await rules.getByTestId('rule-name').fill('Chinese refunds');
    await rules.getByTestId('rule-trigger').selectOption('conversation_created');
    // Only a hand-off goes to a team's queue or has a reason: a new chat's rule is not offered them.
    expect(await rules.getByTestId('rule-add-condition').locator('option[value="handoffReason"]').count()).toBe(0);
    // Nor an intent: a new chat's rules run before the bot has answered anything (the server refuses it too).
    expect(await rules.getByTestId('rule-add-condition').locator('option[value="intent"]').count()).toBe(0);
    await rules.getByTestId('rule-add-condition').selectOption('textContains');
    await rules.getByTestId('rule-condition-terms').pressSequentially('退款，Refund');
    await rules.getByTestId('rule-add-condition').selectOption('language');
    await rules.getByRole('combobox', { name: "Condition 2: Shopper's language" }).selectOption('zh');
    await rules.getByTestId('rule-add-action').selectOption('addLabels');
    await rules.getByTestId('macro-action-labels').pressSequentially('Refund');
    await rules.getByTestId('rule-add-action').selectOption('note');
    await rules.getByTestId('macro-action-text').fill('Check the order before replying.');
    await rules.getByTestId('rule-save').click();

    const item = rules.getByTestId('rule-item');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain('A shopper starts a new chat · Message contains any of: 退款, refund · Shopper\'s language: 中文 → Add labels: refund → Private note');
    await page.screenshot({ path: artifactPath('console-automation-rules.png') });
    const [stored] = await bed.stack.env.sql<{ name: string; trigger: string; conditions: unknown; actions: unknown }[]>`select name, trigger, conditions, actions from automation_rules`;
    expect(stored).toEqual({
      name: 'Chinese refunds', trigger: 'conversation_created',
      conditions: [{ type: 'textContains', terms: ['退款', 'refund'] }, { type: 'language', languages: ['zh'] }],
      actions: [{ type: 'addLabels', labels: ['refund'] }, { type: 'note', text: 'Check the order before replying.' }],
    });
    const [audited] = await bed.stack.env.sql`select action from audit_log where action = 'automation_rule.create'`;
    expect(audited).toBeDefined();

    // A Chinese-speaking shopper's first message matches it.
    const session = await widgetSession(bed.stack.url, { locale: 'zh-CN' });
    const shopper = await connectWidget(bed.stack.url, session.visitorToken, 'zh-CN');
    bed.sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'auto-e2e-1', text: '我想申请退款' });
    await eventually(async () => (await bed.stack.env.sql<{ labels: string[] }[]>`select labels from conversations where id = ${conversationId}`)[0]?.labels.includes('refund'), 10_000, 'the label');
    await page.goto(`${bed.stack.url}/console/conversations/${conversationId}`);
    await expect.poll(() => page.getByTestId('history').textContent()).toContain('Automation rule “Chinese refunds”: Check the order before replying.');
    await expect.poll(() => page.getByTestId('history').textContent()).toContain('Automation rule “Chinese refunds” ran.');

    // Off with one click: the switch says so and the server keeps it.
    await page.goto(`${bed.stack.url}/console/admin/team`);
    await page.getByTestId('tab-automation').click();
    await page.getByTestId('rule-toggle').click();
    await expect.poll(() => page.getByTestId('rule-toggle').getAttribute('aria-pressed')).toBe('false');
    expect((await bed.stack.env.sql<{ enabled: boolean }[]>`select enabled from automation_rules`)[0]!.enabled).toBe(false);
    expect(errors).toEqual([]);
  });
});
