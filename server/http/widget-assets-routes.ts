// Serves the shopper's widget bundle at /widget.js (cacheable, loadable from
// any shop's origin), lets shop pages call the widget's HTTP API across
// origins, and serves /demo: a fictional shop's product page with the
// one-line embed.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { BUILD_DIR, buildBundles } from '../../scripts/build-bundles.ts';
import { loadWidgetSettings } from '../services/widget-settings.ts';
import { demoPage, type DemoShopper } from '../../widget/demo/demo-page.ts';
import { loadOrders } from '../../knowledge-base/content-loader.ts';
import { identityHash } from '../services/visitor-tokens.ts';
import { notFound } from '../errors.ts';
import { compressedBundleLoader, sendBundle, type CompressedBundle } from './compressed-bundle.ts';
import { WIDGET_API_PREFIX, widgetOriginCheck } from './widget-origin.ts';

const WIDGET_FILE = path.join(BUILD_DIR, 'widget.js');

/** The widget bundle, building it first if a fresh checkout has none (compressed-bundle.ts serves it). */
function widgetBundleLoader() {
  const load = compressedBundleLoader(WIDGET_FILE, { brotliQuality: 11 });
  let building: Promise<void> | null = null;
  return async (): Promise<CompressedBundle> => {
    const ready = await load();
    if (ready) return ready;
    building ??= buildBundles(['widget']).finally(() => (building = null));
    await building;
    return (await load())!;
  };
}

// The widget runs on the shop's origin and calls this server: its API must answer cross-origin. No cookies are
// involved (the visitor token travels as a Bearer header), so a wildcard origin gives nothing away.
function allowCrossOrigin(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
  reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
  reply.header('access-control-allow-headers', 'content-type, authorization');
  reply.header('access-control-max-age', '600');
}

/** The demo content's shoppers (their orders are seeded): "alex.chen@example.com" is shown as Alex Chen. */
function demoShoppers(): DemoShopper[] {
  const byId = new Map<string, DemoShopper>();
  for (const order of loadOrders()) {
    const known = byId.get(order.customerExternalId);
    if (known) {
      known.orders.push(order.number);
      continue;
    }
    const local = (order.customerEmail ?? order.customerExternalId).split('@')[0];
    const name = local.split(/[._-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
    byId.set(order.customerExternalId, { userId: order.customerExternalId, name, email: order.customerEmail ?? null, orders: [order.number] });
  }
  return [...byId.values()];
}

export default function widgetAssetsRoutes(ctx: AppContext) {
  const loadBundle = widgetBundleLoader();
  // Signing in as a demo shopper (to try order status) exists only where the demo content is seeded.
  const shoppers = ctx.config.seedDemo ? demoShoppers() : [];
  const checkOrigin = widgetOriginCheck(ctx);
  // fastify-plugin: the CORS hook, and the allowed-websites check with it, must reach every widget API route
  // (widget-routes.ts, attachment-routes.ts).
  return fp(async (app: App) => {
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.url.startsWith(WIDGET_API_PREFIX)) allowCrossOrigin(reply);
      await checkOrigin(request, reply); // by the matched route, which an encoded URL reaches too
    });

    app.options(`${WIDGET_API_PREFIX}*`, { schema: { hide: true } }, async (_request, reply) => {
      allowCrossOrigin(reply);
      return reply.status(204).send();
    });

    app.get('/widget.js', {
      schema: { tags: ['widget'], summary: 'The embeddable chat widget (one script tag)', hide: false },
    }, async (request, reply) => {
      const bundle = await loadBundle();
      reply.header('content-type', 'text/javascript; charset=utf-8');
      // Short freshness so a new release reaches shops within minutes; the ETag makes revalidation cheap.
      reply.header('cache-control', 'public, max-age=300, stale-while-revalidate=86400');
      reply.header('access-control-allow-origin', '*');
      reply.header('cross-origin-resource-policy', 'cross-origin');
      reply.header('x-content-type-options', 'nosniff');
      // Brotli to browsers that take it (all current ones, over https), gzip to the rest, plain bytes otherwise.
      return sendBundle(request, reply, bundle);
    });

    app.get('/demo', {
      schema: {
        tags: ['widget'],
        summary: 'Demo shop page with the widget embedded (?lang=en|zh, ?position=left|right, ?customer=<demo shopper> to try it signed in, ?signout=1)',
        querystring: Type.Object({
          lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh')])),
          position: Type.Optional(Type.Union([Type.Literal('left'), Type.Literal('right')])),
          customer: Type.Optional(Type.String({ maxLength: 100 })),
          signout: Type.Optional(Type.Literal('1')),
        }),
      },
    }, async (request, reply) => {
      const query = request.query;
      const settings = await loadWidgetSettings(ctx.sql);
      const secret = ctx.config.identitySecret || settings.identitySecret;
      let signedIn: Parameters<typeof demoPage>[0]['signedIn'];
      if (query.customer !== undefined) {
        const shopper = shoppers.find((s) => s.userId === query.customer);
        if (!shopper) throw notFound('Demo shopper');
        // The page plays the shop's server here: it signs the user id with the identity secret, as a shop would.
        signedIn = { ...shopper, hash: secret ? identityHash(secret, shopper.userId) : null };
      }
      const nonce = randomBytes(16).toString('base64');
      reply.header('content-type', 'text/html; charset=utf-8');
      // The page allows nothing but its own origin (and its one inline script): the widget must work without any third-party host.
      reply.header('content-security-policy',
        `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`);
      return reply.send(demoPage({
        siteKey: settings.siteKey, lang: query.lang, position: query.position, nonce,
        shoppers, signedIn, signOut: query.signout === '1',
      }));
    });
  }, { name: 'widget-assets' }) as unknown as (app: App) => Promise<void>;
}
