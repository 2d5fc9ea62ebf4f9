// One schema-validated configuration for the server and the workers.
// Every value comes from an environment variable with a local default, so a
// fresh checkout runs against the Postgres and Redis of a developer machine.
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { DEFAULT_ORDER_NUMBER_EXAMPLE, DEFAULT_ORDER_NUMBER_PATTERN, orderNumberFormat } from '../knowledge-base/order-numbers.ts';

const ConfigSchema = Type.Object({
  nodeEnv: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')]),
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  /** Address shoppers and agents use to reach this server; printed in the start log, used in links. */
  publicUrl: Type.String({ pattern: '^https?://' }),
  databaseUrl: Type.String({ pattern: '^postgres(ql)?://' }),
  redisUrl: Type.String({ pattern: '^rediss?://' }),
  /** Namespaces every Redis key (queues, pub/sub, Socket.IO adapter) so installs and tests can share one Redis. */
  redisPrefix: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$' }),
  logLevel: Type.Union([
    Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
    Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent'),
  ]),
  /** Signs visitor tokens. When empty, a random secret is created once and kept in Postgres (shared by all servers). */
  sessionSecret: Type.String(),
  /** Shop's secret for widget identity verification (HMAC-SHA256 of the user id). Empty = use the widget settings value. */
  identitySecret: Type.String(),
  /** Run the BullMQ workers inside the server process (single-machine mode). */
  workersInProcess: Type.Boolean(),
  /** Apply migrations and seed demo content on start. */
  migrateOnStart: Type.Boolean(),
  seedDemo: Type.Boolean(),
  demoAdminEmail: Type.String(),
  demoAdminPassword: Type.String(),
  demoAgentEmail: Type.String(),
  demoAgentPassword: Type.String(),
  /** Sentence-encoder model for the bot (transformers.js layout). */
  modelId: Type.String(),
  modelDir: Type.String(),
  /** Forbid downloading model files at run time. */
  modelOffline: Type.Boolean(),
  agentSessionTtlHours: Type.Integer({ minimum: 1, maximum: 24 * 90 }),
  maxMessageChars: Type.Integer({ minimum: 1, maximum: 100_000 }),
  /** The shop's order numbers: a regular expression, and an example the bot shows shoppers. */
  orderNumberPattern: Type.String({ minLength: 1, maxLength: 200 }),
  orderNumberExample: Type.String({ minLength: 1, maxLength: 64 }),
  /** Largest file a shopper or agent can send in a chat, in bytes. */
  maxAttachmentBytes: Type.Integer({ minimum: 1024, maximum: 50 * 1024 * 1024 }),
  /** Webhooks may post to this machine and link-local addresses (development and tests only). */
  webhookAllowLocal: Type.Boolean(),
  rateLimitSessionsPerMinute: Type.Integer({ minimum: 1 }),
  /** Console sign-ins per minute and address (password guessing). */
  rateLimitLoginsPerMinute: Type.Integer({ minimum: 1 }),
  rateLimitMessagesPer10s: Type.Integer({ minimum: 1 }),
  metricsToken: Type.String({ description: 'When set, /metrics needs Authorization: Bearer <token>' }),
  trustProxy: Type.Union([Type.Boolean(), Type.Integer({ minimum: 1, maximum: 10 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
    description: 'Whose X-Forwarded-For to believe: false, a number of proxy hops in front of the server, their addresses, or true (anyone)',
  }),
  /** Conversations resolved longer ago than this are anonymised (0 = kept for ever). */
  retentionDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
  /** Visitors who never wrote, gave no name or email and were not seen this long are removed (0 = kept for ever). */
  visitorCleanupDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
  /** A chat held by an agent offline this long, with the shopper's message unanswered, goes back to the queue (0 = never). */
  offlineAgentReleaseMinutes: Type.Integer({ minimum: 0, maximum: 24 * 60 }),
  /** An assigned chat whose agent has not replied this many minutes after getting it goes to another agent (0 = never). */
  assignedNoReplyMinutes: Type.Integer({ minimum: 0, maximum: 24 * 60 }),
  /**
   * Tests and benchmarks only: the length in seconds of one "minute" of the team setting "Set agents Away after N
   * minutes without activity" (60 = real minutes). The idle sweep runs every half unit (30 s at most), so a test can
   * use a few seconds instead of waiting for real minutes.
   */
  autoAwayUnitSeconds: Type.Integer({ minimum: 1, maximum: 60 }),
  /** Chats with or waiting for a person are closed after this many hours without a message (0 = never). */
  autoResolveIdleHours: Type.Integer({ minimum: 0, maximum: 24 * 365 }),
  /**
   * Longest a request waits for a row lock before it fails (lock_timeout of the server's pool). Shopper messages
   * are stored in shared batches, one at a time, so one statement stuck behind a lock would hold every shopper.
   */
  dbLockTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
  /**
   * How often each server looks for shopper messages no bot turn answered (a server killed between the ack and the
   * bot's reply) and answers them (server/services/bot-turn-recovery.ts); it also runs once at start.
   */
  botRecoverySweepMs: Type.Integer({ minimum: 100, maximum: 10 * 60_000 }),
  /** How long a stopping process (server or workers) may take before it exits anyway (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: Type.Integer({ minimum: 1_000, maximum: 10 * 60_000 }),
  /** The shop's name as shoppers know it: the sender and subject of follow-up emails. */
  shopName: Type.String({ minLength: 1, maxLength: 100 }),
  /** The shop's home page (with the widget): where a follow-up email's "Continue the chat" leads when the shopper's last page is unknown. Empty = the help centre. */
  shopUrl: Type.Union([Type.Literal(''), Type.String({ pattern: '^https?://', maxLength: 2048 })]),
  /** Where follow-up emails are sent through, e.g. smtp://user:pass@mail.example.com:587. Empty = no email at all. */
  smtpUrl: Type.Union([Type.Literal(''), Type.String({ pattern: '^smtps?://', maxLength: 2048 })]),
  /** The From of follow-up emails, an address or "Name <address>". Empty = the shop's name at no-reply@ the public host. */
  mailFrom: Type.String({ maxLength: 300 }),
  /** How long after an agent's reply the shopper has to see it in the chat before it is emailed. */
  emailFollowupDelaySeconds: Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600 }),
  /** How long after a person's chat is resolved a shopper who was not there to rate it is asked by email (csat-email-queue.ts). */
  csatEmailDelaySeconds: Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600 }),
  /**
   * Tests only: the length in milliseconds of one "minute" of an agent's email-alert delay (Account panel, 1–60
   * minutes; server/services/agent-email-alerts.ts). 60000 = real minutes.
   */
  agentAlertMinuteMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
  /** First wait before an email refused for now (a 4xx, a connection failure) is tried again; it doubles each time. */
  emailRetryDelayMs: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
  /**
   * The address shoppers' replies to follow-up emails reach, e.g. replies@support.example.com: each follow-up gets
   * Reply-To replies+<signed conversation token>@support.example.com (the part before @ at most 20 characters, so
   * the tagged address stays within the 64 a mailbox name may have). Empty = replies are matched by In-Reply-To only.
   */
  inboundEmailAddress: Type.Union([Type.Literal(''), Type.String({ pattern: '^[A-Za-z0-9._-]{1,20}@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$', maxLength: 254 })]),
  /** The secret POST /api/email/inbound is called with (Bearer, or the Basic password). Empty = the route is off (404). */
  inboundEmailSecret: Type.Union([Type.Literal(''), Type.String({ minLength: 16, maxLength: 200 })]),
});

