// Transcripts: the shopper's download names them "You", in their language, without the team's private notes; the
// team's export names the customer and marks private notes; system lines stand without an author.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';

let stack: TestStack;
let agent: AgentClient;
let agentToken: string;
const open: (WidgetClient | AgentClient)[] = [];

beforeAll(async () => {
  stack = await startStack();
  agentToken = (await login(stack.url, stack.agent.email, stack.agent.password)).token;
  agent = await connectAgent(stack.url, agentToken);
  open.push(agent);
  await callOk(agent, 'presence:set', { presence: 'online' });
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

async function chatWithAgent(profile: Record<string, unknown>, text: string): Promise<{ token: string; conversationId: number }> {
  const session = await widgetSession(stack.url, profile);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `t-${session.customerId}`, text });
  await callOk(socket, 'handoff:request', { conversationId });
  await eventually(async () => (await stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status === 'assigned', 10_000, 'assigned');
  await callOk(agent, 'message:send', { conversationId, clientId: `note-${conversationId}`, text: 'VIP, be nice', private: true });
  await callOk(agent, 'message:send', { conversationId, clientId: `reply-${conversationId}`, text: 'Happy to help!' });
  return { token: session.visitorToken, conversationId };
}

const download = async (conversationId: number, token: string, tz?: string) =>
  (await fetch(`${stack.url}/api/widget/conversations/${conversationId}/transcript${tz ? `?tz=${encodeURIComponent(tz)}` : ''}`, { headers: { authorization: `Bearer ${token}` } })).text();
const exported = async (conversationId: number) =>
  (await fetch(`${stack.url}/api/conversations/${conversationId}/transcript`, { headers: { authorization: `Bearer ${agentToken}` } })).text();

describe('transcripts', () => {
  it("the shopper's: their words as 'You', no private notes; the team's: the customer by name, notes marked", async () => {
    const { token, conversationId } = await chatWithAgent({ name: 'Dana Reader', locale: 'en' }, 'Where is my parcel?');
    const mine = await download(conversationId, token);
    expect(mine).toMatch(new RegExp(`^Conversation #${conversationId} — started .* — status with a person\\n`));
    expect(mine).toMatch(/\] You: Where is my parcel\?\n/);
    expect(mine).toMatch(/\] · .* joined the chat\.\n/);
    expect(mine).toMatch(/\] .+: Happy to help!\n/);
    expect(mine).not.toContain('VIP, be nice');

    const team = await exported(conversationId);
    expect(team).toMatch(/\] Dana Reader: Where is my parcel\?\n/);
    expect(team).not.toContain('] You:');
    expect(team).toMatch(/\] .+ \[private note\]: VIP, be nice\n/);
  });

  it("is in Chinese for a shopper who chats in Chinese; a customer without a name is 'Customer #id' for the team", async () => {
    const { token, conversationId } = await chatWithAgent({ locale: 'zh-CN' }, '我的包裹在哪里？');
    const mine = await download(conversationId, token);
    expect(mine).toMatch(new RegExp(`^会话 #${conversationId} — 开始于 .* — 状态：人工处理中\\n`));
    expect(mine).toMatch(/\] 我：我的包裹在哪里？\n/);
    // Its system lines as the widget words them, and its times in the zone the shopper's browser gave.
    expect(mine).toMatch(/\] · .+ 已加入对话。\n/);
    expect(mine).not.toContain('joined the chat');
    const [{ created_at: started }] = await stack.env.sql<{ created_at: Date }[]>`select created_at from conversations where id = ${conversationId}`;
    const shanghai = new Date(started.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect(await download(conversationId, token, 'Asia/Shanghai')).toContain(`开始于 ${shanghai} (Asia/Shanghai)`);
    expect(await download(conversationId, token, 'Not/AZone')).toMatch(/开始于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const [{ customer_id: customerId }] = await stack.env.sql`select customer_id from conversations where id = ${conversationId}`;
    expect(await exported(conversationId)).toMatch(new RegExp(`\\] Customer #${customerId}: 我的包裹在哪里？\\n`));
  });
});
