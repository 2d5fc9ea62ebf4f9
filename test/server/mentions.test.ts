// Which teammates a private note names (server/services/mentions.ts): a full
// name or an unambiguous first name after "@", any case, not inside a longer
// word, never the note's author.
import { describe, expect, it } from 'vitest';
import { mentionedTeammates } from '../../server/services/mentions.ts';

const team = [
  { id: 1, name: 'Ada Admin' },
  { id: 2, name: 'Sam Lee' },
  { id: 3, name: 'Sam Ortiz' },
  { id: 4, name: 'Quinn' },
  { id: 5, name: '王芳' },
  { id: 6, name: '李娜' },
  { id: 7, name: '李娜娜' },
];
const named = (note: string, authorId = 99) => mentionedTeammates(note, team, authorId).map((t) => t.id);

describe('mentions in private notes', () => {
  it('finds full names and first names only one teammate has, in any case', () => {
    expect(named('@Ada Admin can you check the refund?')).toEqual([1]);
    expect(named('@ada please look')).toEqual([1]);
    expect(named('asking @QUINN and @sam lee')).toEqual([2, 4]);
    expect(named('@王芳 请看一下')).toEqual([5]);
  });

  it('finds Chinese names written without spaces around them, the longer name winning where two start alike', () => {
    expect(named('请@王芳看一下这个退款')).toEqual([5]);
    expect(named('@李娜娜处理一下')).toEqual([7]);
    expect(named('@李娜处理，@王芳知悉')).toEqual([5, 6]);
  });

  it('leaves out a first name two teammates share, a name inside a longer word, an e-mail address and the author', () => {
    expect(named('@Sam can you look?')).toEqual([]);
    expect(named('@Adam is not on the team, nor is @Quinnie')).toEqual([]);
    expect(named('write to ada@example.com')).toEqual([]);
    expect(named('note to self @Ada', 1)).toEqual([]);
  });
});
