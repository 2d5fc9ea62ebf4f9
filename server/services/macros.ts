// Macros: one click runs several actions on the open chat ("reply with the returns link, label it refund, resolve").
// Two kinds share one table (048_macros.sql), as canned replies do: the team's (admins write them, audited by the
// routes) and an agent's own (only they see, run and edit them). A macro's actions are a closed list, checked here
// before they are stored, and a run performs them in order through the very functions the single actions use
// (chat-service's agentMessage, snooze, transferToTeam and resolve; the label and priority changes of
// conversation-marks.ts), so permissions, checks, system lines, events and webhooks are those of the agent doing them
// one by one. The first refusal stops the run: what ran stays done (as it would have by hand), and the answer lists
// each action as done, refused (with the reason) or skipped.
import { randomUUID } from 'node:crypto';
import { Type, type Static } from 'typebox';
import type { AppContext } from '../context.ts';
import type { SessionUser } from './auth-service.ts';
import type { Sql } from '../db/client.ts';
import type { ConversationSummary } from '../realtime/event-maps.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { blankActionText, blankName } from './form-refusals.ts';
import { MAX_LABEL_LENGTH, MAX_LABELS, normaliseLabels, labelKey } from './conversation-labels.ts';
import { changeConversationLabels, setConversationPriority } from './conversation-marks.ts';
import { conversationsRepository, toSummary } from '../repositories/conversations.ts';
import { usersRepository } from '../repositories/users.ts';
import { ID_RANGE } from '../http/schemas.ts';
import { MAX_SNOOZE_DAYS } from './snooze.ts';
import { refusalOfError, runActionsInOrder } from './action-sequence.ts';
import { macroRunKeys, type MacroRunOutcome } from './macro-run-keys.ts';
// The same filling the console's "/" picker does for canned replies, so a macro's reply greets as a canned one would.
import { fillPlaceholders } from '../../console/src/placeholders.ts';

export const MAX_MACRO_ACTIONS = 10;
export const MAX_PERSONAL_MACROS = 200;
export const MAX_TEAM_MACROS = 100;
/** As a canned reply's text (migration 003's cap): a macro's reply is one. */
export const MAX_MACRO_TEXT = 4000;
/** The longest snooze in minutes: snooze.ts's limit. */
const MAX_SNOOZE_MINUTES = MAX_SNOOZE_DAYS * 24 * 60;

const Text = Type.String({ minLength: 1, maxLength: MAX_MACRO_TEXT, description: 'Not blank; {{customer.first_name}}, {{customer.name}}, {{customer.email}}, {{agent.name}} and {{agent.first_name}} are filled in when the macro runs' });
const LabelList = Type.Array(Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH + 8 }), { minItems: 1, maxItems: MAX_LABELS });
/** The snooze menu's presets (console/src/snooze.ts), in the agent's own time zone: the console sends the instant. */
export const SNOOZE_PRESETS = ['oneHour', 'tomorrow', 'nextWeek'] as const;

export const MacroAction = Type.Union([
  Type.Object({ type: Type.Literal('reply'), text: Text }, { additionalProperties: false, description: 'A reply to the shopper, as the agent (takes a chat nobody holds yet, as replying does)' }),
  Type.Object({ type: Type.Literal('note'), text: Text }, { additionalProperties: false, description: 'A private note' }),
  Type.Object({ type: Type.Literal('addLabels'), labels: LabelList }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('removeLabels'), labels: LabelList }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('setPriority'), priority: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal('snooze'),
    minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SNOOZE_MINUTES })),
    preset: Type.Optional(Type.Union(SNOOZE_PRESETS.map((p) => Type.Literal(p)), {
      description: "One of the snooze menu's times in the agent's time zone: the run's body carries the instant (snoozeUntil)",
    })),
  }, { additionalProperties: false, description: 'Exactly one of minutes and preset' }),
  Type.Object({ type: Type.Literal('transferToTeam'), teamId: Type.Integer(ID_RANGE) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('resolve') }, { additionalProperties: false }),
]);
export type MacroAction = Static<typeof MacroAction>;

export const MacroBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 80, description: 'Trimmed; not blank' }),
  actions: Type.Array(MacroAction, { minItems: 1, maxItems: MAX_MACRO_ACTIONS, description: 'Run in this order' }),
}, { additionalProperties: false });
export type MacroInput = Static<typeof MacroBody>;

export const ActionOutcome = Type.Object({
  type: Type.String(),
  status: Type.Union([Type.Literal('done'), Type.Literal('refused'), Type.Literal('skipped')]),
  code: Type.Optional(Type.String({ description: 'With refused: the error code the single action answers, its specific reason where it gives one (conversation_resolved rather than conflict)' })),
  message: Type.Optional(Type.String({ description: 'With refused: why' })),
  params: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'With refused: what the sentence names, for wording the code' })),
});
export type ActionOutcome = Static<typeof ActionOutcome>;

