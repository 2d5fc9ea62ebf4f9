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
  /** Set only when the account was created by this call with a generated password (one from the environment is not echoed). */
  password?: string;
  /** Created by this call with the password given in DEMO_ADMIN_PASSWORD / DEMO_AGENT_PASSWORD. */
  passwordFromEnvironment?: boolean;
}

async function ensureUser(sql: Sql, account: { email: string; name: string; role: 'admin' | 'agent'; password: string; capacity: number }): Promise<SeededAccount> {
  const [existing] = await sql`select id from users where lower(email) = lower(${account.email})`;
  if (existing) return { email: account.email, role: account.role };
  const password = account.password || randomBytes(9).toString('base64url');
  // Another process starting at the same time may insert it first: only the one whose row went in reports it (and
  // its password: the other one's was never stored).
  const inserted = await sql`insert into users (email, name, role, password_hash, capacity)
            values (${account.email}, ${account.name}, ${account.role}, ${await hashPassword(password)}, ${account.capacity})
            on conflict do nothing returning id`;
  if (inserted.length === 0) return { email: account.email, role: account.role };
  return account.password ? { email: account.email, role: account.role, passwordFromEnvironment: true } : { email: account.email, role: account.role, password };
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

interface DemoCannedResponse { shortcut: string; title: string; locale: 'en' | 'zh'; body: string }

// Replies agents of a shop type again and again; {{…}} are filled in by the console on insert.
const DEMO_CANNED_RESPONSES: DemoCannedResponse[] = [
  { shortcut: 'hi', locale: 'en', title: 'Greeting', body: 'Hi {{customer.first_name}}, this is {{agent.first_name}} from the support team. Let me take a look for you.' },
  { shortcut: 'order', locale: 'en', title: 'Ask for the order number', body: 'Could you send me your order number? It starts with NW- and is in your confirmation email.' },
  { shortcut: 'photo', locale: 'en', title: 'Ask for a photo', body: 'Sorry about that! Could you send a photo of the item and of the label on the parcel? You can attach it right here in the chat.' },
  { shortcut: 'refund', locale: 'en', title: 'Refund issued', body: 'I have issued your refund. It reaches your original payment method within 5–10 business days, depending on your bank.' },
  { shortcut: 'thanks', locale: 'en', title: 'Closing', body: 'Thanks for chatting with us, {{customer.first_name}}! If anything else comes up, just write here again.' },
  { shortcut: 'hi', locale: 'zh', title: '问候', body: '{{customer.first_name}}您好，我是客服{{agent.first_name}}，马上为您查看。' },
  { shortcut: 'order', locale: 'zh', title: '询问订单号', body: '麻烦发一下您的订单号，以 NW- 开头，在订单确认邮件里可以找到。' },
  { shortcut: 'photo', locale: 'zh', title: '请客户拍照', body: '非常抱歉！请拍一下商品和包裹面单的照片，直接在对话里发送就可以。' },
  { shortcut: 'refund', locale: 'zh', title: '已退款', body: '已为您办理退款，款项会在 5–10 个工作日内退回原支付方式，具体以银行到账时间为准。' },
  { shortcut: 'thanks', locale: 'zh', title: '结束语', body: '感谢您的咨询！之后有任何问题，随时在这里留言。' },
];
const CANNED_SEEDED_KEY = 'canned_demo_seeded';

/**
 * A demo install starts with a few canned responses, so "/" in the console shows what they are for. Seeded once
 * (a settings flag, in the same transaction): responses an admin deletes later stay deleted. Returns how many were added.
 */
export async function seedDemoCannedResponses(sql: Sql): Promise<number> {
  return (await sql.begin(async (tx) => {
    const [flag] = await tx`insert into settings (key, value) values (${CANNED_SEEDED_KEY}, 'true'::jsonb) on conflict (key) do nothing returning key`;
    if (!flag) return 0;
    let added = 0;
    for (const r of DEMO_CANNED_RESPONSES) {
      const rows = await tx`insert into canned_responses (shortcut, title, body, locale) values (${r.shortcut}, ${r.title}, ${r.body}, ${r.locale})
                            on conflict (shortcut, locale) where owner_id is null do nothing returning id`;
      added += rows.length;
    }
    return added;
  })) as number;
}
