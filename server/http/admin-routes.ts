// Admin API for the console: the team, widget settings, reports with CSV export,
// privacy requests and the audit log. Everything here requires an admin session.
// (Canned responses: canned-response-routes.ts.)
import { Type } from 'typebox';
import { Readable } from 'node:stream';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Nullable, Ok } from './schemas.ts';
import { UserSchema } from './auth-routes.ts';
import { normalisedEmail, sessionsRepository, usersRepository, type PublicUser } from '../repositories/users.ts';
import { hashPassword } from '../services/auth-service.ts';
import { refuseApiToken } from '../plugins/auth.ts';
import { businessHoursProblem, isKnownTimeZone, loadWidgetSettings, saveWidgetSettings, WidgetSettingsSchema } from '../services/widget-settings.ts';
import { buildReport, conversationsCsvChunks, resolveRange, withByteOrderMark } from '../services/console-reports.ts';
import { agentReportCsv, buildAgentReport } from '../services/agent-report.ts';
import { buildTeamReport, teamReportCsv } from '../services/team-report.ts';
import { deleteCustomer, exportCustomer } from '../services/customer-privacy.ts';
import { queuedJobsForgetter } from '../services/forget-queued-jobs.ts';
import { reachable } from '../redis-outages.ts';
import { enqueueWebhookDeliveries, QUEUE_WEBHOOKS } from '../webhook-events.ts';
import { requestTraining } from '../../knowledge-base/jobs.ts';
import { requestOrOwe } from '../../knowledge-base/owed-jobs.ts';
import { lastPages } from '../services/shopper-activity.ts';
import { AppError, badRequest, conflict, notFound, worded } from '../errors.ts';
import { recordAudit } from '../services/audit-log.ts';
import { cleanNames, FullNameInput, renameMember, ShownNameInput } from '../services/agent-names.ts';
import { invitationsService, unusablePasswordHash, type Invitee } from '../services/invitations.ts';
import { invitationLanguage } from '../services/invitation-email.ts';
import { EmailLanguageSchema, type EmailLanguage } from '../services/email-language.ts';
import type { FastifyReply } from 'fastify';

/** Shortest identity secret the console accepts: it is the key to every customer's identity (and the shop feed's). */
const MIN_IDENTITY_SECRET_CHARS = 16;

