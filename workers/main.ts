// The stand-alone worker process (npm run workers): checks Postgres and Redis,
// applies migrations (safe when servers start at the same time: they take an
// advisory lock), serves every registered queue, and on SIGTERM/SIGINT drains
// the work in flight before exiting 0.
import { ConfigError, loadConfig } from '../server/config.ts';
import { DependencyError, assertPostgresReachable, assertRedisReachable } from '../server/dependencies.ts';
import { createSql } from '../server/db/client.ts';
import { migrate } from '../server/db/migrate.ts';
import { startWorkers } from './start.ts';
import { describeEmail } from '../server/services/mailer.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  await assertPostgresReachable(config);
  await assertRedisReachable(config);
  const migrationSql = createSql(config, { max: 1 });
  try {
    await migrate(migrationSql, (line) => console.log(line));
  } finally {
    await migrationSql.end({ timeout: 5 });
  }
  const handle = await startWorkers(config);
  for (const w of handle.workers) console.log(`worker ready: queue "${w.queueName}", concurrency ${w.concurrency}`);
  console.log(describeEmail(config));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal means "now": jobs still active are re-delivered to another worker after their lock expires.
      console.error(`${signal} received again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal} received: finishing jobs in flight`);
    handle.close().then(
      () => {
        console.log('workers stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`workers did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Expected start-up problems get one clear line, not a stack trace.
  if (error instanceof DependencyError || error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
