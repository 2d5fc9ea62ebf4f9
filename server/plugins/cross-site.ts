// Requests made by another site's page with the console's session cookie are refused (cross-site request forgery).
//
// The cookie is SameSite=Lax, which keeps it off requests from other *sites*, but a site is the registrable domain:
// with the console at support.shop.example, every page of shop.example (and any script it loads) is the same site,
// and the browser would attach the agent's cookie to a form post or a WebSocket it opens to the console's server.
// So a request that carries the session cookie and changes something must come from the console's own origin. The
// widget is not affected: it calls with a visitor token and `credentials: 'omit'`, so it never carries the cookie.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { SESSION_COOKIE } from '../services/auth-service.ts';
import { AppError } from '../errors.ts';
import { apiTokenOf } from './auth.ts';
import type { Config } from '../config.ts';

const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS']);

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim().toLowerCase();

/**
 * Whether a browser request came from this server's own pages. `Sec-Fetch-Site` says so directly where the browser
 * sends it; otherwise the `Origin` header's host must be this server's, as the request reached it (Host, or the
 * proxy's X-Forwarded-Host) or as PUBLIC_URL names it. A request with neither header is not from a browser page
 * (curl, an API client): nothing to forge, so it passes.
 *
 * X-Forwarded-Host counts only when the server sits behind a proxy (TRUST_PROXY): without one, whoever sends the
 * request writes that header, and a script could name its own origin's host in it to pass.
 */
export function fromOwnOrigin(headers: IncomingHttpHeaders, publicUrl: string, trustProxy: Config['trustProxy']): boolean {
  const fetchSite = first(headers['sec-fetch-site']);
  if (fetchSite) return fetchSite === 'same-origin' || fetchSite === 'none';
  const origin = first(headers.origin);
  if (!origin) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false; // "null" (a sandboxed frame, a file) or garbage: not this server's page
  }
  const ownHosts = [first(headers.host), new URL(publicUrl).host.toLowerCase()];
  if (trustProxy !== false) ownHosts.push(first(headers['x-forwarded-host']));
  return ownHosts.includes(originHost);
}

// A request presenting a personal API token (`Authorization: Bearer sd_…`) is authenticated by that token alone, its
// cookie ignored (plugins/auth.ts), and a page of another site cannot add that header (nor know the token): nothing
// to forge, so it is not refused for a cookie a browser happened to attach.
const carriesSessionCookie = (request: FastifyRequest) => Boolean(request.cookies?.[SESSION_COOKIE]) && !apiTokenOf(request);

export function registerCrossSiteGuard(app: FastifyInstance, config: Pick<Config, 'publicUrl' | 'trustProxy'>): void {
  app.addHook('onRequest', async (request) => {
    if (READ_ONLY.has(request.method) || !carriesSessionCookie(request)) return;
    if (!fromOwnOrigin(request.headers, config.publicUrl, config.trustProxy)) {
      throw new AppError(403, 'cross_site', "Refused: this request came from another site's page with your console session.");
    }
  });
}
