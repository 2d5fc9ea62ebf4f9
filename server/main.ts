// `npm start`: checks Postgres and Redis, applies migrations, seeds the demo,
// builds the browser bundles when needed, starts the server (and the workers
// unless WORKERS_IN_PROCESS=false) and prints where everything is.
import { loadConfig, startWarnings } from './config.ts';
import { assertPostgresReachable, assertRedisReachable } from './dependencies.ts';
import { createSql } from './db/client.ts';
import { assertMigrated, migrate } from './db/migrate.ts';
import { ensureDemoIdentitySecret, seedDemoAccounts, seedDemoCannedResponses } from './db/seed.ts';
import { createServer } from './app.ts';
import { startWorkers } from '../workers/start.ts';
import { ensureBundles } from './bundles.ts';
import { describeEmail, describeInboundEmail } from './services/mailer.ts';
import { prepareKnowledgeBase } from '../knowledge-base/startup.ts';
import { hasActiveAdmin } from './services/owner-access.ts';
import { knowledgeBaseExtension } from '../knowledge-base/server-extension.ts';
import { exitWhileStarting, handleStopSignals } from './shutdown.ts';
import { exitOnStartFailure } from './start-failure.ts';

async function main(): Promise<void> {
  exitWhileStarting('server');
  const config = loadConfig();
  await assertPostgresReachable(config);
  await assertRedisReachable(config);

  const setupSql = createSql(config, { max: 1 });
  if (config.migrateOnStart) await migrate(setupSql, (line) => console.log(line));
  // The operator applies the schema (npm run migrate): one older than this code stops the start here, not requests later.
  else await assertMigrated(setupSql);
  const accounts = config.seedDemo ? await seedDemoAccounts(setupSql, config) : [];
  if (config.seedDemo && (await ensureDemoIdentitySecret(setupSql, config))) {
    console.log("widget: a random identity secret was generated for the demo page's sign-in; set your own (IDENTITY_SECRET or the console's widget settings) to identify your shop's users");
  }
  if (config.seedDemo) {
    const canned = await seedDemoCannedResponses(setupSql);
    if (canned) console.log(`console: ${canned} demo canned responses added (type "/" in a reply)`);
  }
  await prepareKnowledgeBase(setupSql, config, (line) => console.log(line));
  // A real shop (SEED_DEMO=false) starts with nobody who can sign in: say how to make the first admin.
  const noAdmin = !(await hasActiveAdmin(setupSql));
  await setupSql.end();
  await ensureBundles((line) => console.log(line));

  const server = await createServer(config, { extensions: [knowledgeBaseExtension()] });
  // In-process workers log through the server's own logger: one process, one format (JSON lines at LOG_LEVEL).
  const workers = config.workersInProcess ? await startWorkers(config, { log: server.app.log.child({ component: 'workers' }) }) : null;
  // From here a stop signal drains what runs, before the first chat can arrive (a SIGTERM while the lines below were
  // printed killed the process outright). Bounded (SHUTDOWN_TIMEOUT_MS): during a Redis outage the graceful part could
  // otherwise wait for ever (shutdown.ts).
  handleStopSignals({
    name: 'server',
    deadlineMs: config.shutdownTimeoutMs,
    stop: async () => {
      await server.close();
      await workers?.close();
    },
  });
  const url = await server.listen();
  const base = config.publicUrl || url;

  console.log('');
  console.log(`Shopdesk is running on ${url}`);
  if (config.seedDemo) console.log(`  Demo shop with the chat widget: ${base}/demo   (signed in as a demo shopper: ${base}/demo?customer=demo-user-1)`);
  // A real shop: /demo is still there to try the widget before installing it, but its chats are real ones.
  else console.log(`  Widget test page:               ${base}/demo   (a sample page with your widget: chats from it reach your inbox)`);
  console.log(`  Agent console and admin:        ${base}/console`);
  console.log(`  Help centre (the articles):     ${base}/help`);
  console.log(`  API documentation (OpenAPI):    ${base}/docs`);
  console.log(`  Health / readiness / metrics:   ${base}/healthz  ${base}/readyz  ${base}/metrics`);
  console.log(`  Workers: ${workers ? 'running in this process' : 'not in this process (run `npm run workers`)'}`);
  console.log(`  ${describeEmail(config)}`);
  console.log(`  Retention: ${config.retentionDays > 0 ? `chats resolved over ${config.retentionDays} days ago are anonymised, older left messages deleted` : 'off (RETENTION_DAYS=0: chats are kept)'}`);
  console.log(`  ${describeInboundEmail(config)}`);
  // Risky settings (an unset PUBLIC_URL, and in production http, the demo, an open /metrics, no email): one line each.
  for (const warning of startWarnings(config)) console.log(`  WARNING: ${warning}`);
  if (noAdmin) console.log('  No admin account yet: create one with `npm run account -- add-admin you@your-shop.example` (prints its password once).');
  for (const account of accounts) {
    if (account.password) console.log(`  Demo ${account.role} created: ${account.email} / ${account.password}  (shown once)`);
    else if (account.passwordFromEnvironment) console.log(`  Demo ${account.role} created: ${account.email} (the password given in DEMO_${account.role.toUpperCase()}_PASSWORD)`);
    else console.log(`  Demo ${account.role}: ${account.email} (password set when it was created)`);
  }

}

// A background publish (Socket.IO's Redis adapter does not await its own) failing during a Redis outage must not
// take the server down with every shopper's connection: log it; readiness reports Redis as down meanwhile.
process.on('unhandledRejection', (reason) => {
  console.error(`unhandled rejection (kept running): ${reason instanceof Error ? reason.message : String(reason)}`);
});

main().catch(exitOnStartFailure);
