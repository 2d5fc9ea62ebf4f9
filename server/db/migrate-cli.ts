import { loadConfig } from '../config.ts';
import { createSql } from './client.ts';
import { migrate } from './migrate.ts';
import { assertPostgresReachable } from '../dependencies.ts';

const config = loadConfig();
await assertPostgresReachable(config);
const sql = createSql(config, { max: 1 });
const applied = await migrate(sql, (line) => console.log(line));
console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
await sql.end();