export type Config = Static<typeof ConfigSchema>;

type Env = Record<string, string | undefined>;

/** A yes/no setting; a value that is neither (a typo such as "flase") stops the start instead of meaning "no". */
function bool(value: string | undefined, fallback: boolean, name = 'a yes/no setting'): boolean {
  if (value === undefined || value === '') return fallback;
  const lower = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(`Invalid configuration:\n  ${name}: "${value}" is neither true nor false (use true/false, yes/no, on/off or 1/0).`);
}

/**
 * TRUST_PROXY: "false" (default), a number of proxies in front of the server ("1" behind one nginx: the address it
 * saw is the client), their addresses or networks ("10.0.0.5,10.0.1.0/24"), or "true". The rate limits key on the
 * client's address: with "true" any client can name its own in X-Forwarded-For, and with "false" behind a proxy
 * everyone shares the proxy's.
 */
function trustedProxies(value: string | undefined): boolean | number | string[] {
  const text = value?.trim() ?? '';
  if (text === '' || ['0', 'false', 'no', 'off'].includes(text.toLowerCase())) return false;
  if (['true', 'yes', 'on'].includes(text.toLowerCase())) return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text.split(',').map((part) => part.trim()).filter(Boolean);
}

/**
 * A text setting with a default. An empty value counts as unset: docker compose passes `NAME=` lines of an env file
 * and `${NAME:-}` entries as empty strings, which must mean "the default", not an empty host or log level.
 */
