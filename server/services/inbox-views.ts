// Saved inbox views: a name, a filter set of the inbox list (inbox-filters.ts) and an order, listed under the inbox's
// fixed lists with how many chats each holds. Two kinds share one table (054_inbox_views.sql), as macros do: the
// team's (admins write them, audited by the routes; every agent sees them) and an agent's own (only they see and
// edit them). A team view's "assigned to me" means each agent's own chats, so counts are per agent.
//
// Counts are computed on demand over the same SQL the list runs and kept COUNT_TTL_MS (countsFor): the inbox asks
// again a little after chats change, and a burst of changes across many consoles then costs one count of each team
// view per few seconds (and of each view saying "me", one per agent), rather than one per change and console.
import { Type, type Static } from 'typebox';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../errors.ts';
import { blankName } from './form-refusals.ts';
import { cleanedFilters, dependsOnViewer, InboxFilters, inboxFilterSql, perChatFilters } from './inbox-filters.ts';
import { withoutJit } from './console-reports.ts';
import { normaliseLabels } from './conversation-labels.ts';

export const MAX_TEAM_VIEWS = 50;
export const MAX_PERSONAL_VIEWS = 50;
export const MAX_VIEW_NAME = 60;
/** How long an agent's counts are reused: short enough to read as live, long enough to absorb a burst of changes. */
export const COUNT_TTL_MS = 3000;

export const InboxViewSort = Type.Union([Type.Literal('newest'), Type.Literal('oldest'), Type.Literal('waiting'), Type.Literal('priority')], {
  description: "The list's order (GET /api/conversations `sort`); null: the list's own",
});

export const InboxViewBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: MAX_VIEW_NAME, description: 'Trimmed; not blank' }),
  filters: InboxFilters,
  sort: Type.Optional(Type.Union([InboxViewSort, Type.Null()])),
}, { additionalProperties: false });
export type InboxViewInput = Static<typeof InboxViewBody>;

type ViewSort = Static<typeof InboxViewSort> | null;
interface ViewRow { id: number; name: string; owner_id: number | null; filters: InboxFilters; sort: ViewSort; updated_at: Date }
const toView = (r: ViewRow) => ({
  id: Number(r.id), name: r.name, personal: r.owner_id !== null, filters: r.filters, sort: r.sort, updatedAt: r.updated_at.toISOString(),
});
export type InboxView = ReturnType<typeof toView>;

type Owner = number | null;

function cleanedView(input: InboxViewInput): { name: string; filters: InboxFilters; sort: ViewSort } {
  const name = input.name.trim();
  if (!name) throw blankName();
  const filters = cleanedFilters(input.filters);
  // Only labels agents can give: the console opens a view as the list's query string, where labels are split at
  // commas, so a view of "a,b" would list chats labelled a or b while counting those labelled "a,b" (none).
  if (filters.labels) filters.labels = normaliseLabels(filters.labels);
  return { name, filters, sort: input.sort ?? null };
}

