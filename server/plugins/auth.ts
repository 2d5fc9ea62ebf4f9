// Who is calling: agents and admins by session cookie (or Bearer token for API
import '@fastify/cookie';
// clients: a session's token, or a personal API token `sd_…`), shoppers by visitor token. Routes opt in with a preHandler.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { AuthService, SessionUser } from '../services/auth-service.ts';
import { PASSWORD_CHANGE_REQUIRED, passwordChangeRequiredMessage, SESSION_COOKIE } from '../services/auth-service.ts';
import { auditScope } from '../services/audit-log.ts';
import { verifyVisitorToken, type VisitorClaim } from '../services/visitor-tokens.ts';
import { AppError, forbidden, unauthorized } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route serves someone who must still replace a password an admin set (who am I, changing it): every other
     * signed-in route answers them 403 password_change_required.
     */
    beforePasswordChange?: boolean;
    /** Only a console session may call it, not a personal API token (managing the tokens themselves). */
    sessionOnly?: boolean;
  }
  interface FastifyRequest {
    user?: SessionUser;
    visitor?: { customerId: number };
    /** The personal API token this request was authenticated with (its creator is `user`, its scope caps `user.role`). */
    apiToken?: { id: number; name: string; scope: 'agent' | 'admin' };
  }
  interface FastifyInstance {
    requireAgent: (request: FastifyRequest) => Promise<void>;
    requireAdmin: (request: FastifyRequest) => Promise<void>;
    requireVisitor: (request: FastifyRequest) => Promise<void>;
    /** Filled by http/api-token-routes.ts (it has the database and Redis); empty, an API token is refused. */
    apiTokenAuth: { current?: ApiTokenAuthenticator };
  }
}

/** What plugins/auth.ts asks of the personal API tokens (http/api-token-routes.ts provides it). */
export interface ApiTokenAuthenticator {
  /** The token's creator acting with its scope, or an AppError (401 api_token_invalid, 429 too_many_token_failures). */
  authenticate(token: string, address: string): Promise<{ user: SessionUser; token: { id: number; name: string; scope: 'agent' | 'admin' } }>;
}

/** Every personal API token starts so (secret scanners and people recognise it). */
export const API_TOKEN_PREFIX = 'sd_';
/** A session token is 32 random bytes in base64url: 43 characters, which may happen to start with "sd_" too. */
const SESSION_TOKEN_LENGTH = 43;

