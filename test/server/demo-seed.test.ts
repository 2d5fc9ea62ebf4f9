// First start of a demo install: the widget gets an identity secret when none is configured (the demo page signs
// in as a demo shopper with it), and a configured or existing secret is never replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { ensureDemoIdentitySecret } from '../../server/db/seed.ts';
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
