// What a Chinese-speaking shop's review asked of the console and the emails, without a server: first names of names in
// Chinese characters (one rule for the emails and the canned replies), the follow-up email's Chinese punctuation,
// spacing and lang, the console's clock times in Chinese, and a refusal on the live connection worded by its code.
import { afterAll, describe, expect, it, vi } from 'vitest';

// The console's dictionaries pick their language when first imported: a Chinese console (its saved choice).
vi.hoisted(() => {
  const store = new Map<string, string>([['sd.locale', 'zh']]);
  Object.assign(globalThis, {
    localStorage: { getItem: (key: string) => store.get(key) ?? null, setItem: (key: string, value: string) => void store.set(key, value) },
    document: { documentElement: { lang: 'zh-CN' } },
  });
});

import { firstName } from '../../widget/src/person-name.ts';
import { fillPlaceholders } from '../../console/src/placeholders.ts';
import { followupEmail } from '../../server/services/email-followup-content.ts';
import { formatTime } from '../../console/src/hooks.ts';
import { formatWake } from '../../console/src/snooze.ts';
import { ApiError, errorText } from '../../console/src/api.ts';
import { request, type AgentSocket } from '../../console/src/realtime.ts';
import { getLocale, setLocale, _dictionariesForTests } from '../../console/src/i18n.ts';

afterAll(() => setLocale('zh'));

describe('first names', () => {
  it('keep a name in Chinese characters whole (no spaces), and the first word of others', () => {
    expect(firstName('王 小明')).toBe('王小明');
    expect(firstName('王小明')).toBe('王小明');
    expect(firstName('  欧阳 娜娜 ')).toBe('欧阳娜娜');
    expect(firstName('约翰 · 史密斯')).toBe('约翰·史密斯');
    expect(firstName('Wang Fang')).toBe('Wang'); // romanised: the rule for other names
    expect(firstName('Anna Smith')).toBe('Anna');
    expect(firstName('王小明 Sam')).toBe('王小明');
    expect(firstName('  ')).toBeNull();
    expect(firstName(null)).toBeNull();
  });

  it('are the same in the canned replies', () => {
    const text = '{{customer.first_name}}您好，我是{{agent.first_name}}。';
    expect(fillPlaceholders(text, { customer: { name: '王 小明', email: null }, agent: { name: '李 娜' } })).toBe('王小明您好，我是李娜。');
    expect(fillPlaceholders('Hi {{customer.first_name}}', { customer: { name: 'Anna Smith', email: null }, agent: { name: 'Sam Agent' } })).toBe('Hi Anna');
  });
});

describe('the follow-up email to a Chinese shopper', () => {
  const file = { id: 7, name: '发票.pdf', contentType: 'application/pdf', size: 1200, url: '/api/attachments/7/key/invoice.pdf' };
  const base = {
    locale: 'zh-CN', continueUrl: 'https://shop.example/cart', unsubscribeUrl: 'https://chat.example/api/email/unsubscribe?token=1.ab', publicUrl: 'https://chat.example',
    replies: [{ agentName: '王 小明', text: '已为您退款', fileOnly: false, attachments: [file] }],
  };

  it('uses Chinese colons, no spaces between a Chinese shop or agent name and Chinese text, the whole Chinese name, and lang', () => {
    const email = followupEmail({ ...base, shopName: '北风好物' });
    expect(email.subject).toBe('北风好物回复了您');
    expect(email.text).toContain('北风好物回复了您，您还没有在聊天中看到：');
    expect(email.text).toContain('王小明给您发送了文件：\n  发票.pdf：https://chat.example/api/attachments/7/key/invoice.pdf');
    expect(email.text).toContain('王小明：\n  已为您退款');
    expect(email.text).toContain('继续聊天：https://shop.example/cart');
    expect(email.text).toContain('您曾与北风好物聊天并留下了邮箱地址。');
    expect(email.text).toContain('不再接收聊天回复邮件：https://chat.example/api/email/unsubscribe?token=1.ab');
    expect(email.text).not.toMatch(/[\p{Script=Han}：] \S|\S [\p{Script=Han}]|[\p{Script=Han}]:/u); // indented lines aside
    expect(email.html).toMatch(/^<!doctype html><html lang="zh-CN">/);
    expect(email.html).toContain('<strong>王小明给您发送了文件：</strong><a href=');
    expect(followupEmail({ ...base, shopName: '北风好物', identified: true }).text).toContain('您曾在登录账户后与北风好物聊天。');
  });

  it('keeps a space beside a Latin shop name, and English emails say lang="en"', () => {
    const email = followupEmail({ ...base, shopName: 'Northwind' });
    expect(email.subject).toBe('Northwind 回复了您');
    expect(email.text).toContain('您曾与 Northwind 聊天');
    const english = followupEmail({ ...base, locale: 'en', shopName: 'Northwind', replies: [{ agentName: 'Sam Agent', text: 'Done', fileOnly: false, attachments: [] }] });
    expect(english.html).toMatch(/^<!doctype html><html lang="en">/);
    expect(english.text).toContain('Sam wrote:');
    expect(english.text).toContain('Continue the chat: https://shop.example/cart');
  });
});