function bearer(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/**
 * The personal API token a request presents (`Authorization: Bearer sd_…`), if any. A session token is never taken
 * for one: those are exactly 43 characters, API tokens are longer (`sd_` + 43), and anything else starting with
 * `sd_` (a truncated or mangled API token) is treated as an API token, to be refused as one with a clear answer.
 */
export function apiTokenOf(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const value = bearer(request);
  return value?.startsWith(API_TOKEN_PREFIX) && value.length !== SESSION_TOKEN_LENGTH ? value : undefined;
}

/**
 * The console session a request carries: its cookie, or a session token as Bearer. A request presenting a personal
 * API token has no session, even with a cookie beside it: the token alone authenticates it (so cross-site.ts need not
 * guard it, and logging out or changing a password through it touches no session).
 */
export function sessionToken(request: FastifyRequest): string | undefined {
  if (apiTokenOf(request)) return undefined;
  return request.cookies?.[SESSION_COOKIE] ?? bearer(request);
}

/**
 * Refuses a request made with a personal API token from doing `what` (a part of a route that makes or changes a way in:
 * a password, a role, a signing secret): a leaked token must not leave access behind that outlives its revocation.
 * Whole routes say so with `config: { sessionOnly: true }`.
 */
export function refuseApiToken(request: FastifyRequest, what: string): void {
  if (request.apiToken) throw new AppError(403, 'api_token_not_allowed', `An API token cannot ${what}: sign in to the console.`);
}

/** Routes about the signed-in person's own account (password, two-step sign-in): a console session's business only. */
const sessionOnlyPath = (path: string) => path.startsWith('/api/auth/') && path !== '/api/auth/me';

/**
 * Whether a visitor token's customer may still act: false for a record deleted at the customer's request or merged
 * into another (its holder starts over as a new visitor, as the socket handshake makes the widget do).
 */
export type VisitorCheck = (claim: VisitorClaim) => Promise<boolean>;

export function registerAuth(app: FastifyInstance, auth: AuthService, visitorSecret: string, visitorIsCurrent: VisitorCheck): void {
  const apiTokenAuth: FastifyInstance['apiTokenAuth'] = {};
  app.decorate('apiTokenAuth', apiTokenAuth);
  /** The creator of the presented API token, capped at its scope; throws the token's refusal. */
  const userForApiToken = async (request: FastifyRequest, token: string): Promise<SessionUser> => {
    if (!apiTokenAuth.current) throw new AppError(401, 'api_token_invalid', 'API tokens are not enabled on this server.');
    const found = await apiTokenAuth.current.authenticate(token, request.ip);
    const path = request.routeOptions.url ?? request.url;
    if (request.routeOptions.config?.sessionOnly || sessionOnlyPath(path)) {
      throw new AppError(403, 'api_token_not_allowed', 'An API token cannot do this: sign in to the console.');
    }
    request.apiToken = found.token;
    // What this request records in the audit log names the token (services/audit-log.ts); the actor is its creator.
    const scope = scopes.get(request);
    if (scope) scope.apiToken = { id: found.token.id, name: found.token.name };
    // Never more than the token's scope, nor than its creator's role now (an admin demoted since is an agent).
    const role = found.token.scope === 'admin' && found.user.role === 'admin' ? 'admin' : 'agent';
    return { ...found.user, role };
  };
  // Each request gets its own audit scope: run() around the rest of its handling, as done() continues it. A body that
  // arrives in later packets is parsed in the socket's context, outside that run(): the same scope is entered again
  // once it is parsed, so the route's handler records into it (a 5 MB import, an Expect: 100-continue client).
  const scopes = new WeakMap<FastifyRequest, { apiToken?: { id: number; name: string } }>();
  app.addHook('onRequest', (request, _reply, done) => {
    const scope = {};
    scopes.set(request, scope);
    auditScope.run(scope, done);
  });
  app.addHook('preValidation', (request, _reply, done) => auditScope.run(scopes.get(request) ?? {}, done));
  const requireAgent = async (request: FastifyRequest) => {
    if (request.user) return; // already checked by an earlier hook of this request
    const apiToken = apiTokenOf(request);
    const user = apiToken ? await userForApiToken(request, apiToken) : await auth.userForToken(sessionToken(request));
    if (!user) throw unauthorized('Sign in to the console first.');
    if (user.must_change_password && !request.routeOptions.config?.beforePasswordChange) {
      throw new AppError(403, PASSWORD_CHANGE_REQUIRED, passwordChangeRequiredMessage);
    }
    request.user = user;
  };
  app.decorate('requireAgent', requireAgent);
  const requireAdmin = async (request: FastifyRequest) => {
    await requireAgent(request);
    if (request.user!.role !== 'admin') throw forbidden('Only admins can do this.');
  };
  app.decorate('requireAdmin', requireAdmin);
  // The OpenAPI document: every route for signed-in people takes a console session (cookie) or a Bearer token (a
  // session's token, or a personal API token sd_…).
  app.addHook('onRoute', (route: RouteOptions) => {
    const hooks = [route.onRequest, route.preHandler].flat();
    const path = route.url;
    const signedIn = hooks.includes(requireAgent) || hooks.includes(requireAdmin) || path === '/api/admin' || path.startsWith('/api/admin/');
    if (!signedIn || !route.schema || route.schema.security) return;
    route.schema = { ...route.schema, security: [{ session: [] }, { bearer: [] }] };
  });
  // Defence in depth, and before body validation: nothing under /api/admin answers anyone but an admin,
  // whatever a route declares, and an agent learns nothing from validation errors there.
  // The matched route's path, not the raw URL: "/api/%61dmin/team" reaches the same route and slipped past a prefix test.
  app.addHook('onRequest', async (request) => {
    const path = request.routeOptions.url ?? request.url; // no route matched: a 404 follows whatever this decides
    if (path === '/api/admin' || path.startsWith('/api/admin/')) await requireAdmin(request);
  });
  app.decorate('requireVisitor', async (request: FastifyRequest) => {
    const claim = verifyVisitorToken(visitorSecret, bearer(request));
    if (!claim) throw unauthorized('A valid visitor token is required (Authorization: Bearer <token>).');
    if (!(await visitorIsCurrent(claim))) throw unauthorized('This visitor token is no longer valid: start a new session.');
    request.visitor = { customerId: claim.customerId };
  });
}