function textOr(value: string | undefined, fallback: string): string {
  return value === undefined || value === '' ? fallback : value;
}

function int(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) ? parsed : Number.NaN;
}

export class ConfigError extends Error {}

/** The environment variable a setting comes from: smtpUrl → SMTP_URL, rateLimitMessagesPer10s → RATE_LIMIT_MESSAGES_PER_10S. */
function envName(key: string): string {
  return key.replace(/([a-z])([A-Z0-9])/g, '$1_$2').toUpperCase();
}

/**
 * Settings that hold an address, each parsed here so that a bad one stops the start, not a request later. The ones
 * that may carry a password are checked harder (urlProblem); a shop's own page may well have an "@" in its path.
 */
const CREDENTIAL_URL_SETTINGS = ['databaseUrl', 'redisUrl', 'smtpUrl'] as const;
const PAGE_URL_SETTINGS = ['publicUrl', 'shopUrl'] as const;
const PASSWORD_HINT = 'percent-encode special characters in the password (/ as %2F, # as %23, ? as %3F, @ as %40, % as %25)';

/**
 * Why an address that may hold a password cannot be used, without its value, or null. An unencoded "/", "?" or "#"
 * in the password ends the host part early: the URL either does not parse or leaves an "@" after the host
 * ("postgres://shop:12#x@db/shop" would reach host "shop" on port 12). An "@" in the password is read right (the
 * last one before the host ends the password), by this check and by the Postgres and Redis clients alike.
 */
export function urlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(withFirstHost(value));
  } catch {
    return 'is not a valid URL';
  }
  // An "@" in the query may be a parameter's value ("?application_name=shop@eu-1"); one in a name, or in a part
  // without "=", is the rest of the address after a "?" in the password ("…:12?pw@redis.example.com:6379").
  const inQueryNames = url.search.slice(1).split('&').some((part) => part.split('=')[0].includes('@'));
  if (`${url.pathname}${url.hash}`.includes('@') || inQueryNames) return 'has an "@" after its host part';
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return 'has a "%" in its user or password that encodes no character';
  }
  return null;
}

/**
 * A Postgres address may list several hosts ("@db1:5432,db2:5433/shop", postgres.js tries them in turn), which no URL
 * parser reads: the check reads the address with its first host, as postgres.js itself parses it.
 */
function withFirstHost(value: string): string {
  if (!/^postgres(?:ql)?:/i.test(value)) return value;
  const authority = value.slice(value.indexOf('://') + 3).split(/[?/]/)[0];
  const hosts = authority.slice(authority.indexOf('@') + 1);
  return hosts.includes(',') ? value.replace(hosts, hosts.split(',')[0]) : value;
}

function checkUrls(config: Config): string[] {
  const lines: string[] = [];
  for (const key of CREDENTIAL_URL_SETTINGS) {
    const problem = config[key] === '' ? null : urlProblem(config[key]);
    if (problem) lines.push(`  ${envName(key)} ${problem}; ${PASSWORD_HINT}`);
  }
  for (const key of PAGE_URL_SETTINGS) {
    if (config[key] !== '' && !URL.canParse(config[key])) lines.push(`  ${envName(key)} is not a valid URL`);
  }
  return lines;
}

/**
 * One line per setting, named by its environment variable. A union's alternatives ("" or an smtp:// address) come
 * as one error each plus "must match a schema in anyOf": they are said together instead.
 */
function describeSchemaErrors(errors: { instancePath: string; keyword: string; message: string; params: unknown }[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword === 'anyOf') continue;
    const key = error.instancePath.split('/')[1] ?? '';
    const allowed = (error.params as { allowedValue?: unknown }).allowedValue;
    const message = error.keyword === 'const' ? (allowed === '' ? 'empty' : `"${String(allowed)}"`) : error.message;
    byKey.set(key, [...(byKey.get(key) ?? []), message]);
  }
  return [...byKey].map(([key, messages]) => {
    const consts = messages.filter((m) => m === 'empty' || m.startsWith('"'));
    const rest = messages.filter((m) => !consts.includes(m));
    const parts = [...(consts.length ? [`must be ${consts.length > 1 ? 'one of ' : ''}${consts.join(', ')}`] : []), ...rest];
    return `  ${key ? envName(key) : '(root)'}: ${[...new Set(parts)].join(', or ')}`;
  });
}

