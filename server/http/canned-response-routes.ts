// Canned responses: replies an agent inserts in the reply box with /shortcut. Two kinds share one table:
//  - shared (owner_id null): the team's. Every agent reads them; only admins write them, audited.
//  - personal (owner_id set): one agent's own saved replies. Only that agent reads and writes them: not teammates, not
//    admins either (an agent's own wording is theirs, as a personal macro is in other support tools). They are not
//    audited (nothing of the team's changes) and go with the account (on delete cascade); a deactivated agent's stay.
// A shortcut is unique per language among the shared ones and per language among one agent's own, so an agent's own
// /refund may equal the team's: GET lists the caller's own first and the console's picker offers it first (Enter
// inserts it), the shared one listed after it. Open consoles hear `canned:changed` and reload the list.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Timestamp } from './schemas.ts';
import { isUniqueViolation } from '../db/client.ts';
import { AppError, badRequest, conflict, notFound, worded } from '../errors.ts';
import { registerSharedAndPersonalRoutes, type Owner } from './shared-and-personal-routes.ts';

/** How many replies of their own an agent may keep: the whole list goes to every console of theirs at each load. */
export const MAX_PERSONAL_REPLIES = 200;

const CannedResponse = Type.Object({
  id: Type.Integer(), shortcut: Type.String(), title: Type.String(), body: Type.String(), locale: Type.String(),
  personal: Type.Boolean({ description: "The caller's own saved reply (true) or the team's shared one (false)" }),
  updatedAt: Timestamp,
});
// The caps are the table's checks (migration 003), so a body that passes is never refused by the database.
const CannedBody = Type.Object({
  shortcut: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', description: 'Typed after "/" in the reply box' }),
  title: Type.String({ minLength: 1, maxLength: 120, description: 'Trimmed; not blank' }),
  body: Type.String({ minLength: 1, maxLength: 4000, description: 'Not blank; {{customer.first_name}}, {{customer.name}} and {{agent.first_name}} are filled in by the console' }),
  locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh')], { default: 'en' })),
}, { additionalProperties: false });
type CannedInput = { shortcut: string; title: string; body: string; locale?: 'en' | 'zh' };
const Item = Type.Object({ item: CannedResponse });

type CannedRow = { id: number; shortcut: string; title: string; body: string; locale: string; owner_id: number | null; updated_at: Date };
const toCanned = (r: CannedRow) => ({
  id: r.id, shortcut: r.shortcut, title: r.title, body: r.body, locale: r.locale, personal: r.owner_id !== null, updatedAt: r.updated_at.toISOString(),
});

/** The unique indexes of migration 046: a shortcut per language among the shared replies, and among each agent's own. */
const SHORTCUT_KEYS = ['canned_responses_shared_shortcut_key', 'canned_responses_personal_shortcut_key'];

const shortcutTaken = (owner: Owner, input: CannedInput) => {
  const message = `The shortcut /${input.shortcut} already exists for this language${owner === null ? '' : ' among your replies'}.`;
  // Shared: the code it always had. Personal: its own code, which the console words in its language.
  return owner === null ? conflict(message, 'shortcut_taken') : new AppError(409, 'shortcut_taken', message);
};

/** What is stored: the title trimmed; a blank title or text refused here rather than by the table's checks (a 500). */
function cleaned(input: CannedInput) {
  const title = input.title.trim();
  if (!title) throw worded(badRequest('The title must not be blank.'), 'title_blank');
  if (!input.body.trim()) throw worded(badRequest('The text must not be blank.'), 'text_blank');
  return { shortcut: input.shortcut, title, body: input.body, locale: input.locale ?? 'en' };
}

