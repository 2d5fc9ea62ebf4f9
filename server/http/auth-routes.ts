import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Nullable, Ok } from './schemas.ts';
import { SESSION_COOKIE, tokenHash } from '../services/auth-service.ts';
import { sessionToken } from '../plugins/auth.ts';
import { SESSION_HINT_COOKIE } from './session-hint.ts';
import { usersRepository, type PublicUser } from '../repositories/users.ts';
import { twoStepFor } from './two-step-routes.ts';
import { AppError, unauthorized } from '../errors.ts';
import { loginThrottle, MAX_WRONG_PASSWORDS, WRONG_PASSWORD_WINDOW_MINUTES } from '../services/login-throttle.ts';
import { invitationsService } from '../services/invitations.ts';
import { recordAudit } from '../services/audit-log.ts';
import { cleanNames, FullNameInput, renameMember, ShownNameInput } from '../services/agent-names.ts';

export const UserSchema = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String({ description: 'The full name colleagues see in the console' }),
  displayName: Nullable(Type.String({ description: 'The name shown to shoppers (null = the full name)' })),
  role: Type.Union([Type.Literal('agent'), Type.Literal('admin')]),
  capacity: Type.Integer(),
  presence: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]),
  active: Type.Boolean(),
});

/** A user as UserSchema describes them (the row's display_name is displayName there). */
export const userView = <U extends PublicUser>(user: U) => ({ ...user, displayName: user.display_name ?? null });

const TwoStepChallenge = Type.Object({
  twoStepRequired: Type.Literal(true),
  challenge: Type.String({ description: 'Send it with the code to POST /api/auth/login/verify' }),
  expiresAt: Type.String({ description: 'When the challenge stops being accepted (5 minutes)' }),
});