const Role = Type.Union([Type.Literal('agent'), Type.Literal('admin')]);
/** Languages an agent answers in: automatic assignment gives them the chats in these first (empty = any). */
const Languages = Type.Array(Type.Union([Type.Literal('en'), Type.Literal('zh')]), { maxItems: 2, uniqueItems: true });
const TeamMember = Type.Object({
  ...UserSchema.properties, languages: Languages, openChats: Type.Integer(), lastSeenAt: Nullable(Type.String()),
  autoAway: Type.Boolean({ description: 'Away because the team setting set them Away after a while without activity, not by their choice.' }),
  twoStep: Type.Boolean({ description: 'Two-step sign-in is on: signing in asks for a code from their authenticator app.' }),
  invited: Type.Boolean({ description: 'Invited by email and not yet accepted: they cannot sign in until they choose a password from the link (Resend sends a new one)' }),
  mustChangePassword: Type.Boolean({ description: 'Their password was set by an admin: they must choose their own at their next sign-in' }),
  invitationExpired: Type.Boolean({ description: 'Invited, and every link they were sent has expired: only Resend lets them in' }),
});
/** The language of the admin's console: the invitation email is in it unless the member answers in one language only. */
const ConsoleLanguage = Type.Optional(Type.Union(EmailLanguageSchema.anyOf, { description: "The inviting admin's console language (zh Simplified; zh-TW, zh-HK Traditional)" }));
const InvitationSent = Type.Object({ expiresAt: Type.String() });
const AdminWidgetSettings = Type.Object({
  ...Type.Omit(WidgetSettingsSchema, ['identitySecret']).properties,
  identitySecretSet: Type.Boolean({ description: 'Whether identity verification has a secret; the secret itself is never sent back' }),
});
const WidgetSettingsUpdate = Type.Object({
  ...Type.Omit(WidgetSettingsSchema, ['identitySecret', 'nudges', 'shopName', 'shopUrl', 'privacyUrl', 'allowedOrigins']).properties,
  // Optional, so that a client written before these existed keeps working: omitted means unchanged.
  nudges: Type.Optional(WidgetSettingsSchema.properties.nudges),
  shopName: Type.Optional(WidgetSettingsSchema.properties.shopName),
  shopUrl: Type.Optional(WidgetSettingsSchema.properties.shopUrl),
  privacyUrl: Type.Optional(WidgetSettingsSchema.properties.privacyUrl),
  allowedOrigins: Type.Optional(WidgetSettingsSchema.properties.allowedOrigins),
  identitySecret: Type.Optional(Type.String({ maxLength: 200, description: 'Omit to keep the current secret; "" turns verification off; otherwise at least 16 characters' })),
}, { additionalProperties: false });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const RangeQuery = Type.Object({
  from: Type.Optional(Day), to: Type.Optional(Day),
  tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone whose days the range counts (default UTC); the console sends its reader\'s' })),
});
const Percentiles = Type.Object({ count: Type.Integer(), medianSeconds: Nullable(Type.Number()), p90Seconds: Nullable(Type.Number()) });
const ReportSchema = Type.Object({
  range: Type.Object({ from: Type.String(), to: Type.String(), timeZone: Type.String() }),
  conversationsPerDay: Type.Array(Type.Object({
    day: Type.String(), total: Type.Integer(),
    handedOff: Type.Integer({ description: "Handed off by the bot (as containment.handedOff): not those sent straight to a person" }),
    peopleFirst: Type.Integer({ description: 'Sent straight to a person, the bot never having had them (as containment.peopleFirst)' }),
    takenOver: Type.Integer({ description: 'Taken by a person without a bot hand-off (as containment.takenOver); total − handedOff − peopleFirst − takenOver is the bot alone' }),
  }), { description: "Shoppers' conversations (not those an agent started)" }),
  agentStarted: Type.Integer({ description: 'Conversations an agent started by writing to a customer: outside every other figure' }),
  containment: Type.Object({
    total: Type.Integer(),
    botResolved: Type.Integer({ description: 'Settled by the bot: closed after the quiet time, or rated helpful (confirmedByShopper).' }),
    confirmedByShopper: Type.Integer({ description: 'Still open, the latest bot answer rated helpful by the shopper.' }),
    handedOff: Type.Integer(),
    withBot: Type.Integer({ description: 'Open with the bot and not settled yet.' }),
    closedByTeam: Type.Integer({ description: 'Closed by an agent without a hand-off (spam, a blocked shopper); in neither side of the rate.' }),
    peopleFirst: Type.Integer({ description: 'Sent straight to a person by the "Who answers first" setting (hand-off reason bot_mode) or by a shopper\'s reply to the team\'s email (email_reply); in neither side of the rate.' }),
    takenOver: Type.Integer({ description: 'Taken over by the team without a hand-off (an agent took the chat from the bot, or reopened one it had settled): on the not-contained side of the rate.' }),
    settlesAfterMinutes: Type.Integer({ description: 'A chat with the bot is counted as resolved by it after this many minutes without messages.' }),
    rate: Nullable(Type.Number({ description: 'botResolved / (botResolved + handedOff + takenOver): over the decided chats only; null while nothing is settled.' })),
    decided: Type.Integer({ description: 'botResolved + handedOff + takenOver: the chats the rate is over.' }),
    undecided: Type.Integer({ description: 'Chats not decided yet (withBot): a hand-off counts at once, the bot only after settlesAfterMinutes of quiet.' }),
    rateRange: Nullable(Type.Object({ low: Type.Number(), high: Type.Number() }, { description: 'Where the rate ends once the undecided chats settle: all handed off (low) to all settled by the bot (high); null when none is undecided.' })),
    pending: Type.Boolean({ description: 'At least as many chats undecided as decided: the rate says little yet.' }),
  }),
  firstResponse: Percentiles,
  firstReplyTarget: Nullable(Type.Object({
    minutes: Type.Integer({ description: "The team's first-reply target (team settings)" }),
    met: Type.Integer({ description: 'Hand-offs whose first reply came within the target' }),
    missed: Type.Integer({ description: 'Hand-offs answered later, or that waited past the target with no reply (closed or still waiting)' }),
    waiting: Type.Integer({ description: 'No reply yet, still within the target' }),
    share: Nullable(Type.Number({ description: 'met ÷ (met + missed)' })),
    atTheTime: Nullable(Type.Object({ minMinutes: Type.Integer(), maxMinutes: Type.Integer() }, {
      description: "The targets the range's hand-offs were judged by: each chat's target when it was handed off (the current one where none was stored); null when none had a target",
    })),
  }, { description: 'Each hand-off judged by the target in force when it was handed off; null when the team has no target now and no hand-off of the range had one' })),
  resolution: Percentiles,
  csat: Type.Object({
    count: Type.Integer(), average: Nullable(Type.Number()), distribution: Type.Array(Type.Integer(), { minItems: 5, maxItems: 5 }),
    byWhoAnswered: Type.Object({
      bot: Type.Object({ count: Type.Integer(), average: Nullable(Type.Number()) }, { description: 'Chats no person replied in' }),
      people: Type.Object({ count: Type.Integer(), average: Nullable(Type.Number()) }, { description: 'Chats a person replied in' }),
    }, { description: 'The same ratings by who answered the chat' }),
  }),
  topIntents: Type.Array(Type.Object({ intent: Type.String(), count: Type.Integer() })),
  handoffReasons: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer() })),
  articleHelpfulness: Type.Array(Type.Object({ articleId: Type.Integer(), title: Nullable(Type.String()), helpful: Type.Integer(), notHelpful: Type.Integer() })),
  intentAnswerHelpfulness: Type.Array(Type.Object({ intent: Type.String(), helpful: Type.Integer(), notHelpful: Type.Integer() }), { description: "Ratings of intents' own typed answers, which link no article" }),
  botQuestions: Type.Object({
    total: Type.Integer(), answered: Type.Integer(), clarified: Type.Integer(), unanswered: Type.Integer(), handedOff: Type.Integer(),
    unansweredRate: Nullable(Type.Number({ description: 'unanswered ÷ total' })),
  }, { description: "The bot's turns by outcome; unanswered = it said it did not know" }),
  topUnanswered: Type.Array(Type.Object({
    id: Type.Integer({ description: "The group's id on the Unanswered page" }),
    question: Type.String({ description: "The group's question as the Unanswered page titles it" }),
    count: Type.Integer({ description: "The group's questions asked in the range" }),
    countExact: Type.Boolean({ description: 'False when count is a lower bound: the group keeps only its newest questions with their times' }),
    lastAsked: Type.String(),
    status: Type.Union([Type.Literal('open'), Type.Literal('handled')]),
    handled: Nullable(Type.Object({ kind: Type.String({ description: 'example, out_of_scope, article or dismissed' }), intent: Type.Optional(Type.String()), slug: Type.Optional(Type.String()) })),
  }), { description: "The Unanswered page's groups (similar questions the bot did not know, or answered and was rated not helpful) most asked in the range, open or handled" }),
  labels: Type.Array(Type.Object({ label: Type.String(), count: Type.Integer() }), { description: "Conversations started in the range, by the agents' labels" }),
  nudges: Type.Array(Type.Object({ id: Type.String(), path: Nullable(Type.String()), shown: Type.Integer(), opened: Type.Integer() }), { description: 'Proactive messages shown and opened in the range (path null: the rule was deleted since)' }),
});
const AgentFigures = {
  handled: Type.Integer({ description: 'Chats started in the range this agent replied in (a public reply); a chat several agents replied in counts for each, once on the team line' }),
  resolved: Type.Integer({ description: 'Chats of the range this agent closed (who pressed Resolve; else the holder), now resolved' }),
  firstReply: Type.Object(Percentiles.properties, { description: 'Seconds from a chat being given to someone (assignment, accept or transfer) to the first agent reply in that hold, credited to who wrote it. Not from the hand-off: see handoffsUnanswered' }),
  firstReplyInTime: Nullable(Type.Object({ count: Type.Integer(), share: Nullable(Type.Number()) }, {
    description: "Of those first replies, the ones within the chat's first-reply target (the one in force at its hand-off), and their share of the first replies that had one; null without a target",
  })),
  handoffTarget: Nullable(Type.Object({ met: Type.Integer(), late: Type.Integer(), share: Nullable(Type.Number()) }, {
    description: "The overview's first reply against the target, from the hand-off: met = hand-offs whose in-time first reply this agent wrote; late = hand-offs this agent held when the target passed with no reply (late while holding). Team line: the overview's met and missed, each hand-off once; share = met ÷ (met + late). Null without a target",
  })),
  resolution: Type.Object(Percentiles.properties, { description: 'Seconds from the chat\'s start to its resolution, of the chats this agent closed' }),
  csat: Type.Object({ count: Type.Integer(), average: Nullable(Type.Number()) }, { description: 'Latest ratings of the chats this agent replied in' }),
  messagesSent: Type.Integer({ description: 'Public replies (not notes) in the range\'s chats' }),
};
const AgentReportSchema = Type.Object({
  range: Type.Object({ from: Type.String(), to: Type.String(), timeZone: Type.String() }),
  agents: Type.Array(Type.Object({
    agentId: Type.Integer(), name: Nullable(Type.String()), active: Type.Boolean(),
    presence: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]),
    ...AgentFigures,
  }), { description: 'Everyone who replied in, resolved, or held a chat of the range when it went late, most handled first' }),
  team: Type.Object(AgentFigures, { description: 'The whole team over the same chats, each chat once: times and ratings over all of them, not an average of the agents\' figures' }),
  handoffsUnanswered: Type.Integer({ description: "Shoppers' hand-offs of the range no agent replied to (never assigned, or assigned and not answered): in no first reply here, late in the overview's first-reply target share once past the target" }),
  lateInQueue: Type.Integer({ description: "Hand-offs that passed the target unanswered while in the queue (nobody held them then): in the Team line's late, in no agent's" }),
});
const TeamFigures = {
  handedOff: Type.Integer({ description: "Shoppers' hand-offs of the range that count for this team (the team it was last sent to)" }),
  answered: Type.Integer({ description: 'Of those, the ones with a first reply' }),
  resolved: Type.Integer({ description: 'Of those, the ones now closed (by anyone)' }),
  firstResponse: Type.Object(Percentiles.properties, { description: 'Seconds from the hand-off to the first reply (queue time included), as the overview' }),
  firstReplyTarget: Nullable(Type.Object({ met: Type.Integer(), missed: Type.Integer(), waiting: Type.Integer(), share: Nullable(Type.Number()) }, {
    description: "The overview's first-reply target verdicts over these hand-offs; share = met ÷ (met + missed); null without a target",
  })),
  resolution: Type.Object(Percentiles.properties, { description: "Seconds from the chat's start to its close, of the closed ones" }),
  csat: Type.Object({ count: Type.Integer(), average: Nullable(Type.Number()) }, { description: 'Latest rating of each of these chats' }),
  topReasons: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer() }), { description: 'The most frequent hand-off reasons, at most 3' }),
};
const TeamReportSchema = Type.Object({
  range: Type.Object({ from: Type.String(), to: Type.String(), timeZone: Type.String() }),
  teams: Type.Array(Type.Object({ teamId: Type.Integer(), name: Type.String(), ...TeamFigures }), { description: 'Every team, most hand-offs first' }),
  noTeam: Type.Object(TeamFigures, { description: 'Hand-offs with no team (or whose team was deleted)' }),
  total: Type.Object(TeamFigures, { description: 'Every hand-off of the range once' }),
});
const AuditEntry = Type.Object({
  id: Type.Integer(), actor: Nullable(Type.String()), action: Type.String(), target: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()), createdAt: Type.String(),
});

