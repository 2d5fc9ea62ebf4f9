// npm run bench:chat — relay throughput, shopper→agent latency and memory per
// socket of the real server (auth, validation, Postgres, BullMQ, Redis adapter)
// next to a bare Socket.IO relay, plus the interactions worker's write rate.
// Prints figures; asserts nothing. Sizes can be changed with BENCH_* variables.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { io, type Socket } from 'socket.io-client';
import { createSql } from '../server/db/client.ts';
import { migrate } from '../server/db/migrate.ts';
import { signVisitorToken } from '../server/services/visitor-tokens.ts';
import { deleteRedisPrefix } from '../test/support/test-env.ts';

const SHOPPERS = Number(process.env.BENCH_SHOPPERS ?? 100);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 4);
const MESSAGES_PER_SHOPPER = Number(process.env.BENCH_MESSAGES ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PACED_RATE = Number(process.env.BENCH_RATE ?? 1000);
const PACED_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IDLE_SOCKETS = Number(process.env.BENCH_IDLE_SOCKETS ?? 5000);
const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const ROOT = new URL('..', import.meta.url).pathname;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function startChild(args: string[], env: Record<string, string>, readyPattern: RegExp): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    // BENCH_PROFILE=dir writes a V8 CPU profile of each child (open it in Chrome DevTools) to find hot spots.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = readyPattern.exec(output);
      if (match) resolve({ child, url: match[1] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output.slice(-2000)}`)));
  });
}

function connect(url: string, auth: Record<string, unknown> = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

interface Target {
  name: string;
  url: string;
  pid: number;
  /** Visitor token and conversation for shopper i. */
  shopper(i: number): { token: string; conversationId?: number };
  agentAuth(i: number): Record<string, unknown>;
}

/** Calls `handle` with every chat message a console receives: one per `message:new` (bare relay) or a `messages:new` batch. */
function onMessages(agent: Socket, handle: (messages: { clientId: string | null }[]) => void): void {
  agent.on('message:new', (message) => handle([message]));
  agent.on('messages:new', handle);
}

/** CPU time (ms) used so far by one process. */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime + stime
}

/** CPU time (ms) used so far by all processes of each of these command names (Postgres backends, redis-server). */
async function cpuMsByCommand(commands: string[]): Promise<Map<string, number>> {
  const totals = new Map(commands.map((c) => [c, 0]));
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = (await readFile(`/proc/${entry}/comm`, 'utf8')).trim();
      if (totals.has(command)) totals.set(command, totals.get(command)! + (await cpuMs(Number(entry))));
    } catch {
      // the process ended meanwhile
    }
  }
  return totals;
}

interface CpuSplit { server: number; postgres: number; redis: number; loadGenerator: number }
async function cpuSnapshot(pid: number): Promise<CpuSplit> {
  const own = process.cpuUsage();
  const services = await cpuMsByCommand(['postgres', 'redis-server']);
  return { server: await cpuMs(pid), postgres: services.get('postgres')!, redis: services.get('redis-server')!, loadGenerator: (own.user + own.system) / 1000 };
}

/** Every shopper sends its messages one after another (each waits for its ack); all shoppers at once. */
let throughputRuns = 0;
async function throughput(target: Target): Promise<{ messagesPerSecond: number; delivered: number; cpuMsPer1000: CpuSplit }> {
  const run = ++throughputRuns; // client ids must be new in every run, or the server rightly drops them as repeats
  const agents = await Promise.all(Array.from({ length: AGENTS }, (_, i) => connect(`${target.url}/agent`, target.agentAuth(i))));
  const shoppers = await Promise.all(Array.from({ length: SHOPPERS }, (_, i) => connect(`${target.url}/widget`, { token: target.shopper(i).token })));
  const expected = SHOPPERS * MESSAGES_PER_SHOPPER;
  let delivered = 0;
  const allDelivered = new Promise<void>((resolve) => onMessages(agents[0], (batch) => (delivered += batch.length) === expected && resolve()));
  const cpuBefore = await cpuSnapshot(target.pid);
  const started = performance.now();
  await Promise.all(shoppers.map(async (socket, i) => {
    const { conversationId } = target.shopper(i);
    for (let m = 0; m < MESSAGES_PER_SHOPPER; m++) {
      const ack = await socket.timeout(30_000).emitWithAck('message:send', { clientId: `tp-${run}-${i}-${m}`, text: `throughput ${i}/${m}`, ...(conversationId ? { conversationId } : {}) });
      if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
    }
  }));
  await Promise.race([allDelivered, new Promise((r) => setTimeout(r, 30_000))]);
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await cpuSnapshot(target.pid);
  [...agents, ...shoppers].forEach((s) => s.close());
  const per1000 = (key: keyof CpuSplit) => ((cpuAfter[key] - cpuBefore[key]) * 1000) / Math.max(1, delivered);
  return { messagesPerSecond: delivered / seconds, delivered, cpuMsPer1000: { server: per1000('server'), postgres: per1000('postgres'), redis: per1000('redis'), loadGenerator: per1000('loadGenerator') } };
}

/** Messages at a fixed total rate; latency from the shopper's send to the agent's receipt. */
async function pacedLatency(target: Target, offset: number): Promise<{ p50: number; p99: number; max: number; achievedRate: number; count: number }> {
  const agent = await connect(`${target.url}/agent`, target.agentAuth(0));
  const shoppers = await Promise.all(Array.from({ length: SHOPPERS }, (_, i) => connect(`${target.url}/widget`, { token: target.shopper(i).token })));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  onMessages(agent, (batch) => {
    const now = performance.now();
    for (const message of batch) {
      const at = message.clientId ? sentAt.get(message.clientId) : undefined;
      if (at !== undefined) latencies.push(now - at);
    }
  });
  const total = PACED_RATE * PACED_SECONDS;
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / PACED_RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const i = n % SHOPPERS;
    const clientId = `lat-${offset}-${n}`;
    sentAt.set(clientId, performance.now());
    const { conversationId } = target.shopper(i);
    shoppers[i].emit('message:send', { clientId, text: `latency ${n}`, ...(conversationId ? { conversationId } : {}) }, () => {});
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = Date.now() + 15_000;
  while (latencies.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  [agent, ...shoppers].forEach((s) => s.close());
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN, achievedRate: total / sendSeconds, count: latencies.length };
}

async function idleSockets(target: Target, count: number): Promise<{ connected: number; rssBeforeMb: number; rssAfterMb: number; kbPerSocket: number }> {
  const before = await rssMb(target.pid);
  const sockets: Socket[] = [];
  for (let start = 0; start < count; start += 250) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(250, count - start) }, (_, k) => connect(`${target.url}/widget`, { token: target.shopper(SHOPPERS + start + k).token })));
    for (const r of batch) if (r.status === 'fulfilled') sockets.push(r.value);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const after = await rssMb(target.pid);
  sockets.forEach((s) => s.close());
  return { connected: sockets.length, rssBeforeMb: before, rssAfterMb: after, kbPerSocket: ((after - before) * 1024) / Math.max(1, sockets.length) };
}

async function main(): Promise<void> {
  const id = randomBytes(4).toString('hex');
  const dbName = `shopdesk_bench_${id}`;
  const redisPrefix = `bench_${id}`;
  const secret = randomBytes(32).toString('hex');
  const admin = postgres(`${PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const databaseUrl = `${PG_SERVER}/${dbName}`;
  const sql = createSql({ databaseUrl });
  await migrate(sql);

  // Shoppers with conversations already held by the bench agents (so the bot stays out of the relay path).
  const agentPassword = 'bench-agent-password';
  const { hashPassword } = await import('../server/services/auth-service.ts');
  const hash = await hashPassword(agentPassword);
  const agentIds = (await sql<{ id: number }[]>`
    insert into users (email, name, role, password_hash, capacity, presence)
    select 'bench' || g || '@demo.shop', 'Bench Agent ' || g, 'agent', ${hash}, 100, 'online' from generate_series(1, ${AGENTS}) g returning id`).map((r) => r.id);
  const shoppers = await sql<{ id: number; visitor_key: string }[]>`insert into customers (name) select 'Bench shopper ' || g from generate_series(1, ${SHOPPERS + IDLE_SOCKETS}) g returning id, visitor_key`;
  const customerIds = shoppers.map((r) => r.id);
  await sql`
    insert into conversations (customer_id, status, assignee_id, handed_off, queued_at, assigned_at)
    select c, 'assigned', (${sql.array(agentIds)}::bigint[])[1 + (row_number() over () % ${AGENTS})], true, now(), now()
    from unnest(${sql.array(customerIds.slice(0, SHOPPERS))}::bigint[]) c`;

  const env = {
    NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, REDIS_PREFIX: redisPrefix, SESSION_SECRET: secret,
    LOG_LEVEL: 'warn', WORKERS_IN_PROCESS: 'false', SEED_DEMO: 'false', RATE_LIMIT_MESSAGES_PER_10S: '1000000',
  };
  const results: Record<string, unknown> = {};
  let real: { child: ChildProcess; url: string } | undefined;
  let bare: { child: ChildProcess; url: string } | undefined;
  let bareBatched: { child: ChildProcess; url: string } | undefined;
  try {
    real = await startChild(['server/main.ts'], env, /running on (http:\/\/\S+)/);
    const login = await fetch(`${real.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench1@demo.shop', password: agentPassword }) });
    const { token: agentToken } = (await login.json()) as { token: string };
    const realTarget: Target = {
      name: 'shopdesk', url: real.url, pid: real.child.pid!,
      // No conversation id in the sends, as the widget does: the server finds the shopper's open conversation.
      shopper: (i) => ({ token: signVisitorToken(secret, customerIds[i], shoppers[i].visitor_key) }),
      agentAuth: () => ({ token: agentToken }),
    };
    bare = await startChild(['bench/bare-relay.ts'], {}, /listening on (http:\/\/\S+)/);
    const bareTarget: Target = { name: 'bare socket.io', url: bare.url, pid: bare.child.pid!, shopper: () => ({ token: '' }), agentAuth: () => ({}) };
    // The same bare relay sending the consoles one frame per turn, as the real server does: shows how much of the
    // ratio comes from that batching rather than from the persistence.
    bareBatched = await startChild(['bench/bare-relay.ts'], { BARE_BATCH_PER_TURN: '1' }, /listening on (http:\/\/\S+)/);
    const bareBatchedTarget: Target = { ...bareTarget, name: 'bare, batched', url: bareBatched.url, pid: bareBatched.child.pid! };

    console.log(`bench:chat — ${SHOPPERS} shoppers, ${AGENTS} agents (every agent console receives every message), loopback, ${(await import('node:os')).cpus().length} cores`);
    // BENCH_ONLY=throughput skips the latency and idle-socket parts (quick comparisons while tuning).
    const quick = process.env.BENCH_ONLY === 'throughput';
    const noLatency = { p50: NaN, p99: NaN, max: NaN, achievedRate: NaN, count: 0 };
    const noIdle = { connected: 0, rssBeforeMb: NaN, rssAfterMb: NaN, kbPerSocket: NaN };
    // Idle sockets first, on freshly started servers: after the load runs, freed heap would absorb new sockets
    // and make the per-socket figure look smaller than it is.
    const idleReal = quick ? noIdle : await idleSockets(realTarget, IDLE_SOCKETS);
    const idleBare = quick ? noIdle : await idleSockets(bareTarget, IDLE_SOCKETS);
    // Warm-up (JIT, connection pools) before measuring either side, then interleaved rounds: a short run is at
    // the mercy of whatever else the machine does at that moment, so each side reports its median round.
    const sides = [realTarget, bareTarget, bareBatchedTarget];
    for (const side of sides) await throughput(side);
    const rounds = sides.map(() => [] as Awaited<ReturnType<typeof throughput>>[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, side] of sides.entries()) rounds[k].push(await throughput(side));
    }
    const median = (of: (typeof rounds)[number]) => [...of].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond)[Math.floor(of.length / 2)];
    const [tpReal, tpBare, tpBareBatched] = rounds.map(median);
    console.log(`throughput rounds, msgs/s — ${sides.map((side, k) => `${side.name}: ${rounds[k].map((r) => fmt(r.messagesPerSecond, 0)).join(', ')}`).join('; ')}`);
    // Each round runs the sides back to back, so a round's own ratio is less exposed to the machine's drift.
    const roundRatios = (k: number) => rounds[0].map((r, i) => r.messagesPerSecond / rounds[k][i].messagesPerSecond).sort((a, b) => a - b);
    const medianRatio = (k: number) => fmt(100 * roundRatios(k)[Math.floor(ROUNDS / 2)], 0);
    console.log(`median of the per-round ratios — vs bare: ${medianRatio(1)} %; vs bare batched: ${medianRatio(2)} %`);
    const latReal = quick ? noLatency : await pacedLatency(realTarget, 1);
    const latBare = quick ? noLatency : await pacedLatency(bareTarget, 2);

    results.throughput = { shopdesk: tpReal, bare: tpBare, bareBatched: tpBareBatched, ratio: tpReal.messagesPerSecond / tpBare.messagesPerSecond };
    results.latency = { shopdesk: latReal, bare: latBare };
    results.idle = { shopdesk: idleReal, bare: idleBare };

    console.log('');
    console.log('| figure | shopdesk (persisted) | bare Socket.IO | ratio |');
    console.log('|---|---|---|---|');
    console.log(`| relay throughput, msgs/s (${SHOPPERS} shoppers × ${MESSAGES_PER_SHOPPER}, ack-paced, median of ${ROUNDS} rounds) | ${fmt(tpReal.messagesPerSecond, 0)} | ${fmt(tpBare.messagesPerSecond, 0)} | ${fmt(100 * tpReal.messagesPerSecond / tpBare.messagesPerSecond, 0)} % |`);
    const cpu = (split: CpuSplit) => `server ${fmt(split.server, 0)}, Postgres ${fmt(split.postgres, 0)}, Redis ${fmt(split.redis, 0)}, load generator ${fmt(split.loadGenerator, 0)}`;
    console.log(`| CPU ms per 1,000 messages relayed | ${cpu(tpReal.cpuMsPer1000)} | ${cpu(tpBare.cpuMsPer1000)} | ${fmt(tpReal.cpuMsPer1000.server / tpBare.cpuMsPer1000.server)}× (server) |`);
    console.log(`| bare relay batching the consoles per turn like shopdesk: msgs/s; CPU per 1,000 | | ${fmt(tpBareBatched.messagesPerSecond, 0)}; ${cpu(tpBareBatched.cpuMsPer1000)} | ${fmt(100 * tpReal.messagesPerSecond / tpBareBatched.messagesPerSecond, 0)} % |`);
    console.log(`| shopper→agent latency p50 at ${PACED_RATE} msgs/s, ms | ${fmt(latReal.p50)} | ${fmt(latBare.p50)} | ${fmt(latReal.p50 / latBare.p50)}× |`);
    console.log(`| shopper→agent latency p99 at ${PACED_RATE} msgs/s, ms | ${fmt(latReal.p99)} | ${fmt(latBare.p99)} | ${fmt(latReal.p99 / latBare.p99)}× |`);
    console.log(`| achieved send rate, msgs/s (delivered/sent) | ${fmt(latReal.achievedRate, 0)} (${latReal.count}/${PACED_RATE * PACED_SECONDS}) | ${fmt(latBare.achievedRate, 0)} (${latBare.count}/${PACED_RATE * PACED_SECONDS}) | |`);
    console.log(`| idle widget sockets connected | ${idleReal.connected} | ${idleBare.connected} | |`);
    console.log(`| server RSS with them, MB | ${fmt(idleReal.rssAfterMb)} (from ${fmt(idleReal.rssBeforeMb)}) | ${fmt(idleBare.rssAfterMb)} (from ${fmt(idleBare.rssBeforeMb)}) | |`);
    console.log(`| RSS per idle socket, KB | ${fmt(idleReal.kbPerSocket)} | ${fmt(idleBare.kbPerSocket)} | ${fmt(idleReal.kbPerSocket / idleBare.kbPerSocket)}× |`);

    const [{ n: stored }] = await sql<{ n: number }[]>`select count(*)::int as n from messages`;
    console.log(`\nmessages persisted by the real server during the run: ${stored}`);
  } finally {
    real?.child.kill('SIGTERM');
    bare?.child.kill('SIGTERM');
    bareBatched?.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await sql.end();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await deleteRedisPrefix({ redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', redisPrefix });
  }

  // The interactions worker's persist rate (its own script, with its own baseline).
  if (process.env.BENCH_ONLY === 'throughput') process.exit(0);
  try {
    const { benchInteractionsWorker } = await import('./interactions-worker.ts');
    console.log('\ninteractions worker:');
    const worker = await benchInteractionsWorker({});
    console.log(JSON.stringify(worker));
  } catch (error) {
    console.log(`\ninteractions worker bench unavailable: ${(error as Error).message}`);
  }
  process.exit(0);
}

await main();
