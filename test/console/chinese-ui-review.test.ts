// A Chinese-UI review of the console (2026-12-07), without a server: the bot's greeting decision worded, a take-over
// alert worded by the console rather than the server's English, a reply to a left message drafted in Chinese word
// order, the inbox search's author label with a full-width colon, a macro's refused step in the console's language,
// and the email language a console in Taiwan's Traditional sends.
import { afterAll, describe, expect, it, vi } from 'vitest';

// The console's dictionaries pick their language when first imported: a Chinese console (its saved choice).
vi.hoisted(() => {
  const store = new Map<string, string>([['sd.locale', 'zh'], ['sd.script', 'zh-CN']]);
  Object.assign(globalThis, {
    localStorage: { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => void store.set(key, value) },
    document: { documentElement: { lang: 'zh-CN' } },
  });
});

import type { BotMetadata } from '../../server/realtime/event-maps.ts';
import { getEmailLanguage, getLocale, setLanguageChoice, setLocale, t, type Key, _dictionariesForTests } from '../../console/src/i18n.ts';
import { mentionAlert } from '../../console/src/mention-alert.ts';
import { matchAuthorLabel, replyMailto } from '../../console/src/message-wording.ts';
import { formatTime } from '../../console/src/hooks.ts';
import { refusedStepText } from '../../console/src/system-lines.ts';

afterAll(() => setLanguageChoice('zh-CN'));

/** Every decision a bot message's metadata can carry (the type checks the list is whole). */
const DECISIONS = ['answer', 'clarify', 'handoff', 'greet', 'fallback'] as const satisfies readonly BotMetadata['decision'][];
type Missing = Exclude<BotMetadata['decision'], (typeof DECISIONS)[number]>;
const whole: Missing extends never ? true : false = true;

describe('the bot evidence badge', () => {
  it('words every decision, the greeting of a server without the knowledge base included, in both languages', () => {
    expect(whole).toBe(true);
    for (const [lang, dictionary] of Object.entries(_dictionariesForTests)) {
      for (const decision of DECISIONS) expect(dictionary[`decision.${decision}` as Key], `${lang} decision.${decision}`).toBeTruthy();
    }
    expect(getLocale()).toBe('zh');
    expect(t('decision.greet')).toBe('问候');
  });
});

describe('the alert of a mention', () => {
  const by = { id: 7, name: 'Ada' };

  it("words a take-over in the console's language, not the server's English sentence", () => {
    const alert = mentionAlert({ conversationId: 12, messageId: 99, by, text: 'Ada took over this chat from you.', event: 'agent_took_over' });
    expect(alert.title).toBe('Ada 接管了 #12');
    expect(alert.content).toEqual({ withoutText: 'Ada 从您手中接管了这个对话。', tag: 'mention:99' });
    expect(JSON.stringify(alert)).not.toContain('took over');
  });

  it("quotes a teammate's note as they wrote it", () => {
    const alert = mentionAlert({ conversationId: 12, messageId: 100, by, text: '@Sam please check the refund' });
    expect(alert.title).toBe('Ada 在 #12 中提到了您');
    expect(alert.content.text).toBe('@Sam please check the refund');
  });
});

describe('a reply to a left message, drafted in the mail program', () => {
  const left = { email: 'lin@example.com', name: '林小美', text: '我的订单还没到\n请尽快回复', createdAt: '2026-12-06T11:02:00.000Z' };
  const bodyOf = (mailto: string) => new URL(mailto).searchParams.get('body')!;

  it('greets in Chinese word order ("林小美，您好：") and ends the time with a full-width colon', () => {
    const body = bodyOf(replyMailto(left));
    expect(body.startsWith('林小美，您好：\n')).toBe(true);
    expect(body).toContain(`\n${formatTime(left.createdAt)}：\n> 我的订单还没到\n> 请尽快回复`);
    expect(body).not.toContain('您好 林小美');
    expect(bodyOf(replyMailto({ ...left, name: null as unknown as string })).startsWith('您好：\n')).toBe(true);
  });

  it('keeps the English draft as it was', () => {
    setLocale('en');
    try {
      const body = bodyOf(replyMailto({ ...left, name: 'Robin' }));
      expect(body.startsWith('Hello Robin,\n')).toBe(true);
      expect(body).toContain(`\n${formatTime(left.createdAt)}:\n> `);
    } finally {
      setLocale('zh');
    }
  });
});

describe("the inbox search's author label", () => {
  it('ends with a full-width colon in Chinese, ": " in English', () => {
    expect(matchAuthorLabel({ private: true, authorType: 'agent' })).toBe('内部备注：');
    expect(matchAuthorLabel({ private: false, authorType: 'customer' })).toBe('客户：');
    setLocale('en');
    try {
      expect(matchAuthorLabel({ private: false, authorType: 'customer' })).toBe('Customer: ');
    } finally {
      setLocale('zh');
    }
  });
});

describe("a macro's refused step", () => {
  it('is worded by its specific reason or its code, as refused rule actions are; an unknown one keeps the server sentence', () => {
    expect(refusedStepText({ type: 'reply', code: 'conversation_resolved', message: 'The conversation is resolved; reopen it to reply.' }))
      .toBe('会话已解决；请重新打开后再回复。');
    expect(refusedStepText({ type: 'transferToTeam', code: 'not_found', message: 'Team not found.' })).toBe('它的团队已不存在。');
    expect(refusedStepText({ type: 'addLabels', code: 'validation', message: 'At most 20 labels per conversation.' })).toBe(t('system.automation_refused.validation'));
    expect(refusedStepText({ type: 'transfer', code: 'agent_offline', message: 'Sam is offline…', params: { name: 'Sam' } })).toContain('Sam 已离线');
    expect(refusedStepText({ type: 'resolve', code: 'forbidden', message: 'Only the agent holding this chat (or an admin) can resolve it.' })).toBe('您没有权限执行此操作。');
    expect(refusedStepText({ type: 'snooze', code: 'snooze_time_needed', message: 'Say until when.' })).toBe('Say until when.');
    setLocale('en');
    try {
      expect(refusedStepText({ type: 'reply', code: 'conversation_resolved', message: 'The conversation is resolved; reopen it to reply.' }))
        .toBe('The conversation is resolved; reopen it to reply.');
    } finally {
      setLocale('zh');
    }
  });
});

describe('the language a console asks emails in', () => {
  it('is the language menu choice: en, zh (Simplified), zh-TW or zh-HK', () => {
    expect(getEmailLanguage()).toBe('zh');
    setLanguageChoice('zh-TW');
    expect(getEmailLanguage()).toBe('zh-TW');
    setLanguageChoice('zh-HK');
    expect(getEmailLanguage()).toBe('zh-HK');
    setLanguageChoice('en');
    expect(getEmailLanguage()).toBe('en');
    setLanguageChoice('zh-CN');
    expect(getEmailLanguage()).toBe('zh');
  });
});
