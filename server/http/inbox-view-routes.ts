// Saved inbox views (server/services/inbox-views.ts): the team's, written by admins (audited), and each agent's own,
// which only they see and edit (admins included). Open consoles hear `views:changed` and reload their list: every
// agent for the team's, the owner's consoles for their own. Counts are their own route, asked on every chat change.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Timestamp } from './schemas.ts';
import { registerSharedAndPersonalRoutes } from './shared-and-personal-routes.ts';
import { InboxFilters } from '../services/inbox-filters.ts';
import { COUNT_TTL_MS, InboxViewBody, InboxViewSort, inboxViewsService, MAX_PERSONAL_VIEWS, MAX_TEAM_VIEWS } from '../services/inbox-views.ts';

const InboxViewSchema = Type.Object({
  id: Type.Integer(), name: Type.String(), filters: InboxFilters, sort: Type.Union([InboxViewSort, Type.Null()]),
  personal: Type.Boolean({ description: "The caller's own view (true) or the team's (false)" }),
  updatedAt: Timestamp,
});
const Item = Type.Object({ item: InboxViewSchema });
const FILTERS_HELP = 'The filters are those of GET /api/conversations as JSON (`labels` an array, `status` an array, `assignee` '
  + '"me", "nobody" or an agent id); an unknown field or a bad value is a 400 naming it.';

export default function inboxViewRoutes(ctx: AppContext) {
  return async (app: App) => {
    const views = inboxViewsService(ctx);

    app.get('/api/inbox-views', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "Saved inbox views the caller sees: the team's, then their own, by name",
        description: "No one sees another agent's own views, admins included.",
        response: { 200: Type.Object({ items: Type.Array(InboxViewSchema) }), 401: ErrorResponse },
      },
    }, async (request) => ({ items: await views.visibleTo(request.user!.id) }));

    app.get('/api/inbox-views/counts', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'How many chats each saved view the caller sees holds, by view id',
        description: `The chats GET /api/conversations lists with the view's filters ("me" being the caller). Reused for ${COUNT_TTL_MS / 1000} s.`,
        response: { 200: Type.Object({ counts: Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Integer()) }), 401: ErrorResponse },
      },
    }, async (request) => ({ counts: await views.countsFor(request.user!.id) }));

    registerSharedAndPersonalRoutes(app, ctx, {
      store: views, body: InboxViewBody, item: Item,
      team: {
        path: '/api/admin/inbox-views', audit: 'inbox_view', auditDetails: (saved) => ({ name: saved.name }),
        create: {
          summary: 'Create a team inbox view (every agent sees it)',
          description: `${FILTERS_HELP} 409 \`team_views_full\` past ${MAX_TEAM_VIEWS} team views.`,
          errors: [400, 401, 403, 409],
        },
        replace: { summary: 'Replace a team inbox view', description: `${FILTERS_HELP} An agent's own view is not found here.`, errors: [400, 401, 403, 404] },
        remove: { summary: 'Delete a team inbox view', description: "An agent's own view is not found here.", errors: [401, 403, 404] },
      },
      personal: {
        path: '/api/inbox-views/personal',
        create: {
          summary: 'Save an inbox view of your own (only you see it)',
          description: `${FILTERS_HELP} 409 \`personal_views_full\` past ${MAX_PERSONAL_VIEWS}. Your other consoles get \`views:changed\`.`,
          errors: [400, 401, 409],
        },
        replace: { summary: 'Replace an inbox view of your own', description: "404 for a team view or someone else's.", errors: [400, 401, 404] },
        remove: { summary: 'Delete an inbox view of your own', description: "404 for a team view or someone else's.", errors: [401, 404] },
      },
      changed: {
        team: () => ctx.realtime.toAgents('views:changed', { scope: 'team' }),
        owner: (agentId) => ctx.realtime.toAgent(agentId, 'views:changed', { scope: 'personal' }),
      },
    });
  };
}
