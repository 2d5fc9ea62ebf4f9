// First start of a demo install: the widget gets an identity secret when none is configured (the demo page signs
// in as a demo shopper with it), and a configured or existing secret is never replaced; a few canned responses are
// added once, and one an admin deletes stays deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { ensureDemoIdentitySecret, seedDemoCannedResponses } from '../../server/db/seed.ts';
import { loadWidgetSettings } from '../../server/services/widget-settings.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

describe('demo identity secret', () => {
  it('is generated once, only when neither the environment nor the widget settings have one', async () => {
    expect(await ensureDemoIdentitySecret(env.sql, { ...env.config, identitySecret: 'from-env' })).toBe(false);
    expect((await loadWidgetSettings(env.sql)).identitySecret).toBe('');

    expect(await ensureDemoIdentitySecret(env.sql, { ...env.config, identitySecret: '' })).toBe(true);
    const generated = (await loadWidgetSettings(env.sql)).identitySecret;
    expect(generated).toMatch(/^[\w-]{32}$/);

    expect(await ensureDemoIdentitySecret(env.sql, { ...env.config, identitySecret: '' })).toBe(false);
    expect((await loadWidgetSettings(env.sql)).identitySecret).toBe(generated);
  });
});

describe('demo canned responses', () => {
  it('are added once in both languages, with placeholders; one deleted later is not added back', async () => {
    expect(await seedDemoCannedResponses(env.sql)).toBe(10);
    const rows = await env.sql<{ shortcut: string; locale: string; body: string }[]>`select shortcut, locale, body from canned_responses order by locale, shortcut`;
    expect(rows.map((r) => `${r.locale}:${r.shortcut}`)).toEqual(['en:hi', 'en:order', 'en:photo', 'en:refund', 'en:thanks', 'zh:hi', 'zh:order', 'zh:photo', 'zh:refund', 'zh:thanks']);
    expect(rows.find((r) => r.locale === 'en' && r.shortcut === 'hi')!.body).toContain('{{customer.first_name}}');

    await env.sql`delete from canned_responses where shortcut = 'refund' and locale = 'en'`;
    expect(await seedDemoCannedResponses(env.sql)).toBe(0);
    const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from canned_responses`;
    expect(n).toBe(9);
  });
});
