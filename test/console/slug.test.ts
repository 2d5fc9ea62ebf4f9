// A new article's slug offered from its title (console/src/slug.ts).
import { describe, expect, it } from 'vitest';
import { MAX_SLUG_LENGTH, slugFromTitle } from '../../console/src/slug.ts';

describe('slug from a title', () => {
  it('keeps small letters and digits joined by single hyphens, without accents', () => {
    expect(slugFromTitle('Shipping to Japan?')).toBe('shipping-to-japan');
    expect(slugFromTitle('  Crème brûlée — 2 ways!  ')).toBe('creme-brulee-2-ways');
    expect(slugFromTitle('Returns & refunds (EU)')).toBe('returns-refunds-eu');
  });

  it('gives nothing for a title without Latin letters or digits, and never more than the longest slug', () => {
    expect(slugFromTitle('退货政策')).toBe('');
    expect(slugFromTitle('退货政策 2026')).toBe('2026');
    const long = slugFromTitle(`${'word '.repeat(40)}end`);
    expect(long.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(long).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });
});
