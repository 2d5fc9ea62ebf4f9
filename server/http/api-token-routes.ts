// Personal API tokens: an admin makes one for an integration (Team & settings → API tokens), which then calls the /api
// routes agents and admins use with `Authorization: Bearer sd_…`, as its creator with the token's scope. The secret is
// answered once, when it is made; only its sha256 is stored. This file has the admin routes and what plugins/auth.ts
// uses to check a presented token (the lookup, the per-address throttle of failures, naming the token in the audit log).
import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Nullable, Ok, Timestamp } from './schemas.ts';
import { apiTokensRepository, type ApiTokenRow } from '../repositories/api-tokens.ts';
import { API_TOKEN_PREFIX, type ApiTokenAuthenticator } from '../plugins/auth.ts';
import { tokenHash } from '../services/auth-service.ts';
import { recordAudit } from '../services/audit-log.ts';
import { prefixed } from '../config.ts';
import { memoryCounters } from '../services/memory-counters.ts';
import { AppError, badRequest, conflict, notFound, worded } from '../errors.ts';
import { blankName } from '../services/form-refusals.ts';

/** Refused tokens per address before that address is refused outright for the rest of the window (429). */
export const MAX_TOKEN_FAILURES = 20;
export const TOKEN_FAILURE_WINDOW_MINUTES = 15;
/** Live (not revoked) tokens at most: a list an admin can still read. */
export const MAX_API_TOKENS = 100;
/** How many characters of a token the list shows (`sd_` and 4 of its 43 random ones), to match a leaked one to its row. */
const HINT_LENGTH = API_TOKEN_PREFIX.length + 4;

const refusals = {
  unknown: 'This API token is not valid: check that it was copied whole.',
  revoked: 'This API token was revoked: ask an admin for a new one.',
  expired: 'This API token has expired: ask an admin for a new one.',
  creator_inactive: 'The account that made this API token is deactivated, so the token no longer works.',
} as const;

const Scope = Type.Union([Type.Literal('agent'), Type.Literal('admin')], { description: 'What the token may do: agent routes only, or admin routes too (never more than its creator\'s role)' });
const ApiToken = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  hint: Type.String({ description: 'The first characters of the token (sd_ and 4 more), to recognise it; the token itself is never shown again' }),
  scope: Scope,
  createdBy: Type.Object({ id: Type.Integer(), name: Nullable(Type.String()) }),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  expiresAt: Nullable(Timestamp),
  expired: Type.Boolean(),
});

const toApiToken = (row: ApiTokenRow) => ({
  id: row.id, name: row.name, hint: row.hint, scope: row.scope, createdBy: { id: row.created_by, name: row.creator_name },
  createdAt: row.created_at.toISOString(), lastUsedAt: row.last_used_at?.toISOString() ?? null, expiresAt: row.expires_at?.toISOString() ?? null,
  expired: row.expires_at !== null && row.expires_at.getTime() <= Date.now(),
});

/**
 * What plugins/auth.ts asks: the token's creator and scope, or why not; failures counted per address in Redis. On the
 * request connection (ctx.requestRedis, failing at once while Redis is away): meanwhile they are counted in this
 * process's memory for the same window (memory-counters.ts), as wrong passwords are, so a refused token is answered
 * 401 at once instead of waiting on Redis and ending in a 500, and trying tokens stays bounded per server.
 */
export function apiTokenAuthenticator(ctx: Pick<AppContext, 'sql' | 'requestRedis' | 'config'>, now: () => number = Date.now): ApiTokenAuthenticator {
  const tokens = apiTokensRepository(ctx.sql);
  const redis = ctx.requestRedis;
  const memory = memoryCounters(MAX_TOKEN_FAILURES, TOKEN_FAILURE_WINDOW_MINUTES, now);
  const failuresKey = (address: string) => prefixed(ctx.config, `api-token-failures:${address}`);
  /** The address's refusals in this window, from Redis; 0 while Redis is away (memory's count is read instead). */
  const countedInRedis = (key: string) => redis.get(key).then((count) => Number(count ?? 0), () => 0);
  return {
    async authenticate(token, address) {
      // A valid token always passes: counting first would let one stale integration still polling with a revoked
      // token lock every other token out of a shared address (a company network, a proxy without TRUST_PROXY). With
      // 256-bit secrets the count only slows down a caller trying tokens, which it refuses.
      const found = token.length <= 200 ? await tokens.authenticate(tokenHash(token)) : ({ ok: false, reason: 'unknown' } as const);
      if (found.ok) return found;
      const key = failuresKey(address);
      if (memory.lockedMinutes(key) > 0 || (await countedInRedis(key)) >= MAX_TOKEN_FAILURES) {
        throw new AppError(429, 'too_many_token_failures', `Too many refused API tokens from this address. Try again within ${TOKEN_FAILURE_WINDOW_MINUTES} minutes.`);
      }
      // The window starts with the first failure (NX: later ones do not extend it).
      await redis.multi().incr(key).expire(key, TOKEN_FAILURE_WINDOW_MINUTES * 60, 'NX').exec().catch(() => memory.failed(key));
      throw new AppError(401, 'api_token_invalid', refusals[found.reason]);
    },
  };
}