export function inboxViewsService(ctx: AppContext) {
  const { sql } = ctx;
  const ownedBy = (owner: Owner) => (owner === null ? sql`owner_id is null` : sql`owner_id = ${owner}`);
  /** Counts by view, version (updatedAt) and, for a view that says "me", agent; with when they were taken. */
  const countCache = new Map<string, { at: number; n: number }>();

  async function visibleTo(userId: number): Promise<InboxView[]> {
    const rows = await sql<ViewRow[]>`
      select * from inbox_views where owner_id is null or owner_id = ${userId} order by owner_id is not null, lower(name), id`;
    return rows.map(toView);
  }

  return {
    visibleTo,
    /**
     * How many chats each view the agent sees holds, keyed by view id, with the same conditions as the list. A count
     * is reused for COUNT_TTL_MS: a view that does not depend on who looks (no "me") by every agent, the others by
     * that agent. The views with only indexed filters are counted in one pass over the chats; each with a per-chat
     * filter (language, waiting) in a query of its own, where its other filters narrow the chats first.
     */
    async countsFor(userId: number): Promise<Record<string, number>> {
      const views = await visibleTo(userId);
      const keyOf = (view: InboxView) => `${view.id}:${view.updatedAt}:${dependsOnViewer(view.filters) ? userId : ''}`;
      // The answer is built here, never read back from the shared cache after an await: another agent's call may
      // prune or replace entries meanwhile. Reused counts are copied now, in one synchronous pass.
      const counts = new Map<number, number>();
      const now = Date.now();
      for (const [key, entry] of countCache) if (now - entry.at >= COUNT_TTL_MS) countCache.delete(key);
      for (const view of views) {
        const cached = countCache.get(keyOf(view));
        if (cached) counts.set(view.id, cached.n);
      }
      // Stamped when its query finished, so a slow count is not taken for stale (or pruned) as soon as it lands.
      const counted = (view: InboxView, n: number) => {
        counts.set(view.id, n);
        countCache.set(keyOf(view), { at: Date.now(), n });
      };
      const missing = views.filter((view) => !counts.has(view.id));
      const conditions = (tx: typeof sql, view: InboxView) => inboxFilterSql(tx, view.filters, userId);
      const onePass = missing.filter((view) => !perChatFilters(view.filters));
      if (onePass.length) {
        const columns = onePass.map((view, i) => sql`count(*) filter (where true ${conditions(sql, view)})::int as ${sql(`v${i}`)}`);
        const [row] = await sql<Record<string, number>[]>`select ${columns.reduce((all, c) => sql`${all}, ${c}`)} from conversations c`;
        onePass.forEach((view, i) => counted(view, row![`v${i}`]!));
      }
      const alone = missing.filter((view) => perChatFilters(view.filters));
      // As the list: a per-chat subquery's JIT compile costs more than the count (console-reports.ts).
      if (alone.length) {
        await withoutJit(sql, async (tx) => {
          for (const view of alone) {
            const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from conversations c where true ${conditions(tx, view)}`;
            counted(view, n);
          }
        });
      }
      return Object.fromEntries(views.map((view) => [view.id, counts.get(view.id)!]));
    },
    async create(owner: Owner, createdBy: number, input: InboxViewInput): Promise<InboxView> {
      const view = cleanedView(input);
      // Two saves at once could both pass this count: one view over the cap, harmless.
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from inbox_views where ${ownedBy(owner)}`;
      if (owner === null && n >= MAX_TEAM_VIEWS) throw new AppError(409, 'team_views_full', `The team already has ${MAX_TEAM_VIEWS} views: delete one first.`);
      if (owner !== null && n >= MAX_PERSONAL_VIEWS) throw new AppError(409, 'personal_views_full', `You already keep ${MAX_PERSONAL_VIEWS} views of your own: delete one first.`);
      const [row] = await sql<ViewRow[]>`
        insert into inbox_views (name, owner_id, filters, sort, created_by)
        values (${view.name}, ${owner}, ${sql.json(view.filters)}, ${view.sort}, ${createdBy}) returning *`;
      return toView(row!);
    },
    /** Replaces one of `owner`'s views; another owner's is not found (never told apart from a missing one). */
    async replace(owner: Owner, id: number, input: InboxViewInput): Promise<InboxView> {
      const view = cleanedView(input);
      const [row] = await sql<ViewRow[]>`
        update inbox_views set name = ${view.name}, filters = ${sql.json(view.filters)}, sort = ${view.sort}, updated_at = now()
        where id = ${id} and ${ownedBy(owner)} returning *`;
      if (!row) throw notFound('View');
      return toView(row);
    },
    async remove(owner: Owner, id: number): Promise<{ name: string }> {
      const [row] = await sql<{ name: string }[]>`delete from inbox_views where id = ${id} and ${ownedBy(owner)} returning name`;
      if (!row) throw notFound('View');
      return row;
    },
  };
}
