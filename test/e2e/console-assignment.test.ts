// Assignment actions in the conversation header, in Debian's Chromium (playwright-core) against a real server,
// Postgres and Redis: an admin gives a waiting chat to an agent, returns it to the queue, takes over a chat the agent
// holds (the agent is told), and sends it to a team's queue; an agent sees only what they may do (no "Assign to…",
// "Take over" for a chat someone else holds, no "Return to queue" for it). Shoppers and the agent's side are
// socket.io clients.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactPath, consoleTestBed, signInOnLoginPage } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually, nextEvent, type WidgetClient } from '../support/sockets.ts';

const bed = consoleTestBed();

async function consolePage(path: string, account: { email: string; password: string }): Promise<Page> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  bed.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${bed.stack.url}${path}`);
  await signInOnLoginPage(page, account);
  return page;
}

const statusOf = async (id: number) => (await bed.stack.env.sql<{ status: string; assignee_id: number | null; team_id: number | null }[]>`
  select status, assignee_id, team_id from conversations where id = ${id}`)[0];

describe('assignment actions in the conversation header', () => {
  it('lets an admin assign, return to the queue, take over and send to a team; an agent sees only their own actions', async () => {
    const { sql } = bed.stack.env;
    // Everyone Away: nothing is assigned by itself, and both can still be given chats.
    await sql`update users set presence = 'away', presence_choice = 'away'`;
    const [sam] = await sql<{ id: number }[]>`select id from users where email = ${bed.stack.agent.email}`;
    const [team] = await sql<{ id: number }[]>`insert into teams (name) values ('Returns') returning id`;
    await sql`insert into team_members (team_id, user_id) values (${team.id}, ${sam.id})`;

    const shopper = await connectWidget(bed.stack.url, (await widgetSession(bed.stack.url)).visitorToken);
    bed.sockets.push(shopper as WidgetClient);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'assign-e2e-1', text: 'I want to talk to a person' });
    await eventually(async () => (await statusOf(conversationId)).status === 'queued', 10_000, 'the hand-off');

    const page = await consolePage(`/console/conversations/${conversationId}`, bed.stack.admin);
    const header = page.locator('.conversation-header');
    const status = () => page.getByTestId('conversation').getAttribute('data-status');
    await header.getByTestId('accept').waitFor();

    // Assign to an agent (Away, with room).
    await header.getByTestId('assign-to').selectOption({ label: 'Sam Agent (Away, 0/5)' });
    await header.getByTestId('assign').click();
    await eventually(async () => (await status()) === 'assigned', 10_000, 'assigned in the page');
    expect(await statusOf(conversationId)).toMatchObject({ status: 'assigned', assignee_id: sam.id });
    await header.getByTestId('held-by-other').waitFor();
    expect(await header.getByTestId('assign-to').count()).toBe(0);
    await page.screenshot({ path: artifactPath('console-assignment-held.png') });

    // Return to the queue.
    await header.getByTestId('requeue').click();
    await eventually(async () => (await status()) === 'queued', 10_000, 'queued in the page');
    expect(await statusOf(conversationId)).toMatchObject({ status: 'queued', assignee_id: null });

    // Sam takes it (over his socket); the admin takes it over, after confirming, and Sam is told.
    await callOk(bed.agentApi, 'conversation:assign', { conversationId, toAgentId: sam.id });
    await header.getByTestId('takeover').click();
    expect(await header.getByTestId('takeover-confirm').textContent()).toContain('Take this chat over from Sam Agent? They will be told.');
    await page.screenshot({ path: artifactPath('console-assignment-takeover.png') });
    const told = nextEvent<{ conversationId: number; text: string }>(bed.agentApi, 'mention:new', (m) => m.conversationId === conversationId);
    await header.getByTestId('takeover-yes').click();
    expect((await told).text).toBe('Ada Admin took over this chat from you.');
    await eventually(async () => (await statusOf(conversationId)).assignee_id !== sam.id, 10_000, 'taken over');
    await header.getByTestId('held-by-other').waitFor({ state: 'detached' });
    expect(await header.getByTestId('takeover').count()).toBe(0);
    // The private line, worded by the console.
    await page.locator('[data-testid=msg-system][data-event=agent_took_over]').getByText('Ada Admin took over the chat from Sam Agent.').waitFor();

    // Send it to the team's queue (Sam, its member, is Away: it waits there, tagged).
    await header.getByTestId('team-to').selectOption({ label: 'Returns' });
    await header.getByTestId('send-to-team').click();
    await eventually(async () => (await status()) === 'queued', 10_000, 'queued for the team');
    expect(await header.getByTestId('conversation-team').textContent()).toBe('Returns');
    expect(await statusOf(conversationId)).toMatchObject({ status: 'queued', team_id: team.id });

    // The agent's console: "Accept" for a waiting chat, no "Assign to…"; once the admin holds it, "Take over" and no
    // "Return to queue".
    const agentPage = await consolePage(`/console/conversations/${conversationId}`, bed.stack.agent);
    const agentHeader = agentPage.locator('.conversation-header');
    await agentHeader.getByTestId('accept').waitFor();
    expect(await agentHeader.getByTestId('assign-to').count()).toBe(0);
    await page.getByTestId('accept').click();
    await agentHeader.getByTestId('takeover').waitFor();
    expect(await agentHeader.getByTestId('requeue').count()).toBe(0);
    expect(await agentHeader.getByTestId('resolve').count()).toBe(0);
    await agentPage.screenshot({ path: artifactPath('console-assignment-agent.png') });
  });
});
