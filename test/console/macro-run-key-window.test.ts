// The console keeps a lost macro run's key (console/src/pages/macro-menu.tsx) for longer than the server's claim on
// it (server/services/macro-run-claim.ts): an agent who clicks again after "still going on" must retry under the same
// key for as long as the claim holds, or the server runs the macro a second time and the shopper gets its reply twice.
import { describe, expect, it } from 'vitest';
import { RETRY_WITHIN_MS } from '../../console/src/pages/macro-menu.tsx';
import { MACRO_RUN_CLAIM_MS } from '../../server/services/macro-run-claim.ts';

describe('the console keeps a lost macro run key', () => {
  it('for longer than the server claims the key', () => {
    expect(MACRO_RUN_CLAIM_MS).toBeGreaterThan(0);
    expect(RETRY_WITHIN_MS).toBeGreaterThan(MACRO_RUN_CLAIM_MS);
  });
});
