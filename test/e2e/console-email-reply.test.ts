// The console marks a shopper's message that came by email, in Debian's Chromium (playwright-core) against a real
// server: the reply is a real MIME message POSTed to /api/email/inbound, and arrives live in the open conversation.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import MailComposer from 'nodemailer/lib/mail-composer';
import { artifactPath, launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { consoleBundle } from '../support/console-bundle.ts';
import { replyToAddress } from '../../server/services/email-reply-address.ts';

const SECRET = 'console-inbound-secret-0123456789';
let stack: TestStack;
let browser: Browser;
const { contexts, sockets } = closedAfterEachTest<WidgetClient | AgentClient>(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  // Email follow-ups on (no workers here: nothing is sent), so a reply in a chat reaches a shopper who left.
  stack = await startStack({ config: { inboundEmailAddress: 'replies@support.example.com', inboundEmailSecret: SECRET, smtpUrl: 'smtp://127.0.0.1:9' } });
  browser = await launchBrowser();
}, 120_000);

async function openConversation(conversationId: number, locale: 'en' | 'zh'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  await context.addInitScript((l) => localStorage.setItem('sd.locale', l), locale);
  const page = await context.newPage();
  await page.goto(`${stack.url}/console/conversations/${conversationId}`);
  await signInOnLoginPage(page, stack.agent, null);
  await page.getByTestId('msg-agent').first().waitFor();
  return page;
}

describe('console: messages that came by email', () => {
  it('shows "via email" / "来自邮件" on the email reply only, live and after a reload', async () => {
    const email = 'mia.chen@example.com';
    const session = await widgetSession(stack.url, { email });
    const shopper = await connectWidget(stack.url, session.visitorToken);
    sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'w-1', text: 'Where is my order?' });
    const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(stack.url, token);
    sockets.push(agent);
    await callOk(agent, 'message:send', { conversationId, clientId: 'a-1', text: 'It ships tomorrow.' });

    const page = await openConversation(conversationId, 'en');
    const raw = await new MailComposer({
      from: email, to: replyToAddress(stack.env.config, stack.servers[0].handle.ctx.visitorSecret, conversationId)!,
      subject: 'Re: New reply', text: 'Great, thank you!\n\nOn Fri, 4 Dec 2026, Shopdesk <no-reply@localhost> wrote:\n> It ships tomorrow.',
    }).compile().build();
    const response = await fetch(`${stack.url}/api/email/inbound`, { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${SECRET}` }, body: new Uint8Array(raw) });
    expect((await response.json()).status).toBe('posted');

    const fromEmail = page.getByTestId('msg-customer').filter({ hasText: 'Great, thank you!' });
    await fromEmail.getByTestId('via-email').waitFor();
    expect(await fromEmail.getByTestId('via-email').textContent()).toBe('via email');
    // The widget message before it carries no marker.
    expect(await page.getByTestId('msg-customer').filter({ hasText: 'Where is my order?' }).getByTestId('via-email').count()).toBe(0);
    await page.screenshot({ path: artifactPath('console-email-reply.png') });

    const zh = await openConversation(conversationId, 'zh');
    const stored = zh.getByTestId('msg-customer').filter({ hasText: 'Great, thank you!' });
    await stored.getByTestId('via-email').waitFor();
    expect(await stored.getByTestId('via-email').textContent()).toBe('来自邮件');
  }, 60_000);

  it('answers a message left in a chat from the chat, where the reply is emailed and kept, rather than from the mail program', async () => {
    const session = await widgetSession(stack.url, {});
    const shopper = await connectWidget(stack.url, session.visitorToken);
    sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'left-1', text: 'Do you have the tote in green?' });
    const { id } = await callOk<{ id: number }>(shopper, 'offline:leave', { email: 'leo.left@example.com', text: 'Please email me when it is back.', conversationId });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${stack.url}/console/messages`);
    await signInOnLoginPage(page, stack.agent, null);
    const row = page.locator(`[data-testid=left-message][data-message-id="${id}"]`);
    await row.getByTestId('reply-in-chat').waitFor();
    expect(await row.getByTestId('reply-in-chat').getAttribute('href')).toBe(`/console/conversations/${conversationId}`);
    expect(await row.getByTestId('reply-in-chat-hint').textContent()).toContain('leo.left@example.com');
    // The mail program is still there, as the second way.
    expect(await row.getByTestId('reply-by-email').textContent()).toBe('Write from your mail program');
    await row.getByTestId('reply-in-chat').click();
    await page.getByTestId('reply-input').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/conversations/${conversationId}`);
  }, 60_000);
});
