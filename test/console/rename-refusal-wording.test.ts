// A rename the server refuses as too long (an admin's console with other limits than the server's, or a name that
// grew on its way) is said with the limit: the words had a "{max}" in them that only the console's own check filled.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../console/src/api.ts';
import { renameErrorText } from '../../console/src/pages/account.tsx';
import { MAX_NAME_CHARS, MAX_SHOWN_NAME_CHARS } from '../../server/services/agent-name-rules.ts';

describe("a rename's refusal in the console's words", () => {
  it('names the longest full name and shown name allowed', () => {
    const full = renameErrorText(new ApiError(400, 'name_too_long', 'Name too long.'));
    const shown = renameErrorText(new ApiError(400, 'display_name_too_long', 'Shown name too long.'));
    expect(full).toContain(String(MAX_NAME_CHARS));
    expect(shown).toContain(String(MAX_SHOWN_NAME_CHARS));
    expect(`${full} ${shown}`).not.toContain('{max}');
  });

  it('words other failures as the console words them anywhere', () => {
    expect(renameErrorText(new ApiError(400, 'name_empty', 'Empty.'))).not.toBe('Empty.');
    expect(renameErrorText(new ApiError(500, 'internal', 'Something broke.'))).toContain('Something broke');
  });
});
