// `npm run migrate`: applies the pending migrations and says how many. A bad setting, an unreachable Postgres or a
// failing migration ends it with one line, as for the server (start-failure.ts).
import { loadConfig } from '../config.ts';
import { createSql } from './client.ts';
import { migrate } from './migrate.ts';
import { assertPostgresReachable } from '../dependencies.ts';
import { exitOnStartFailure } from '../start-failure.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  await assertPostgresReachable(config);
  const sql = createSql(config, { max: 1 });
  try {
    const applied = await migrate(sql, (line) => console.log(line));
    console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().catch(exitOnStartFailure);