export default function authRoutes(ctx: AppContext) {
  return async (app: App) => {
    const secureCookie = ctx.config.publicUrl.startsWith('https://');

    const twoStep = twoStepFor(ctx);
    const throttle = loginThrottle(ctx.requestRedis, ctx.config, ctx.sql); // fails fast: counts in memory while Redis is away
    const users = usersRepository(ctx.sql);
    /**
     * The one place a session is made and its cookies set: a password sign-in, its second step, or an accepted
     * invitation (`how`). Each is in the audit log with the address it came from.
     */
    const signIn = async (request: FastifyRequest, reply: FastifyReply, user: PublicUser, how: 'password' | 'two_step' | 'invitation') => {
      const session = await ctx.auth.startSession(user);
      await recordAudit(ctx.sql, user.id, 'auth.sign_in', `user:${user.id}`, { address: request.ip, how });
      const cookie = { path: '/', sameSite: 'lax', secure: secureCookie, maxAge: ctx.config.agentSessionTtlHours * 3600 } as const;
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookie, httpOnly: true });
      // Readable by the console, no secret: it lets a signed-out page skip asking /api/auth/me (session-hint.ts).
      reply.setCookie(SESSION_HINT_COOKIE, '1', cookie);
      return { user: userView(session.user), token: session.token, limits: limits(), mustChangePassword: await ctx.auth.mustChangePassword(user.id) };
    };
    // The server's limits the console's inputs mirror, with every answer that names the signed-in person.
    const limits = () => ({ maxMessageChars: ctx.config.maxMessageChars });
    const Limits = Type.Object({ maxMessageChars: Type.Integer() });
    const MustChangePassword = Type.Boolean({
      description: 'An admin set the current password: until they choose their own (POST /api/auth/password), every other route answers 403 password_change_required',
    });
    const Session = Type.Object({ user: UserSchema, token: Type.String(), limits: Limits, mustChangePassword: MustChangePassword });
    const invitations = invitationsService(ctx.sql, ctx.config);
    // The raw token from the link's hash: a random 32 bytes in base64url, but any text gets the one-sentence refusal.
    const InvitationToken = Type.String({ minLength: 1, maxLength: 200, description: 'The token after #token= in the invitation link' });

    app.post('/api/auth/login', {
      config: { rateLimit: { max: ctx.config.rateLimitLoginsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in as an agent or admin; sets an httpOnly session cookie (and a readable sd_signed_in=1 hint for the console) and returns the token for API clients. '
          + 'With two-step sign-in on, a right password makes no session: the answer is a challenge for POST /api/auth/login/verify. '
          + `${MAX_WRONG_PASSWORDS} wrong passwords for one email within ${WRONG_PASSWORD_WINDOW_MINUTES} minutes stop password sign-in for it until the window ends (429)`,
        body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          200: Type.Union([Session, TwoStepChallenge]),
          400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse,
        },
      },
    }, async (request, reply) => {
      const { email, password } = request.body;
      const attempts = await throttle.forEmail(email); // the account's key, worked out once for this request
      const lockedFor = await attempts.lockedMinutes();
      // Refusals while locked are not each logged (anyone who knows the address can cause them): the lock is, once.
      if (lockedFor > 0) {
        throw new AppError(429, 'too_many_wrong_passwords', `Too many wrong passwords for this account. Try again in ${lockedFor} ${lockedFor === 1 ? 'minute' : 'minutes'}.`);
      }
      const user = await ctx.auth.checkPassword(email, password).catch(async (error: unknown) => {
        if (error instanceof AppError && error.statusCode === 401) {
          const { locked } = await attempts.failed();
          // Only for an address that has an account, named as stored: an address typed for no account is never
          // written down (the log would tell which exist, and keep whatever was typed there).
          const account = await users.findByEmail(email);
          if (account) {
            const about = { address: request.ip, email: account.email };
            await recordAudit(ctx.sql, null, 'auth.sign_in_failed', `user:${account.id}`, about);
            if (locked) await recordAudit(ctx.sql, null, 'auth.locked', `user:${account.id}`, { ...about, minutes: WRONG_PASSWORD_WINDOW_MINUTES });
          }
        }
        throw error;
      });
      await attempts.succeeded();
      if (await twoStep.isEnabled(user.id)) {
        const { challenge, expiresAt } = await twoStep.createChallenge(user.id);
        return { twoStepRequired: true as const, challenge, expiresAt: expiresAt.toISOString() };
      }
      return signIn(request, reply, user, 'password');
    });

    app.post('/api/auth/login/verify', {
      // Per address like the password step; each challenge also dies after a few wrong codes (two-step.ts).
      config: { rateLimit: { max: ctx.config.rateLimitLoginsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Second step of signing in: the challenge from /api/auth/login and a code from the authenticator app (or a recovery code, used up); '
          + 'signs in as /api/auth/login does. A code is refused twice, a challenge dies after 5 wrong codes or 5 minutes, and 20 wrong codes for one account stop sign-in with codes for 15 minutes (429)',
        body: Type.Object({
          challenge: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'From the twoStepRequired answer of /api/auth/login' }),
          code: Type.String({ minLength: 6, maxLength: 24, pattern: '^[0-9A-Za-z -]+$', description: 'The 6 digits the app shows, or a recovery code such as k7pqr-3wxzn' }),
        }, { additionalProperties: false }),
        response: { 200: Session, 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request, reply) => {
      const userId = await twoStep.verifyChallenge(request.body.challenge, request.body.code).catch(async (error: unknown) => {
        // Someone with the right password is trying codes at an account locked after too many wrong ones. Each such
        // try needs the password first, so these are few; the challenge (still there) says whose account it is.
        if (error instanceof AppError && error.code === 'two_step_locked') {
          const [challenged] = await ctx.sql<{ user_id: number }[]>`select user_id from login_challenges where token_hash = ${tokenHash(request.body.challenge)}`;
          if (challenged) await recordAudit(ctx.sql, null, 'two_step.locked', `user:${challenged.user_id}`, { address: request.ip });
        }
        throw error;
      });
      const user = await ctx.auth.activeUser(userId);
      // Deactivated between the two steps: no session.
      if (!user) throw unauthorized('Wrong email or password.');
      return signIn(request, reply, user, 'two_step');
    });

    app.post('/api/auth/logout', {
      schema: { tags: ['auth'], summary: 'End the current session (clears the session cookie and the sd_signed_in hint)', response: { 200: Ok, 500: ErrorResponse } },
    }, async (request, reply) => {
      const token = sessionToken(request);
      const user = await ctx.auth.userForToken(token);
      // The session's open consoles (other tabs) close too: their socket would otherwise outlive the sign-out.
      if (token) ctx.realtime.disconnectSessions(await ctx.auth.logout(token));
      if (user) await recordAudit(ctx.sql, user.id, 'auth.logout', `user:${user.id}`, { address: request.ip });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(SESSION_HINT_COOKIE, { path: '/' });
      return { ok: true as const };
    });

    app.post('/api/auth/password', {
      onRequest: app.requireAgent,
      config: { rateLimit: { max: 10, timeWindow: '1 minute' }, beforePasswordChange: true },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password; your other sessions are signed out. Also how someone whose password an admin set chooses their own (mustChangePassword)',
        body: Type.Object({
          currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
          newPassword: Type.String({ minLength: 10, maxLength: 200 }),
        }, { additionalProperties: false }),
        response: { 200: Ok, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => {
      const ended = await ctx.auth.changeOwnPassword(request.user!, sessionToken(request)!, request.body.currentPassword, request.body.newPassword);
      ctx.realtime.disconnectSessions(ended); // whoever held those sessions loses their open consoles too
      await recordAudit(ctx.sql, request.user!.id, 'account.password_change', `user:${request.user!.id}`, { address: request.ip });
      return { ok: true as const };
    });

    app.get('/api/auth/me', {
      onRequest: app.requireAgent,
      config: { beforePasswordChange: true },
      schema: {
        tags: ['auth'],
        summary: "The signed-in agent or admin, and the server's limits the console's inputs mirror",
        response: { 200: Type.Object({ user: UserSchema, limits: Limits, mustChangePassword: MustChangePassword }), 401: ErrorResponse },
      },
    }, async (request) => ({ user: userView(request.user!), limits: limits(), mustChangePassword: request.user!.must_change_password }));

    app.patch('/api/auth/me', {
      onRequest: app.requireAgent,
      // Editing one's own account is a console session's business, as changing the password is (an API token reads /me only).
      config: { sessionOnly: true, rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Change your own names: the full name the team sees and the name shown to shoppers (null or empty = the full name). '
          + 'Messages already sent keep the name they were sent with; every console is told (agent:renamed)',
        body: Type.Object({ name: Type.Optional(FullNameInput), displayName: Type.Optional(ShownNameInput) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Object({ user: UserSchema }), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => {
      const me = request.user!;
      const names = cleanNames(request.body, me.name);
      const stored = await renameMember(ctx, me.id, names);
      await recordAudit(ctx.sql, me.id, 'account.rename', `user:${me.id}`, names);
      return { user: userView({ ...me, name: stored.name, display_name: stored.display_name }) };
    });

    app.post('/api/auth/invitations/inspect', {
      config: { rateLimit: { max: ctx.config.rateLimitLoginsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Who an invitation link is for (the invitation page greets them by name); refused as /api/auth/invitations/accept refuses',
        body: Type.Object({ token: InvitationToken }, { additionalProperties: false }),
        response: { 200: Type.Object({ email: Type.String(), name: Type.String() }), 400: ErrorResponse, 410: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request) => invitations.inspect(request.body.token));

    app.post('/api/auth/invitations/accept', {
      config: { rateLimit: { max: ctx.config.rateLimitLoginsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'An invited team member chooses their password from the emailed link and is signed in (as /api/auth/login). '
          + 'A link works once and for 7 days, and a newer invitation replaces it: 400 invitation_invalid, 410 invitation_used or invitation_expired',
        body: Type.Object({
          token: InvitationToken,
          password: Type.String({ minLength: 10, maxLength: 200, description: 'Their new password, at least 10 characters (as POST /api/auth/password asks)' }),
        }, { additionalProperties: false }),
        response: { 200: Session, 400: ErrorResponse, 410: ErrorResponse, 429: ErrorResponse },
      },
    }, async (request, reply) => {
      const userId = await invitations.accept(request.body.token, request.body.password);
      await recordAudit(ctx.sql, userId, 'team.invitation_accepted', `user:${userId}`, {});
      const user = await ctx.auth.activeUser(userId);
      if (!user) throw unauthorized('This account is not active.');
      return signIn(request, reply, user, 'invitation');
    });
  };
}