/** Reads the configuration from the environment (or an object in tests) and validates it. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = int(env.PORT, 3000);
  const nodeEnv = textOr(env.NODE_ENV, 'development') as Config['nodeEnv'];
  const candidate: Config = {
    nodeEnv,
    host: textOr(env.HOST, '127.0.0.1'),
    port,
    publicUrl: textOr(env.PUBLIC_URL, `http://localhost:${port}`),
    databaseUrl: textOr(env.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/shopdesk'),
    redisUrl: textOr(env.REDIS_URL, 'redis://127.0.0.1:6379'),
    redisPrefix: textOr(env.REDIS_PREFIX, 'shopdesk'),
    logLevel: textOr(env.LOG_LEVEL, nodeEnv === 'test' ? 'warn' : 'info') as Config['logLevel'],
    sessionSecret: env.SESSION_SECRET ?? '',
    identitySecret: env.IDENTITY_SECRET ?? '',
    workersInProcess: bool(env.WORKERS_IN_PROCESS, true, 'WORKERS_IN_PROCESS'),
    migrateOnStart: bool(env.MIGRATE_ON_START, true, 'MIGRATE_ON_START'),
    seedDemo: bool(env.SEED_DEMO, true, 'SEED_DEMO'),
    demoAdminEmail: textOr(env.DEMO_ADMIN_EMAIL, 'admin@demo.shop'),
    demoAdminPassword: env.DEMO_ADMIN_PASSWORD ?? '',
    demoAgentEmail: textOr(env.DEMO_AGENT_EMAIL, 'agent@demo.shop'),
    demoAgentPassword: env.DEMO_AGENT_PASSWORD ?? '',
    modelId: textOr(env.MODEL_ID, 'Xenova/paraphrase-multilingual-MiniLM-L12-v2'),
    modelDir: textOr(env.MODEL_DIR, './models'),
    modelOffline: bool(env.MODEL_OFFLINE, true, 'MODEL_OFFLINE'),
    agentSessionTtlHours: int(env.AGENT_SESSION_TTL_HOURS, 12),
    maxMessageChars: int(env.MAX_MESSAGE_CHARS, 4000),
    orderNumberPattern: env.ORDER_NUMBER_PATTERN || DEFAULT_ORDER_NUMBER_PATTERN,
    orderNumberExample: env.ORDER_NUMBER_EXAMPLE || DEFAULT_ORDER_NUMBER_EXAMPLE,
    maxAttachmentBytes: int(env.MAX_ATTACHMENT_BYTES, 10 * 1024 * 1024),
    webhookAllowLocal: bool(env.WEBHOOK_ALLOW_LOCAL, false, 'WEBHOOK_ALLOW_LOCAL'),
    rateLimitSessionsPerMinute: int(env.RATE_LIMIT_SESSIONS_PER_MINUTE, 30),
    rateLimitLoginsPerMinute: int(env.RATE_LIMIT_LOGINS_PER_MINUTE, 10),
    rateLimitMessagesPer10s: int(env.RATE_LIMIT_MESSAGES_PER_10S, 20),
    trustProxy: trustedProxies(env.TRUST_PROXY),
    metricsToken: env.METRICS_TOKEN ?? '',
    autoResolveIdleHours: int(env.AUTO_RESOLVE_IDLE_HOURS, 24),
    autoAwayUnitSeconds: int(env.AUTO_AWAY_UNIT_SECONDS, 60),
    offlineAgentReleaseMinutes: int(env.OFFLINE_AGENT_RELEASE_MINUTES, 5),
    assignedNoReplyMinutes: int(env.ASSIGNED_NO_REPLY_MINUTES, 10),
    retentionDays: int(env.RETENTION_DAYS, 0),
    visitorCleanupDays: int(env.VISITOR_CLEANUP_DAYS, 30),
    dbLockTimeoutMs: int(env.DB_LOCK_TIMEOUT_MS, 10_000),
    botRecoverySweepMs: int(env.BOT_RECOVERY_SWEEP_MS, 30_000),
    shutdownTimeoutMs: int(env.SHUTDOWN_TIMEOUT_MS, 25_000),
    shopName: env.SHOP_NAME || 'Shopdesk',
    shopUrl: env.SHOP_URL ?? '',
    smtpUrl: env.SMTP_URL ?? '',
    mailFrom: env.MAIL_FROM ?? '',
    emailFollowupDelaySeconds: int(env.EMAIL_FOLLOWUP_DELAY_SECONDS, 300),
    csatEmailDelaySeconds: int(env.CSAT_EMAIL_DELAY_SECONDS, 600),
    emailRetryDelayMs: int(env.EMAIL_RETRY_DELAY_MS, 60_000),
    agentAlertMinuteMs: int(env.AGENT_ALERT_MINUTE_MS, 60_000),
    inboundEmailAddress: env.INBOUND_EMAIL_ADDRESS ?? '',
    inboundEmailSecret: env.INBOUND_EMAIL_SECRET ?? '',
    ...overrides,
  };
  const lines = describeSchemaErrors([...Value.Errors(ConfigSchema, candidate)]);
  // Only the addresses the schema let through (a string with the right scheme) are parsed.
  if (lines.length === 0) lines.push(...checkUrls(candidate));
  if (lines.length > 0) throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  try {
    orderNumberFormat(candidate.orderNumberPattern, candidate.orderNumberExample);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${(error as Error).message}`);
  }
  return candidate;
}

/** Redis key prefix for one subsystem, e.g. prefixed(config, 'bull'). */
export function prefixed(config: Pick<Config, 'redisPrefix'>, part: string): string {
  return `${config.redisPrefix}:${part}`;
}