interface MacroRow { id: number; name: string; owner_id: number | null; actions: MacroAction[]; updated_at: Date }
const toMacro = (r: MacroRow) => ({ id: Number(r.id), name: r.name, personal: r.owner_id !== null, actions: r.actions, updatedAt: r.updated_at.toISOString() });
export type Macro = ReturnType<typeof toMacro>;

/** Whose macros a write touches: the team's (null) or one agent's own. */
export type Owner = number | null;

/** What is stored: the name trimmed, labels in their stored spelling; a blank text or a snooze without one time is a 400. */
export function cleanedMacro(input: MacroInput): MacroInput {
  const name = input.name.trim();
  if (!name) throw blankName();
  const actions = input.actions.map((action, index): MacroAction => {
    const where = `Action ${index + 1} (${action.type})`;
    switch (action.type) {
      case 'reply':
      case 'note':
        if (!action.text.trim()) throw blankActionText(where, index);
        return action;
      case 'addLabels':
      case 'removeLabels':
        return { type: action.type, labels: normaliseLabels(action.labels) };
      case 'snooze':
        if ((action.minutes === undefined) === (action.preset === undefined)) throw badRequest(`${where}: give either minutes or a preset.`);
        return action;
      default:
        return action;
    }
  });
  return { name, actions };
}

/**
 * A macro's "Send to team" actions must name teams that exist when it is saved: a 400 naming the first that does not.
 * A team deleted later is the run's to report (that action refused, as sending the chat by hand would be).
 */
export async function checkMacroTeams(sql: Sql, actions: readonly { type: string; teamId?: number }[]): Promise<void> {
  const teamOf = (action: { type: string; teamId?: number }) => (action.type === 'transferToTeam' ? action.teamId : undefined);
  const wanted = [...new Set(actions.map(teamOf).filter((id): id is number => id !== undefined))];
  if (!wanted.length) return;
  const found = new Set((await sql<{ id: number }[]>`select id from teams where id = any(${wanted}::bigint[])`).map((r) => Number(r.id)));
  const index = actions.findIndex((action) => teamOf(action) !== undefined && !found.has(teamOf(action)!));
  if (index < 0) return;
  throw badRequest(`Action ${index + 1} (transferToTeam): there is no team ${teamOf(actions[index]!)}; choose one of the teams.`, 'unknown_team');
}

