// Sentences the bot should not claim as any intent ("what's the weather").
// Kept in the settings table (admin-editable) and trained as an explicit
// out-of-scope class; seeded from content/out-of-scope.json.
import type { Sql } from '../server/db/client.ts';

const KEY = 'nlu_out_of_scope';

export async function outOfScopeExamples(sql: Sql): Promise<string[]> {
  const [row] = await sql<{ value: { examples?: string[] } }[]>`select value from settings where key = ${KEY}`;
  return (row?.value.examples ?? []).filter((e) => typeof e === 'string' && e.trim() !== '');
}

export async function setOutOfScopeExamples(sql: Sql, examples: string[]): Promise<string[]> {
  const clean = [...new Set(examples.map((e) => e.trim().replace(/\s+/g, ' ')).filter(Boolean))];
  await sql`insert into settings (key, value) values (${KEY}, ${sql.json({ examples: clean })})
            on conflict (key) do update set value = excluded.value, updated_at = now()`;
  return clean;
}
