// Which websites may embed the shop's widget (the widget setting `allowedOrigins`).
//
// Without a list anyone can put widget.js with the shop's site key on their own page and run "official support" that
// talks to the shop's bot and agents. With one, the widget's HTTP API and its socket answer browsers only on the
// listed origins and on this server's own (the help centre and /demo embed the widget).
//
// A request without an Origin header passes: browsers send one on every cross-origin request (and on every POST),
// so a request without it is either this server's own page asking for settings, or not a browser at all (curl, a
// shop's backend). A non-browser client can write any Origin it likes, so refusing it would protect nothing: the
// list keeps other sites' pages from embedding the chat, it is not an API key.
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import type { Sql } from '../db/client.ts';
import { loadWidgetSettings, type WidgetSettings } from '../services/widget-settings.ts';
import { AppError } from '../errors.ts';

export const ORIGIN_NOT_ALLOWED = 'origin_not_allowed';
export const WIDGET_API_PREFIX = '/api/widget/';

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

interface ParsedOrigin {
  scheme: string;
  host: string;
  port: string;
}

/** "https://Shop.example:443" → {https:, shop.example, 443}; null for "null", paths, anything not an origin. */
function parseOrigin(text: string): ParsedOrigin | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (!(url.protocol in DEFAULT_PORTS) || !url.hostname) return null;
  return { scheme: url.protocol, host: url.hostname.toLowerCase(), port: url.port || DEFAULT_PORTS[url.protocol] };
}

/**
 * Whether `origin` (a browser's Origin header) is one the list names. An entry is an exact origin, or
 * `scheme://*.domain(:port)` for every subdomain of the domain at any depth (not the domain itself: list it too).
 * Scheme and port must match; a missing port is the scheme's default.
 */
export function originListed(origin: string, allowed: readonly string[]): boolean {
  const from = parseOrigin(origin);
  if (!from) return false;
  return allowed.some((entry) => {
    const wildcard = entry.includes('://*.');
    const pattern = parseOrigin(wildcard ? entry.replace('://*.', '://') : entry);
    if (!pattern || pattern.scheme !== from.scheme || pattern.port !== from.port) return false;
    return wildcard ? from.host.endsWith(`.${pattern.host}`) : from.host === pattern.host;
  });
}

/** Whether the request's origin is this server (PUBLIC_URL, or the very host the request was sent to). */
function ownOrigin(origin: string, headers: IncomingHttpHeaders, publicUrl: string): boolean {
  const from = parseOrigin(origin);
  if (!from) return false;
  if (originListed(origin, [new URL(publicUrl).origin])) return true;
  // A page on the host the request reached is same-origin by definition (a browser cannot set Host on a
  // cross-origin request); this covers a server reached by another name than PUBLIC_URL (tests, a LAN address).
  const host = headers.host?.toLowerCase();
  return Boolean(host) && (host === from.host || host === `${from.host}:${from.port}`);
}

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Null when the request may use the widget; otherwise the origin refused. `allowed` empty = any origin (the
 * default, so existing installs keep working).
 */
export function refusedOrigin(headers: IncomingHttpHeaders, allowed: readonly string[], publicUrl: string): string | null {
  const origin = headerText(headers.origin);
  if (origin === undefined || allowed.length === 0) return null;
  if (ownOrigin(origin, headers, publicUrl) || originListed(origin, allowed)) return null;
  return origin;
}

export function originRefusal(origin: string): AppError {
  return new AppError(403, ORIGIN_NOT_ALLOWED,
    `${ORIGIN_NOT_ALLOWED}: this shop's chat is not available on ${origin.slice(0, 200)}; the shop's admin lists the websites that may show it (Team & settings → Widget → Allowed websites).`);
}

/** The settings the check read for a request, so its handler does not read the same row again. */
const readForRequest = new WeakMap<FastifyRequest, WidgetSettings>();

/** The widget settings for a widget API request: those the origin check read for it, else read now. */
export async function widgetSettingsFor(request: FastifyRequest, sql: Sql): Promise<WidgetSettings> {
  return readForRequest.get(request) ?? loadWidgetSettings(sql);
}

/**
 * The check for a widget API request (`/api/widget/…`), run by the widget API's CORS hook (widget-assets-routes.ts)
 * after it set the wildcard: with a list set, the answer's CORS header names the request's origin instead of `*`,
 * with `Vary: Origin` so a cache keeps answers per origin. A refusal names the origin too, so the widget on a page
 * that is not allowed can read why and say so in the console, rather than seeing a bare network error and retrying
 * forever; it carries nothing but the refusal.
 */
export function widgetOriginCheck(ctx: AppContext): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const origin = headerText(request.headers.origin);
    // The matched route, not the raw URL: "/api/%77idget/sessions" reaches the same route and would slip past a
    // test of the URL. A preflight passes: refused there, the browser would hide the refusal's reason.
    if (origin === undefined || request.method === 'OPTIONS' || !request.routeOptions.url?.startsWith(WIDGET_API_PREFIX)) return;
    const settings = await loadWidgetSettings(ctx.sql);
    readForRequest.set(request, settings);
    const allowed = settings.allowedOrigins;
    if (allowed.length === 0) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'Origin');
    const refused = refusedOrigin(request.headers, allowed, ctx.config.publicUrl);
    if (refused !== null) throw originRefusal(refused);
  };
}

/**
 * For the widget socket's handshake: the origin refused, or null. Only a handshake that names an origin reads the
 * setting; one whose setting cannot be read passes here, since the token check right after reads the same database
 * and fails it properly (refusing it as not allowed would tell a shop's own page it may not show the chat).
 */
export async function refusedWidgetSocketOrigin(sql: Sql, headers: IncomingHttpHeaders, publicUrl: string): Promise<string | null> {
  if (headerText(headers.origin) === undefined) return null;
  const settings = await loadWidgetSettings(sql).catch(() => null);
  return settings ? refusedOrigin(headers, settings.allowedOrigins, publicUrl) : null;
}
