import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.ts';

/** The Fastify instance as route plugins see it: TypeBox schemas give typed bodies, params and replies. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** A route plugin factory: given the app context, registers the routes of one concern. Listed in server/http/index.ts. */
export type RoutePlugin = (ctx: AppContext) => (app: App) => Promise<void>;
