// Team settings (admin): when an agent who left a console open is set Away, and the first-reply target
// (services/team-settings.ts). Read by the idle sweep of every server (services/auto-away.ts) on each run, and by the
// reports and the inbox on each request, so a change applies everywhere without a restart.
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse } from './schemas.ts';
import { badRequest, worded } from '../errors.ts';
import { recordAudit } from '../services/audit-log.ts';
import { Type } from 'typebox';
import { loadTeamSettings, MAX_AWAY_AFTER_MINUTES, MAX_FIRST_REPLY_TARGET_MINUTES, saveTeamSettings, TeamSettingsSchema, type TeamSettings } from '../services/team-settings.ts';

/** What each setting allows, said in a sentence when a value is out of range. */
const OUT_OF_RANGE: Record<keyof TeamSettings, string> = {
  awayAfterMinutes: `awayAfterMinutes: a whole number of minutes from 1 to ${MAX_AWAY_AFTER_MINUTES}, or 0 to never set agents Away automatically.`,
  firstReplyTargetMinutes: `firstReplyTargetMinutes: a whole number of minutes from 1 to ${MAX_FIRST_REPLY_TARGET_MINUTES}, or 0 for no target.`,
};
/** Each setting's largest value, which the console's wording of OUT_OF_RANGE names. */
const MAX_MINUTES: Record<keyof TeamSettings, number> = { awayAfterMinutes: MAX_AWAY_AFTER_MINUTES, firstReplyTargetMinutes: MAX_FIRST_REPLY_TARGET_MINUTES };
/** A PUT names the settings it changes; the others keep their values. */
const TeamSettingsChange = Type.Partial(TeamSettingsSchema, { additionalProperties: false, minProperties: 1 });

export default function teamSettingsRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.get('/api/admin/team-settings', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Team settings (automatic Away)', response: { 200: TeamSettingsSchema, 401: ErrorResponse, 403: ErrorResponse } },
    }, async () => loadTeamSettings(ctx.sql));

    app.get('/api/service-targets', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "The team's service targets, for marking late chats in the inbox",
        response: { 200: Type.Object({ firstReplyTargetMinutes: TeamSettingsSchema.properties.firstReplyTargetMinutes }), 401: ErrorResponse },
      },
    }, async () => ({ firstReplyTargetMinutes: (await loadTeamSettings(ctx.sql)).firstReplyTargetMinutes }));

    app.put('/api/admin/team-settings', {
      preHandler: app.requireAdmin,
      // The schema documents the bounds; a value outside them gets a sentence saying what is allowed, not a schema path.
      attachValidation: true,
      schema: { tags: ['admin'], summary: 'Change team settings (those named; the others are kept)', body: TeamSettingsChange, response: { 200: TeamSettingsSchema, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request) => {
      if (request.validationError) {
        const paths = (request.validationError.validation ?? []).map((v: { instancePath?: string }) => v.instancePath?.slice(1));
        const about = (Object.keys(OUT_OF_RANGE) as (keyof TeamSettings)[]).find((key) => paths.includes(key));
        // Another schema refusal (a setting it does not know) is said as the schema said it: errors.validation words it.
        if (!about) throw badRequest(request.validationError.message);
        throw worded(badRequest(OUT_OF_RANGE[about]), 'minutes_out_of_range', { n: String(MAX_MINUTES[about]) });
      }
      const before = await loadTeamSettings(ctx.sql);
      const after = { ...before, ...request.body };
      await saveTeamSettings(ctx.sql, after);
      const changed = Object.fromEntries((Object.keys(request.body) as (keyof TeamSettings)[])
        .filter((key) => before[key] !== after[key]).map((key) => [key, { from: before[key], to: after[key] }]));
      await recordAudit(ctx.sql, request.user!.id, 'settings.team', 'team', changed);
      return loadTeamSettings(ctx.sql);
    });
  };
}
