// NODE_ENV=production warns, one line each, about settings that are fine for a trial but risky for a live shop;
// and an empty setting (docker compose's `NAME=` or `${NAME:-}`) means its default.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadConfig, startWarnings } from '../../server/config.ts';
import { createTestEnv } from '../support/test-env.ts';
import { startLogUntil } from '../support/start-log.ts';

/** The warnings a process started with exactly this environment would print. */
function warningsFor(env: Record<string, string>): string[] {
  return startWarnings(loadConfig(env), env);
}

const liveShop = {
  NODE_ENV: 'production', HOST: '0.0.0.0', PUBLIC_URL: 'https://chat.shop.example', SEED_DEMO: 'false',
  METRICS_TOKEN: 'metrics-token-123', SMTP_URL: 'smtp://mail.shop.example:587',
};

describe('start warnings', () => {
  it('a production shop configured for live traffic gets none', () => {
    expect(warningsFor(liveShop)).toEqual([]);
  });

  it('production warns on an http PUBLIC_URL, the demo, an open /metrics on the network and no email', () => {
    const warnings = warningsFor({ ...liveShop, PUBLIC_URL: 'http://chat.shop.example', SEED_DEMO: 'true', METRICS_TOKEN: '', SMTP_URL: '' });
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/^PUBLIC_URL http:\/\/chat\.shop\.example is not https/);
    expect(warnings[1]).toMatch(/^SEED_DEMO is on: the demo accounts \(admin@demo\.shop, agent@demo\.shop\)/);
    expect(warnings[2]).toMatch(/^METRICS_TOKEN is not set while the server listens on 0\.0\.0\.0/);
    expect(warnings[3]).toMatch(/^SMTP_URL is not set: no email is sent/);
    // The demo is on by default: production without SEED_DEMO is warned too.
    const { SEED_DEMO: _unset, ...withoutSeedSetting } = liveShop;
    expect(warningsFor(withoutSeedSetting)).toEqual([expect.stringMatching(/^SEED_DEMO is on/)]);
  });

  it('an open /metrics is only a problem when the server listens beyond this machine', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(warningsFor({ ...liveShop, HOST: host, METRICS_TOKEN: '' })).toEqual([]);
    for (const host of ['0.0.0.0', '::', '10.0.0.5']) expect(warningsFor({ ...liveShop, HOST: host, METRICS_TOKEN: '' })).toHaveLength(1);
  });

  it('outside production only the unset PUBLIC_URL and TRUST_PROXY=true are mentioned (local trials stay quiet)', () => {
    const trial = { NODE_ENV: 'development', HOST: '0.0.0.0', PUBLIC_URL: 'http://localhost:3000' };
    expect(warningsFor(trial)).toEqual([]);
    const { PUBLIC_URL: _unset, ...withoutPublicUrl } = trial;
    expect(warningsFor({ ...withoutPublicUrl, TRUST_PROXY: 'true' })).toEqual([
      expect.stringMatching(/^PUBLIC_URL is not set: links .* point to http:\/\/localhost:3000/),
      expect.stringMatching(/^TRUST_PROXY=true believes any X-Forwarded-For/),
    ]);
    // docker compose passes an unset `${PUBLIC_URL:-}` as empty: that is "not set", not a silent default.
    expect(warningsFor({ ...trial, PUBLIC_URL: '' })).toEqual([expect.stringMatching(/^PUBLIC_URL is not set/)]);
  });

  it('an empty variable means the default, as an absent one does', () => {
    const empty = { HOST: '', PUBLIC_URL: '', DATABASE_URL: '', REDIS_URL: '', REDIS_PREFIX: '', LOG_LEVEL: '', NODE_ENV: '',
      DEMO_ADMIN_EMAIL: '', DEMO_AGENT_EMAIL: '', MODEL_ID: '', MODEL_DIR: '', SEED_DEMO: '', PORT: '' };
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('a real production start prints the warnings among its start lines', async () => {
    const env = await createTestEnv();
    try {
      // The warnings come before the last start-up line (the no-admin hint of a shop without the demo).
      const lines = await startLogUntil(env, {
        NODE_ENV: 'production', HOST: '127.0.0.1', PUBLIC_URL: 'http://chat.shop.example', SEED_DEMO: 'false', SMTP_URL: '', METRICS_TOKEN: '',
      }, /No admin account yet.*\n/);
      const warnings = lines.split('\n').filter((line) => line.includes('WARNING:'));
      expect(warnings).toEqual([
        expect.stringMatching(/^ {2}WARNING: PUBLIC_URL http:\/\/chat\.shop\.example is not https/),
        expect.stringMatching(/^ {2}WARNING: SMTP_URL is not set/),
      ]);
    } finally {
      await env.cleanup();
    }
  }, 90_000);
});

describe('docker compose settings', () => {
  const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

  it('every setting the server reads is in .env.example or set by docker-compose.yml', () => {
    const names = new Set([...read('server/config.ts').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]));
    names.add('WORKER_HEARTBEAT_MS');
    expect(names.size).toBeGreaterThan(40);
    const example = read('.env.example');
    const compose = read('docker-compose.yml');
    // Test and benchmark knobs only: a shop has no reason to set them.
    const testOnly = ['AUTO_AWAY_UNIT_SECONDS', 'AGENT_ALERT_MINUTE_MS'];
    const missing = [...names].filter((name) => !testOnly.includes(name)
      && !new RegExp(`^#?${name}=`, 'm').test(example)
      && !new RegExp(`^ +${name}: `, 'm').test(compose));
    expect(missing).toEqual([]);
  });

  it('compose sends no mail to a catcher by default and seeds no demo unless asked', () => {
    const compose = read('docker-compose.yml');
    // SMTP_URL and PUBLIC_URL have no default here: unset means "no email" and the start log's warning.
    expect(compose).toMatch(/^ +SMTP_URL: \$\{SMTP_URL:-\}$/m);
    expect(compose).toMatch(/^ +PUBLIC_URL: \$\{PUBLIC_URL:-\}$/m);
    expect(compose.match(/^ +(SMTP_URL|PUBLIC_URL):/gm)).toHaveLength(2);
    expect(compose).toMatch(/^ +SEED_DEMO: \$\{SEED_DEMO:-false\}$/m);
    // Mailpit only in the dev profile, and on this machine only.
    expect(compose).toMatch(/mailpit:\n(?: +.*\n)*? +profiles: \[dev\]/);
    expect(compose).not.toMatch(/^ +- "(1025|8025):/m);
  });
});