export default function apiTokenRoutes(ctx: AppContext) {
  return async (app: App) => {
    const tokens = apiTokensRepository(ctx.sql);
    app.apiTokenAuth.current = apiTokenAuthenticator(ctx);
    const denied = { 401: ErrorResponse, 403: ErrorResponse };
    // Managing tokens takes a console session: a leaked token must not mint tokens that outlive its revocation.
    const config = { sessionOnly: true };

    app.get('/api/admin/api-tokens', {
      preHandler: app.requireAdmin,
      config,
      schema: {
        tags: ['admin'], summary: 'Personal API tokens not revoked, newest first (never the tokens themselves). Needs a console session, not an API token',
        response: { 200: Type.Object({ items: Type.Array(ApiToken) }), ...denied },
      },
    }, async () => ({ items: (await tokens.listLive()).map(toApiToken) }));

    app.post('/api/admin/api-tokens', {
      preHandler: app.requireAdmin,
      config,
      schema: {
        tags: ['admin'],
        summary: 'Make a personal API token for an integration: it calls the agent/admin routes with `Authorization: Bearer sd_…` as you, with the scope chosen. '
          + 'The answer holds the token, shown this once. Needs a console session, not an API token',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100, description: 'What uses it, e.g. "CRM sync"' }),
          scope: Scope,
          expiresAt: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'ISO 8601 date-time in the future after which it stops working; none: until revoked' }))),
        }, { additionalProperties: false }),
        response: {
          201: Type.Object({ apiToken: ApiToken, token: Type.String({ description: 'The secret: sd_ and 43 characters. Shown this once' }) }),
          400: ErrorResponse, ...denied, 409: ErrorResponse,
        },
      },
    }, async (request, reply) => {
      const { name, scope, expiresAt } = request.body;
      const user = request.user!;
      if (!name.trim()) throw blankName('Give the token a name.');
      // The admin routes let only admins in; this keeps the rule where the token is made should that ever change.
      if (scope === 'admin' && user.role !== 'admin') throw badRequest('A token cannot have more than your own role.', 'scope_too_high');
      let expires: Date | null = null;
      if (expiresAt) {
        expires = new Date(expiresAt);
        if (Number.isNaN(expires.getTime())) throw badRequest('expiresAt is not a date.', 'validation');
        if (expires.getTime() <= Date.now()) throw worded(badRequest('The expiry date must be in the future.'), 'expiry_past');
      }
      if ((await tokens.listLive()).length >= MAX_API_TOKENS) throw conflict(`There are already ${MAX_API_TOKENS} API tokens; revoke one first.`, 'api_tokens_full');
      const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const row = await tokens.create({ name: name.trim(), tokenHash: tokenHash(token), hint: token.slice(0, HINT_LENGTH), scope, createdBy: user.id, expiresAt: expires });
      await recordAudit(ctx.sql, user.id, 'api_token.create', `api_token:${row.id}`, { name: row.name, scope, expiresAt: row.expires_at?.toISOString() ?? null });
      return reply.status(201).send({ apiToken: toApiToken(row), token });
    });

    app.delete('/api/admin/api-tokens/:id', {
      preHandler: app.requireAdmin,
      config,
      schema: {
        tags: ['admin'], summary: 'Revoke a token: it is refused (401) from the next request on, on every server. Needs a console session, not an API token',
        params: IdParams, response: { 200: Ok, ...denied, 404: ErrorResponse },
      },
    }, async (request) => {
      const row = await tokens.revoke(request.params.id, request.user!.id);
      if (!row) throw notFound('API token');
      await recordAudit(ctx.sql, request.user!.id, 'api_token.revoke', `api_token:${row.id}`, { name: row.name, scope: row.scope, createdBy: row.created_by });
      return { ok: true as const };
    });
  };
}
