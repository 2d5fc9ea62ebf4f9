// Teams (services/teams.ts, migration 028): admins create them, fill them with agents and give them intents; every
// agent can read their names (the inbox's badge and filter). Changes are audited.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Id, IdParams, Ok } from './schemas.ts';
import { recordAudit } from '../services/audit-log.ts';
import { MAX_TEAM_NAME, teamsService } from '../services/teams.ts';

const TeamSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  memberIds: Type.Array(Type.Integer(), { description: 'Agents (user ids) in the team; an agent can be in several teams' }),
  intentIds: Type.Array(Type.Integer(), { description: 'Intents whose hand-offs go to this team first; an intent belongs to one team at most' }),
  createdAt: Type.String(),
});
// The name's length is checked again after trimming, with a sentence rather than a schema path.
const Name = Type.String({ minLength: 1, maxLength: MAX_TEAM_NAME + 40 });
const Ids = Type.Array(Id, { maxItems: 500, uniqueItems: true });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

export default function teamRoutes(ctx: AppContext) {
  return async (app: App) => {
    const teams = teamsService(ctx.sql);
    const tags = ['admin'];

    app.get('/api/teams', {
      preHandler: app.requireAgent,
      schema: { tags: ['agent'], summary: "Teams' names, for the inbox's team badge and filter", response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })) }), 401: ErrorResponse } },
    }, async () => ({ items: await teams.names() }));

    app.get('/api/admin/teams', {
      preHandler: app.requireAdmin,
      schema: { tags, summary: 'Teams with their members and intents', response: { 200: Type.Object({ items: Type.Array(TeamSchema) }), ...errors } },
    }, async () => ({ items: await teams.list() }));

    app.post('/api/admin/teams', {
      preHandler: app.requireAdmin,
      schema: {
        tags, summary: `Create a team (at most 20); a hand-off about one of its intents is offered to its online members first`,
        body: Type.Object({ name: Name, memberIds: Type.Optional(Ids), intentIds: Type.Optional(Ids) }, { additionalProperties: false }),
        response: { 201: Type.Object({ team: TeamSchema }), ...errors, 409: ErrorResponse },
      },
    }, async (request, reply) => {
      const team = await teams.create(request.body);
      await recordAudit(ctx.sql, request.user!.id, 'team_group.create', `team:${team.id}`, { name: team.name, memberIds: team.memberIds, intentIds: team.intentIds });
      return reply.status(201).send({ team });
    });

    app.patch('/api/admin/teams/:id', {
      preHandler: app.requireAdmin,
      schema: {
        tags, summary: "Rename a team or replace its members or intents (each list given replaces the team's)",
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), memberIds: Type.Optional(Ids), intentIds: Type.Optional(Ids) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Object({ team: TeamSchema }), ...errors, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request) => {
      const { before, after } = await teams.update(request.params.id, request.body);
      const changes: Record<string, unknown> = {};
      if (before.name !== after.name) changes.name = { from: before.name, to: after.name };
      if (request.body.memberIds) changes.memberIds = { from: before.memberIds, to: after.memberIds };
      if (request.body.intentIds) changes.intentIds = { from: before.intentIds, to: after.intentIds };
      await recordAudit(ctx.sql, request.user!.id, 'team_group.update', `team:${after.id}`, changes);
      return { team: after };
    });

    app.delete('/api/admin/teams/:id', {
      preHandler: app.requireAdmin,
      schema: {
        tags, summary: "Delete a team; its chats keep their place and lose only the team tag", params: IdParams,
        response: { 200: Ok, ...errors, 404: ErrorResponse },
      },
    }, async (request) => {
      const team = await teams.remove(request.params.id);
      await recordAudit(ctx.sql, request.user!.id, 'team_group.delete', `team:${team.id}`, { name: team.name });
      return { ok: true as const };
    });
  };
}
