// The console's "busy + error" handling (useAction in console/src/hooks.ts), seen through the customer notes in
// Debian's Chromium against a real server, Postgres and Redis: while a note is on its way its button is disabled;
// once it is saved, or refused (the note was deleted meanwhile), the button works again, a refusal is shown in the
// server's words, and the next change that goes through clears it. Requests are held back (route.continue after a
// wait), never answered by the test: every answer is the server's.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';

const bed = consoleTestBed();

/** Holds the next request to `pattern` with `method` until the returned function is called; others pass. */
async function holdNext(page: Page, pattern: string, method: string): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let held = false;
  await page.route(pattern, async (route) => {
    if (!held && route.request().method() === method) {
      held = true;
      await released;
    }
    await route.continue();
  });
  return release;
}

describe('busy and refusals in the console (useAction)', () => {
  it('a note is disabled while on its way, a refusal is shown and the button works again, a later save clears it', async () => {
    const session = await widgetSession(bed.stack.url, { name: 'Bea Busy', email: 'bea.busy@example.com' });
    const shopper = await connectWidget(bed.stack.url, session.visitorToken);
    bed.sockets.push(shopper);
    await callOk(shopper, 'message:send', { clientId: 'busy-e2e-1', text: 'Where is my parcel?' });

    const { page } = await signedInConsole(bed, `/console/customers/${session.customerId}`);
    const notes = page.getByTestId('customer-panel').getByTestId('customer-notes');
    await notes.getByTestId('customer-notes-empty').waitFor();
    const box = notes.getByTestId('customer-note-input');
    const add = notes.getByTestId('customer-note-add');

    // On its way: Add is disabled; saved: the box empties and Add works again as soon as there is text.
    const releaseAdd = await holdNext(page, `**/api/customers/${session.customerId}/notes`, 'POST');
    await box.fill('Parcel left the depot on Monday.');
    await add.click();
    await expect.poll(() => add.isDisabled()).toBe(true);
    releaseAdd();
    await expect.poll(() => notes.getByTestId('customer-note').count()).toBe(1);
    expect(await box.inputValue()).toBe('');
    await box.fill('x');
    expect(await add.isDisabled()).toBe(false);
    await box.fill('');

    // Deleted behind the console's back (no live event): editing it is refused by the server. While the edit is on
    // its way Save is disabled; after the refusal the server's sentence is shown, the edit box keeps the words and
    // Save works again.
    await bed.stack.env.sql`delete from customer_notes where customer_id = ${session.customerId}`;
    const note = notes.getByTestId('customer-note');
    await note.getByTestId('customer-note-edit').click();
    const editBox = note.getByTestId('customer-note-edit-input');
    await editBox.fill('Parcel left the depot on Tuesday.');
    const releaseEdit = await holdNext(page, `**/api/customers/${session.customerId}/notes/*`, 'PATCH');
    const save = note.getByTestId('customer-note-save');
    await save.click();
    await expect.poll(() => save.isDisabled()).toBe(true);
    releaseEdit();
    const error = notes.getByTestId('customer-notes-error');
    await expect.poll(() => error.textContent()).toBe('Note not found.');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await editBox.inputValue()).toBe('Parcel left the depot on Tuesday.');
    expect(await save.isDisabled()).toBe(false);

    // The next change that goes through clears the refusal.
    await box.fill('Customer asked again on Wednesday.');
    await add.click();
    await error.waitFor({ state: 'detached' });
    expect(await box.inputValue()).toBe('');
  }, 60_000);
});
