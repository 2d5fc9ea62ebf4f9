// Two-step sign-in settings: a person turns it on (set up, then confirm a code), off, or replaces their recovery
// codes from the console's account panel; an admin resets it for someone who lost their phone. Signing in with
// it is in auth-routes.ts.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Ok } from './schemas.ts';
import { sessionToken } from '../plugins/auth.ts';
import { twoStepService, type TwoStepService } from '../services/two-step.ts';
import { recordAudit } from '../services/audit-log.ts';
import { usersRepository, type PublicUser } from '../repositories/users.ts';
import { AppError, badRequest, notFound } from '../errors.ts';

/** The service for this server: the secret's key comes from the shared server secret, the app shows the issuer. */
export function twoStepFor(ctx: AppContext): TwoStepService {
  return twoStepService(ctx.sql, ctx.visitorSecret, { issuer: `Shopdesk (${new URL(ctx.config.publicUrl).host})` });
}

const Code = Type.String({ minLength: 6, maxLength: 24, pattern: '^[0-9A-Za-z -]+$', description: 'The 6 digits the app shows, or a recovery code' });
/** Proof that it is really them at this console: the password, or a code. */
const Proof = Type.Object({
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  code: Type.Optional(Code),
}, { additionalProperties: false, minProperties: 1, description: 'The current password, or a code from the app (or a recovery code)' });
const Status = Type.Object({
  enabled: Type.Boolean(),
  pending: Type.Boolean({ description: 'Set up started, no code confirmed yet: sign-in does not ask for codes' }),
  recoveryCodesLeft: Type.Integer(),
});
const RecoveryCodes = Type.Object({ recoveryCodes: Type.Array(Type.String(), { description: 'Shown this once; the server keeps only hashes' }) });

