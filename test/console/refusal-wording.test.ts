// Every refusal a Chinese console can meet reads in Chinese. The server has no one list of its error codes, so this
// reads them from its source (each AppError's code, each conflict's reason, the codes its handlers answer with) and
// checks that the console words each one; a code nobody can meet from the console is listed here with why. Then real
// refusals, from a real server over the live connection and over HTTP, come through the console's own request
// functions and read in Chinese.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The console's dictionaries pick their language when first imported: a Chinese console (its saved choice).
vi.hoisted(() => {
  const store = new Map<string, string>([['sd.locale', 'zh']]);
  Object.assign(globalThis, {
    localStorage: { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => void store.set(key, value) },
    document: { documentElement: { lang: 'zh-CN' } },
  });
});

import { ApiError, SPECIFIC_REFUSALS, errorText, patch, post } from '../../console/src/api.ts';
import { request, type AgentSocket } from '../../console/src/realtime.ts';
import { getLocale } from '../../console/src/i18n.ts';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { systemLine } from '../../console/src/system-lines.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { agentWithOwnPassword } from '../support/sign-in.ts';

/** Codes the server defines that the console never meets, so their English sentence stays: who meets them instead. */
const NOT_FROM_THE_CONSOLE: Record<string, string> = {
  origin_not_allowed: 'the widget on a page of a website the shop did not allow',
  too_many_connections: "the widget's connection, past its connections per shopper",
  unsupported_media_type: 'the inbound email route, posted to by the mail relay',
  api_token_invalid: 'an API client with a wrong token', api_token_not_allowed: 'an API client calling a console-only route',
  too_many_token_failures: 'an API client after many wrong tokens',
  not_built: 'the console page itself when the bundle is missing: no console runs to read it',
  unknown_event: 'a socket client emitting an event the server does not know; the console emits only known ones',
  unavailable: "the console's handshake while the session cannot be checked: retried, never shown",
  busy: "an automation rule's stopped action, worded by system-lines.ts (system.automation_refused.*)",
  error: "an automation rule's stopped action, worded by system-lines.ts", chat_taken: "an automation rule's stopped action, worded by system-lines.ts",
  invalid: "a contacts import's row verdict (customers.importLine shows its line), not a refusal",
  snooze_time_needed: 'a macro run without snoozeUntil: the console always sends it (macro-menu.tsx snoozeUntil)',
};
/** Codes that are families: `conflict` gets its reason (checked below), `validation` words a schema's refusal. */
const FAMILIES = new Set(['conflict', 'validation']);
/** Conflicts only the widget meets (a shopper's message or rating), so they need no reason. */
const WIDGET_CONFLICTS = [
  'This conversation is closed; send a new message to start another.', 'A conversation can be rated once it is resolved.',
  'This shop does not ask for ratings.', 'This shop asks for a rating only after a chat with a person.',
];
/**
 * A `validation` (badRequest without its own code) or `forbidden` refusal thrown without a reason reads in English in
 * every console: each one the console can meet gets a reason (errors.ts `worded`). These, by their sentence's source
 * text, are the ones it cannot meet, with why.
 */
