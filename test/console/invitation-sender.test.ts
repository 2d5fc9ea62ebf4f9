// The invitation email is sent in the name the admin gave the shop in the console, as its subject says and as the
// shoppers' emails are, not in SHOP_NAME's. A real server, Postgres and SMTP receiver; the name set through the
// console's own settings route.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';

let stack: TestStack;
let smtp: SmtpReceiver;

beforeAll(async () => {
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({ config: { smtpUrl: `smtp://127.0.0.1:${port}`, shopName: 'Shopdesk', mailFrom: '' } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await smtp?.close();
});

it("sends the invitation From the console's shop name, not SHOP_NAME", async () => {
  const admin = await login(stack.url, stack.admin.email, stack.admin.password);
  const current = await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin);
  expect(current.status, current.text).toBe(200);
  const { identitySecretSet: _set, ...settings } = current.json;
  const saved = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...settings, shopName: 'Harbor & Sons' });
  expect(saved.status, saved.text).toBe(200);

  const created = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: 'ivy.harbor@example.com', name: 'Ivy', role: 'agent', invite: true });
  expect(created.status, created.text).toBe(201);
  const mail = smtp.to('ivy.harbor@example.com').at(-1)!.mail; // sent before the answer
  expect(mail.subject).toBe("You're invited to the Harbor & Sons support console");
  expect(mail.from?.value).toEqual([{ name: 'Harbor & Sons', address: 'no-reply@localhost' }]);
});