function cannedResponses(ctx: AppContext) {
  const { sql } = ctx;
  const ownedBy = (owner: Owner) => (owner === null ? sql`owner_id is null` : sql`owner_id = ${owner}`);
  /** A write that may take a shortcut already used by the same owner: answered as a 409 (also when a concurrent save took it). */
  const claimingShortcut = async (owner: Owner, input: CannedInput, write: () => Promise<CannedRow | undefined>) => {
    try {
      return await write();
    } catch (error) {
      if (SHORTCUT_KEYS.some((key) => isUniqueViolation(error, key))) throw shortcutTaken(owner, input);
      throw error;
    }
  };
  return {
    /** The team's and `userId`'s own, by shortcut and language, their own before a shared one with the same shortcut. */
    async visibleTo(userId: number) {
      const rows = await sql<CannedRow[]>`
        select * from canned_responses where owner_id is null or owner_id = ${userId}
        order by shortcut, locale, owner_id is null, id`;
      return rows.map(toCanned);
    },
    async create(owner: Owner, createdBy: number, input: CannedInput) {
      const c = cleaned(input);
      if (owner !== null) {
        // Two saves of the same agent at once could both pass this count: one reply over the cap, harmless.
        const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from canned_responses where owner_id = ${owner}`;
        if (n >= MAX_PERSONAL_REPLIES) throw new AppError(409, 'personal_replies_full', `You already keep ${MAX_PERSONAL_REPLIES} replies of your own: delete one first.`);
      }
      const row = await claimingShortcut(owner, input, async () => (await sql<CannedRow[]>`
        insert into canned_responses (shortcut, title, body, locale, created_by, owner_id)
        values (${c.shortcut}, ${c.title}, ${c.body}, ${c.locale}, ${createdBy}, ${owner}) returning *`)[0]);
      return toCanned(row!);
    },
    /** Replaces one of `owner`'s replies; another owner's is not found (never told apart from a missing one). */
    async replace(owner: Owner, id: number, input: CannedInput) {
      const c = cleaned(input);
      const row = await claimingShortcut(owner, input, async () => (await sql<CannedRow[]>`
        update canned_responses set shortcut = ${c.shortcut}, title = ${c.title}, body = ${c.body}, locale = ${c.locale}, updated_at = now()
        where id = ${id} and ${ownedBy(owner)} returning *`)[0]);
      if (!row) throw notFound('Canned response');
      return toCanned(row);
    },
    async remove(owner: Owner, id: number) {
      const [row] = await sql<{ shortcut: string; locale: string }[]>`
        delete from canned_responses where id = ${id} and ${ownedBy(owner)} returning shortcut, locale`;
      if (!row) throw notFound('Canned response');
      return row;
    },
  };
}

export default function cannedResponseRoutes(ctx: AppContext) {
  return async (app: App) => {
    const canned = cannedResponses(ctx);

    app.get('/api/canned-responses', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "Canned responses, inserted in the reply box with /shortcut: the team's and the caller's own",
        description: "By shortcut and language; the caller's own reply comes before a shared one with the same shortcut and language. No one sees another agent's own replies, admins included.",
        response: { 200: Type.Object({ items: Type.Array(CannedResponse) }), 401: ErrorResponse },
      },
    }, async (request) => ({ items: await canned.visibleTo(request.user!.id) }));

    registerSharedAndPersonalRoutes(app, ctx, {
      store: canned, body: CannedBody, item: Item,
      team: {
        path: '/api/admin/canned-responses', audit: 'canned', auditDetails: (saved) => ({ shortcut: saved.shortcut, locale: saved.locale }),
        create: { summary: 'Create a shared canned response', errors: [400, 401, 403, 409] },
        replace: { summary: 'Replace a shared canned response', description: "An agent's own reply is not found here.", errors: [400, 401, 403, 404, 409] },
        remove: { summary: 'Delete a shared canned response', description: "An agent's own reply is not found here.", errors: [401, 403, 404] },
      },
      personal: {
        path: '/api/canned-responses/personal',
        create: {
          summary: 'Save a reply of your own (only you see it)',
          description: `409 \`shortcut_taken\` when one of your own has the shortcut in this language (a shared one may have it: yours comes first in your reply box); 409 \`personal_replies_full\` past ${MAX_PERSONAL_REPLIES}. Your other consoles get \`canned:changed\`.`,
          errors: [400, 401, 409],
        },
        replace: { summary: 'Replace a reply of your own', description: "404 for a shared reply or someone else's.", errors: [400, 401, 404, 409] },
        remove: { summary: 'Delete a reply of your own', description: "404 for a shared reply or someone else's.", errors: [400, 401, 404] },
      },
      changed: {
        team: () => ctx.realtime.toAgents('canned:changed', { scope: 'shared' }),
        owner: (agentId) => ctx.realtime.toAgent(agentId, 'canned:changed', { scope: 'personal' }),
      },
    });
  };
}
