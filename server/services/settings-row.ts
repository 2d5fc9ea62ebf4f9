// A group of admin-edited settings kept as one JSON row of `settings` (widget, team…), so adding a setting needs
// no migration. Read over the defaults; a stored value that no longer fits the schema (an older shape) gives the
// defaults rather than a broken page.
import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import type { Sql } from '../db/client.ts';

export function settingsRow<S extends TSchema>(key: string, schema: S, defaults: Static<S>) {
  return {
    async load(sql: Sql): Promise<Static<S>> {
      const [row] = await sql<{ value: Partial<Static<S>> }[]>`select value from settings where key = ${key}`;
      const merged = { ...defaults, ...(row?.value ?? {}) };
      return Value.Check(schema, merged) ? merged : defaults;
    },
    async save(sql: Sql, settings: Static<S>): Promise<void> {
      await sql`insert into settings (key, value) values (${key}, ${sql.json(settings as never)})
                on conflict (key) do update set value = excluded.value, updated_at = now()`;
    },
  };
}
