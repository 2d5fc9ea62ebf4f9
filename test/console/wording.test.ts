// The console's small wording helpers (intents test box, job bars, session hint) and the "new customer" rule text.
import { describe, expect, it } from 'vitest';
import { formatPercent, jobDisplay } from '../../console/src/wording.ts';
import { mayBeSignedIn } from '../../console/src/session-hint.ts';
import { _dictionariesForTests } from '../../console/src/i18n.ts';
import { newCustomerRule } from '../../server/services/customer-segment.ts';
import type { JobStatus } from '../../console/src/kb-api.ts';

describe('intents test box verdict', () => {
  it('prints small shares with the digits that matter, larger ones with one decimal', () => {
    expect(formatPercent(0.087)).toBe('8.7');
    expect(formatPercent(0.0005)).toBe('0.05');
    expect(formatPercent(0.000123)).toBe('0.012');
    expect(formatPercent(0)).toBe('0.0');
    expect(formatPercent(1)).toBe('100.0');
  });
});

describe('job bar', () => {
  const job = (state: JobStatus['state'], progress: number): JobStatus => ({ state, progress, error: null, startedAt: null, finishedAt: null });
  it('is indeterminate until the job reports progress, then shows the percentage', () => {
    expect(jobDisplay(job('running', 0))).toEqual({ working: true, percent: null });
    expect(jobDisplay(job('queued', 0))).toEqual({ working: true, percent: null });
    expect(jobDisplay(job('running', 40))).toEqual({ working: true, percent: 40 });
    expect(jobDisplay(job('done', 100))).toEqual({ working: false, percent: 100 });
    expect(jobDisplay(job('failed', 10))).toEqual({ working: false, percent: 0 });
    expect(_dictionariesForTests.en['job.working.training']).toBe('Training…');
  });
});

describe('session hint', () => {
  it('is found among other cookies by its exact name', () => {
    expect(mayBeSignedIn('')).toBe(false);
    expect(mayBeSignedIn('theme=dark; sd_signed_in=1')).toBe(true);
    expect(mayBeSignedIn('sd_signed_in_old=1; x=sd_signed_in=1')).toBe(false);
  });
});

describe('new customer rule', () => {
  it('reads naturally: today, yesterday, n days ago; no orders yet or one so far', () => {
    expect(newCustomerRule(0, 0)).toEqual({ en: 'New customer — first seen today, no orders yet.', zh: '新客户 — 今天首次出现，还没有订单。' });
    expect(newCustomerRule(1, 1)).toEqual({ en: 'New customer — first seen yesterday, one order so far.', zh: '新客户 — 昨天首次出现，目前有 1 个订单。' });
    expect(newCustomerRule(12, 0).en).toBe('New customer — first seen 12 days ago, no orders yet.');
    expect(newCustomerRule(12, 0).zh).toBe('新客户 — 12 天前首次出现，还没有订单。');
  });
});
