// "@" in a private note: the name being typed, and the note with the picked teammate's name in its place. An "@"
// starts a mention at the start, after a space, or right after a Chinese character (Chinese is written without
// spaces: "请@王芳"), but not inside a word or an email address ("ada@example.com").
const AT_END = /(^|\s|\p{Script=Han})@([\p{L}\p{N}_.-]*)$/u;

/** The name being typed after "@" at the end of a note ("@sa" → "sa"), or null. */
export function atToken(text: string): string | null {
  return AT_END.exec(text)?.[2] ?? null;
}

/** The note with the "@…" being typed at its end replaced by the teammate's full name and a space. */
export function completeMention(text: string, name: string): string {
  return text.replace(AT_END, (_m, before: string) => `${before}@${name} `);
}
