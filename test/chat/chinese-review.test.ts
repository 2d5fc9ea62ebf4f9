// What a Chinese-speaking shop's review asked of the server, on a real server, Postgres and Redis: the live
// connection's refusals say which refusal they are (a `reason` where the code is the "conflict" family, and what their
// wording names), the shopper's transcript names its time zone once and labels the shopper as the widget does, and
// every CSV the team downloads starts with a byte-order mark (Excel on a Chinese Windows reads it as UTF-8) that the
// contacts import strips again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { parseCsv } from '../../server/services/customer-import.ts';
import { call, callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';

let stack: TestStack;
let agent: AgentClient;
let admin: Awaited<ReturnType<typeof login>>;
const open: (WidgetClient | AgentClient)[] = [];

beforeAll(async () => {
  stack = await startStack();
  agent = await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
  open.push(agent);
  await callOk(agent, 'presence:set', { presence: 'online' });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

/** A shopper's chat that Sam (the demo agent, the only one online) holds. */
async function heldChat(profile: Record<string, unknown>, text: string): Promise<{ token: string; conversationId: number }> {
  const session = await widgetSession(stack.url, profile);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `zh-${session.customerId}`, text });
  await callOk(socket, 'handoff:request', { conversationId });
  await eventually(async () => (await stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status === 'assigned', 10_000, 'assigned');
  return { token: session.visitorToken, conversationId };
}

describe('refusals on the live connection', () => {
  it('say which refusal they are, and name the agent an offline one is about; the code callers check stays', async () => {
    const { conversationId } = await heldChat({ locale: 'zh-CN' }, '我想找人工客服');
    // Taking a chat someone already holds.
    expect(await call(agent, 'conversation:accept', { conversationId })).toEqual({
      ok: false, error: { code: 'conflict', reason: 'conversation_taken', message: 'This conversation is already taken or closed.' },
    });
    // Giving it to someone offline (the admin has no console open): their name, for the console's own sentence.
    expect(await call(agent, 'conversation:transfer', { conversationId, toAgentId: admin.user.id })).toEqual({
      ok: false,
      error: { code: 'agent_offline', params: { name: admin.user.name }, message: `${admin.user.name} is offline and would not see this chat. Transfer it to someone online, or mention them in a note.` },
    });
    // Replying to a resolved chat.
    await callOk(agent, 'conversation:resolve', { conversationId });
    expect(await call(agent, 'message:send', { conversationId, clientId: 'after-resolve', text: '还在吗？' })).toEqual({
      ok: false, error: { code: 'conflict', reason: 'conversation_resolved', message: 'The conversation is resolved; reopen it to reply.' },
    });
    // Every conflict says which it is; one that names nothing carries no params.
    expect(await call(agent, 'conversation:resolve', { conversationId })).toEqual({
      ok: false, error: { code: 'conflict', reason: 'already_resolved', message: 'The conversation is already resolved.' },
    });
  });
});

describe("the shopper's transcript", () => {
  it('names the time zone once, in the header, and labels the shopper as the widget does (我), with Chinese colons', async () => {
    const { token, conversationId } = await heldChat({ locale: 'zh-CN' }, '我的包裹在哪里？');
    await callOk(agent, 'message:send', { conversationId, clientId: `reply-${conversationId}`, text: '马上帮您查询' });
    const download = async (tz: string) => (await fetch(`${stack.url}/api/widget/conversations/${conversationId}/transcript?tz=${encodeURIComponent(tz)}`,
      { headers: { authorization: `Bearer ${token}` } })).text();
    const taipei = await download('Asia/Taipei');
    const lines = taipei.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^会话 #${conversationId} — 开始于 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(Asia/Taipei\\) — 状态：人工处理中$`));
    expect(taipei.split('Asia/Taipei')).toHaveLength(2); // once
    expect(lines).toContainEqual(expect.stringMatching(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] 我：我的包裹在哪里？$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] .+：马上帮您查询$/));
    expect(taipei).not.toContain('您:');
    // Without a zone: UTC, said once too.
    const utc = await download('Not/AZone');
    expect(utc.split('UTC')).toHaveLength(2);
    expect(utc.split('\n')[0]).toMatch(/开始于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC — /);
  });
});

