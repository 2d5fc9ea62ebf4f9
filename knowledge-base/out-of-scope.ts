// Sentences the bot should not claim as any intent ("what's the weather").
// Kept in the settings table (admin-editable) and trained as an explicit
// out-of-scope class; seeded from content/out-of-scope.json.
import type { Sql } from '../server/db/client.ts';
import { badRequest } from '../server/errors.ts';

const KEY = 'nlu_out_of_scope';
/** As many as the replace route accepts: training stays quick and the settings row small. */
export const MAX_OUT_OF_SCOPE_EXAMPLES = 5000;

const cleanExamples = (examples: string[]): string[] => [...new Set(examples.map((e) => e.trim().replace(/\s+/g, ' ')).filter(Boolean))];

export async function outOfScopeExamples(sql: Sql): Promise<string[]> {
  const [row] = await sql<{ value: { examples?: string[] } }[]>`select value from settings where key = ${KEY}`;
  return (row?.value.examples ?? []).filter((e) => typeof e === 'string' && e.trim() !== '');
}

export async function setOutOfScopeExamples(sql: Sql, examples: string[]): Promise<string[]> {
  const clean = cleanExamples(examples);
  await sql`insert into settings (key, value) values (${KEY}, ${sql.json({ examples: clean })})
            on conflict (key) do update set value = excluded.value, updated_at = now()`;
  return clean;
}

/** Appends examples (the learning loop's "not for the bot"); returns how many were new and the total. */
export async function addOutOfScopeExamples(sql: Sql, examples: string[]): Promise<{ added: number; total: number }> {
  return sql.begin(async (tx) => {
    // The lock keeps two admins' additions from overwriting each other.
    await tx`select pg_advisory_xact_lock(hashtext(${KEY}))`;
    const current = await outOfScopeExamples(tx as unknown as Sql);
    const merged = cleanExamples([...current, ...examples]);
    if (merged.length > MAX_OUT_OF_SCOPE_EXAMPLES) {
      throw badRequest(`At most ${MAX_OUT_OF_SCOPE_EXAMPLES} out-of-scope examples are kept; remove some first.`);
    }
    await setOutOfScopeExamples(tx as unknown as Sql, merged);
    return { added: merged.length - cleanExamples(current).length, total: merged.length };
  });
}
