// Importing past conversations from the Customers page in Debian's Chromium (playwright-core) against a real server,
// Postgres and Redis: the admin picks a JSON file, sees the dry run's counts and its refused conversation with Import /
// Cancel (nothing written yet), imports, and finds the chat in the customer's panel marked "Imported from chatwoot"; the
// same file again has nothing to import; an agent has no such button.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';

const bed = consoleTestBed();

const FILE = {
  source: 'chatwoot',
  conversations: [
    {
      externalId: 'cw-1', startedAt: '2024-05-02T08:00:00Z', customer: { email: 'petra@example.com', name: 'Petra Past' },
      messages: [
        { author: 'customer', body: 'Is the blue kettle back in stock?', sentAt: '2024-05-02T08:00:05Z' },
        { author: 'agent', authorName: 'Lou', body: 'Yes, since Monday.', sentAt: '2024-05-02T08:03:00Z' },
      ],
      rating: { score: 5 },
    },
    { externalId: 'cw-2', startedAt: '2024-05-03T08:00:00Z', customer: { email: 'petra@example.com' }, messages: [{ author: 'customer', body: 'Thanks!', sentAt: '2024-05-03T08:00:00Z' }] },
    { externalId: 'cw-3', startedAt: '2024-05-04T08:00:00Z', customer: { email: 'petra@example.com' }, messages: [{ author: 'visitor', body: 'Hello?', sentAt: '2024-05-04T08:00:00Z' }] },
  ],
};
const asFile = () => ({ name: 'chatwoot-export.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(FILE)) });

describe('importing conversations from the Customers page', () => {
  it('shows the dry run (counts and the refused conversation), writes nothing before Import, then imports; the panel marks the chats', async () => {
    const { page, errors } = await signedInConsole(bed, '/console/customers', { account: bed.stack.admin });
    const imported = async () => (await bed.stack.env.sql<{ n: number }[]>`select count(*)::int as n from conversations where imported_from = 'chatwoot'`)[0].n;

    await page.getByTestId('conversations-import-file').setInputFiles(asFile());
    await expect.poll(() => page.getByTestId('conversations-import-preview').isVisible()).toBe(true);
    expect(await page.getByTestId('conversations-import-summary').textContent())
      .toBe('3 conversations in the file: 2 to import (3 messages), 0 imported before, 1 refused.');
    expect(await page.getByTestId('conversations-import-rejected').textContent())
      .toBe('Conversation 3 (cw-3): message 1: author is "customer", "agent" or "bot"');
    expect(await imported()).toBe(0);

    await page.getByTestId('conversations-import-confirm').click();
    await expect.poll(() => page.getByTestId('conversations-import-done').isVisible()).toBe(true);
    expect(await page.getByTestId('conversations-import-summary').textContent()).toBe('Imported: 2 conversations (3 messages), 0 imported before, 1 refused.');
    expect(await imported()).toBe(2);
    const [audit] = await bed.stack.env.sql`select details from audit_log where action = 'conversations.import' order by id desc limit 1`;
    expect(audit.details).toMatchObject({ fileName: 'chatwoot-export.json', imported: 2, rejected: 1 });

    // Petra was new: the list (reloaded after the import) has her; her panel lists both chats, marked.
    await page.getByTestId('customers-search').fill('Petra');
    await expect.poll(() => page.getByTestId('customer-row').first().textContent()).toContain('Petra Past');
    await page.getByTestId('customer-row').first().locator('a').click();
    await expect.poll(() => page.getByTestId('imported-from').count()).toBe(2);
    expect(await page.getByTestId('imported-from').first().textContent()).toBe('Imported from chatwoot');
    // Its rating is in her history beside them.
    await expect.poll(() => page.getByTestId('csat-history').textContent()).toContain('★★★★★');

    // The same file again: nothing to import, said so, no Import button.
    await page.getByTestId('conversations-import-file').setInputFiles(asFile());
    await expect.poll(() => page.getByTestId('conversations-import-preview').isVisible()).toBe(true);
    expect(await page.getByTestId('conversations-import-summary').textContent())
      .toBe('Nothing to import: 2 of the 3 conversations in the file were imported before; refused: 1.');
    expect(await page.getByTestId('conversations-import-confirm').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('an agent has no conversations import', async () => {
    const { page, errors } = await signedInConsole(bed, '/console/customers');
    await page.getByTestId('customers-search').waitFor();
    expect(await page.getByTestId('conversations-import').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
