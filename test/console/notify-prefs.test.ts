// The console's alert choices (console/src/notify.ts): stored preferences read leniently, what one alert does under
// them, and the words a desktop notification may carry (none of the customer's when "show message text" is off).
import { describe, expect, it } from 'vitest';
import { ALERT_EVENTS, DEFAULT_PREFS, alertPlan, firstLine, notificationBody, parsePrefs, type NotifyPrefs } from '../../console/src/notify.ts';
import { _dictionariesForTests } from '../../console/src/i18n.ts';

const withEvents = (events: Partial<NotifyPrefs['events']>, rest: Partial<NotifyPrefs> = {}): NotifyPrefs =>
  ({ ...DEFAULT_PREFS, ...rest, events: { ...DEFAULT_PREFS.events, ...events } });

describe('notification preferences', () => {
  it('default to everything on, the queue included, when nothing (or something broken) is stored', () => {
    for (const raw of [null, '', 'not json', '[1,2]', '"text"', '42', 'null']) {
      expect(parsePrefs(raw), String(raw)).toEqual({
        sound: true, desktop: true, showText: true,
        events: { assigned: true, message: true, queued: true, mention: true, leftMessage: true },
      });
    }
  });

  it('keep what was stored, take only booleans, and give an event the store does not know its default', () => {
    const stored = JSON.stringify({ sound: false, desktop: 'yes', showText: false, events: { queued: false, mention: 0, extra: false } });
    expect(parsePrefs(stored)).toEqual({
      sound: false, desktop: true, showText: false,
      events: { assigned: true, message: true, queued: false, mention: true, leftMessage: true },
    });
    // A round trip keeps every choice.
    const all = withEvents({ assigned: false, leftMessage: false }, { desktop: false });
    expect(parsePrefs(JSON.stringify(all))).toEqual(all);
  });

  it('decide each alert: an event turned off does nothing, sound and desktop each on their own, desktop only with permission', () => {
    expect(alertPlan(DEFAULT_PREFS, 'queued', 'granted')).toEqual({ chime: true, desktop: true });
    expect(alertPlan(DEFAULT_PREFS, 'queued', 'default')).toEqual({ chime: true, desktop: false });
    expect(alertPlan(DEFAULT_PREFS, 'queued', 'denied')).toEqual({ chime: true, desktop: false });
    expect(alertPlan(DEFAULT_PREFS, 'queued', 'unsupported')).toEqual({ chime: true, desktop: false });
    expect(alertPlan(withEvents({ queued: false }), 'queued', 'granted')).toEqual({ chime: false, desktop: false });
    expect(alertPlan(withEvents({ queued: false }), 'assigned', 'granted')).toEqual({ chime: true, desktop: true });
    expect(alertPlan(withEvents({}, { sound: false }), 'mention', 'granted')).toEqual({ chime: false, desktop: true });
    expect(alertPlan(withEvents({}, { desktop: false }), 'message', 'granted')).toEqual({ chime: true, desktop: false });
    for (const event of ALERT_EVENTS) expect(alertPlan(withEvents({ [event]: false }), event, 'granted')).toEqual({ chime: false, desktop: false });
  });
});

describe('alert words', () => {
  it('quote the first line with words, spaces collapsed, capped with an ellipsis', () => {
    expect(firstLine('Where is my parcel?\nOrder 1042, ordered Monday')).toBe('Where is my parcel?');
    expect(firstLine('\n   \r\n  Hello   there \t friend \nsecond')).toBe('Hello there friend');
    expect(firstLine('   ')).toBe('');
    const long = 'a'.repeat(200);
    expect(firstLine(long, 20)).toBe(`${'a'.repeat(19)}…`);
    expect(Array.from(firstLine(long, 20))).toHaveLength(20);
    // Never half an emoji: characters, not UTF-16 units, are counted.
    expect(firstLine('😀'.repeat(30), 10)).toBe(`${'😀'.repeat(9)}…`);
    expect(firstLine('请问我的包裹到哪里了？')).toBe('请问我的包裹到哪里了？');
  });

  it('put the customer text in a desktop notification only while the agent shows it', () => {
    const content = { text: 'My card number is 4111…\nplease help', withoutText: 'Open the chat to read it.' };
    expect(notificationBody({ showText: true }, content)).toBe('My card number is 4111…');
    expect(notificationBody({ showText: false }, content)).toBe('Open the chat to read it.');
    // No words to quote (a photo caption-less message is "📎 …", never empty; a chat with no shopper message yet): the plain line.
    expect(notificationBody({ showText: true }, { text: null, withoutText: 'Waiting in the queue for an agent.' })).toBe('Waiting in the queue for an agent.');
    expect(notificationBody({ showText: true }, { text: '  \n ', withoutText: 'plain' })).toBe('plain');
  });

  it('has every alert and preference string in both languages with the same placeholders', () => {
    const { en, zh } = _dictionariesForTests;
    const keys = Object.keys(en).filter((k) => k.startsWith('notify.') || k === 'mentions.unseen');
    for (const event of ALERT_EVENTS) expect(keys).toContain(`notify.prefs.${event}`);
    for (const key of ['notify.queued', 'notify.queuedBody', 'notify.assignedTo', 'notify.assignedQuiet', 'notify.messageFrom', 'notify.textHidden', 'notify.leftHidden', 'notify.mentionHidden']) {
      expect(keys).toContain(key);
    }
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of keys) {
      const k = key as keyof typeof en;
      expect(zh[k], key).toBeTruthy();
      expect(placeholders(zh[k]), key).toEqual(placeholders(en[k]));
    }
    expect(en['notify.queued']).toBe('New chat waiting: {name}');
  });
});
