// Notes on a customer in the console's customer panel, in Debian's Chromium (playwright-core) against a real server,
// Postgres and Redis: an agent adds a note beside a chat (Ctrl+Enter in the labelled box), a teammate with the same
// chat open sees it arrive without reloading, the author edits it (the teammate sees the new words), the teammate has
// no Edit or Delete on it, and the author deletes it after confirming.
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

const bed = consoleTestBed();

const consolePage = (path: string, account: { email: string; password: string }) => signedInConsole(bed, path, { account });

describe('customer notes in the console', () => {
  it('an agent adds a note beside a chat, a teammate sees it live, only the author edits it', async () => {
    const teammate = { email: 'tess@demo.shop', password: 'tess-notes-pw' };
    await bed.stack.env.sql`insert into users (email, name, role, password_hash) values (${teammate.email}, 'Tess Teammate', 'agent', ${await hashPassword(teammate.password)})`;
    const session = await widgetSession(bed.stack.url, { name: 'Erin Example', email: 'erin@example.com' });
    const shopper = await connectWidget(bed.stack.url, session.visitorToken);
    bed.sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'notes-e2e-1', text: 'Is my refund on its way?' });

    const author = await consolePage(`/console/conversations/${conversationId}`, bed.stack.agent);
    const other = await consolePage(`/console/conversations/${conversationId}`, teammate);
    const notes = author.page.getByTestId('customer-panel').getByTestId('customer-notes');
    const othersNotes = other.page.getByTestId('customer-panel').getByTestId('customer-notes');
    await notes.getByTestId('customer-notes-empty').waitFor();
    await othersNotes.getByTestId('customer-notes-empty').waitFor();

    // The box is labelled; Ctrl+Enter adds the note (trimmed), and the box empties.
    const box = notes.getByLabel('New note');
    await box.fill('Refund promised on 12 Dec by Sam.  ');
    await box.press('Control+Enter');
    const mine = notes.getByTestId('customer-note');
    await expect.poll(() => mine.count()).toBe(1);
    expect(await mine.getByTestId('customer-note-text').textContent()).toBe('Refund promised on 12 Dec by Sam.');
    expect(await mine.getByTestId('customer-note-meta').textContent()).toMatch(/^Sam Agent · /);
    expect(await box.inputValue()).toBe('');
    const [stored] = await bed.stack.env.sql`select body from customer_notes where customer_id = ${session.customerId}`;
    expect(stored.body).toBe('Refund promised on 12 Dec by Sam.');

    // The teammate's console shows it without a reload, with the author's name, and offers neither Edit nor Delete.
    const theirs = othersNotes.getByTestId('customer-note');
    await expect.poll(() => theirs.count(), { timeout: 10_000 }).toBe(1);
    expect(await theirs.getByTestId('customer-note-text').textContent()).toBe('Refund promised on 12 Dec by Sam.');
    expect(await theirs.getByTestId('customer-note-meta').textContent()).toMatch(/^Sam Agent · /);
    expect(await theirs.getByTestId('customer-note-edit').count()).toBe(0);
    expect(await theirs.getByTestId('customer-note-delete').count()).toBe(0);

    // The author edits it with the button; both consoles show the new words, marked as edited.
    await mine.getByTestId('customer-note-edit').click();
    const editBox = mine.getByLabel('Edit note');
    await editBox.fill('Refund of €40 promised on 12 Dec by Sam.');
    await mine.getByTestId('customer-note-save').click();
    await expect.poll(() => mine.getByTestId('customer-note-text').textContent()).toBe('Refund of €40 promised on 12 Dec by Sam.');
    await expect.poll(() => theirs.getByTestId('customer-note-text').textContent(), { timeout: 10_000 }).toBe('Refund of €40 promised on 12 Dec by Sam.');
    expect(await theirs.getByTestId('customer-note-meta').textContent()).toContain('edited');
    expect(await theirs.getByTestId('customer-note-edit').count()).toBe(0);
    await author.page.screenshot({ path: artifactPath('console-customer-notes.png') });

    // The teammate adds one of their own with the button: theirs to edit, and the author cannot edit it.
    await othersNotes.getByLabel('New note').fill('Prefers email');
    await othersNotes.getByTestId('customer-note-add').click();
    await expect.poll(() => mine.count(), { timeout: 10_000 }).toBe(2);
    expect(await mine.first().getByTestId('customer-note-text').textContent()).toBe('Prefers email');
    expect(await mine.first().getByTestId('customer-note-edit').count()).toBe(0);
    await expect.poll(() => theirs.first().getByTestId('customer-note-edit').count(), { timeout: 10_000 }).toBe(1); // their list, live too

    // The author deletes theirs after the confirmation; it goes from both consoles.
    await mine.nth(1).getByTestId('customer-note-delete').click();
    expect(author.dialogs).toEqual(['Delete this note? It cannot be undone.']);
    await expect.poll(() => mine.count()).toBe(1);
    await expect.poll(() => theirs.count(), { timeout: 10_000 }).toBe(1);
    expect(await theirs.getByTestId('customer-note-text').textContent()).toBe('Prefers email');
    expect(author.errors).toEqual([]);
    expect(other.errors).toEqual([]);
  }, 90_000);

  it('on the customers page a draft stays with its customer, and focus follows editing with the keyboard', async () => {
    const first = await widgetSession(bed.stack.url, { name: 'Ada First', email: 'ada.first@example.com' });
    const second = await widgetSession(bed.stack.url, { name: 'Ben Second', email: 'ben.second@example.com' });
    const { page } = await consolePage(`/console/customers/${first.customerId}`, bed.stack.agent);
    const notes = page.getByTestId('customer-notes');
    await notes.getByTestId('customer-notes-empty').waitFor();
    await notes.getByLabel('New note').fill('Ada is a VIP');
    // Another customer from the list: the half-written note about Ada is not offered to be saved on Ben's record.
    await page.locator(`[data-testid="customer-row"][data-customer-id="${second.customerId}"] a`).click();
    await page.getByTestId('customer-name').filter({ hasText: 'Ben Second' }).waitFor();
    await notes.getByTestId('customer-notes-empty').waitFor();
    expect(await notes.getByLabel('New note').inputValue()).toBe('');

    await notes.getByLabel('New note').fill('Ben prefers email');
    await notes.getByLabel('New note').press('Control+Enter');
    const note = notes.getByTestId('customer-note');
    await expect.poll(() => note.count()).toBe(1);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
    // Edit puts the cursor in the note's box; Escape closes it and gives focus back to Edit (not to the page).
    await note.getByTestId('customer-note-edit').focus();
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('customer-note-edit-input');
    await page.keyboard.press('Escape');
    await expect.poll(focused).toBe('customer-note-edit');
    const [stored] = await bed.stack.env.sql`select count(*)::int as n from customer_notes where customer_id = ${first.customerId}`;
    expect(stored.n).toBe(0);
  }, 60_000);
});
