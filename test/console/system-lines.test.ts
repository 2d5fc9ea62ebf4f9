// Every system line the server stores has a wording in both languages in the console, and the shopper-visible ones
// in the widget: the events are read from the code that writes them, so a new one without a translation fails here.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { systemLine } from '../../console/src/system-lines.ts';
import { _dictionariesForTests } from '../../console/src/i18n.ts';
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
  // The workers' lines are all for agents (workers/agent-note.ts stores them private).
  for (const file of ['workers/email-followups.ts', 'workers/csat-email.ts']) {
    const worker = await readFile(file, 'utf8');
    for (const match of worker.matchAll(/event: '([a-z_]+)'/g)) found.set(match[1], true);
  }
  return [...found].map(([event, agentsOnly]) => ({ event, agentsOnly }));
}

const PARAMETERS = { agentName: 'Ada', agentId: 1, idleHours: 24, minutes: 10, email: 'li.wei@example.com', text: '请回复', to: 'l…@example.com', offlineMessageId: 1, ruleName: 'Refunds' };

describe('system lines', () => {
  it('finds the events the server writes', async () => {
    const events = (await storedEvents()).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['agent_joined', 'agent_transferred', 'agent_left', 'agent_unavailable', 'idle_closed', 'offline_message', 'offline_answered', 'email_followup', 'csat_email', 'snooze_ended']));
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
