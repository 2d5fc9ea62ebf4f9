// "My replies" in the console (console/src/pages/personal-replies.tsx) in Debian's Chromium against a real server,
// Postgres and Redis: an agent saves a reply of their own in the Account panel, told the team has the same shortcut
// (saving that shortcut twice is refused in words);
// in a chat, "/refund" offers theirs first, marked, above the team's, and Enter inserts it (placeholders filled) and
// sends it to the shopper; another console of the same agent, already open, offers it without a reload, and drops it
// once it is deleted (after an edit).
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, heldByTheDemoAgent, signedInConsole } from '../support/browser.ts';
import { login, widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually, record } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

const bed = consoleTestBed();

describe('my replies in the console', () => {
  it('an agent saves a reply of their own and inserts it with /shortcut, before the team reply of that shortcut', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const shared = await fetch(`${bed.stack.url}/api/admin/canned-responses`, {
      method: 'POST', headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ shortcut: 'refund', title: 'Team refund', body: 'Refunds take 5 days.' }),
    });
    expect(shared.status).toBe(201);

    const session = await widgetSession(bed.stack.url, { name: 'Erin Example', email: 'erin@example.com' });
    const shopper = await connectWidget(bed.stack.url, session.visitorToken);
    bed.sockets.push(shopper);
    const received = record<ChatMessage>(shopper, 'message:new');
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'mine-e2e-1', text: 'I would like a refund please' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await heldByTheDemoAgent(bed, conversationId);

    const path = `/console/conversations/${conversationId}`;
    const { page, errors, dialogs } = await signedInConsole(bed, path);
    const other = await signedInConsole(bed, path); // a second tab of the same agent, left open
    await other.page.getByTestId('reply-input').waitFor();

    // My replies, in the Account panel: none yet; one saved, with a word that the team has /refund too.
    await page.getByTestId('change-password').click();
    const mine = page.getByTestId('personal-replies');
    await mine.getByTestId('personal-replies-empty').waitFor();
    await mine.getByTestId('personal-reply-shortcut').fill('refund');
    await mine.getByTestId('personal-reply-title').fill('My refund');
    await mine.getByTestId('personal-reply-locale').selectOption('en');
    await mine.getByTestId('personal-reply-body').fill('Hi {{customer.first_name}}, I have refunded you myself.');
    await mine.getByTestId('personal-reply-save').click();
    const saved = mine.getByTestId('personal-reply');
    await expect.poll(() => saved.count()).toBe(1);
    expect(await saved.textContent()).toContain('/refund');
    expect(await saved.getByTestId('personal-reply-also-shared').textContent()).toBe('The team has /refund too: yours comes first in your reply box.');
    expect(await mine.getByTestId('personal-reply-shortcut').inputValue()).toBe('');
    const [row] = await bed.stack.env.sql`select u.email, c.title from canned_responses c join users u on u.id = c.owner_id where c.shortcut = 'refund'`;
    expect(row).toEqual({ email: bed.stack.agent.email, title: 'My refund' });
    await page.screenshot({ path: artifactPath('console-personal-replies.png') });
    // The same shortcut and language again is refused, in the console's words, and nothing is added.
    await mine.getByTestId('personal-reply-shortcut').fill('refund');
    await mine.getByTestId('personal-reply-title').fill('Again');
    await mine.getByTestId('personal-reply-body').fill('Twice');
    await mine.getByTestId('personal-reply-save').click();
    await expect.poll(() => mine.getByTestId('personal-replies-error').textContent()).toBe('You already have a reply with this shortcut in this language.');
    expect(await saved.count()).toBe(1);
    await page.getByTestId('change-password').click();

    // "/refund": both offered, the agent's own first and marked; Enter inserts it with the shopper's name.
    const input = page.getByTestId('reply-input');
    await input.click();
    await input.pressSequentially('/refund');
    const options = page.getByTestId('canned-menu').getByRole('option');
    await expect.poll(() => options.count()).toBe(2);
    expect(await options.nth(0).textContent()).toContain('My refund');
    expect(await options.nth(0).getByTestId('canned-personal-mark').textContent()).toBe('Personal');
    expect(await options.nth(1).textContent()).toContain('Team refund');
    expect(await options.nth(1).getByTestId('canned-personal-mark').count()).toBe(0);
    await input.press('Enter');
    await expect.poll(() => input.inputValue()).toBe('Hi Erin, I have refunded you myself.');
    await input.press('Enter');
    await eventually(async () => received.find((m) => m.author.type === 'agent' && m.text === 'Hi Erin, I have refunded you myself.'), 10_000, 'the shopper gets the reply');

    // The other tab was never reloaded: its "/" menu already has the new reply, first.
    const otherInput = other.page.getByTestId('reply-input');
    await otherInput.click();
    await otherInput.pressSequentially('/ref');
    const otherOptions = other.page.getByTestId('canned-menu').getByRole('option');
    await expect.poll(() => otherOptions.count()).toBe(2);
    expect(await otherOptions.nth(0).textContent()).toContain('My refund');

    // Edited, then deleted after confirming: the list follows, and the other tab is back to the team's reply alone.
    await page.getByTestId('change-password').click();
    await saved.getByTestId('personal-reply-edit').click();
    expect(await mine.getByTestId('personal-reply-title').inputValue()).toBe('My refund');
    await mine.getByTestId('personal-reply-title').fill('My quick refund');
    await mine.getByTestId('personal-reply-save').click();
    await expect.poll(() => saved.textContent()).toContain('My quick refund');
    await saved.getByTestId('personal-reply-delete').click();
    expect(dialogs).toEqual(['Delete your reply /refund? It cannot be undone.']);
    await mine.getByTestId('personal-replies-empty').waitFor();
    await otherInput.fill('');
    await otherInput.pressSequentially('/refund');
    await expect.poll(() => otherOptions.count()).toBe(1);
    expect(await otherOptions.nth(0).textContent()).toContain('Team refund');
    expect(errors).toEqual([]);
    expect(other.errors).toEqual([]);
  }, 90_000);
});

describe("the team's canned responses tab", () => {
  it("shows another admin's new team reply without a reload, and never an agent's own", async () => {
    const { page, errors } = await signedInConsole(bed, '/console/admin/team', { account: bed.stack.admin });
    await page.getByTestId('tab-canned').click();
    await page.getByTestId('canned-form').waitFor();
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const agent = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    const created = await fetch(`${bed.stack.url}/api/admin/canned-responses`, {
      method: 'POST', headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ shortcut: 'live-team', title: 'Live team reply', body: 'Added in another console.' }),
    });
    expect(created.status).toBe(201);
    await page.getByTestId('canned').getByText('/live-team').waitFor();
    const own = await fetch(`${bed.stack.url}/api/canned-responses/personal`, {
      method: 'POST', headers: { cookie: agent.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ shortcut: 'agents-own', title: 'Mine', body: 'Only mine.' }),
    });
    expect(own.status).toBe(201);
    // A second team reply after the agent's own: once it shows, the tab has heard everything sent before it (one
    // connection, in order), so the agent's reply is missing because it was never sent here, not because it is late.
    // (Counting rows against a count read once raced the tab's first load at CI's load.)
    const after = await fetch(`${bed.stack.url}/api/admin/canned-responses`, {
      method: 'POST', headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ shortcut: 'live-team-2', title: 'Second live reply', body: 'Added after the agent\'s own.' }),
    });
    expect(after.status).toBe(201);
    await page.getByTestId('canned').getByText('/live-team-2').waitFor();
    expect(await page.getByTestId('canned').textContent()).not.toContain('/agents-own');
    expect(errors).toEqual([]);
  });
});
