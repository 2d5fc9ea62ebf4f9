// The stand-alone worker process (npm run workers): checks Postgres and Redis,
// applies migrations unless MIGRATE_ON_START=false (safe when servers start at
// the same time: they take an advisory lock), serves every registered queue, and
// on SIGTERM/SIGINT drains the work in flight before exiting 0. It logs JSON lines
// at LOG_LEVEL like the server, marked component "workers" (start.ts).
import { loadConfig } from '../server/config.ts';
import { assertPostgresReachable, assertRedisReachable } from '../server/dependencies.ts';
import { createSql } from '../server/db/client.ts';
import { assertMigrated, migrate } from '../server/db/migrate.ts';
import { createWorkersLogger, startWorkers } from './start.ts';
import { describeEmail, emailEnabled } from '../server/services/mailer.ts';
import { exitWhileStarting, handleStopSignals } from '../server/shutdown.ts';
import { exitOnStartFailure } from '../server/start-failure.ts';

async function main(): Promise<void> {
  exitWhileStarting('workers');
  const config = loadConfig();
  // JSON records from here on; a start failure stays one plain line on stderr (exitOnStartFailure, shared with the
  // server and npm run migrate), as the README promises.
  const log = createWorkersLogger(config);
  await assertPostgresReachable(config);
  await assertRedisReachable(config);
  // MIGRATE_ON_START=false: the schema is the operator's to apply (npm run migrate), as for the server, which also
  // refuses to start while any is pending (workers on an old schema failed every job and still said they were ready).
  const migrationSql = createSql(config, { max: 1 });
  try {
    if (config.migrateOnStart) await migrate(migrationSql, (line) => log.info(line));
    else await assertMigrated(migrationSql);
  } finally {
    await migrationSql.end({ timeout: 5 });
  }
  const handle = await startWorkers(config, { log });
  // Before "worker ready" is said: a stop signal from then on drains the jobs in flight. A second signal (over a second
  // after the first) means "now": jobs still active are re-delivered to another worker after their lock expires. The
  // stop is bounded as well (SHUTDOWN_TIMEOUT_MS; shutdown.ts).
  handleStopSignals({ name: 'workers', deadlineMs: config.shutdownTimeoutMs, stop: () => handle.close(), log });
  for (const w of handle.workers) {
    log.info({ queue: w.queueName, concurrency: w.concurrency }, `worker ready: queue "${w.queueName}", concurrency ${w.concurrency}`);
  }
  const email = emailEnabled(config);
  log.info({ emailFollowups: email, followupDelaySeconds: email ? config.emailFollowupDelaySeconds : undefined }, describeEmail(config));
}

// Expected start-up problems get one clear line, not a stack trace.
main().catch(exitOnStartFailure);
