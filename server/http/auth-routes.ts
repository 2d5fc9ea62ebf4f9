import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Ok } from './schemas.ts';
import { SESSION_COOKIE } from '../services/auth-service.ts';
import { sessionToken } from '../plugins/auth.ts';
import { SESSION_HINT_COOKIE } from './session-hint.ts';

export const UserSchema = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('agent'), Type.Literal('admin')]),
  capacity: Type.Integer(),
  presence: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]),
  active: Type.Boolean(),
});

export default function authRoutes(ctx: AppContext) {
  return async (app: App) => {
    const secureCookie = ctx.config.publicUrl.startsWith('https://');

    app.post('/api/auth/login', {
      config: { rateLimit: { max: ctx.config.rateLimitLoginsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in as an agent or admin; sets an httpOnly session cookie (and a readable sd_signed_in=1 hint for the console) and returns the token for API clients',
        body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ user: UserSchema, token: Type.String() }), 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request, reply) => {
      const { token, user } = await ctx.auth.login(request.body.email, request.body.password);
      const cookie = { path: '/', sameSite: 'lax', secure: secureCookie, maxAge: ctx.config.agentSessionTtlHours * 3600 } as const;
      reply.setCookie(SESSION_COOKIE, token, { ...cookie, httpOnly: true });
      // Readable by the console, no secret: it lets a signed-out page skip asking /api/auth/me (session-hint.ts).
      reply.setCookie(SESSION_HINT_COOKIE, '1', cookie);
      return { user, token };
    });

    app.post('/api/auth/logout', {
      schema: { tags: ['auth'], summary: 'End the current session (clears the session cookie and the sd_signed_in hint)', response: { 200: Ok, 500: ErrorResponse } },
    }, async (request, reply) => {
      const token = sessionToken(request);
      if (token) await ctx.auth.logout(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(SESSION_HINT_COOKIE, { path: '/' });
      return { ok: true as const };
    });

    app.post('/api/auth/password', {
      onRequest: app.requireAgent,
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password; your other sessions are signed out',
        body: Type.Object({
          currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
          newPassword: Type.String({ minLength: 10, maxLength: 200 }),
        }, { additionalProperties: false }),
        response: { 200: Ok, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => {
      await ctx.auth.changeOwnPassword(request.user!, sessionToken(request)!, request.body.currentPassword, request.body.newPassword);
      return { ok: true as const };
    });

    app.get('/api/auth/me', {
      onRequest: app.requireAgent,
      schema: { tags: ['auth'], summary: 'The signed-in agent or admin', response: { 200: Type.Object({ user: UserSchema }), 401: ErrorResponse } },
    }, async (request) => ({ user: request.user! }));
  };
}
