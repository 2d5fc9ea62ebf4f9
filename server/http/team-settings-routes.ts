// Team settings (admin): when an agent who left a console open is set Away (services/team-settings.ts). Read by
// the idle sweep of every server (services/auto-away.ts) on each run, so a change applies everywhere without a restart.
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse } from './schemas.ts';
import { badRequest } from '../errors.ts';
import { recordAudit } from '../services/audit-log.ts';
import { loadTeamSettings, MAX_AWAY_AFTER_MINUTES, saveTeamSettings, TeamSettingsSchema } from '../services/team-settings.ts';

const OUT_OF_RANGE = `awayAfterMinutes: a whole number of minutes from 1 to ${MAX_AWAY_AFTER_MINUTES}, or 0 to never set agents Away automatically.`;

export default function teamSettingsRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.get('/api/admin/team-settings', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Team settings (automatic Away)', response: { 200: TeamSettingsSchema, 401: ErrorResponse, 403: ErrorResponse } },
    }, async () => loadTeamSettings(ctx.sql));

    app.put('/api/admin/team-settings', {
      preHandler: app.requireAdmin,
      // The schema documents the bounds; a value outside them gets a sentence saying what is allowed, not a schema path.
      attachValidation: true,
      schema: { tags: ['admin'], summary: 'Replace the team settings', body: TeamSettingsSchema, response: { 200: TeamSettingsSchema, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request) => {
      if (request.validationError) {
        const about = request.validationError.validation?.some((v: { instancePath?: string }) => v.instancePath === '/awayAfterMinutes');
        throw badRequest(about ? OUT_OF_RANGE : request.validationError.message);
      }
      const before = await loadTeamSettings(ctx.sql);
      await saveTeamSettings(ctx.sql, request.body);
      await recordAudit(ctx.sql, request.user!.id, 'settings.team', 'team', { awayAfterMinutes: { from: before.awayAfterMinutes, to: request.body.awayAfterMinutes } });
      return loadTeamSettings(ctx.sql);
    });
  };
}