/** A CSV file to download under `fileName`, starting with the byte-order mark that makes Excel read it as UTF-8. */
function csvDownload(reply: FastifyReply, fileName: string, csv: string): string;
function csvDownload(reply: FastifyReply, fileName: string, csv: AsyncIterable<string>): Readable;
function csvDownload(reply: FastifyReply, fileName: string, csv: string | AsyncIterable<string>): string | Readable {
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', `attachment; filename="${fileName}"`);
  return typeof csv === 'string' ? withByteOrderMark(csv) : Readable.from(withByteOrderMark(csv));
}

type TeamRow = PublicUser & { open_chats: number; auto_away: boolean; two_step: boolean };
type AccessState = { invited: boolean; invitationExpired: boolean; mustChangePassword: boolean };
const toMember = (u: TeamRow, access: AccessState | undefined) => ({
  id: u.id, email: u.email, name: u.name, displayName: u.display_name, role: u.role, capacity: u.capacity, languages: u.languages, presence: u.presence, active: u.active,
  openChats: u.open_chats, lastSeenAt: u.last_seen_at?.toISOString() ?? null, autoAway: u.auto_away, twoStep: u.two_step,
  invited: access?.invited ?? false, mustChangePassword: access?.mustChangePassword ?? false, invitationExpired: access?.invitationExpired ?? false,
});

