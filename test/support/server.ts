// Starts real servers for integration and end-to-end tests: an isolated
// database and Redis prefix (createTestEnv), demo accounts, and one or more
// server instances sharing them, optionally with the workers in-process.
import { createTestEnv, type TestEnv } from './test-env.ts';
import { createServer, type ServerHandle, type ServerOptions } from '../../server/app.ts';
import { seedDemoAccounts } from '../../server/db/seed.ts';
import { startWorkers } from '../../workers/start.ts';
import type { Config } from '../../server/config.ts';
import type { WorkerSettings } from '../../workers/settings.ts';

export interface TestStack {
  env: TestEnv;
  servers: { handle: ServerHandle; url: string }[];
  /** First server's base URL. */
  url: string;
  admin: { email: string; password: string };
  agent: { email: string; password: string };
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(options: { servers?: number; workers?: boolean; workerSettings?: Partial<WorkerSettings>; config?: Partial<Config>; server?: ServerOptions } = {}): Promise<TestStack> {
  const env = await createTestEnv(options.config);
  await seedDemoAccounts(env.sql, env.config);
  const servers: TestStack['servers'] = [];
  for (let i = 0; i < (options.servers ?? 1); i++) {
    const handle = await createServer(env.config, options.server);
    servers.push({ handle, url: await handle.listen() });
  }
  let workers = options.workers ? await startWorkers(env.config, { settings: options.workerSettings }) : null;
  const stopWorkers = async () => {
    await workers?.close();
    workers = null;
  };
  return {
    env,
    servers,
    url: servers[0].url,
    admin: { email: env.config.demoAdminEmail, password: env.config.demoAdminPassword },
    agent: { email: env.config.demoAgentEmail, password: env.config.demoAgentPassword },
    stopWorkers,
    async close() {
      await stopWorkers();
      for (const s of servers) await s.handle.close();
      await env.cleanup();
    },
  };
}

/** Signs in over HTTP; returns the session token (for socket auth or Bearer) and the cookie header. */
export async function login(url: string, email: string, password: string): Promise<{ token: string; cookie: string; user: { id: number; role: string; name: string } }> {
  const response = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { token: string; user: { id: number; role: string; name: string } };
  return { token: body.token, cookie: `sd_session=${body.token}`, user: body.user };
}

/** Creates a widget session for the demo site; returns the visitor token. */
export async function widgetSession(url: string, extra: Record<string, unknown> = {}): Promise<{ visitorToken: string; customerId: number; identified: boolean; resumed?: boolean; conversationId?: number }> {
  const response = await fetch(`${url}/api/widget/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ siteKey: 'demo', ...extra }) });
  if (!response.ok) throw new Error(`session failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { visitorToken: string; customerId: number; identified: boolean; resumed?: boolean; conversationId?: number };
}

/** One HTTP call as a signed-in user (their cookie) or nobody; the body as JSON, the answer parsed when it is JSON. */
export async function httpAs(baseUrl: string, method: string, path: string, auth: { cookie: string } | null, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(auth ? { cookie: auth.cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}
