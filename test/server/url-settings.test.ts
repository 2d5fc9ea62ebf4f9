// Addresses with a password in them (DATABASE_URL, REDIS_URL, SMTP_URL): one whose password has an unencoded "/", "?"
// or "#" is refused at start, naming the variable and never its value (it used to pass and crash the server later,
// printing the whole URL); an "@" in a password is read right, and redacted right in the start-up lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../server/config.ts';
import { redact } from '../../server/dependencies.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { runScript } from '../support/run-script.ts';

const SECRET = 'Zq7secret';
const message = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
};

describe('URL settings with a password', () => {
  // "12#…" and "12/…": a password starting with digits made the part before it read as a port, so the URL parsed.
  const passwords = [`pa/${SECRET}`, `pa#${SECRET}`, `pa?${SECRET}`, `12#${SECRET}`, `12/${SECRET}`, `12?${SECRET}`];
  const settings: Record<string, (password: string) => string> = {
    DATABASE_URL: (pw) => `postgres://shop:${pw}@db.example.com:5432/shop`,
    REDIS_URL: (pw) => `redis://:${pw}@redis.example.com:6379`,
    SMTP_URL: (pw) => `smtp://mailer:${pw}@mail.example.com:587`,
  };

  it('accepts what the clients read: a Postgres host list, an "@" in a query value; refuses a "%" that encodes nothing', () => {
    // A review: postgres.js tries several hosts in turn, and takes "@" in a parameter's value.
    for (const url of ['postgres://shop:pw@db1.example.com:5432,db2.example.com:5433/shop?target_session_attrs=read-write',
      'postgres://shop:pw@db.example.com/shop?application_name=shopdesk@eu-1']) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
    for (const [name, url] of [['DATABASE_URL', `postgres://shop:ab%zz${SECRET}@db.example.com/shop`], ['REDIS_URL', `redis://:ab%zz${SECRET}@redis.example.com:6379`]]) {
      const text = message({ [name]: url });
      expect(text).toContain(`${name} has a "%"`);
      expect(text).toContain('% as %25');
      expect(text).not.toContain(SECRET);
    }
    // ioredis also reads a password from the query: masked too.
    expect(redact(`redis://redis.example.com:6379/0?password=${SECRET}`)).not.toContain(SECRET);
  });

  it('refuses an unencoded "/", "#" or "?" in the password, naming the variable and not the value', () => {
    for (const [name, url] of Object.entries(settings)) {
      for (const password of passwords) {
        const text = message({ [name]: url(password) });
        expect(text).toContain(`${name} `);
        expect(text).toMatch(/percent-encode special characters in the password \(\/ as %2F/);
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('example.com');
      }
    }
  });

  it('takes the same passwords percent-encoded, and an "@" in a password as it is', () => {
    for (const [name, url] of Object.entries(settings)) {
      for (const password of passwords) expect(() => loadConfig({ [name]: url(encodeURIComponent(password)) })).not.toThrow();
      expect(() => loadConfig({ [name]: url(`p@${SECRET}`) })).not.toThrow();
    }
  });

  it('redacts the whole password, an "@" in it included, and an address that does not parse', () => {
    expect(redact(`postgres://shop:p@${SECRET}@db.example.com:5432/shop`)).toBe('postgres://shop:***@db.example.com:5432/shop');
    expect(redact(`redis://:p@${SECRET}@redis.example.com:6379`)).toBe('redis://:***@redis.example.com:6379');
    expect(redact(`postgres://shop:p%40${SECRET}@db.example.com/shop`)).toBe('postgres://shop:***@db.example.com/shop');
    expect(redact('postgres://postgres@127.0.0.1:5432/shopdesk')).toBe('postgres://postgres@127.0.0.1:5432/shopdesk');
    for (const password of ['pa/', 'pa#', '12#', '12?']) {
      const shown = redact(`postgres://shop:${password}${SECRET}@db.example.com/shop`);
      expect(shown).not.toContain(SECRET);
      expect(shown).toContain('db.example.com/shop');
    }
  });

  it('refuses a shop or public address that does not parse; an "@" in a page\'s path is fine', () => {
    expect(message({ PUBLIC_URL: 'https://shop example.com' })).toBe('Invalid configuration:\n  PUBLIC_URL is not a valid URL');
    expect(message({ SHOP_URL: 'https://[shop.example.com' })).toBe('Invalid configuration:\n  SHOP_URL is not a valid URL');
    expect(loadConfig({ SHOP_URL: 'https://social.example.com/@our-shop' }).shopUrl).toBe('https://social.example.com/@our-shop');
  });

  it('names the environment variable, not the schema key, and says a choice as one line', () => {
    expect(message({ PORT: 'eighty' })).toBe('Invalid configuration:\n  PORT: must be integer');
    expect(message({ SMTP_URL: 'http://mail.example.com' })).toBe('Invalid configuration:\n  SMTP_URL: must be empty, or must match pattern "^smtps?://"');
    expect(message({ LOG_LEVEL: 'loud' })).toMatch(/^ {2}LOG_LEVEL: must be one of "fatal", "error", .*"silent"$/m);
    expect(message({ RATE_LIMIT_MESSAGES_PER_10S: '0' })).toContain('RATE_LIMIT_MESSAGES_PER_10S: must be >= 1');
    expect(message({ INBOUND_EMAIL_SECRET: 'short' })).not.toMatch(/anyOf|inboundEmailSecret/);
  });
});

describe('the server started with such an address', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('stops at once with one line that names SMTP_URL and holds no part of it', () => {
    const { code, stderr, stdout } = runScript('server/main.ts', {
      DATABASE_URL: env.config.databaseUrl, REDIS_PREFIX: env.config.redisPrefix, SESSION_SECRET: env.config.sessionSecret,
      SMTP_URL: `smtp://mailer:pa/${SECRET}@mail.example.com:587`,
    });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toEqual(['Invalid configuration:', expect.stringMatching(/^ {2}SMTP_URL is not a valid URL; percent-encode/)]);
    expect(`${stdout}${stderr}`).not.toContain(SECRET);
    expect(stdout).not.toContain('Shopdesk is running');
  });
});