export default function adminRoutes(ctx: AppContext) {
  return async (app: App) => {
    const { sql } = ctx;
    const users = usersRepository(sql);
    const sessions = sessionsRepository(sql);
    const jobsOfDeleted = queuedJobsForgetter(ctx.queues, ctx.requestRedis, sql, ctx.log);
    ctx.onClose(() => jobsOfDeleted.stop());
    const audit = (actorId: number, action: string, target: string, details: Record<string, unknown>) =>
      recordAudit(sql, actorId, action, target, details);
    const invitations = invitationsService(sql, ctx.config);
    ctx.onClose(() => invitations.close());
    const member = async (id: number) => {
      const row = (await users.listTeam()).find((u) => u.id === id);
      if (!row) throw notFound('Team member');
      return row;
    };
    const memberView = async (id: number) => toMember(await member(id), (await invitations.accessStates()).get(id));
    /** Emails `member` a link to choose their password (earlier links stop working once it is sent), audited. */
    const invite = async (member: Invitee & { languages: string[] }, admin: PublicUser, consoleLanguage: EmailLanguage | undefined, resend: boolean) => {
      const language = invitationLanguage(member.languages, consoleLanguage);
      const { expiresAt } = await invitations.send(member, admin, language);
      await audit(admin.id, 'team.invitation_sent', `user:${member.id}`, { email: member.email, language, ...(resend ? { resend } : {}) });
      return { expiresAt: expiresAt.toISOString() };
    };

    // ---------- team ----------
    app.get('/api/admin/team', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Agents and admins with their load; whether invitations can be emailed (SMTP_URL is set)',
        response: { 200: Type.Object({ items: Type.Array(TeamMember), invitationsByEmail: Type.Boolean() }), 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async () => {
      const access = await invitations.accessStates();
      return { items: (await users.listTeam()).map((u) => toMember(u, access.get(u.id))), invitationsByEmail: invitations.enabled() };
    });

    app.post('/api/admin/team/:id/invitation', {
      preHandler: app.requireAdmin,
      config: { sessionOnly: true }, // makes a way in (see refuseApiToken)
      schema: {
        tags: ['admin'], summary: 'Email an invited member a new link to choose their password (their earlier links stop working); only for members not yet accepted',
        params: IdParams,
        body: Type.Object({ language: ConsoleLanguage }, { additionalProperties: false }),
        response: { 200: Type.Object({ invitation: InvitationSent }), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse },
      },
    }, async (request) => {
      const row = await member(request.params.id);
      if (!row.active) throw conflict(`${row.name} is deactivated: reactivate them before inviting them again.`, 'member_deactivated');
      const access = (await invitations.accessStates()).get(row.id);
      if (!access?.invited) {
        throw conflict(access?.mustChangePassword
          ? `${row.name} has a password an admin set (they choose their own at their first sign-in): pass it on, or reset it.`
          : `${row.name} has already chosen a password: reset it instead if they lost it.`, 'already_has_password');
      }
      return { invitation: await invite(row, request.user!, request.body?.language, true) };
    });

    app.post('/api/admin/team', {
      preHandler: app.requireAdmin,
      config: { sessionOnly: true }, // makes a way in (see refuseApiToken)
      schema: {
        tags: ['admin'],
        summary: 'Create an agent or admin account: with a password they must replace at their first sign-in, or (invite: true, with SMTP_URL set) '
          + 'with an emailed link to choose their own; they cannot sign in until they do. An invitation the mail server refused is reported in invitationError (Resend later)',
        body: Type.Object({
          email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }),
          name: FullNameInput,
          role: Role,
          password: Type.Optional(Type.String({ minLength: 10, maxLength: 200, description: 'Set by the admin and passed on by hand; asked to be changed at first sign-in' })),
          invite: Type.Optional(Type.Boolean({ description: 'true instead of a password: email them an invitation' })),
          language: ConsoleLanguage,
          capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          languages: Type.Optional(Languages),
        }, { additionalProperties: false }),
        response: {
          201: Type.Object({ member: TeamMember, invitation: Type.Optional(InvitationSent), invitationError: Type.Optional(Type.String()) }),
          400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse,
        },
      },
    }, async (request, reply) => {
      const body = request.body;
      if (body.invite === true && body.password !== undefined) throw badRequest('Give either a password or invite: true, not both.');
      if (body.invite !== true && body.password === undefined) throw badRequest('Give a password, or invite: true to email them an invitation.');
      if (body.invite && !invitations.enabled()) throw badRequest('Invitations need outgoing email (SMTP_URL): set a password for them instead.', 'email_off');
      const email = normalisedEmail(body.email);
      if (await users.findByEmail(email)) throw conflict('An account with this email already exists.', 'email_taken');
      const passwordHash = body.password !== undefined ? await hashPassword(body.password) : await unusablePasswordHash();
      const { name } = cleanNames({ name: body.name });
      const created = await users.create({ email, name: name!, role: body.role, passwordHash, capacity: body.capacity, languages: body.languages });
      // A password the admin chose is known to two people: its holder replaces it at their first sign-in.
      if (body.password !== undefined) await sql`update users set must_change_password = true where id = ${created.id}`;
      await audit(request.user!.id, 'team.create', `user:${created.id}`, { email: created.email, role: created.role, ...(body.invite ? { invited: true } : {}) });
      if (!body.invite) return reply.status(201).send({ member: await memberView(created.id) });
      try {
        const invitation = await invite(created, request.user!, body.language, false);
        return reply.status(201).send({ member: await memberView(created.id), invitation });
      } catch (error) {
        // The account exists either way: the team page shows them as invited, with Resend.
        if (!(error instanceof AppError)) throw error;
        // The admin reads it on the page; the operator who must mend the mail server reads the log.
        request.log.warn({ code: error.code, member: created.id }, error.message);
        return reply.status(201).send({ member: await memberView(created.id), invitationError: error.message });
      }
    });

    app.patch('/api/admin/team/:id', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Change name (and the name shown to shoppers), role, capacity, languages, active or password; deactivating or a new password ends all their sessions. '
          + 'A new password must be replaced by one of their own at their next sign-in, and replaces a pending invitation. A rename reaches every console (agent:renamed). '
          + 'Demoting or deactivating the only active admin is refused (409 last_admin)',
        params: IdParams,
        body: Type.Object({
          name: Type.Optional(FullNameInput),
          displayName: Type.Optional(ShownNameInput),
          role: Type.Optional(Role),
          capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          languages: Type.Optional(Languages),
          active: Type.Optional(Type.Boolean()),
          password: Type.Optional(Type.String({ minLength: 10, maxLength: 200, description: 'A new password (a reset): they sign in again with it' })),
        }, { additionalProperties: false, minProperties: 1 }),
        response: {
          200: Type.Object({ member: TeamMember, releasedChats: Type.Optional(Type.Integer({ description: 'On deactivation: how many chats they held went back to the queue' })) }),
          400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse,
        },
      },
    }, async (request) => {
      const { id } = request.params;
      const body = request.body;
      // A new password, a role or a reactivation gives someone a way in that would outlive the token's revocation.
      if (body.password !== undefined || body.role !== undefined || body.active === true) refuseApiToken(request, 'set a password, a role or reactivate someone');
      const before = await member(id);
      // An admin cannot lock themselves out; another admin must do it.
      if (id === request.user!.id && (body.active === false || body.role === 'agent')) throw badRequest('You cannot deactivate or demote your own account.', 'self_change');
      if (id === request.user!.id && body.password) throw badRequest('Change your own password from your account menu: it asks for the current one.', 'self_change');
      // Names are checked (trimmed, length, no control characters) before anything is changed.
      const names = cleanNames(body, before.name);
      await sql.begin(async (tx) => {
        // Two admins demoting or deactivating each other at once would each still see the other as an admin: the
        // active admins are locked (in id order, so two such changes wait for each other rather than deadlock) and
        // counted in the same transaction as the change, so the second one sees the first one's result.
        if (body.active === false || body.role === 'agent') {
          const admins = await tx<{ id: number }[]>`select id from users where role = 'admin' and active order by id for update`;
          if (admins.length === 1 && Number(admins[0].id) === id) {
            throw new AppError(409, 'last_admin', `${before.name} is the only active admin left: make someone else an admin first, or the shop would have no one to manage it.`);
          }
        }
        await tx`update users set
                   role = coalesce(${body.role ?? null}, role),
                   capacity = coalesce(${body.capacity ?? null}::int, capacity),
                   languages = coalesce(${body.languages ?? null}::text[], languages),
                   active = coalesce(${body.active ?? null}::boolean, active),
                   presence = case when ${body.active === false} then 'offline' else presence end
                 where id = ${id}`;
      });
      if (names.name !== undefined || names.displayName !== undefined) await renameMember(ctx, id, names);
      let releasedChats = 0;
      if (body.active === false) {
        await sessions.deleteForUser(id);
        ctx.realtime.toAgent(id, 'session:ended', { reason: 'deactivated' });
        ctx.realtime.disconnectAgent(id);
        ctx.realtime.toAgents('presence:updated', { agentId: id, presence: 'offline' });
        // Their open chats go back to the queue (first in line, as they waited longest) for someone who can answer.
        releasedChats = await ctx.chat.releaseHeldChats({ agentId: id });
      }
      // Their open consoles' sockets carry the role they connected with: a demoted admin's could still resolve or
      // transfer a teammate's chat. Cut them; the console checks its session and reconnects with the new role.
      if (body.role !== undefined && body.role !== before.role) ctx.realtime.disconnectAgent(id);
      if (body.password) {
        // A reset also signs them out everywhere: the old password may be why it was reset. The admin knows the new
        // one, so its holder chooses their own at the next sign-in; an invitation link they had is now moot.
        await ctx.auth.setPassword(id, body.password, { setByAdmin: true });
        await invitations.cancelPending(id);
        ctx.realtime.toAgent(id, 'session:ended', { reason: 'password_reset' });
        ctx.realtime.disconnectAgent(id);
      }
      const { password, ...changes } = body;
      const renamedFrom = names.name !== undefined && names.name !== before.name ? { previousName: before.name } : {};
      await audit(request.user!.id, 'team.update', `user:${id}`, { ...changes, ...names, ...renamedFrom, ...(password ? { password: 'reset' } : {}) });
      return { member: await memberView(id), ...(body.active === false ? { releasedChats } : {}) };
    });

    // ---------- widget settings ----------
    app.get('/api/admin/widget-settings', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Widget settings (the identity secret only as set / not set)', response: { 200: AdminWidgetSettings, 401: ErrorResponse, 403: ErrorResponse } },
    }, async () => {
      const { identitySecret, ...visible } = await loadWidgetSettings(sql);
      return { ...visible, identitySecretSet: identitySecret.length > 0 };
    });

    app.put('/api/admin/widget-settings', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Replace the widget settings', body: WidgetSettingsUpdate, response: { 200: AdminWidgetSettings, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request) => {
      // Whoever knows the identity secret signs in as any customer: not something a token may set.
      if (request.body.identitySecret !== undefined) refuseApiToken(request, 'set the identity secret');
      const current = await loadWidgetSettings(sql);
      const { identitySecret, nudges, shopName, shopUrl, privacyUrl, allowedOrigins, ...rest } = request.body;
      // Whoever guesses it signs in as any of the shop's customers (orders included): a short word is no secret.
      if (identitySecret && identitySecret.length < MIN_IDENTITY_SECRET_CHARS) {
        throw worded(badRequest(`identitySecret: use at least ${MIN_IDENTITY_SECRET_CHARS} random characters (anyone who guesses it can sign in as any of your customers), or "" to turn verification off.`),
          'identity_secret_short', { n: String(MIN_IDENTITY_SECRET_CHARS) });
      }
      if (nudges && new Set(nudges.map((n) => n.id)).size !== nudges.length) throw badRequest('nudges: every proactive message needs its own id');
      if (nudges?.some((n) => !n.message.en.trim() && !n.message.zh.trim())) throw worded(badRequest('nudges: a proactive message needs its text in English or Chinese'), 'nudge_text_missing');
      // An unknown zone would make every hour "open" (withinBusinessHours cannot place the time): refuse it here.
      if (rest.businessHours && !isKnownTimeZone(rest.businessHours.timezone)) {
        throw worded(badRequest(`businessHours.timezone: "${rest.businessHours.timezone}" is not a time zone this server knows; use an IANA name such as Europe/Berlin or Asia/Shanghai.`),
          'unknown_time_zone', { zone: rest.businessHours.timezone.slice(0, 100) });
      }
      const hoursProblem = businessHoursProblem(rest.businessHours);
      if (hoursProblem) throw hoursProblem;
      const next = {
        ...rest, nudges: nudges ?? current.nudges, identitySecret: identitySecret ?? current.identitySecret,
        shopName: shopName?.trim() ?? current.shopName, shopUrl: shopUrl ?? current.shopUrl, privacyUrl: privacyUrl ?? current.privacyUrl,
        allowedOrigins: allowedOrigins ?? current.allowedOrigins,
      };
      await saveWidgetSettings(sql, next);
      // Which settings changed, by name (a new site key breaks every installed snippet: worth finding in the log).
      const changed = (Object.keys(next) as (keyof typeof next)[])
        .filter((key) => key !== 'identitySecret' && JSON.stringify(next[key]) !== JSON.stringify(current[key]));
      await audit(request.user!.id, 'settings.widget', 'widget', { changed, identitySecretChanged: identitySecret !== undefined && identitySecret !== current.identitySecret });
      const { identitySecret: saved, ...visible } = await loadWidgetSettings(sql);
      return { ...visible, identitySecretSet: saved.length > 0 };
    });

    // What a shop pastes into its pages: the script from this server as shoppers reach it (PUBLIC_URL), with the site key.
    app.get('/api/admin/widget-settings/install', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'The widget install snippet (script tag with this server\'s public URL and the site key)',
        response: { 200: Type.Object({ siteKey: Type.String(), scriptUrl: Type.String(), snippet: Type.String() }), 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async () => {
      const { siteKey } = await loadWidgetSettings(sql);
      const scriptUrl = `${ctx.config.publicUrl.replace(/\/+$/, '')}/widget.js`;
      return { siteKey, scriptUrl, snippet: `<script src="${scriptUrl}" data-site="${siteKey}" async></script>` };
    });

    // ---------- reports ----------
    app.get('/api/admin/reports', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Report figures for a UTC date range (default: last 30 days)', querystring: RangeQuery, response: { 200: ReportSchema, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request) => buildReport(sql, resolveRange(request.query.from, request.query.to, new Date(), request.query.tz)));

    app.get('/api/admin/reports/conversations.csv', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'CSV of the conversations started in the range, with transcripts (private notes left out)', querystring: RangeQuery, response: { 200: Type.String(), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request, reply) => {
      const range = resolveRange(request.query.from, request.query.to, new Date(), request.query.tz);
      // Every customer's words of the range leave with it: recorded like a customer's export.
      await recordAudit(sql, request.user!.id, 'reports.conversations_export', null, { from: range.from, to: range.to });
      // Streamed a page at a time: a year of a busy shop is hundreds of megabytes of transcripts.
      return reply.send(csvDownload(reply, `conversations-${range.from}-to-${range.to}.csv`, conversationsCsvChunks(sql, range)) as never);
    });

    // A separate request from the report: its own grain (a row per person) and CSV, and the page's main figures
    // need not wait for it.
    app.get('/api/admin/reports/agents', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Per-agent figures for the conversations started in a UTC date range (default: last 30 days)', querystring: RangeQuery, response: { 200: AgentReportSchema, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request) => buildAgentReport(sql, resolveRange(request.query.from, request.query.to, new Date(), request.query.tz)));

    app.get('/api/admin/reports/agents.csv', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'The per-agent table as CSV, with a last "Team" line', querystring: RangeQuery, response: { 200: Type.String(), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request, reply) => {
      const range = resolveRange(request.query.from, request.query.to, new Date(), request.query.tz);
      return csvDownload(reply, `agents-${range.from}-to-${range.to}.csv`, agentReportCsv(await buildAgentReport(sql, range)));
    });

    // Per team (team-report.ts): the overview's hand-off figures split by the team each chat was last sent to.
    app.get('/api/admin/reports/teams', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: "Per-team figures for the shoppers' hand-offs of a date range (default: last 30 days)", querystring: RangeQuery, response: { 200: TeamReportSchema, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request) => buildTeamReport(sql, resolveRange(request.query.from, request.query.to, new Date(), request.query.tz)));

    app.get('/api/admin/reports/teams.csv', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'The per-team table as CSV, with "No team" and "All hand-offs" lines', querystring: RangeQuery, response: { 200: Type.String(), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request, reply) => {
      const range = resolveRange(request.query.from, request.query.to, new Date(), request.query.tz);
      return csvDownload(reply, `teams-${range.from}-to-${range.to}.csv`, teamReportCsv(await buildTeamReport(sql, range)));
    });

    // ---------- privacy ----------
    app.get('/api/admin/customers/:id/export', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Everything stored about one customer, as JSON (audited)', params: IdParams, response: { 200: Type.Record(Type.String(), Type.Unknown()), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } },
    }, async (request, reply) => {
      const data = await exportCustomer(sql, request.params.id, request.user!.id);
      reply.header('content-disposition', `attachment; filename="customer-${request.params.id}.json"`);
      return data;
    });

    app.delete('/api/admin/customers/:id', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Delete a customer: profile blanked, messages anonymised, history removed (audited)', params: IdParams,
        response: { 200: Type.Object({ customerId: Type.Integer(), conversations: Type.Integer(), messagesAnonymised: Type.Integer(), timelineEventsRemoved: Type.Integer(), attachmentsDeleted: Type.Integer(), ordersDeleted: Type.Integer(), notesDeleted: Type.Integer(), trainingExamplesRemoved: Type.Integer(), articleDraftsRemoved: Type.Integer() }), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const { webhookDeliveryIds, ...summary } = await deleteCustomer(sql, request.params.id, request.user!.id);
      // A tab still open would go on writing (messages, pages) into what was just erased; its reconnection is refused.
      // First, before the slower clean-up below: what it sends meanwhile is refused anyway (conversations.insertMessage).
      ctx.realtime.disconnectShopper(request.params.id);
      // The erasure is done and answered for; what follows is Redis's, and while it is away each step is refused at once
      // (reachable, on the requests' connection) instead of waiting for it: a deletion answered in seconds, not 40.
      await reachable(ctx.requestRedis).then(() => enqueueWebhookDeliveries(ctx.queues.queue(QUEUE_WEBHOOKS), webhookDeliveryIds)).catch((error: unknown) =>
        request.log.warn({ err: error }, 'customer.deleted webhook deliveries not queued (the sweep sends them)'));
      // Their words were training examples: the trained model holds them until it is trained again.
      // Owed when the job queue is unreachable: a worker queues it once the queue is back (knowledge-base/owed-jobs.ts).
      if (summary.trainingExamplesRemoved > 0) {
        await requestOrOwe(sql, 'train', () => reachable(ctx.requestRedis).then(() => requestTraining(ctx.queues, sql, 'examples of a deleted customer removed')), request.log).catch((error: unknown) =>
          request.log.warn({ err: error }, 'retraining after a deletion neither queued nor recorded as owed (the next intent edit trains)'));
      }
      // Queued and finished jobs carry their words too (finished ones are kept an hour, failed ones until removed).
      // While Redis is away it is owed, and done once it is back (forget-queued-jobs.ts, queuedJobsForgetter).
      await jobsOfDeleted.forget(request.params.id);
      // The page they were last on is about them too; it would fade within a day, but deletion means now.
      await lastPages(ctx.requestRedis, ctx.config).forget(request.params.id).catch((error: unknown) => request.log.warn({ err: error }, 'last page of a deleted customer not removed'));
      return summary;
    });

    app.get('/api/admin/audit-log', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'The latest audit entries', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }), response: { 200: Type.Object({ items: Type.Array(AuditEntry) }), 401: ErrorResponse, 403: ErrorResponse } },
    }, async (request) => {
      const rows = await sql<{ id: number; actor: string | null; action: string; target: string | null; details: Record<string, unknown>; created_at: Date }[]>`
        select a.id, u.name as actor, a.action, a.target, a.details, a.created_at from audit_log a left join users u on u.id = a.actor_user_id
        order by a.id desc limit ${request.query.limit ?? 100}`;
      return { items: rows.map((r) => ({ id: r.id, actor: r.actor, action: r.action, target: r.target, details: r.details, createdAt: r.created_at.toISOString() })) };
    });
  };
}
