// Macros in the console (console/src/pages/macro-menu.tsx, personal-macros.tsx) in Debian's Chromium against a real
// server, Postgres and Redis: an agent builds a macro of their own in the Account panel (a reply with placeholders, a
// label, resolve), opens the chat's Macros menu from the keyboard, reads what the macro does, runs it, and hears the
// outcome; the shopper gets the reply with their name filled in, the chat shows its label and is resolved.
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, heldByTheDemoAgent, signedInConsole } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually, record } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

const bed = consoleTestBed();

describe('macros in the console', () => {
  it('an agent saves a macro of their own and runs it from the chat header: reply, label and resolve land', async () => {
    const session = await widgetSession(bed.stack.url, {});
    await bed.stack.env.sql`update customers set name = 'Erin Example' where id = ${session.customerId}`;
    const shopper = await connectWidget(bed.stack.url, session.visitorToken);
    bed.sockets.push(shopper);
    const received = record<ChatMessage>(shopper, 'message:new');
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'macro-e2e-1', text: 'Has my refund gone through?' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await heldByTheDemoAgent(bed, conversationId);

    const { page, errors } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    // My macros, in the Account panel.
    await page.getByTestId('change-password').click();
    const mine = page.getByTestId('personal-macros');
    await mine.getByTestId('macro-name').fill('Refund sent');
    await mine.getByTestId('macro-add-action').selectOption('reply');
    await mine.getByTestId('macro-action-text').fill('Hi {{customer.first_name}}, your refund is on its way.');
    await mine.getByTestId('macro-add-action').selectOption('addLabels');
    await mine.getByTestId('macro-action-labels').pressSequentially('Refund, Paid');
    await mine.getByTestId('macro-add-action').selectOption('resolve');
    await mine.getByTestId('macro-save').click();
    await expect.poll(() => mine.getByTestId('macro-item').count()).toBe(1);
    const [stored] = await bed.stack.env.sql<{ name: string; actions: unknown }[]>`select name, actions from macros`;
    expect(stored).toEqual({
      name: 'Refund sent',
      actions: [{ type: 'reply', text: 'Hi {{customer.first_name}}, your refund is on its way.' }, { type: 'addLabels', labels: ['refund', 'paid'] }, { type: 'resolve' }],
    });

    // Back in the chat: the header's Macros menu, opened and used from the keyboard.
    await page.goto(`${bed.stack.url}/console/conversations/${conversationId}`);
    const toggle = page.getByTestId('macros');
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const choice = page.getByTestId('macro-run');
    await expect.poll(() => choice.count()).toBe(1);
    // What it will do, in short (a long text cut): readable before choosing.
    expect(await choice.textContent()).toBe('Refund sent PersonalReply: “Hi {{customer.first_name}}, your refund…” → Add labels: refund, paid → Resolve');
    await page.screenshot({ path: artifactPath('console-macro-menu.png') });
    await choice.focus();
    await page.keyboard.press('Enter');

    await expect.poll(() => page.getByTestId('macro-outcome').textContent()).toBe('Macro “Refund sent” done: every action ran.');
    expect(await page.getByTestId('macro-outcome').getAttribute('role')).toBe('status');
    await expect.poll(() => page.getByTestId('conversation').getAttribute('data-status')).toBe('resolved');
    await expect.poll(() => page.getByTestId('labels').textContent()).toContain('paid');
    await eventually(async () => received.some((m) => m.text === 'Hi Erin, your refund is on its way.'), 10_000, 'the shopper got the reply');
    expect(await page.getByTestId('history').textContent()).toContain('Hi Erin, your refund is on its way.');
    expect(errors).toEqual([]);
  });

  it("an admin's team macro reaches an open chat's menu without a reload, and a refused step is announced", async () => {
    const session = await widgetSession(bed.stack.url, {});
    const shopper = await connectWidget(bed.stack.url, session.visitorToken);
    bed.sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'macro-e2e-2', text: 'Hello?' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await heldByTheDemoAgent(bed, conversationId);
    const agentPage = (await signedInConsole(bed, `/console/conversations/${conversationId}`)).page;
    await agentPage.getByTestId('macros').click();
    // Counted once the menu's list is in: counted while it loaded, the agent's own macro from the test above came later.
    await expect.poll(() => agentPage.getByTestId('macro-menu').getAttribute('aria-busy')).toBeNull();
    const before = await agentPage.getByTestId('macro-run').count();

    const { page, errors } = await signedInConsole(bed, '/console/admin/team', { account: bed.stack.admin });
    await page.getByTestId('tab-macros').click();
    const team = page.getByTestId('team-macros');
    await team.getByTestId('macro-name').fill('Note it');
    await team.getByTestId('macro-add-action').selectOption('note');
    await team.getByTestId('macro-action-text').fill('Checked by the macro');
    // No team exists here: the editor offers no "Send to team" step.
    expect(await team.getByTestId('macro-add-action').locator('option[value="transferToTeam"]').count()).toBe(0);
    await team.getByTestId('macro-save').click();
    await expect.poll(() => team.getByTestId('macro-item').count()).toBe(1);
    const [audited] = await bed.stack.env.sql`select action from audit_log where action = 'macro.create'`;
    expect(audited).toBeDefined();

    const choices = agentPage.getByTestId('macro-run');
    await expect.poll(() => choices.count()).toBe(before + 1);
    await agentPage.getByTestId('macro-menu').getByText('Note it').click();
    await expect.poll(() => agentPage.getByTestId('macro-outcome').textContent()).toBe('Macro “Note it” done: every action ran.');
    await expect.poll(() => agentPage.getByTestId('history').textContent()).toContain('Checked by the macro');

    // A team macro whose step the server refuses: resolving twice (its first step resolves the chat).
    await bed.stack.env.sql`insert into macros (name, visibility, actions) values ('Resolve twice', 'team', ${bed.stack.env.sql.json([{ type: 'resolve' }, { type: 'resolve' }])})`;
    await agentPage.reload();
    await agentPage.getByTestId('macros').click();
    await agentPage.getByTestId('macro-menu').getByText('Resolve twice').click();
    await expect.poll(() => agentPage.getByTestId('macro-outcome').textContent())
      .toBe('Macro “Resolve twice” stopped at step 2 (Resolve): The conversation is already resolved. The steps before it were done; the rest did not run.');
    expect(errors).toEqual([]);
  });

  it("a label a macro adds to another chat is offered at once in an open chat's label suggestions", async () => {
    const session = await widgetSession(bed.stack.url, {});
    const [open, other] = await bed.stack.env.sql<{ id: number }[]>`
      insert into conversations (customer_id) values (${session.customerId}), (${session.customerId}) returning id::int`;
    const { page, errors } = await signedInConsole(bed, `/console/conversations/${open.id}`);
    const offered = page.locator('#labels-suggestions option[value="gift wrap"]');
    await expect.poll(() => page.getByTestId('label-input').count()).toBe(1);
    expect(await offered.count()).toBe(0);

    const agent = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    const saved = await httpAs(bed.stack.url, 'POST', '/api/macros/personal', agent, { name: 'Wrap it', actions: [{ type: 'addLabels', labels: ['Gift wrap'] }] });
    expect(saved.status, saved.text).toBe(201);
    const ran = await httpAs(bed.stack.url, 'POST', `/api/conversations/${other.id}/macros/${saved.json.item.id}/run`, agent, {});
    expect(ran.json.completed).toBe(true);
    await expect.poll(() => offered.count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it("says why the menu is empty when its list could not load, and is not left busy", async () => {
    const session = await widgetSession(bed.stack.url, {});
    const [chat] = await bed.stack.env.sql<{ id: number }[]>`insert into conversations (customer_id) values (${session.customerId}) returning id::int`;
    const { page } = await signedInConsole(bed, `/console/conversations/${chat.id}`);
    await page.route('**/api/macros', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Try again shortly.' } }) }));
    await page.reload();
    await page.getByTestId('macros').click();
    const menu = page.getByTestId('macro-menu');
    await menu.getByRole('alert').waitFor();
    // Before: "busy" for good beside the error, as if the list were still on its way.
    expect(await menu.getAttribute('aria-busy')).toBeNull();
    expect(await page.getByTestId('macro-menu-empty').count()).toBe(0); // not "No macros yet": it may well have some
  });
});
