// The signed-in agent's own email-alert preferences (the console's Account panel): which events email them while
// they are away from the console, and after how long. Under /api/auth/, so a console session's business only: the
// auth plugin refuses an API token on every /api/auth/ path but /me (server/plugins/auth.ts), as for two-step sign-in.
import { Type } from 'typebox';
import type { AppContext } from '../context.ts';
import type { App } from './types.ts';
import { ErrorResponse } from './schemas.ts';
import { EmailAlertPreferencesSchema, loadPreferences, savePreferences } from '../services/agent-email-alerts.ts';
import { emailEnabled } from '../services/mailer.ts';
import { recordAudit } from '../services/audit-log.ts';
import { unauthorized } from '../errors.ts';

const EmailAlertsView = Type.Object({
  preferences: EmailAlertPreferencesSchema,
  emailEnabled: Type.Boolean({ description: 'Whether this server can send email at all (SMTP_URL set); without it no alert is sent' }),
});

export default function emailAlertRoutes(ctx: AppContext) {
  return async (app: App) => {
    const view = async (userId: number) => {
      const preferences = await loadPreferences(ctx.sql, userId);
      if (!preferences) throw unauthorized('This account no longer exists.');
      return { preferences, emailEnabled: emailEnabled(ctx.config) };
    };

    app.get('/api/auth/me/email-alerts', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['auth'],
        summary: 'My email alerts: which events email me while I am away from the console, and after how many minutes',
        description: 'Never chosen = the defaults: on for chats assigned to me, shopper messages in my chats and mentions '
          + '(admins: also messages left while nobody was online), after 5 minutes. Only what is still unseen when the delay '
          + 'has passed is emailed, as one digest, at most one email per delay.',
        response: { 200: EmailAlertsView, 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async (request) => view(request.user!.id));

    app.put('/api/auth/me/email-alerts', {
      onRequest: app.requireAgent,
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Change my email alerts (every field; leftMessage is kept off for agents, it is for admins)',
        body: EmailAlertPreferencesSchema,
        response: { 200: EmailAlertsView, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => {
      const me = request.user!;
      const saved = await savePreferences(ctx.sql, me.id, me.role, request.body);
      await recordAudit(ctx.sql, me.id, 'account.email_alerts', `user:${me.id}`, saved);
      return view(me.id);
    });
  };
}
