// Who is calling: agents and admins by session cookie (or Bearer token for API
import '@fastify/cookie';
// clients), shoppers by visitor token. Routes opt in with a preHandler.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService, SessionUser } from '../services/auth-service.ts';
import { PASSWORD_CHANGE_REQUIRED, passwordChangeRequiredMessage, SESSION_COOKIE } from '../services/auth-service.ts';
import { verifyVisitorToken, type VisitorClaim } from '../services/visitor-tokens.ts';
import { AppError, forbidden, unauthorized } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route serves someone who must still replace a password an admin set (who am I, changing it): every other
     * signed-in route answers them 403 password_change_required.
     */
    beforePasswordChange?: boolean;
  }
  interface FastifyRequest {
    user?: SessionUser;
    visitor?: { customerId: number };
  }
  interface FastifyInstance {
    requireAgent: (request: FastifyRequest) => Promise<void>;
    requireAdmin: (request: FastifyRequest) => Promise<void>;
    requireVisitor: (request: FastifyRequest) => Promise<void>;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

export function sessionToken(request: FastifyRequest): string | undefined {
  return request.cookies?.[SESSION_COOKIE] ?? bearer(request);
}

/**
 * Whether a visitor token's customer may still act: false for a record deleted at the customer's request or merged
 * into another (its holder starts over as a new visitor, as the socket handshake makes the widget do).
 */
export type VisitorCheck = (claim: VisitorClaim) => Promise<boolean>;

export function registerAuth(app: FastifyInstance, auth: AuthService, visitorSecret: string, visitorIsCurrent: VisitorCheck): void {
  const requireAgent = async (request: FastifyRequest) => {
    if (request.user) return; // already checked by an earlier hook of this request
    const user = await auth.userForToken(sessionToken(request));
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
