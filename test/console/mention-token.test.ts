// The "@" the console's note composer completes (console/src/mention-token.ts): after a space, at the start, or
// right after a Chinese character; never inside a word or an email address.
import { describe, expect, it } from 'vitest';
import { atToken, completeMention } from '../../console/src/mention-token.ts';

describe('mention being typed', () => {
  it('starts at the start, after a space or after a Chinese character', () => {
    expect(atToken('@sa')).toBe('sa');
    expect(atToken('can you look @sa')).toBe('sa');
    expect(atToken('请@王')).toBe('王');
    expect(atToken('请 @')).toBe('');
    expect(atToken('write to ada@exa')).toBeNull();
    expect(atToken('@sam done')).toBeNull(); // finished: a space after it
  });
  it('puts the full name in place of what was typed', () => {
    expect(completeMention('can you look @sa', 'Sam Lee')).toBe('can you look @Sam Lee ');
    expect(completeMention('请@王', '王芳')).toBe('请@王芳 ');
  });
});
