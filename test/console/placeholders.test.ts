// Canned-response placeholders, filled in the console when a response is inserted.
import { describe, expect, it } from 'vitest';
import { fillPlaceholders } from '../../console/src/placeholders.ts';

describe('canned response placeholders', () => {
  const agent = { name: 'Alex Morgan' };
  it('fills names and emails, first names from full names', () => {
    const text = 'Hi {{customer.first_name}}, I am {{ agent.first_name }} ({{agent.name}}). We will write to {{customer.email}}.';
    expect(fillPlaceholders(text, { customer: { name: 'Quinn  Shopper', email: 'quinn@example.com' }, agent }))
      .toBe('Hi Quinn, I am Alex (Alex Morgan). We will write to quinn@example.com.');
  });
  it('leaves nothing, not even the space before it, for a value the chat does not have; keeps unknown ones visible', () => {
    expect(fillPlaceholders('Hi {{customer.first_name}}, thanks!', { customer: { name: null, email: null }, agent })).toBe('Hi, thanks!');
    expect(fillPlaceholders('Hi {{customer.name}}!', { customer: null, agent })).toBe('Hi!');
    expect(fillPlaceholders('Order {{order.number}} for {{customer.first_name}}', { customer: { name: 'Kim', email: null }, agent }))
      .toBe('Order {{order.number}} for Kim');
  });
  it('takes the comma before an empty value with it, in English and in Chinese (the built-in /thanks reply)', () => {
    const anonymous = { customer: { name: null, email: null }, agent };
    expect(fillPlaceholders('Thanks for chatting with us, {{customer.first_name}}! If anything else comes up, just write here again.', anonymous))
      .toBe('Thanks for chatting with us! If anything else comes up, just write here again.');
    expect(fillPlaceholders('Thanks,{{customer.name}}.', { customer: null, agent })).toBe('Thanks.');
    expect(fillPlaceholders('感谢您的咨询，{{customer.first_name}}！', anonymous)).toBe('感谢您的咨询！');
    expect(fillPlaceholders('Hi, {{customer.first_name}}, thanks!', anonymous)).toBe('Hi, thanks!');
    // With a value, the comma stays where it was written.
    expect(fillPlaceholders('Thanks for chatting with us, {{customer.first_name}}!', { customer: { name: 'Kim Lee', email: null }, agent }))
      .toBe('Thanks for chatting with us, Kim!');
    expect(fillPlaceholders('感谢您的咨询，{{customer.first_name}}！', { customer: { name: '王小明', email: null }, agent })).toBe('感谢您的咨询，王小明！');
    // An unknown placeholder keeps its comma along with itself.
    expect(fillPlaceholders('Dear, {{customer.nickname}}!', anonymous)).toBe('Dear, {{customer.nickname}}!');
  });

  it('takes the comma after an empty value that opens the reply or a line, and starts the sentence with a capital', () => {
    const anonymous = { customer: { name: null, email: null }, agent };
    expect(fillPlaceholders('{{customer.first_name}}, welcome back!', anonymous)).toBe('Welcome back!');
    expect(fillPlaceholders('Order noted.\n{{customer.first_name}}, thanks for waiting.', anonymous)).toBe('Order noted.\nThanks for waiting.');
    expect(fillPlaceholders('{{customer.first_name}}，欢迎回来！', anonymous)).toBe('欢迎回来！');
    expect(fillPlaceholders('{{customer.first_name}}, welcome back!', { customer: { name: 'Kim Lee', email: null }, agent })).toBe('Kim, welcome back!');
    expect(fillPlaceholders('{{customer.nickname}}, welcome back!', anonymous)).toBe('{{customer.nickname}}, welcome back!');
  });
  it("uses a name the agent chose to show customers whole: its first word is not a first name", () => {
    const text = 'I am {{agent.first_name}} ({{agent.name}}).';
    expect(fillPlaceholders(text, { customer: null, agent: { name: 'Dr. Lee', chosen: true } })).toBe('I am Dr. Lee (Dr. Lee).');
    expect(fillPlaceholders(text, { customer: null, agent: { name: 'Dr. Lee' } })).toBe('I am Dr. (Dr. Lee).');
  });
});
