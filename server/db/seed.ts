// Demo accounts on first start. Passwords come from the environment or are
// generated and printed once, when the account is created; they are never
// stored in clear or printed again.
import { randomBytes } from 'node:crypto';
import type { Sql } from './client.ts';
import type { Config } from '../config.ts';
import { hashPassword } from '../services/auth-service.ts';
import { loadWidgetSettings, saveWidgetSettings } from '../services/widget-settings.ts';

export interface SeededAccount {
  email: string;
  role: 'admin' | 'agent';
  /** Set only when the account was created by this call. */
  password?: string;
}

async function ensureUser(sql: Sql, account: { email: string; name: string; role: 'admin' | 'agent'; password: string; capacity: number }): Promise<SeededAccount> {
  const [existing] = await sql`select id from users where lower(email) = lower(${account.email})`;
  if (existing) return { email: account.email, role: account.role };
  const password = account.password || randomBytes(9).toString('base64url');
  await sql`insert into users (email, name, role, password_hash, capacity)
            values (${account.email}, ${account.name}, ${account.role}, ${await hashPassword(password)}, ${account.capacity})
            on conflict do nothing`;
  return { email: account.email, role: account.role, password };
}

export async function seedDemoAccounts(sql: Sql, config: Config): Promise<SeededAccount[]> {
  return [
    await ensureUser(sql, { email: config.demoAdminEmail, name: 'Ada Admin', role: 'admin', password: config.demoAdminPassword, capacity: 3 }),
    await ensureUser(sql, { email: config.demoAgentEmail, name: 'Sam Agent', role: 'agent', password: config.demoAgentPassword, capacity: 5 }),
  ];
}

/**
 * A demo install gets an identity secret in the widget settings when none is configured, so its demo page can sign
 * in as a demo shopper and the bot shows that shopper's orders. Returns whether one was created.
 */
export async function ensureDemoIdentitySecret(sql: Sql, config: Config): Promise<boolean> {
  if (config.identitySecret) return false;
  const settings = await loadWidgetSettings(sql);
  if (settings.identitySecret) return false;
  await saveWidgetSettings(sql, { ...settings, identitySecret: randomBytes(24).toString('base64url') });
  return true;
}
