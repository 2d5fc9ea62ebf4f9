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
/** After a name, a mention ends: not in the middle of a longer word ("@Ada" is not "@Adam"). */
const endsWord = (text: string, at: number) => at >= text.length || !/[\p{L}\p{N}_]/u.test(text[at]);

/**
 * The teammates a note mentions: "@" followed by a full name, or by a first name no other active teammate shares
 * (two Sams: "@Sam" is nobody in particular, "@Sam Lee" is). The author is never told of their own mention.
 */
export function mentionedTeammates(note: string, team: readonly Teammate[], authorId: number): Teammate[] {
  const text = normalise(note);
  const firstNames = new Map<string, number>();
  for (const t of team) firstNames.set(normalise(firstName(t.name)), (firstNames.get(normalise(firstName(t.name))) ?? 0) + 1);
  const mentioned: Teammate[] = [];
  for (const teammate of team) {
    if (teammate.id === authorId) continue;
    const full = normalise(teammate.name.trim());
    const first = normalise(firstName(teammate.name));
    const spellings = firstNames.get(first) === 1 ? [full, first] : [full];
    const named = spellings.some((spelling) => {
      if (!spelling) return false;
      for (let at = text.indexOf(`@${spelling}`); at !== -1; at = text.indexOf(`@${spelling}`, at + 1)) {
        if (endsWord(text, at + spelling.length + 1)) return true;
      }
      return false;
    });
    if (named) mentioned.push({ id: teammate.id, name: teammate.name });
  }
  return mentioned;
}