const UNREASONED_NOT_FROM_THE_CONSOLE: Record<string, string> = {
  'until: not a date and time (send an ISO time such as 2026-01-05T09:00:00+01:00).': 'the snooze menu sends a time it made (console/src/snooze.ts)',
  '${where}: give either minutes or a preset.': "the macro form's snooze action sends one of the two",
  'Message text is empty.': "the composer's send button stays disabled for blank text (conversation.tsx); the widget checks its own",
  'writtenIn and conversationId name different conversations.': 'an API client; the console sends one conversation',
  'overCapacityReason: say in a few words why the agent should take more chats than their capacity.': 'the assign button stays disabled until the reason has 3 characters (conversation.tsx)',
  'That article was not part of this answer.': "the widget's feedback buttons", 'That message did not ask whether it helped.': "the widget's feedback buttons",
  'That answer links an article: rate it with feedback:article.': "the widget's feedback buttons",
  'Dates must be real days written YYYY-MM-DD.': "the reports' date fields give real days",
  'A team name is at most ${MAX_TEAM_NAME} characters.': "the team form's name field holds at most that many (admin-teams.tsx maxLength)",
  'hash was sent without userId.': "the widget's session start (the shop's page gives both)",
  'updatedAt must be the time stamp the item was loaded with.': 'the knowledge-base editors send the stamp they loaded',
  '${field}[${i}]: a tag needs a character other than spaces.': "the tags editor trims a tag and drops a blank one (chips-editor.tsx)",
  'Send the raw email (RFC 822) as the request body.': 'the inbound email route, posted to by the mail relay',
  'request.validationError.message': "a schema's refusal of team settings it does not know: errors.validation words it with the schema's detail",
  'Give either a password or invite: true, not both.': 'the team form sends a password or an invitation, never both',
  'Give a password, or invite: true to email them an invitation.': 'the team form sends a password or an invitation',
  'nudges: every proactive message needs its own id': 'the proactive messages editor gives each new one a free id (admin-team.tsx)',
  'expiresAt is not a date.': 'the token form sends the date it built from its date field',
  'action "label" needs the label to add.': 'the bulk bar sends a label with its "label" action', 'label goes only with action "label".': 'the bulk bar sends a label only with "label"',
  'url: not a web address': "the widget's page-view report",
  problem: "text holding NUL or a lone surrogate (text-guard.ts), which the console's fields do not produce",
  'Only admins can do this.': "errors.forbidden says as much: an agent meets it only on an admin page left open after losing the role",
  'The example is empty.': "the console adds a shopper's question as an example (admin-unanswered.tsx), never a blank one",
};
/** Files whose every unreasoned refusal answers someone other than a console user. */
const FILES_NOT_FROM_THE_CONSOLE: Record<string, string> = {
  'server/http/shop-feed-routes.ts': "the shop's backend posting its orders and products",
  'knowledge-base/classifier/intent-classifier.ts': 'the training worker, training from stored intents: no request of the console',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

/** The top-level arguments of the call whose "(" is at `open`, as source text (strings and nested calls kept whole). */
function callArguments(source: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === "'" || c === '"' || c === '`') {
      // Skips the literal; a template's ${…} holds no quote of the same kind in this code base.
      for (i++; source[i] !== c; i++) if (source[i] === '\\') i++;
    } else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (--depth === 0) return [...args, source.slice(start, i)].map((a) => a.trim()).filter(Boolean);
    } else if (c === ',' && depth === 1) {
      args.push(source.slice(start, i));
      start = i + 1;
    }
  }
  throw new Error(`unbalanced call at ${open}`);
}

interface Found {
  codes: Map<string, string>;
  bareConflicts: string[];
  /** `validation` and `forbidden` refusals without a reason: each one's file and its sentence's source text. */
  unreasoned: { file: string; message: string }[];
  /** Each `worded(error, 'reason', { … })` whose params are written out: the names it gives (null: not all known). */
  namedParams: { file: string; reason: string; names: string[] | null }[];
}

/**
 * Each code the server's source gives a refusal (with the file it is in), and the conflicts thrown without a reason:
 * the server's own and the knowledge base's (its admin service and brain, which the admin routes call).
 */
