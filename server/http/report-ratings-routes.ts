// The reports page's "Ratings with comments": the range's CSAT ratings that came with a comment, lowest first, each
// with its chat, so the worst experiences are read first. Counted like the report's CSAT figure (ratings given in the
// range, console-reports.ts), in a query of its own rather than one more part of the report.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse } from './schemas.ts';
import { resolveRange } from '../services/console-reports.ts';

/** At most this many, lowest first: a page to read, not an export. */
export const MAX_RATED_COMMENTS = 100;

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const RangeQuery = Type.Object({
  from: Type.Optional(Day), to: Type.Optional(Day),
  tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone whose days the range counts (default UTC)' })),
});
const RatedComments = Type.Object({
  items: Type.Array(Type.Object({
    conversationId: Type.Integer(), customerId: Type.Integer(), customerName: Type.Union([Type.String(), Type.Null()]),
    rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.String(), ratedAt: Type.String(),
  })),
});

export default function reportRatingsRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.get('/api/admin/reports/ratings', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: `The range's CSAT ratings with a comment, lowest first (at most ${MAX_RATED_COMMENTS})`,
        querystring: RangeQuery, response: { 200: RatedComments, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async (request) => {
      const { start, end } = resolveRange(request.query.from, request.query.to, new Date(), request.query.tz);
      const rows = await ctx.sql<{ conversation_id: number; customer_id: number; customer_name: string | null; rating: number; comment: string; created_at: Date }[]>`
        select f.conversation_id, f.customer_id, coalesce(nullif(c.name, ''), nullif(c.email, '')) as customer_name, f.rating, f.comment, f.created_at
        from feedback f left join customers c on c.id = f.customer_id
        where f.kind = 'csat' and f.created_at >= ${start} and f.created_at < ${end} and not f.imported
          and f.conversation_id is not null and f.rating is not null and btrim(coalesce(f.comment, '')) <> ''
        order by f.rating, f.created_at desc, f.id desc limit ${MAX_RATED_COMMENTS}`;
      return {
        items: rows.map((r) => ({
          conversationId: Number(r.conversation_id), customerId: Number(r.customer_id), customerName: r.customer_name,
          rating: r.rating, comment: r.comment, ratedAt: r.created_at.toISOString(),
        })),
      };
    });
  };
}