export function macrosService(ctx: AppContext) {
  const { sql } = ctx;
  const ownedBy = (owner: Owner) => (owner === null ? sql`owner_id is null` : sql`owner_id = ${owner}`);
  const conversations = conversationsRepository(sql);
  const users = usersRepository(sql);
  const runKeys = macroRunKeys(ctx);

  /** The values a reply's placeholders take: the chat's customer and the name shoppers see for the agent. */
  async function placeholderValues(conversationId: number, agent: SessionUser) {
    const [customer] = await sql<{ name: string | null; email: string | null }[]>`
      select cu.name, cu.email from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
    const [shown] = await sql<{ display_name: string | null }[]>`select display_name from users where id = ${agent.id}`;
    return { customer: customer ?? null, agent: shown?.display_name ? { name: shown.display_name, chosen: true } : { name: agent.name } };
  }

  /** One action, through the function its single form uses; an AppError is that action's refusal. */
  async function perform(actor: SessionUser, conversationId: number, action: MacroAction, snoozeUntil: string | undefined, messageClientId: string | undefined): Promise<void> {
    const agent = { id: actor.id, name: actor.name, role: actor.role };
    switch (action.type) {
      case 'reply':
      case 'note': {
        const text = fillPlaceholders(action.text, await placeholderValues(conversationId, actor));
        // Teammates are @mentioned by what the macro's author wrote, never by a shopper's name filled in ("@Sam").
        await ctx.chat.agentMessage(agent, { conversationId, clientId: messageClientId || `macro:${randomUUID()}`, text, mentionText: action.text, private: action.type === 'note' });
        return;
      }
      case 'addLabels':
        await changeConversationLabels(ctx, conversationId, normaliseLabels(action.labels), []);
        return;
      case 'removeLabels':
        await changeConversationLabels(ctx, conversationId, [], action.labels.map(labelKey));
        return;
      case 'setPriority':
        await setConversationPriority(ctx, conversationId, action.priority);
        return;
      case 'snooze': {
        // One instant for the time and its check: "1 minute" reckoned from a moment ago would be refused as too soon.
        const now = new Date();
        const until = action.minutes !== undefined ? new Date(now.getTime() + action.minutes * 60_000).toISOString() : snoozeUntil;
        if (!until) throw badRequest('This snooze is at a time of the agent\'s day: the run needs snoozeUntil.', 'snooze_time_needed');
        await ctx.chat.snooze(agent, conversationId, until, now);
        return;
      }
      case 'transferToTeam':
        await ctx.chat.transferToTeam(agent, conversationId, action.teamId);
        return;
      case 'resolve':
        await ctx.chat.resolve(agent, conversationId);
        return;
    }
  }

  return {
    /** The team's and `userId`'s own, by name; never another agent's own. */
    async visibleTo(userId: number): Promise<Macro[]> {
      const rows = await sql<MacroRow[]>`
        select * from macros where owner_id is null or owner_id = ${userId} order by lower(name), owner_id is null, id`;
      return rows.map(toMacro);
    },
    async create(owner: Owner, createdBy: number, input: MacroInput): Promise<Macro> {
      const macro = cleanedMacro(input);
      await checkMacroTeams(sql, macro.actions);
      // Two saves at once could both pass this count: one macro over the cap, harmless.
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from macros where ${ownedBy(owner)}`;
      if (owner === null && n >= MAX_TEAM_MACROS) throw new AppError(409, 'team_macros_full', `The team already has ${MAX_TEAM_MACROS} macros: delete one first.`);
      if (owner !== null && n >= MAX_PERSONAL_MACROS) throw new AppError(409, 'personal_macros_full', `You already keep ${MAX_PERSONAL_MACROS} macros of your own: delete one first.`);
      const [row] = await sql<MacroRow[]>`
        insert into macros (name, visibility, owner_id, actions, created_by)
        values (${macro.name}, ${owner === null ? 'team' : 'personal'}, ${owner}, ${sql.json(macro.actions)}, ${createdBy}) returning *`;
      return toMacro(row!);
    },
    /** Replaces one of `owner`'s macros; another owner's is not found (never told apart from a missing one). */
    async replace(owner: Owner, id: number, input: MacroInput): Promise<Macro> {
      const macro = cleanedMacro(input);
      await checkMacroTeams(sql, macro.actions);
      const [row] = await sql<MacroRow[]>`
        update macros set name = ${macro.name}, actions = ${sql.json(macro.actions)}, updated_at = now()
        where id = ${id} and ${ownedBy(owner)} returning *`;
      if (!row) throw notFound('Macro');
      return toMacro(row);
    },
    async remove(owner: Owner, id: number): Promise<{ name: string }> {
      const [row] = await sql<{ name: string }[]>`delete from macros where id = ${id} and ${ownedBy(owner)} returning name`;
      if (!row) throw notFound('Macro');
      return row;
    },
    /**
     * Runs a macro the agent may see (the team's or their own; anyone else's is not found) on a chat, action by action,
     * stopping at the first refusal. An error that is not a refusal (the database away) is thrown as it would be.
     */
    async run(actor: SessionUser, conversationId: number, macroId: number, options: { snoozeUntil?: string; clientId?: string }) {
      const [row] = await sql<MacroRow[]>`select * from macros where id = ${macroId} and (owner_id is null or owner_id = ${actor.id})`;
      if (!row) throw notFound('Macro');
      if (!(await conversations.findById(conversationId))) throw notFound('Conversation');
      const { clientId } = options;
      const target = { conversationId, macroId: Number(row.id) };
      // A repeat of a run whose answer was lost (macro-run-keys.ts): nothing runs again; the first run's outcome answers.
      const earlier = clientId ? await runKeys.claim(actor.id, clientId, target) : null;
      let outcome: MacroRunOutcome;
      if (earlier) {
        outcome = earlier;
      } else {
        let step = 0;
        try {
          const { outcomes, completed } = await runActionsInOrder(
            row.actions,
            // With a run key, each message's client id comes from it too: a run re-done after its server died does not
            // send the same reply twice (messages keep one per client id).
            (action) => perform(actor, conversationId, action, options.snoozeUntil, clientId && `macro:${clientId}:${step++}`),
            (error) => {
              if (!(error instanceof AppError)) throw error;
              return refusalOfError(error);
            },
          );
          outcome = { macroId: target.macroId, completed, actions: outcomes };
        } catch (error) {
          if (clientId) await runKeys.release(actor.id, clientId);
          throw error;
        }
        if (clientId) await runKeys.done(actor.id, clientId, target, outcome);
      }
      const conversation: ConversationSummary = toSummary((await conversations.findById(conversationId))!);
      return { ...outcome, conversation };
    },
  };
}
