// The widget's and the console's Traditional Chinese tables are generated from their Simplified strings
// (scripts/traditional-tables.ts): a string edited without rebuilding them would show half-converted, so the committed
// tables must be what the script builds now. Run `npx tsx scripts/traditional-tables.ts` after editing either i18n.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FRONT_ENDS, tableFile, tableSource, type FrontEnd } from '../../scripts/traditional-tables.ts';

describe('the generated Traditional tables', () => {
  for (const frontEnd of Object.keys(FRONT_ENDS) as FrontEnd[]) {
    it(`${frontEnd}: the committed table is what the script builds from the current strings`, async () => {
      expect(readFileSync(tableFile(frontEnd), 'utf8')).toBe(await tableSource(frontEnd));
    });
  }
});
