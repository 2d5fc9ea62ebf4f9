// Every system line the server stores has a wording in both languages in the console, and the shopper-visible ones
// in the widget: the events are read from the code that writes them, so a new one without a translation fails here.
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The language menu's choice is kept in localStorage: a stand-in for it (and for <html lang>), empty, so the console
// starts in English here as before.
vi.hoisted(() => {
  const store = new Map<string, string>();
  Object.assign(globalThis, {
    localStorage: { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => void store.set(key, value) },
    document: { documentElement: { lang: 'en' } },
  });
});

import { systemLine } from '../../console/src/system-lines.ts';
import { ApiError, errorText } from '../../console/src/api.ts';
import { _dictionariesForTests, setLanguageChoice } from '../../console/src/i18n.ts';
import { STRINGS as WIDGET_STRINGS, systemLineText } from '../../widget/src/i18n.ts';

/** Events of the system messages written by the chat service (`systemMessage(…)`), the follow-up and the rating-email workers. */
async function storedEvents(): Promise<{ event: string; agentsOnly: boolean }[]> {
  const service = await readFile('server/services/chat-service.ts', 'utf8');
  const calls = service.split('systemMessage(').slice(2); // [0] precedes the first use, [1] is the definition
  const found = new Map<string, boolean>();
  for (const call of calls) {
    const args = call.slice(0, call.indexOf(');')); // the call's arguments
    for (const match of args.matchAll(/'([a-z]+(?:_[a-z]+)+)'/g)) found.set(match[1], /private: true/.test(args));
  }
  // Snoozing writes its lines through the same function, passed to it as a dependency (no definition in that file).
  const snooze = await readFile('server/services/snooze.ts', 'utf8');
  for (const call of snooze.split('systemMessage(').slice(1)) {
    const args = call.slice(0, call.indexOf(');'));
    for (const match of args.matchAll(/'([a-z]+(?:_[a-z]+)+)'/g)) found.set(match[1], /private: true/.test(args));
  }
  // The workers' lines are all for agents (workers/agent-note.ts stores them private), as are a customer merge's notes.
  for (const file of ['workers/email-followups.ts', 'workers/csat-email.ts', 'server/services/customer-merge.ts']) {
    const worker = await readFile(file, 'utf8');
    for (const match of worker.matchAll(/event: '([a-z_]+)'/g)) found.set(match[1], true);
  }
  return [...found].map(([event, agentsOnly]) => ({ event, agentsOnly }));
}

const PARAMETERS = {
  agentName: 'Ada', agentId: 1, idleHours: 24, minutes: 10, email: 'li.wei@example.com', text: '请回复', to: 'l…@example.com', offlineMessageId: 1, ruleName: 'Refunds',
  mergedId: 5, keptCustomerId: 3, continuedIn: 9, closedChat: 8,
};

describe('system lines', () => {
  it('finds the events the server writes', async () => {
    const events = (await storedEvents()).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['agent_joined', 'agent_transferred', 'agent_left', 'agent_unavailable', 'idle_closed', 'offline_message', 'offline_answered', 'email_followup', 'csat_email', 'snooze_ended', 'merge_closed', 'merge_continued']));
  });

  it('the console words each in English and Chinese from the event, not the stored text', async () => {
    const dictionaries = _dictionariesForTests;
    for (const { event } of await storedEvents()) {
      expect(dictionaries.en, event).toHaveProperty(`system.${event}`);
      expect(dictionaries.zh, event).toHaveProperty(`system.${event}`);
      const line = systemLine({ text: 'STORED', metadata: { event, ...PARAMETERS } });
      expect(line, event).not.toBe('STORED');
      expect(line, event).not.toMatch(/\{\w+\}/); // every placeholder filled
    }
    // An unknown event, or one missing its parameters, shows what was stored.
    expect(systemLine({ text: 'Something new happened.', metadata: { event: 'brand_new' } })).toBe('Something new happened.');
    expect(systemLine({ text: 'Ada joined the chat.', metadata: { event: 'agent_joined' } })).toBe('Ada joined the chat.');
  });

  it('the widget (and the shopper\'s transcript) words each line the shopper can see in its own language', async () => {
    for (const { event, agentsOnly } of await storedEvents()) {
      if (agentsOnly) continue;
      for (const lang of ['en', 'zh'] as const) {
        expect(systemLineText(WIDGET_STRINGS[lang], 'STORED', { event, ...PARAMETERS }), `${event} (${lang})`).not.toBe('STORED');
      }
    }
    expect(systemLineText(WIDGET_STRINGS.zh, 'Ada joined the chat.', { event: 'agent_joined', agentName: 'Ada' })).toBe('Ada 已加入对话。');
    expect(systemLineText(WIDGET_STRINGS.zh, 'Something new happened.', { event: 'brand_new' })).toBe('Something new happened.');
  });
});