export default function twoStepRoutes(ctx: AppContext) {
  return async (app: App) => {
    const twoStep = twoStepFor(ctx);
    const users = usersRepository(ctx.sql);
    // Per session, not per address: a whole office may share one address, and these need a signed-in session anyway.
    // The session token is hashed so that it is not written into Redis keys.
    const limited = { rateLimit: { max: 10, timeWindow: '1 minute', keyGenerator: (request: FastifyRequest) => {
      const token = sessionToken(request);
      return token ? `session:${createHash('sha256').update(token).digest('hex')}` : request.ip;
    } } };

    const requireProof = async (user: PublicUser, proof: { password?: string; code?: string }) => {
      if (proof.password !== undefined) return ctx.auth.requireCurrentPassword(user, proof.password);
      const result = await twoStep.checkCode(user.id, proof.code!);
      if (result === 'used') throw badRequest('That code was already used. Wait for the next code in your app.', 'code_used');
      if (result !== 'ok') throw badRequest('That code is not right.', 'wrong_code');
    };

    app.get('/api/auth/two-step', {
      onRequest: app.requireAgent,
      schema: { tags: ['auth'], summary: 'Whether your two-step sign-in is on, and how many recovery codes are left', response: { 200: Status, 401: ErrorResponse } },
    }, async (request) => twoStep.status(request.user!.id));

    app.post('/api/auth/two-step/setup', {
      onRequest: app.requireAgent,
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Start turning two-step sign-in on: a new secret for your authenticator app (scan qrSvg, or type the secret); '
          + 'nothing changes at sign-in until a code is confirmed',
        response: {
          200: Type.Object({
            secret: Type.String({ description: 'Base32, for typing into the app' }),
            otpauthUri: Type.String(),
            qrSvg: Type.String({ description: 'The otpauthUri as a QR code (SVG), for the app to scan' }),
          }),
          401: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse,
        },
      },
    }, async (request) => {
      const setup = await twoStep.beginSetup(request.user!);
      // Nothing changes at sign-in yet, but a set-up nobody at this account asked for is worth seeing in the log.
      await recordAudit(ctx.sql, request.user!.id, 'two_step.setup', `user:${request.user!.id}`, { address: request.ip });
      return setup;
    });

    app.post('/api/auth/two-step/confirm', {
      onRequest: app.requireAgent,
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Finish turning it on with your current password and a code the app shows; answers the 10 recovery codes once. Your other sessions are signed out',
        body: Type.Object({
          code: Type.String({ pattern: '^\\d{6}$', description: 'The 6 digits the app shows now' }),
          password: Type.String({ minLength: 1, maxLength: 200, description: 'Your current password (400 wrong_password)' }),
        }, { additionalProperties: false }),
        response: { 200: RecoveryCodes, 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => {
      // As turning it off asks: a session stolen without the password must not tie the account to another phone
      // (and get its recovery codes), locking the owner out. Checked first, so a wrong password uses up no code.
      await ctx.auth.requireCurrentPassword(request.user!, request.body.password);
      const recoveryCodes = await twoStep.confirmSetup(request.user!.id, request.body.code);
      // Whoever signed in elsewhere with a leaked password should not stay signed in past this.
      ctx.realtime.disconnectSessions(await ctx.auth.endSessions(request.user!.id, sessionToken(request)));
      await recordAudit(ctx.sql, request.user!.id, 'two_step.enable', `user:${request.user!.id}`, {});
      return { recoveryCodes };
    });

    app.post('/api/auth/two-step/disable', {
      onRequest: app.requireAgent,
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Turn your two-step sign-in off (with the current password or a code); a pending set-up is dropped too',
        body: Proof,
        response: { 200: Ok, 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => {
      const user = request.user!;
      const status = await twoStep.status(user.id);
      if (!status.enabled && !status.pending) throw new AppError(409, 'two_step_off', 'Two-step sign-in is already off.');
      if (status.enabled) await requireProof(user, request.body);
      await twoStep.remove(user.id);
      if (status.enabled) await recordAudit(ctx.sql, user.id, 'two_step.disable', `user:${user.id}`, {});
      return { ok: true as const };
    });

    app.post('/api/auth/two-step/recovery-codes', {
      onRequest: app.requireAgent,
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Replace your recovery codes (with the current password or a code): the old ones stop working, the new ones are shown once',
        body: Proof,
        response: { 200: RecoveryCodes, 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => {
      const user = request.user!;
      if (!(await twoStep.isEnabled(user.id))) throw new AppError(409, 'two_step_off', 'Two-step sign-in is off: there are no recovery codes to replace.');
      await requireProof(user, request.body);
      const recoveryCodes = await twoStep.regenerateRecoveryCodes(user.id);
      await recordAudit(ctx.sql, user.id, 'two_step.recovery_codes', `user:${user.id}`, {});
      return { recoveryCodes };
    });

    app.delete('/api/admin/team/:id/two-step', {
      preHandler: app.requireAdmin,
      config: { sessionOnly: true }, // opens an account to its password alone (see refuseApiToken)
      schema: {
        tags: ['admin'],
        summary: 'Reset someone\'s two-step sign-in (a lost phone): it is off, they sign in with the password alone and may set it up again. '
          + 'All their sessions end',
        params: IdParams,
        response: { 200: Ok, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request) => {
      const { id } = request.params;
      if (!(await users.findById(id))) throw notFound('Team member');
      if (id === request.user!.id) throw badRequest('Turn your own two-step sign-in off from your account panel: it asks for your password.', 'self_change');
      if (!(await twoStep.remove(id))) throw new AppError(409, 'two_step_off', 'Two-step sign-in is not on for this person.');
      // Whoever holds their sessions may be the one who took the phone: everyone signs in again.
      await ctx.auth.endSessions(id);
      ctx.realtime.disconnectAgent(id);
      await recordAudit(ctx.sql, request.user!.id, 'team.two_step_reset', `user:${id}`, {});
      return { ok: true as const };
    });
  };
}
