// A macro run's client key (server/services/macro-run-keys.ts) on a real server, Postgres and Redis: a console that
// retries a run whose answer it lost sends the same clientId again, and the macro is applied once — one reply to the
// shopper, one note, no second resolve — while the repeat answers as the first run did. Without a key (older consoles)
// each request is a run of its own. Keys are checked and kept per agent.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, type TestStack } from '../support/server.ts';
import { macroTestBed } from '../support/macros.ts';

type Auth = Awaited<ReturnType<typeof login>>;

const bed = macroTestBed();
let stack: TestStack;
let admin: Auth;
let agent: Auth;
beforeAll(() => {
  ({ stack, admin, agent } = bed);
});

const http = (method: string, path: string, auth: Auth, body?: unknown) => httpAs(stack.url, method, path, auth, body);
const runOf = (auth: Auth, conversationId: number, macroId: number, body: unknown) =>
  http('POST', `/api/conversations/${conversationId}/macros/${macroId}/run`, auth, body);
async function saveOwn(auth: Auth, body: unknown): Promise<number> {
  const saved = await http('POST', '/api/macros/personal', auth, body);
  expect(saved.status, saved.text).toBe(201);
  return saved.json.item.id;
}
const linesOf = async (conversationId: number) =>
  stack.env.sql<{ author_type: string; body: string; private: boolean; metadata: Record<string, any> }[]>`
    select author_type, body, private, metadata from messages where conversation_id = ${conversationId} order by id`;
const agentLines = async (conversationId: number) => (await linesOf(conversationId)).filter((m) => m.author_type === 'agent');

/** A chat the demo agent, the only one online, holds. */
const heldChat = async () => (await bed.heldChat('I want to return my boots')).conversationId;

const returnsMacro = {
  name: 'Returns', actions: [
    { type: 'reply', text: 'Here is our returns page.' }, { type: 'note', text: 'Sent the returns link' }, { type: 'addLabels', labels: ['returns'] },
  ],
};

describe('a macro run with a client key', () => {
  it('repeated with the same key (a retry after a lost answer) applies the macro once and answers like the first', async () => {
    const macroId = await saveOwn(agent, returnsMacro);
    const conversationId = await heldChat();
    const clientId = randomUUID();
    const first = await runOf(agent, conversationId, macroId, { clientId });
    expect(first.status, first.text).toBe(200);
    expect(first.json).toMatchObject({ macroId, completed: true });
    const repeat = await runOf(agent, conversationId, macroId, { clientId });
    expect(repeat.status, repeat.text).toBe(200);
    expect({ ...repeat.json, conversation: undefined }).toEqual({ ...first.json, conversation: undefined });
    expect(repeat.json.conversation.id).toBe(conversationId);

    const lines = await agentLines(conversationId);
    expect(lines.map((m) => [m.body, m.private])).toEqual([['Here is our returns page.', false], ['Sent the returns link', true]]);

    // A new click is a new key, and a new run: the reply goes again, as the agent asked.
    expect((await runOf(agent, conversationId, macroId, { clientId: randomUUID() })).status).toBe(200);
    expect(await agentLines(conversationId)).toHaveLength(4);
  });

  it('without a key each request is a run of its own (as before)', async () => {
    const macroId = await saveOwn(agent, { name: 'Note only', actions: [{ type: 'note', text: 'Checked the order' }] });
    const conversationId = await heldChat();
    for (let i = 0; i < 2; i++) expect((await runOf(agent, conversationId, macroId, {})).status).toBe(200);
    expect(await agentLines(conversationId)).toHaveLength(2);
  });

  it('two requests with one key at once run the macro once', async () => {
    const macroId = await saveOwn(agent, returnsMacro);
    const conversationId = await heldChat();
    const clientId = randomUUID();
    const answers = await Promise.all([0, 1, 2].map(() => runOf(agent, conversationId, macroId, { clientId })));
    // Each is the first run's answer, or "still going on" for a repeat that came while it ran.
    for (const answer of answers) {
      if (answer.status === 409) expect(answer.json.error.code).toBe('macro_running');
      else expect([answer.status, answer.json.completed, answer.json.macroId]).toEqual([200, true, macroId]);
    }
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(await agentLines(conversationId)).toHaveLength(2);
    expect((await runOf(agent, conversationId, macroId, { clientId })).status).toBe(200);
    expect(await agentLines(conversationId)).toHaveLength(2);
  });

  it('a repeated resolve is not refused as "already resolved": the first run answers', async () => {
    const macroId = await saveOwn(agent, { name: 'Done', actions: [{ type: 'note', text: 'Wrapping up' }, { type: 'resolve' }] });
    const conversationId = await heldChat();
    const clientId = randomUUID();
    const first = await runOf(agent, conversationId, macroId, { clientId });
    expect(first.json).toMatchObject({ completed: true, conversation: { status: 'resolved' } });
    const linesAfterFirst = (await linesOf(conversationId)).length;
    const repeat = await runOf(agent, conversationId, macroId, { clientId });
    expect(repeat.json).toMatchObject({ completed: true, actions: [{ type: 'note', status: 'done' }, { type: 'resolve', status: 'done' }] });
    // Nothing ran again: no note, no line of a second ending.
    expect(await linesOf(conversationId)).toHaveLength(linesAfterFirst);
    // Without the key the same request is a run of its own, and its resolve is refused: the chat is closed.
    expect((await runOf(agent, conversationId, macroId, {})).json).toMatchObject({ completed: false });
  });

  it('a key that ran another macro or on another chat is refused; keys are per agent; a malformed key is a 400', async () => {
    const macroId = await saveOwn(agent, { name: 'Label', actions: [{ type: 'addLabels', labels: ['vip'] }] });
    const otherMacroId = await saveOwn(agent, { name: 'Priority', actions: [{ type: 'setPriority', priority: true }] });
    const conversationId = await heldChat();
    const clientId = randomUUID();
    expect((await runOf(agent, conversationId, macroId, { clientId })).status).toBe(200);
    const otherMacro = await runOf(agent, conversationId, otherMacroId, { clientId });
    expect([otherMacro.status, otherMacro.json.error.code]).toEqual([409, 'client_id_reused']);
    const otherChat = await runOf(agent, await heldChat(), macroId, { clientId });
    expect([otherChat.status, otherChat.json.error.code]).toEqual([409, 'client_id_reused']);

    // The admin's own run under the same key is theirs: not refused, not answered with the agent's run.
    const adminMacroId = await saveOwn(admin, { name: 'Admin label', actions: [{ type: 'addLabels', labels: ['checked'] }] });
    const adminRun = await runOf(admin, conversationId, adminMacroId, { clientId });
    expect(adminRun.status, adminRun.text).toBe(200);
    expect(adminRun.json.macroId).toBe(adminMacroId);

    for (const bad of ['has spaces', 'x'.repeat(65), '', 42]) {
      const refused = await runOf(agent, conversationId, macroId, { clientId: bad });
      expect(refused.status, String(bad)).toBe(400);
    }
  });
});