describe("an automation rule's lines", () => {
  afterAll(() => setLanguageChoice('en'));
  // As the chat service stores them (chat-service.ts automationNote / automationRan): an English text, the rule's name
  // and note (or each action's outcome) in the metadata.
  const rule = { ruleId: 7, ruleName: 'Refunds' };
  const note = { text: 'Automation rule "Refunds": Check the order first.', metadata: { event: 'automation_note', ...rule, text: 'Check the order first.' } };
  const ran = { text: 'Automation rule "Refunds" ran.', metadata: { event: 'automation_ran', ...rule, actions: [{ type: 'note', status: 'done' }] } };
  const stoppedBy = (code: string, message: string) => ({
    text: `Automation rule "Refunds" stopped: ${message}`,
    metadata: { event: 'automation_stopped', ...rule, reason: message, actions: [{ type: 'addLabels', status: 'done' }, { type: 'transferToTeam', status: 'refused', code, message }] },
  });
  const lines = () => [note, ran, stoppedBy('forbidden', 'You are not allowed to do that.'), stoppedBy('not_found', 'Team not found.')].map(systemLine);
  /** A rule stopped at its first action (`type`), refused with `code`: the codes rules really meet. */
  const stoppedAt = (type: string, code: string, message: string) => ({
    text: `Automation rule "Refunds" stopped: ${message}`,
    metadata: { event: 'automation_stopped', ...rule, reason: message, actions: [{ type, status: 'refused', code, message }] },
  });
  const ruleRefusals = () => [
    stoppedAt('transferToTeam', 'not_found', 'Team not found.'),
    stoppedAt('addLabels', 'not_found', 'Conversation not found.'),
    stoppedAt('addLabels', 'validation', 'At most 20 labels per conversation'),
    stoppedAt('transferToTeam', 'conflict', 'This conversation changed meanwhile; reload it.'),
    stoppedAt('transferToTeam', 'chat_taken', 'An agent took the chat (or it was closed) before the rule could send it to a team; a rule never takes a chat from anyone.'),
    stoppedAt('addLabels', 'busy', 'Another change held the chat (or its labels) longer than a rule waits, so the rule did not do this.'),
    stoppedAt('note', 'error', 'The action failed on the server (its log says why).'),
  ].map(systemLine);

  it("are worded in the agent's language, with the rule's name and note once", () => {
    setLanguageChoice('en');
    expect(lines()).toEqual([
      'Automation rule “Refunds”: Check the order first.',
      'Automation rule “Refunds” ran.',
      'Automation rule “Refunds” stopped: You are not allowed to do that.',
      'Automation rule “Refunds” stopped: Team not found.',
    ]);
    setLanguageChoice('zh-CN');
    expect(lines()).toEqual([
      '自动化规则“Refunds”：Check the order first.', // the admin's note as they wrote it, after one prefix
      '自动化规则“Refunds”已执行。',
      '自动化规则“Refunds”已停止：您没有权限执行此操作。', // a refusal the console words by its code
      '自动化规则“Refunds”已停止：它的团队已不存在。', // a deleted team, the likely not_found of a rule
    ]);
    setLanguageChoice('zh-TW');
    expect(lines()).toEqual([
      '自動化規則「Refunds」：Check the order first.', // Taiwan's quotation marks
      '自動化規則「Refunds」已執行。',
      '自動化規則「Refunds」已停止：您沒有權限執行此操作。', // Taiwan's word, as the console's table writes it
      '自動化規則「Refunds」已停止：它的團隊已不存在。',
    ]);
  });

  it('word every code a rule is really refused with, so a Chinese console shows no English reason', () => {
    setLanguageChoice('en');
    // English keeps the server's sentence, as errorText does: it may say more ("At most 20 labels").
    expect(ruleRefusals()[2]).toBe('Automation rule “Refunds” stopped: At most 20 labels per conversation');
    setLanguageChoice('zh-CN');
    const zh = ruleRefusals();
    expect(zh).toEqual([
      '自动化规则“Refunds”已停止：它的团队已不存在。',
      '自动化规则“Refunds”已停止：会话或操作所指的对象已不存在。',
      '自动化规则“Refunds”已停止：该更改不被允许（例如会话的标签已达上限）。',
      '自动化规则“Refunds”已停止：会话在此期间已有变化。',
      '自动化规则“Refunds”已停止：已有客服接入了会话（或会话已关闭）；规则从不从任何人手中拿走会话。',
      '自动化规则“Refunds”已停止：另一项更改占用会话或其标签的时间过长，规则没有等待。',
      '自动化规则“Refunds”已停止：服务器执行该操作时出错。',
    ]);
    setLanguageChoice('zh-TW');
    for (const line of ruleRefusals()) expect(line.replace('Refunds', ''), line).not.toMatch(/[A-Za-z]/);
  });

  it('a line stored without its outcomes, or without the rule, falls back as other lines do', () => {
    setLanguageChoice('zh-CN');
    const { actions: _, ...withoutOutcomes } = stoppedBy('forbidden', 'You are not allowed to do that.').metadata;
    expect(systemLine({ text: 'stored', metadata: withoutOutcomes })).toBe('自动化规则“Refunds”已停止：You are not allowed to do that.');
    expect(systemLine({ text: 'stored', metadata: { event: 'automation_stopped', ...rule } })).toBe('自动化规则“Refunds”在一个无法执行的操作处停止了。');
    expect(systemLine({ text: 'Automation rule "Refunds": hi', metadata: { event: 'automation_note', text: 'hi' } })).toBe('Automation rule "Refunds": hi');
  });
});

