// "A team list and a personal list of X" (canned replies, macros): one table, two kinds of rows, two route sets.
//  - The team's (owner null) at `team.path`: admins write them, each write audited as `<audit>.create|update|delete`
//    on target `<audit>:<id>`, and every agent's console is told (`changed.team`).
//  - An agent's own at `personal.path`: only their owner writes them (another's is a 404, admins included), not
//    audited (nothing of the team's changes), and only the owner's consoles are told (`changed.owner`).
// The store decides what "not found" and "full" mean (its create holds the caps, so any caller of it keeps them);
// this file only writes the six routes the same way for each kind, so they cannot drift apart.
import type { Static, TSchema } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Ok } from './schemas.ts';
import { recordAudit } from '../services/audit-log.ts';

/** Whose rows a write touches: the team's (null) or one agent's own. */
export type Owner = number | null;

/** The writes of a table holding both kinds; a row of another owner is not found (never told apart from a missing one). */
export interface OwnedListStore<Input, Item extends { id: number }, Removed> {
  create(owner: Owner, createdBy: number, input: Input): Promise<Item>;
  replace(owner: Owner, id: number, input: Input): Promise<Item>;
  remove(owner: Owner, id: number): Promise<Removed>;
}

/** One route's OpenAPI text and the error statuses it may answer (each an ErrorResponse). */
export interface RouteDoc {
  summary: string;
  description?: string;
  errors: readonly number[];
}

interface ListRoutes {
  /** `POST` here creates; `PUT` / `DELETE` at `<path>/:id` replace and delete. */
  path: string;
  create: RouteDoc;
  replace: RouteDoc;
  remove: RouteDoc;
}

export interface SharedAndPersonalSpec<Body extends TSchema, Item extends { id: number }, Removed> {
  store: OwnedListStore<Static<Body>, Item, Removed>;
  /** The body of create and replace. */
  body: Body;
  /** The `{ item }` answer of create and replace. */
  item: TSchema;
  team: ListRoutes & {
    /** The audit log's name for these rows ('canned', 'macro'): actions `<audit>.create` …, target `<audit>:<id>`. */
    audit: string;
    /** What the audit row keeps of a saved item or of what delete returned. */
    auditDetails: (saved: Item | Removed) => Record<string, unknown>;
  };
  personal: ListRoutes;
  /** Tells consoles to reload: every agent's for the team's list, the owner's own for a personal one. */
  changed: { team(): void; owner(agentId: number): void };
}

const errorResponses = (statuses: readonly number[]) => Object.fromEntries(statuses.map((status) => [status, ErrorResponse]));
/** The route's OpenAPI fields, with no `description` key where it has none (so the document stays as it was). */
const documented = (tags: string[], doc: RouteDoc) => ({ tags, summary: doc.summary, ...(doc.description === undefined ? {} : { description: doc.description }) });

type Verb = 'create' | 'update' | 'delete';

/** Registers the team's three write routes and the personal three; the list (GET) stays with its caller, being its own. */
export function registerSharedAndPersonalRoutes<Body extends TSchema, Item extends { id: number }, Removed>(
  app: App, ctx: AppContext, spec: SharedAndPersonalSpec<Body, Item, Removed>,
): void {
  const { store, team, personal, changed } = spec;
  const registerList = (routes: ListRoutes, kind: {
    tags: string[];
    guard: typeof app.requireAgent;
    /** Whose rows the signed-in user writes here. */
    ownerFor(userId: number): Owner;
    /** After a write that went through: its audit (if any) and the consoles told. */
    written(userId: number, verb: Verb, id: number, saved: Item | Removed): Promise<void>;
  }) => {
    const bodyOf = (request: { body: unknown }) => request.body as Static<Body>;
    app.post(routes.path, {
      preHandler: kind.guard,
      schema: { ...documented(kind.tags, routes.create), body: spec.body, response: { 201: spec.item, ...errorResponses(routes.create.errors) } },
    }, async (request, reply) => {
      const userId = request.user!.id;
      const item = await store.create(kind.ownerFor(userId), userId, bodyOf(request));
      await kind.written(userId, 'create', item.id, item);
      return reply.status(201).send({ item });
    });

    app.put(`${routes.path}/:id`, {
      preHandler: kind.guard,
      schema: { ...documented(kind.tags, routes.replace), params: IdParams, body: spec.body, response: { 200: spec.item, ...errorResponses(routes.replace.errors) } },
    }, async (request) => {
      const userId = request.user!.id;
      const item = await store.replace(kind.ownerFor(userId), request.params.id, bodyOf(request));
      await kind.written(userId, 'update', item.id, item);
      return { item };
    });

    app.delete(`${routes.path}/:id`, {
      preHandler: kind.guard,
      schema: { ...documented(kind.tags, routes.remove), params: IdParams, response: { 200: Ok, ...errorResponses(routes.remove.errors) } },
    }, async (request) => {
      const userId = request.user!.id;
      const removed = await store.remove(kind.ownerFor(userId), request.params.id);
      await kind.written(userId, 'delete', request.params.id, removed);
      return { ok: true as const };
    });
  };

  // The team's: admins only, audited, every console told.
  registerList(team, {
    tags: ['admin'], guard: app.requireAdmin, ownerFor: () => null,
    async written(userId, verb, id, saved) {
      await recordAudit(ctx.sql, userId, `${team.audit}.${verb}`, `${team.audit}:${id}`, team.auditDetails(saved));
      changed.team();
    },
  });
  // Personal: the signed-in agent's own; their consoles told.
  registerList(personal, {
    tags: ['agent'], guard: app.requireAgent, ownerFor: (userId) => userId,
    async written(userId) {
      changed.owner(userId);
    },
  });
}