/** Addresses only this machine can reach: a server listening there does not expose /metrics to the network. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\./.test(host);
}

/**
 * Settings that start fine but are risky, one line each for the start log (server/main.ts prints them as WARNING).
 * None refuses the start: a trial on http://localhost with the demo is legitimate, even under NODE_ENV=production.
 * `env` is the raw environment, to tell an unset PUBLIC_URL from one set to the default.
 */
export function startWarnings(
  config: Pick<Config, 'nodeEnv' | 'publicUrl' | 'host' | 'seedDemo' | 'demoAdminEmail' | 'demoAgentEmail' | 'metricsToken' | 'smtpUrl' | 'trustProxy' | 'webhookAllowLocal'>,
  env: Env = process.env,
): string[] {
  const warnings: string[] = [];
  // Links in bot answers, emails and article URLs are built from PUBLIC_URL; shoppers open them from the shop's site.
  if (!env.PUBLIC_URL) warnings.push(`PUBLIC_URL is not set: links in bot answers and emails point to ${config.publicUrl}; set it to the address shoppers reach.`);
  if (config.trustProxy === true) warnings.push('TRUST_PROXY=true believes any X-Forwarded-For, so a client can pick the address the rate limits count: set the number of proxies in front (TRUST_PROXY=1) or their addresses.');
  if (config.nodeEnv !== 'production') return warnings;
  if (config.publicUrl.startsWith('http://')) {
    warnings.push(`PUBLIC_URL ${config.publicUrl} is not https: passwords, sign-in cookies and chats cross the network unencrypted; serve it behind TLS and set PUBLIC_URL to the https address.`);
  }
  if (config.seedDemo) {
    warnings.push(`SEED_DEMO is on: the demo accounts (${config.demoAdminEmail}, ${config.demoAgentEmail}) and demo shoppers' sign-in on /demo are live; set SEED_DEMO=false for a real shop (and deactivate those accounts if they were created).`);
  }
  if (!config.metricsToken && !isLoopback(config.host)) {
    warnings.push(`METRICS_TOKEN is not set while the server listens on ${config.host}: anyone who reaches the port reads /metrics; set METRICS_TOKEN.`);
  }
  if (!config.smtpUrl) warnings.push('SMTP_URL is not set: no email is sent (replies a shopper did not see, team invitations, rating requests, agents\' alerts).');
  if (config.webhookAllowLocal) warnings.push('WEBHOOK_ALLOW_LOCAL is on: an admin\'s webhook can post to this machine\'s own services; it is meant for development only.');
  return warnings;
}