describe("a customer merge's notes", () => {
  afterAll(() => setLanguageChoice('en'));
  // As customer-merge.ts stores them: English text, the two records and the other chat in the metadata.
  const closed = { text: 'Closed when customer #5 was merged into customer #3: a customer has one open chat. The conversation continues in chat #9.', metadata: { event: 'merge_closed', continuedIn: 9, mergedId: 5, keptCustomerId: 3 } };
  const continued = { text: 'Customer #5 was merged into customer #3. Their other open chat, #8, was closed: the conversation continues here.', metadata: { event: 'merge_continued', closedChat: 8, mergedId: 5, keptCustomerId: 3 } };

  it("are worded in the agent's language, each naming the other chat", () => {
    setLanguageChoice('en');
    expect([closed, continued].map(systemLine)).toEqual([closed.text, continued.text]);
    setLanguageChoice('zh-CN');
    expect([closed, continued].map(systemLine)).toEqual([
      '客户 #5 已合并到客户 #3，一位客户只保留一个进行中的会话，因此本会话已关闭。对话在会话 #9 中继续。',
      '客户 #5 已合并到客户 #3。其另一个进行中的会话 #8 已关闭：对话在这里继续。',
    ]);
    setLanguageChoice('zh-TW');
    expect([closed, continued].map(systemLine)).toEqual([
      '客戶 #5 已合併到客戶 #3，一位客戶只保留一個進行中的會話，因此本會話已關閉。對話在會話 #9 中繼續。',
      '客戶 #5 已合併到客戶 #3。其另一個進行中的會話 #8 已關閉：對話在這裡繼續。',
    ]);
  });

  it('a note stored without its ids shows the stored text', () => {
    setLanguageChoice('zh-CN');
    const { continuedIn: _, ...withoutChat } = closed.metadata;
    expect(systemLine({ text: closed.text, metadata: withoutChat })).toBe(closed.text);
  });
});

describe("a macro run's refusals by its client key", () => {
  afterAll(() => setLanguageChoice('en'));
  // As server/services/macro-run-keys.ts answers them (409).
  const reused = new ApiError(409, 'client_id_reused', 'This clientId ran another macro or on another chat: send a new one for each run.');
  const running = new ApiError(409, 'macro_running', 'This macro run is still going on; what it does shows in the chat.');

  it('are worded in Chinese, Simplified and Taiwan\'s Traditional; English keeps the server\'s sentence', () => {
    setLanguageChoice('en');
    expect([reused, running].map(errorText)).toEqual([reused.message, running.message]);
    setLanguageChoice('zh-CN');
    expect([reused, running].map(errorText)).toEqual(['这次运行的标识已用于其他宏或会话。请重新运行该宏。', '该宏仍在运行中，执行结果会显示在会话里。']);
    setLanguageChoice('zh-TW');
    expect([reused, running].map(errorText)).toEqual(['這次執行的標識已用於其他巨集或會話。請重新執行該巨集。', '該巨集仍在執行中，執行結果會顯示在會話裡。']);
  });
});
