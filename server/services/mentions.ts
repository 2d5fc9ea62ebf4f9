// "@Name" in an agent's private note: the teammates it names are told (a
// notification in their console) and the note keeps who was mentioned. Names
// are matched here, on the server, so a note written through the API mentions
// as well as one written in the console; the console only helps type them.

export interface Teammate {
  id: number;
  name: string;
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').toLocaleLowerCase();
const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? '';
const HAN = /\p{Script=Han}/u;
/**
 * After a name, a mention ends: not in the middle of a longer word ("@Ada" is not "@Adam"). Chinese is written
 * without spaces ("请@王芳看一下"), so after a name ending in a Chinese character anything may follow; a longer
 * teammate's name at the same "@" wins (see mentionedTeammates).
 */
const endsWord = (text: string, at: number, spelling: string) =>
  at >= text.length || HAN.test(spelling.at(-1) ?? '') || !/[\p{L}\p{N}_]/u.test(text[at]);

/**
 * The teammates a note mentions: "@" followed by a full name, or by a first name no other active teammate shares
 * (two Sams: "@Sam" is nobody in particular, "@Sam Lee" is). The author is never told of their own mention.
 */
export function mentionedTeammates(note: string, team: readonly Teammate[], authorId: number): Teammate[] {
  const text = normalise(note);
  const firstNames = new Map<string, number>();
  for (const t of team) firstNames.set(normalise(firstName(t.name)), (firstNames.get(normalise(firstName(t.name))) ?? 0) + 1);
  // Every "@" names at most one teammate: the longest spelling that fits there ("@王芳芳" is not also "@王芳").
  const longestAt = new Map<number, { teammate: Teammate; length: number }>();
  for (const teammate of team) {
    const full = normalise(teammate.name.trim());
    const first = normalise(firstName(teammate.name));
    const spellings = firstNames.get(first) === 1 ? [full, first] : [full];
    for (const spelling of spellings) {
      if (!spelling) continue;
      for (let at = text.indexOf(`@${spelling}`); at !== -1; at = text.indexOf(`@${spelling}`, at + 1)) {
        if (!endsWord(text, at + spelling.length + 1, spelling)) continue;
        const best = longestAt.get(at);
        if (!best || spelling.length > best.length) longestAt.set(at, { teammate, length: spelling.length });
      }
    }
  }
  const mentioned = new Map<number, Teammate>();
  for (const { teammate } of longestAt.values()) {
    if (teammate.id !== authorId) mentioned.set(teammate.id, { id: teammate.id, name: teammate.name });
  }
  return team.filter((t) => mentioned.has(t.id)).map((t) => mentioned.get(t.id)!);
}