describe('clock times in the console', () => {
  const now = new Date(2026, 11, 6, 20, 0);
  it('are on the 24-hour clock in Chinese ("19:02", never "下午07:02"); English keeps the browser\'s way', () => {
    const evening = new Date(2026, 11, 6, 19, 2).toISOString();
    const lastWeek = new Date(2026, 10, 30, 7, 5).toISOString();
    expect(formatTime(evening, 'zh', now)).toBe('19:02');
    expect(formatTime(lastWeek, 'zh', now)).toBe('2026年11月30日 07:05');
    expect(formatTime(evening, 'en', now)).toBe(new Date(evening).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  });

  it('snooze wake times too ("周日 19:02", not "下午07:02")', () => {
    const evening = new Date(2026, 11, 6, 19, 2).toISOString();
    expect(formatWake(evening, 'zh')).toContain('19:02');
    expect(formatWake(evening, 'zh')).not.toMatch(/上午|下午/);
  });
});

describe('a refusal on the live connection', () => {
  const socketAnswering = (answer: unknown) => ({ timeout: () => ({ emitWithAck: async () => answer }) }) as unknown as AgentSocket;

  it("keeps the server's code (the specific reason where it gives one) and what it names, so the console words it", async () => {
    expect(getLocale()).toBe('zh');
    const offline = { ok: false, error: { code: 'agent_offline', params: { name: 'Sam Agent' }, message: 'Sam Agent is offline and would not see this chat. Transfer it to someone online, or mention them in a note.' } };
    const refused = await request(socketAnswering(offline), 'conversation:transfer', {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'agent_offline', params: { name: 'Sam Agent' } });
    expect(errorText(refused)).toBe('Sam Agent 已离线，看不到这个会话。请转给在线的同事，或在内部备注中提及对方。');
    expect(errorText(new ApiError(0, 'agent_offline', '王小明 is offline…', { name: '王小明' }))).toBe('王小明已离线，看不到这个会话。请转给在线的同事，或在内部备注中提及对方。');

    const taken = { ok: false, error: { code: 'conflict', reason: 'conversation_taken', message: 'This conversation is already taken or closed.' } };
    expect(errorText(await request(socketAnswering(taken), 'conversation:accept', {}).catch((error: unknown) => error))).toBe('这个会话已被其他人接入或已关闭。');
    const resolved = { ok: false, error: { code: 'conflict', reason: 'conversation_resolved', message: 'The conversation is resolved; reopen it to reply.' } };
    expect(errorText(await request(socketAnswering(resolved), 'message:send', {}).catch((error: unknown) => error))).toBe('会话已解决；请重新打开后再回复。');
    // Generic refusals are worded on the socket too; one the console does not know stays the server's sentence.
    expect(errorText(await request(socketAnswering({ ok: false, error: { code: 'forbidden', message: 'Only the agent holding this chat (or an admin) can transfer it.' } }), 'conversation:transfer', {}).catch((e: unknown) => e)))
      .toBe('您没有权限执行此操作。');
    expect(errorText(await request(socketAnswering({ ok: false, error: { code: 'conflict', message: 'The chat is already with that agent.' } }), 'conversation:transfer', {}).catch((e: unknown) => e)))
      .toBe('The chat is already with that agent.');
    // An offline refusal without the name (an older server) keeps the server's sentence rather than a gap.
    expect(errorText(new ApiError(0, 'agent_offline', 'Sam Agent is offline.'))).toBe('Sam Agent is offline.');

    setLocale('en');
    expect(errorText(await request(socketAnswering(taken), 'conversation:accept', {}).catch((error: unknown) => error))).toBe('This conversation is already taken or closed.');
  });
});

describe('the Chinese dictionary', () => {
  it('has every key, uses no ASCII colon or comma beside Chinese text, and leaves no number out of the hand-off note', () => {
    const { en, zh } = _dictionariesForTests;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of ['errors.agentOffline', 'errors.conversationTaken', 'errors.conversationResolved'] as const) expect(zh[key]).toMatch(/\p{Script=Han}/u);
    // The widget's install text quotes code ("HMAC-SHA256(userId, 身份验证密钥)"): its commas are the code's.
    const prose = Object.entries(zh).filter(([key]) => key !== 'widget.installIdentity');
    expect(prose.filter(([, text]) => /\p{Script=Han}\s*[:,]|[:,]\s*\p{Script=Han}/u.test(text)).map(([key]) => key)).toEqual([]);
    // It quoted the label "{minutes} 分钟内回复的转人工" without its number ("分钟内回复的转人工"); the page passes only {n}.
    for (const key of ['reports.agentsHandoffsUnanswered', 'reports.agentsHandoffUnanswered'] as const) expect(zh[key]).not.toContain('“分钟');
  });
});
