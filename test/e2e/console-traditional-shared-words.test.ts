// A console set to Traditional Chinese (zh-TW, zh-HK) shows the Chinese it does not own in that script too: the names
// of the knowledge base's categories (knowledge-base/categories.ts) and the sentence of a customer's segment (worded
// by the server, server/services/customer-segment.ts) — both used to stay Simplified. In Debian's Chromium
// (playwright-core) against a real server, Postgres and Redis, the console bundle built from this source.
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';

const bed = consoleTestBed();

/** The category select's options and the article list's lines, as shown on the knowledge-base page. */
async function kbCategoryTexts(consoleLanguage: 'zh' | 'zh-TW' | 'zh-HK'): Promise<{ options: string[]; lines: string[] }> {
  const { page, errors } = await signedInConsole(bed, '/console/admin/kb', { account: bed.stack.admin, consoleLanguage });
  await page.locator('[data-testid=kb-item][data-slug=trad-account]').waitFor();
  const options = await page.locator('.kb-list .filters select').first().locator('option').allTextContents();
  const lines = await page.locator('.kb-list li .muted').allTextContents();
  if (consoleLanguage !== 'zh') await page.screenshot({ path: artifactPath(`console-traditional-kb-${consoleLanguage}.png`) });
  expect(errors).toEqual([]);
  return { options, lines };
}

describe('a Traditional console shows shared Chinese words in its script', () => {
  it('names the knowledge base\'s categories in Taiwan\'s or Hong Kong\'s Traditional, and Simplified stays Simplified', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    for (const [slug, category] of [['trad-account', 'account'], ['trad-support', 'support']]) {
      const made = await httpAs(bed.stack.url, 'POST', '/api/admin/articles', admin, { slug, locale: 'zh', title: `标题 ${slug}`, category, body: '正文' });
      expect(made.status).toBe(201);
    }

    const taiwan = await kbCategoryTexts('zh-TW');
    expect(taiwan.options).toEqual(expect.arrayContaining(['帳戶', '聯絡我們']));
    expect(taiwan.lines.join('\n')).toContain('· 帳戶 ·');
    expect([...taiwan.options, ...taiwan.lines].join('\n')).not.toMatch(/账户|联系我们/);

    const hongKong = await kbCategoryTexts('zh-HK');
    expect(hongKong.options).toEqual(expect.arrayContaining(['賬户', '聯繫我們']));
    expect([...hongKong.options, ...hongKong.lines].join('\n')).not.toMatch(/账户|联系我们/);

    const simplified = await kbCategoryTexts('zh');
    expect(simplified.options).toEqual(expect.arrayContaining(['账户', '联系我们']));
  }, 90_000);

  it('words a customer\'s segment rule in the chosen script', async () => {
    const session = await widgetSession(bed.stack.url, { name: 'Lin Newcomer', locale: 'zh-TW' });
    const rule = async (consoleLanguage: 'zh' | 'zh-TW' | 'zh-HK') => {
      const { page } = await signedInConsole(bed, `/console/customers/${session.customerId}`, { consoleLanguage });
      const shown = page.getByTestId('customer-panel').getByTestId('segment-rule');
      await shown.waitFor();
      await expect.poll(() => shown.textContent(), { timeout: 15_000 }).not.toBe('');
      return shown.textContent();
    };
    expect(await rule('zh-TW')).toBe('新客戶 — 今天首次出現，還沒有訂單。');
    expect(await rule('zh-HK')).toBe('新客户 — 今天首次出現，還沒有訂單。');
    expect(await rule('zh')).toBe('新客户 — 今天首次出现，还没有订单。');
  }, 60_000);
});
