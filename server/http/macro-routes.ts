// Macros (server/services/macros.ts): the team's, written by admins (audited), and each agent's own, which only they
// see, run and edit (admins included: an agent's own macros are theirs, like their own canned replies). Open consoles
// hear `macros:changed` and reload their list: every agent for the team's, the owner's consoles for their own.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Id, Timestamp } from './schemas.ts';
import { ConversationSchema } from './chat-schemas.ts';
import { registerSharedAndPersonalRoutes } from './shared-and-personal-routes.ts';
import { ClientId } from '../realtime/payload-schemas.ts';
import { ActionOutcome, MacroAction, MacroBody, MAX_MACRO_ACTIONS, MAX_PERSONAL_MACROS, MAX_TEAM_MACROS, macrosService } from '../services/macros.ts';

const MacroSchema = Type.Object({
  id: Type.Integer(), name: Type.String(), actions: Type.Array(MacroAction),
  personal: Type.Boolean({ description: "The caller's own macro (true) or the team's (false)" }),
  updatedAt: Timestamp,
});
const Item = Type.Object({ item: MacroSchema });

export default function macroRoutes(ctx: AppContext) {
  return async (app: App) => {
    const macros = macrosService(ctx);

    app.get('/api/macros', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "Macros the caller may run: the team's and their own, by name",
        description: "No one sees another agent's own macros, admins included.",
        response: { 200: Type.Object({ items: Type.Array(MacroSchema) }), 401: ErrorResponse },
      },
    }, async (request) => ({ items: await macros.visibleTo(request.user!.id) }));

    app.post('/api/conversations/:id/macros/:macroId/run', {
      preHandler: app.requireAgent,
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['agent'], summary: "Run a macro on a chat: its actions in order, each as the caller doing it alone",
        description: 'Each action goes through its single form (a reply as message:send, resolve as conversation:resolve, ...), with '
          + 'its checks, system lines, events and webhooks. The first refusal stops the run: the actions before it stay done, the '
          + 'rest are `skipped`, and the answer is still 200 with `completed: false` and the refusal\'s code and message. A macro '
          + 'the caller may not see (another agent\'s own) is 404.',
        params: Type.Object({ id: Id, macroId: Id }),
        body: Type.Object({
          snoozeUntil: Type.Optional(Type.String({
            maxLength: 40,
            description: "For a snooze action with a preset (\"tomorrow 9:00\"): that time in the agent's zone as an instant, as the console's snooze menu computes it",
          })),
          clientId: Type.Optional({ ...ClientId, description: 'A key the caller picks per run (a UUID) and sends again when it retries a run whose answer it lost: '
            + 'a repeat with the same key runs nothing and answers with the first run\'s outcome (for a day). 409 `client_id_reused` '
            + 'for a key that ran another macro or on another chat, 409 `macro_running` while the first run is still going on.' }),
        }, { additionalProperties: false }),
        response: {
          200: Type.Object({ macroId: Type.Integer(), completed: Type.Boolean(), actions: Type.Array(ActionOutcome), conversation: ConversationSchema }),
          400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse,
        },
      },
    }, async (request) => {
      const result = await macros.run(request.user!, request.params.id, request.params.macroId, request.body ?? {});
      request.log.info({ macroId: result.macroId, conversationId: request.params.id, completed: result.completed }, 'macro run');
      return result;
    });

    registerSharedAndPersonalRoutes(app, ctx, {
      store: macros, body: MacroBody, item: Item,
      team: {
        path: '/api/admin/macros', audit: 'macro', auditDetails: (saved) => ({ name: saved.name }),
        create: {
          summary: 'Create a team macro (every agent sees and runs it)',
          description: `At most ${MAX_MACRO_ACTIONS} actions; 409 \`team_macros_full\` past ${MAX_TEAM_MACROS} team macros.`,
          errors: [400, 401, 403, 409],
        },
        replace: { summary: 'Replace a team macro', description: "An agent's own macro is not found here.", errors: [400, 401, 403, 404] },
        remove: { summary: 'Delete a team macro', description: "An agent's own macro is not found here.", errors: [401, 403, 404] },
      },
      personal: {
        path: '/api/macros/personal',
        create: {
          summary: 'Save a macro of your own (only you see and run it)',
          description: `At most ${MAX_MACRO_ACTIONS} actions; 409 \`personal_macros_full\` past ${MAX_PERSONAL_MACROS}. Your other consoles get \`macros:changed\`.`,
          errors: [400, 401, 409],
        },
        replace: { summary: 'Replace a macro of your own', description: "404 for a team macro or someone else's.", errors: [400, 401, 404] },
        remove: { summary: 'Delete a macro of your own', description: "404 for a team macro or someone else's.", errors: [401, 404] },
      },
      changed: {
        team: () => ctx.realtime.toAgents('macros:changed', { scope: 'team' }),
        owner: (agentId) => ctx.realtime.toAgent(agentId, 'macros:changed', { scope: 'personal' }),
      },
    });
  };
}