function serverRefusals(): Found {
  const codes = new Map<string, string>();
  const bareConflicts: string[] = [];
  const unreasoned: { file: string; message: string }[] = [];
  const namedParams: Found['namedParams'] = [];
  const files = [...sourceFiles('server'), ...sourceFiles('knowledge-base')];
  const constants = new Map(files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/const ([A-Z_]+) = '([a-z_]+)';/g)].map((m) => [m[1], m[2]] as const)));
  const codeOf = (arg: string | undefined) => {
    const literal = /^'([a-z_]+)'$/.exec(arg ?? '')?.[1];
    return literal ?? (arg && constants.get(arg));
  };
  // Which argument names the code: AppError(status, code, …), badRequest(message, code), conflict(message, reason),
  // worded(error, reason, params), refuse / signInError(code, message). A code that is a message is no code.
  const calls: [RegExp, number][] = [[/new AppError\(/g, 1], [/\bbadRequest\(/g, 1], [/\bconflict\(/g, 1], [/\bworded\(/g, 1], [/\b(?:refuse|signInError)\(/g, 0]];
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    for (const [pattern, position] of calls) {
      for (const match of source.matchAll(pattern)) {
        const open = match.index! + match[0].length - 1;
        if (/^\s*[A-Za-z_]\w*\??\s*:/.test(source.slice(open + 1))) continue; // a declaration's typed parameters, not a call
        const args = callArguments(source, open);
        const code = codeOf(args[position]);
        if (code) codes.set(code, file);
        const inWorded = /worded\($/.test(source.slice(0, match.index).trimEnd().slice(-7));
        if (match[0].includes('conflict') && args.length === 1 && !inWorded) bareConflicts.push(args[0]);
        // A badRequest whose code is its family's, given or by default: only a reason could say which refusal it is.
        if (match[0].includes('badRequest') && !inWorded && (args.length === 1 || args[1] === "'validation'")) unreasoned.push({ file, message: unquoted(args[0]) });
        const reason = match[0].includes('worded') ? /^'([a-z_]+)'$/.exec(args[1] ?? '')?.[1] : undefined;
        if (reason) namedParams.push({ file, reason, names: paramNames(args[2]) });
      }
    }
    for (const match of source.matchAll(/\bforbidden\(/g)) {
      const open = match.index + match[0].length - 1;
      if (!/worded\($/.test(source.slice(0, match.index).trimEnd().slice(-7))) unreasoned.push({ file, message: unquoted(callArguments(source, open)[0] ?? '') });
    }
    // Bodies written out by hand: the error handler's, the gateway's, an automation action's outcome.
    for (const m of source.matchAll(/code: '([a-z_]+)'/g)) codes.set(m[1], file);
  }
  return { codes, bareConflicts, unreasoned, namedParams };
}

/** The property names of an object literal argument (`{ n: String(x), label }`); null when it is not one, or spreads. */
function paramNames(arg: string | undefined): string[] | null {
  if (arg === undefined) return [];
  if (!arg.startsWith('{')) return null;
  const properties = callArguments(arg, 0);
  if (properties.some((property) => property.startsWith('...'))) return null;
  return properties.map((property) => /^(\w+)/.exec(property)?.[1] ?? '?');
}

/** A string argument's text without its quotes (a template literal's ${…} kept as written). */
const unquoted = (arg: string) => arg.replace(/^(['"`])([\s\S]*)\1$/, '$2');

const refusals = serverRefusals();
const hasChinese = (text: string) => /\p{Script=Han}/u.test(text);
/** A refusal as it reaches the console, with whatever its wording could name. */
const refusal = (code: string, message: string) =>
  new ApiError(409, code, message, { name: 'Sam Agent', id: '42', n: '5', label: 'vip', zone: 'Mars/Olympus', from: '2000-01-01', to: '2099-12-31', item: 'returns', row: '3',
    names: 'refund_status', intent: 'shipping_time', example: 'hi', slug: 'a--b' });

describe('every refusal the server defines', () => {
  it('is found in its source (the reader finds the codes it should)', () => {
    expect(getLocale()).toBe('zh');
    for (const code of ['agent_offline', 'held', 'agent_full', 'conversation_changed', 'already_resolved', 'customer_deleted', 'macro_running', 'origin_not_allowed',
      'kb_unavailable', 'intent_exists', 'article_exists', 'slug_published', 'replace_unconfirmed', 'replace_changed', 'stale_edit']) {
      expect(refusals.codes.has(code), code).toBe(true);
    }
    expect(refusals.codes.size).toBeGreaterThan(80);
  });

  it('that the console can meet is worded in Chinese; the rest are listed with who meets them', () => {
    const english = 'The server’s English sentence.';
    const unworded = [...refusals.codes].filter(([code]) => !FAMILIES.has(code) && !(code in NOT_FROM_THE_CONSOLE))
      .filter(([code]) => !hasChinese(errorText(refusal(code, english)).replace(english, '')))
      .map(([code, file]) => `${code} (${file})`);
    expect(unworded).toEqual([]);
    // The list names only codes the server still has.
    expect(Object.keys(NOT_FROM_THE_CONSOLE).filter((code) => !refusals.codes.has(code))).toEqual([]);
  });

  it('is a conflict with a reason, unless only the widget meets it', () => {
    expect(refusals.bareConflicts.map((arg) => arg.replace(/^'|'$/g, '')).sort()).toEqual([...WIDGET_CONFLICTS].sort());
  });

  it("gives each reason every name its Chinese wording needs (else the console falls back to the server's English)", () => {
    expect(refusals.namedParams.length).toBeGreaterThan(30); // the reader finds them
    const missing = refusals.namedParams.flatMap(({ file, reason, names }) => {
      const wording = SPECIFIC_REFUSALS[reason];
      if (!wording || names === null || wording.unnamed) return [];
      // `detail` is the server's own sentence, always there.
      const absent = wording.params.filter((name) => name !== 'detail' && !names.includes(name));
      return absent.length ? [`${reason} in ${file} lacks ${absent.join(', ')}`] : [];
    });
    expect(missing).toEqual([]);
  });

  it('is a validation or forbidden refusal with a reason, unless no console meets it', () => {
    const { unreasoned } = refusals;
    // The reader finds them (the shop feed's, at least), and reads a sentence the way the list spells it.
    expect(unreasoned.filter(({ file }) => file === 'server/http/shop-feed-routes.ts').length).toBeGreaterThan(3);
    expect(unreasoned.map(({ message }) => message)).toContain('${where}: give either minutes or a preset.');
    const unlisted = unreasoned.filter(({ file, message }) => !(file in FILES_NOT_FROM_THE_CONSOLE) && !(message in UNREASONED_NOT_FROM_THE_CONSOLE))
      .map(({ file, message }) => `${file}: ${message}`);
    expect(unlisted).toEqual([]);
    // The lists name only refusals the server still has.
    const messages = new Set(unreasoned.map(({ message }) => message));
    expect(Object.keys(UNREASONED_NOT_FROM_THE_CONSOLE).filter((message) => !messages.has(message))).toEqual([]);
    expect(Object.keys(FILES_NOT_FROM_THE_CONSOLE).filter((file) => !unreasoned.some((found) => found.file === file))).toEqual([]);
  });

  it("keeps the server's sentence where only it says what was wrong, and falls back to it without what a wording names", () => {
    const line = 'The CSV header has no name in column 3.';
    expect(errorText(new ApiError(400, 'not_parseable', line))).toBe(`文件无法导入：${line}`);
    expect(errorText(new ApiError(409, 'open_conversation', 'This customer has an open conversation (#42): answer there.'))).toBe('This customer has an open conversation (#42): answer there.');
    expect(errorText(new ApiError(400, 'too_many_products', 'A message can carry at most 5 products.', { n: '5' }))).toBe('一条消息最多附加 5 个商品。');
    // A schema's refusal of the body as a whole (no field path) is said as a refusal too.
    expect(errorText(new ApiError(400, 'validation', "body must have required property 'text'"))).toBe("输入不符合要求：body must have required property 'text'");
  });
});

describe('real refusals in a Chinese console', () => {
  let stack: TestStack;
  let agent: AgentClient;
  let cookie: string;
  const open: (AgentClient | WidgetClient)[] = [];
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    stack = await startStack();
    const session = await login(stack.url, stack.agent.email, stack.agent.password);
    cookie = session.cookie;
    agent = await connectAgent(stack.url, session.token);
    open.push(agent);
    await callOk(agent, 'presence:set', { presence: 'online' });
    // The console's HTTP calls are same-origin paths with the session cookie: here, to the test server as the agent.
    globalThis.fetch = ((url: string, init: RequestInit = {}) => (url.startsWith('/')
      ? realFetch(`${stack.url}${url}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } })
      : realFetch(url, init))) as typeof fetch;
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    open.forEach((socket) => socket.close());
    await stack?.close();
  });

  /** A shopper's chat (its first message `text`) that the agent (the only one online) holds. */
  async function heldChat(text = '我想找人工客服'): Promise<{ conversationId: number; customerId: number }> {
    const session = await widgetSession(stack.url, { locale: 'zh-CN' });
    const widget = await connectWidget(stack.url, session.visitorToken);
    open.push(widget);
    const { conversationId } = await callOk<{ conversationId: number }>(widget, 'message:send', { clientId: `zhui-${session.customerId}`, text });
    await callOk(widget, 'handoff:request', { conversationId });
    await eventually(async () => (await stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status === 'assigned', 10_000, 'assigned');
    return { conversationId, customerId: session.customerId };
  }
  const refusedBy = (promise: Promise<unknown>) => promise.then(() => { throw new Error('not refused'); }, (error: unknown) => errorText(error));

  it('of the header on the live connection', async () => {
    const { conversationId } = await heldChat();
    const socket = agent as unknown as AgentSocket;
    await request(socket, 'conversation:resolve', { conversationId });
    expect(await refusedBy(request(socket, 'conversation:resolve', { conversationId }))).toBe('这个会话已经解决了。');
    expect(await refusedBy(request(socket, 'conversation:requeue', { conversationId }))).toBe('只有客服正在处理的会话才能转接、退回队列或暂缓：请先接入。');
    expect(await refusedBy(request(socket, 'conversation:unsnooze', { conversationId }))).toBe('这个会话没有暂缓。');
  });

  it('naming who holds a chat someone else would assign', async () => {
    const { conversationId } = await heldChat();
    const holder = await login(stack.url, stack.agent.email, stack.agent.password);
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const adminSocket = await connectAgent(stack.url, admin.token);
    open.push(adminSocket);
    const refused = await refusedBy(request(adminSocket as unknown as AgentSocket, 'conversation:assign', { conversationId, toAgentId: admin.user.id }));
    // A Latin name, spaced from the Chinese after it.
    expect(holder.user.name).toMatch(/^\p{Script=Latin}.*\p{Script=Latin}$/u);
    expect(refused).toBe(`${holder.user.name} 正在处理这个会话：可由其本人或管理员转接，或由您接管。`);
  });

  it('over HTTP, with what the wording names', async () => {
    const { conversationId, customerId } = await heldChat();
    expect(await refusedBy(post(`/api/customers/${customerId}/conversations`, { text: '您好' }))).toBe(`这位顾客已有一个进行中的会话（#${conversationId}）：请在那里回复。`);
    await request(agent as unknown as AgentSocket, 'conversation:resolve', { conversationId });
    expect(await refusedBy(post(`/api/conversations/${conversationId}/unread`))).toBe('只有等待人工或由客服处理中的会话才能标为未读。');
  });

  it('naming who holds a chat another agent would resolve', async () => {
    const { conversationId } = await heldChat();
    const holder = await login(stack.url, stack.agent.email, stack.agent.password);
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const other = await agentWithOwnPassword(stack, admin, { email: 'lin.zh@example.test', name: '林晓', password: 'another-agent-password' });
    const otherSocket = await connectAgent(stack.url, other.session.token);
    open.push(otherSocket);
    expect(await refusedBy(request(otherSocket as unknown as AgentSocket, 'conversation:resolve', { conversationId })))
      .toBe(`${holder.user.name} 正在处理这个会话：只有其本人或管理员可以执行此操作。请联系对方，或接管会话。`);
  });

  it('with the number of labels a chat may have', async () => {
    const { conversationId } = await heldChat();
    const eleven = Array.from({ length: 11 }, (_, i) => `标签${i + 1}`);
    expect(await refusedBy(patch(`/api/conversations/${conversationId}/labels`, { add: eleven }))).toBe('一个会话最多可以有 10 个标签：请先移除一个。');
  });

  it("of a console form's input the server refuses: a blank note, a snooze in the past, a macro's blank name and text", async () => {
    const { conversationId, customerId } = await heldChat();
    expect(await refusedBy(post(`/api/customers/${customerId}/notes`, { text: '   ' }))).toBe('备注不能为空。');
    const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
    expect(await refusedBy(request(agent as unknown as AgentSocket, 'conversation:snooze', { conversationId, until: aMinuteAgo })))
      .toBe('请选择将来的时间，至少在一分钟之后。');
    expect(await refusedBy(post('/api/macros/personal', { name: '   ', actions: [{ type: 'note', text: '已核对订单' }] }))).toBe('名称不能为空。');
    expect(await refusedBy(post('/api/macros/personal', { name: '核对', actions: [{ type: 'setPriority', priority: true }, { type: 'note', text: '  ' }] })))
      .toBe('第 2 个操作：内容不能为空。');
  });

  it("of an automation rule's action, in the line saying why the rule stopped", async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const ten = Array.from({ length: 10 }, (_, i) => `tag${i + 1}`);
    const saved = await httpAs(stack.url, 'POST', '/api/admin/automation-rules', admin, {
      name: '标签风暴', trigger: 'handoff', conditions: [{ type: 'textContains', terms: ['labelstorm'] }],
      actions: [{ type: 'addLabels', labels: ten }, { type: 'addLabels', labels: ['one-more'] }],
    });
    expect(saved.status, saved.text).toBe(201);
    try {
      const { conversationId } = await heldChat('我想找人工客服 labelstorm');
      const stopped = await eventually(async () => (await stack.env.sql<{ body: string; metadata: Record<string, unknown> }[]>`
        select body, metadata from messages where conversation_id = ${conversationId} and metadata->>'event' = 'automation_stopped'`)[0], 10_000, 'the stopped line');
      // The refusal's reason and what it names are recorded, not only its family's code ("validation").
      expect((stopped.metadata.actions as unknown[])[1]).toMatchObject({ type: 'addLabels', status: 'refused', code: 'too_many_labels', params: { n: '10' } });
      expect(systemLine({ text: stopped.body, metadata: stopped.metadata } as Parameters<typeof systemLine>[0]))
        .toBe('自动化规则“标签风暴”已停止：一个会话最多可以有 10 个标签：请先移除一个。');
    } finally {
      await stack.env.sql`delete from automation_rules`;
    }
  });
});