describe('CSV downloads', () => {
  const bytes = async (path: string) => {
    const response = await fetch(`${stack.url}${path}`, { headers: { cookie: admin.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    return Buffer.from(await response.arrayBuffer());
  };
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it('start with a byte-order mark: the conversations and the agents of the reports, and the customers', async () => {
    await heldChat({ name: '王小明', locale: 'zh-CN' }, '你好');
    const today = new Date().toISOString().slice(0, 10);
    for (const path of [`/api/admin/reports/conversations.csv?from=${today}&to=${today}`, `/api/admin/reports/agents.csv?from=${today}&to=${today}`, '/api/admin/customers/export.csv']) {
      const body = await bytes(path);
      expect(body.subarray(0, 3), path).toEqual(BOM);
      expect(body.subarray(3, 4).toString(), path).toBe('"'); // once, then the header
    }
    const conversations = (await bytes(`/api/admin/reports/conversations.csv?from=${today}&to=${today}`)).toString('utf8');
    expect(conversations).toContain('王小明');
  });

  it('the customers export, mark and all, imports back unchanged; a JSON file with a mark imports too', async () => {
    const importRaw = async (body: Uint8Array | string, type: string) => {
      const response = await fetch(`${stack.url}/api/admin/customers/import`, { method: 'POST', headers: { cookie: admin.cookie, 'content-type': type }, body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]) });
      return { status: response.status, json: await response.json() as Record<string, unknown> };
    };
    const created = await importRaw(`\uFEFF${JSON.stringify({ customers: [{ email: 'wang@example.cn', name: '王 小明', locale: 'zh-CN' }, { email: 'fang@example.cn', name: 'Wang Fang' }] })}`, 'application/json');
    expect(created).toMatchObject({ status: 200, json: { created: 2, rejected: 0 } });

    const exported = await bytes('/api/admin/customers/export.csv');
    expect(exported.subarray(0, 3)).toEqual(BOM);
    const back = await importRaw(exported, 'text/csv; charset=utf-8');
    expect(back.status).toBe(200);
    // Read with the mark glued to it, the first column's name would be "\uFEFFid": an attribute, not the ignored id.
    expect(back.json).toMatchObject({ created: 0, updated: 0, columns: { attributes: [], ignored: ['id', 'created_at', 'last_seen_at', 'conversations_count'] } });
    // Every row reads back unchanged but the shoppers of the chats above, who left neither an email nor a shop user id.
    const rows = parseCsv(exported.toString('utf8')).slice(1);
    const anonymous = rows.filter((r) => !r.fields[1] && !r.fields[2]).length;
    expect(back.json).toMatchObject({ rows: rows.length, unchanged: rows.length - anonymous, rejected: anonymous });
    const [wang] = await stack.env.sql<{ name: string }[]>`select name from customers where email = 'wang@example.cn'`;
    expect(wang.name).toBe('王 小明');
  });
});

describe("a Taiwan shopper's transcript", () => {
  it("words the transcript's own lines in Traditional and quotes the agent as written", async () => {
    const { token, conversationId } = await heldChat({ locale: 'zh-TW' }, '我的包裹在哪裡？');
    await callOk(agent, 'message:send', { conversationId, clientId: `reply-tw-${conversationId}`, text: '马上帮您查询' });
    const text = await (await fetch(`${stack.url}/api/widget/conversations/${conversationId}/transcript?tz=Asia/Taipei`,
      { headers: { authorization: `Bearer ${token}` } })).text();
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^會話 #${conversationId} — 開始於 .+ \\(Asia/Taipei\\) — 狀態：人工處理中$`));
    expect(lines).toContainEqual(expect.stringMatching(/\] 我：我的包裹在哪裡？$/));
    expect(lines).toContainEqual(expect.stringMatching(/\] .+：马上帮您查询$/)); // the agent's words as they wrote them
    expect(lines).toContainEqual(expect.stringMatching(/\] · .+ 已加入對話。$/)); // the system line, as the widget showed it
    expect(text).not.toMatch(/会话|开始|状态|对话/);
  });
});
