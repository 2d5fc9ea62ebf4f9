// Importing contacts from the Customers page in Debian's Chromium (playwright-core) against a real server, Postgres
// and Redis: the admin picks a CSV file, sees the dry run's counts and its first refused rows with Import / Cancel
// (nothing written yet), imports, and finds the new contacts; an agent sees neither Import nor Export.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signInOnLoginPage } from '../support/browser.ts';

const bed = consoleTestBed();

async function customersPage(account: { email: string; password: string }): Promise<{ page: Page; errors: string[] }> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 } });
  bed.contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${bed.stack.url}/console/customers`);
  await signInOnLoginPage(page, account);
  await page.getByTestId('customers-page').waitFor();
  return { page, errors };
}

const CSV = [
  'email,name,external_id,plan',
  'ines@example.com,Ines Import,shop-501,gold',
  'jon@example.com,Jon Import,,silver',
  'not-an-address,Broken Row,,',
].join('\n');

describe('importing contacts from the Customers page', () => {
  it('shows the dry run (counts and refused rows), writes nothing before Import, then imports', async () => {
    const { page, errors } = await customersPage(bed.stack.admin);
    const count = async () => (await bed.stack.env.sql<{ n: number }[]>`select count(*)::int as n from customers where email like '%@example.com'`)[0].n;
    const before = await count();

    await page.getByTestId('contacts-import-file').setInputFiles({ name: 'contacts.csv', mimeType: 'application/vnd.ms-excel', buffer: Buffer.from(CSV) });
    const preview = page.getByTestId('contacts-import-preview');
    await expect.poll(() => preview.isVisible()).toBe(true);
    expect(await page.getByTestId('contacts-import-summary').textContent()).toBe('3 contacts in the file: 2 new, 0 to complete, 0 already here, 1 refused.');
    expect(await page.getByTestId('contacts-import-rejected').textContent()).toContain('Line 4: email: "not-an-address" is not an email address');
    expect(await count()).toBe(before);

    await page.getByTestId('contacts-import-confirm').click();
    await expect.poll(() => page.getByTestId('contacts-import-done').isVisible()).toBe(true);
    expect(await page.getByTestId('contacts-import-summary').textContent()).toBe('Imported: 2 new, 0 completed, 0 already here, 1 refused.');
    expect(await count()).toBe(before + 2);
    const [ines] = await bed.stack.env.sql`select external_id, attributes from customers where email = 'ines@example.com'`;
    expect(ines).toMatchObject({ external_id: 'shop-501', attributes: { plan: 'gold' } });
    const [audit] = await bed.stack.env.sql`select details from audit_log where action = 'customers.import' order by id desc limit 1`;
    expect(audit.details).toMatchObject({ format: 'csv', fileName: 'contacts.csv', created: 2, rejected: 1 });

    await page.getByTestId('customers-search').fill('Ines');
    await expect.poll(() => page.getByTestId('customer-row').first().textContent()).toContain('Ines Import');

    // The same file again: nothing to import, said so, no Import button.
    await page.getByTestId('contacts-import-file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await expect.poll(() => page.getByTestId('contacts-import-preview').isVisible()).toBe(true);
    expect(await page.getByTestId('contacts-import-summary').textContent()).toBe('Nothing to import: 2 of the 3 contacts in the file are already here; refused: 1.');
    expect(await page.getByTestId('contacts-import-confirm').count()).toBe(0);

    // The export link downloads the CSV.
    const download = page.waitForEvent('download');
    await page.getByTestId('contacts-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^customers-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(errors).toEqual([]);
  });

  it('an agent has no import or export', async () => {
    const { page, errors } = await customersPage(bed.stack.agent);
    await page.getByTestId('customers-search').waitFor();
    expect(await page.getByTestId('contacts-import').count()).toBe(0);
    expect(await page.getByTestId('contacts-export').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
