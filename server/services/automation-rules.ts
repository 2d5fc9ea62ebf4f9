// Automation rules: an admin says "when a chat is handed off to people (or a new chat starts) and these conditions hold,
// do these actions", and the server does it with no agent clicking (052_automation_rules.sql). Triggers, conditions and
// actions are closed lists, checked here before a rule is stored. A rule's actions go through the very functions the
// single actions and macros use (conversation-marks.ts for labels and priority, chat-service's transferToTeam), acting
// as the rule (chat-service's AutomationActor): no person's permissions, and the lines in the chat name the rule; a
// rule never takes a chat from anyone (its transfer only re-tags a chat still queued and unheld) and never waits long
// for a lock (RULE_LOCK_TIMEOUT_MS, RULES_RUN_BUDGET_MS).
// Like a macro, a rule stops at its first refused action. Nothing a rule does may break the chat loop: the runner
// catches and logs every failure; the shopper's message is stored and answered whatever happens here.
import { Type, type Static } from 'typebox';
import type { AppContext } from '../context.ts';
import type { Sql, Tx } from '../db/client.ts';
import { AppError, badRequest, notFound, worded } from '../errors.ts';
import { blankActionText, blankName } from './form-refusals.ts';
import { ID_RANGE } from '../http/schemas.ts';
import { MAX_LABEL_LENGTH, MAX_LABELS, normaliseLabels } from './conversation-labels.ts';
import { changeConversationLabels, setConversationPriority } from './conversation-marks.ts';
import { checkMacroTeams, MAX_MACRO_TEXT } from './macros.ts';
import { refusalOfError, runActionsInOrder, type Refusal } from './action-sequence.ts';
import { langOf } from '../../knowledge-base/text/language.ts';
import { isLockTimeout } from '../db/lock-timeout.ts';
import { conversationLanguage } from '../repositories/routing.ts';
import { recordAudit } from './audit-log.ts';

export const MAX_AUTOMATION_RULES = 50;
export const MAX_RULE_CONDITIONS = 10;
export const MAX_RULE_ACTIONS = 10;
const MAX_TERMS = 20;
const MAX_TERM = 100;

/**
 * Rules must not queue behind someone else's long transaction (an admin renaming a label everywhere holds the labels
 * lock; a merge holds the chat's row): the chat waits for its hand-off rules (rules_pending_until, 10 s) and a
 * shopper's "talk to a person" waits for its ack. So each action waits at most this long for a lock, and all the rules
 * of one event together at most RULES_RUN_BUDGET_MS; an action that would wait longer is refused as `busy`.
 */
export const RULE_LOCK_TIMEOUT_MS = 2_000;
export const RULES_RUN_BUDGET_MS = 5_000;
/**
 * A rule's ran/stopped line past the budget still waits this long for a lock: its actions are refused as busy without
 * waiting by then, so only these short tries remain, and the line is how agents learn why the rule did nothing.
 */
const MIN_LINE_LOCK_WAIT_MS = 200;

export const TriggerSchema = Type.Union([Type.Literal('handoff'), Type.Literal('conversation_created')], {
  description: "handoff: a chat is queued for people, before the queue assigns it; conversation_created: a shopper's first message starts a chat",
});
export type Trigger = Static<typeof TriggerSchema>;

const Terms = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: MAX_TERM }), { minItems: 1, maxItems: MAX_TERMS, description });

export const RuleCondition = Type.Union([
  Type.Object({ type: Type.Literal('textContains'), terms: Terms("Any of these words or phrases in the shopper's latest message, whatever the case (Chinese too)") }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('language'), languages: Type.Array(Type.Union([Type.Literal('en'), Type.Literal('zh')]), { minItems: 1, maxItems: 2 }) }, { additionalProperties: false, description: "The shopper's language" }),
  Type.Object({ type: Type.Literal('pageUrlContains'), text: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false, description: 'The page the shopper last wrote from; case-insensitive' }),
  Type.Object({ type: Type.Literal('handoffReason'), reasons: Terms('Why the chat was handed off (conversations.handoff_reason: customer_request, attachment, bot_mode, email_reply, an intent name...); handoff trigger only') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('intent'), intents: Terms("The intent of the bot's latest answer in the chat") }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('customerIdentified'), identified: Type.Boolean() }, { additionalProperties: false, description: 'Whether the shop identified the shopper (a verified identify())' }),
  Type.Object({ type: Type.Literal('customerTag'), tags: Terms("Any of these tags on the customer's record; case-insensitive") }, { additionalProperties: false }),
]);
export type RuleCondition = Static<typeof RuleCondition>;

export const RuleAction = Type.Union([
  Type.Object({ type: Type.Literal('addLabels'), labels: Type.Array(Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH + 8 }), { minItems: 1, maxItems: MAX_LABELS }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('setPriority'), priority: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('transferToTeam'), teamId: Type.Integer(ID_RANGE) }, { additionalProperties: false, description: 'Handoff trigger only: the queue offers the chat to the team first' }),
  Type.Object({ type: Type.Literal('note'), text: Type.String({ minLength: 1, maxLength: MAX_MACRO_TEXT }) }, { additionalProperties: false, description: 'A private note for agents, signed by the rule' }),
]);
export type RuleAction = Static<typeof RuleAction>;

export const RuleBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 80, description: 'Trimmed; not blank' }),
  enabled: Type.Optional(Type.Boolean({ description: 'True when left out' })),
  trigger: TriggerSchema,
  conditions: Type.Array(RuleCondition, { maxItems: MAX_RULE_CONDITIONS, description: 'All must hold; none means always' }),
  actions: Type.Array(RuleAction, { minItems: 1, maxItems: MAX_RULE_ACTIONS, description: 'Run in this order; the first refusal stops the rule' }),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'Rules run by position, then id; after the last when left out' })),
}, { additionalProperties: false });
export type RuleInput = Static<typeof RuleBody>;

interface RuleRow { id: number; name: string; enabled: boolean; trigger: Trigger; conditions: RuleCondition[]; actions: RuleAction[]; position: number; updated_at: Date }
const toRule = (r: RuleRow) => ({
  id: Number(r.id), name: r.name, enabled: r.enabled, trigger: r.trigger, conditions: r.conditions, actions: r.actions, position: r.position, updatedAt: r.updated_at.toISOString(),
});
export type AutomationRule = ReturnType<typeof toRule>;

/** Words compared the way a shopper means them: NFKC (full-width letters, compatibility forms) and lower case. */
const folded = (text: string) => text.normalize('NFKC').toLocaleLowerCase('en');

/** What is stored: the name trimmed, terms trimmed and folded, labels in their stored spelling; the trigger's own limits. */
export function cleanedRule(input: RuleInput): RuleInput {
  const name = input.name.trim();
  if (!name) throw blankName();
  // `index` from 0, as the conditions are listed: the console names the condition by its number.
  const terms = (list: string[], where: string, index: number) => {
    const cleaned = [...new Set(list.map((t) => folded(t.trim())).filter(Boolean))];
    if (!cleaned.length) throw worded(badRequest(`${where}: give at least one word that is not blank.`), 'condition_words_blank', { n: String(index + 1) });
    return cleaned;
  };
  const conditions = input.conditions.map((condition, index): RuleCondition => {
    const where = `Condition ${index + 1} (${condition.type})`;
    switch (condition.type) {
      case 'textContains': return { type: condition.type, terms: terms(condition.terms, where, index) };
      case 'customerTag': return { type: condition.type, tags: terms(condition.tags, where, index) };
      case 'intent':
        // A new chat's rules run on its first message, before the bot has answered anything: no intent to match yet.
        if (input.trigger !== 'handoff') throw badRequest(`${where}: a new chat's rules run before the bot has answered, so there is no intent yet; use it with the handoff trigger.`, 'condition_needs_handoff');
        return { type: condition.type, intents: terms(condition.intents, where, index) };
      case 'handoffReason':
        if (input.trigger !== 'handoff') throw badRequest(`${where}: only a hand-off has a reason; use it with the handoff trigger.`, 'condition_needs_handoff');
        return { type: condition.type, reasons: terms(condition.reasons, where, index) };
      case 'pageUrlContains': return { type: condition.type, text: terms([condition.text], where, index)[0]! };
      case 'language': return { type: condition.type, languages: [...new Set(condition.languages)] };
      default: return condition;
    }
  });
  const actions = input.actions.map((action, index): RuleAction => {
    const where = `Action ${index + 1} (${action.type})`;
    switch (action.type) {
      case 'addLabels': return { type: action.type, labels: normaliseLabels(action.labels) };
      case 'note':
        if (!action.text.trim()) throw blankActionText(where, index);
        return { type: action.type, text: action.text.trim() };
      case 'transferToTeam':
        // A new chat is still with the bot, and its hand-off picks the team from the bot's intent.
        if (input.trigger !== 'handoff') throw badRequest(`${where}: a chat goes to a team's queue when it is handed off; use the handoff trigger.`, 'action_needs_handoff');
        return action;
      default: return action;
    }
  });
  return { ...input, name, conditions, actions };
}

/** What a rule's conditions are checked against, read once per event. */
export interface RuleFacts {
  text: string;
  language: 'en' | 'zh';
  pageUrl: string | null;
  handoffReason: string | null;
  intent: string | null;
  identified: boolean;
  tags: string[];
}

/** Whether every condition holds (none: always). */
export function conditionsHold(conditions: RuleCondition[], facts: RuleFacts): boolean {
  const text = folded(facts.text);
  const oneOf = (value: string | null, list: string[]) => value !== null && list.includes(folded(value));
  return conditions.every((condition) => {
    switch (condition.type) {
      case 'textContains': return condition.terms.some((term) => text.includes(folded(term)));
      case 'language': return condition.languages.includes(facts.language);
      case 'pageUrlContains': return facts.pageUrl !== null && folded(facts.pageUrl).includes(folded(condition.text));
      case 'handoffReason': return oneOf(facts.handoffReason, condition.reasons);
      case 'intent': return oneOf(facts.intent, condition.intents);
      case 'customerIdentified': return facts.identified === condition.identified;
      case 'customerTag': return facts.tags.some((tag) => condition.tags.includes(folded(tag)));
      default: return false;
    }
  });
}

async function factsOf(sql: Sql, conversationId: number): Promise<RuleFacts | null> {
  const [row] = await sql<{ text: string | null; language: string | null; page_url: string | null; handoff_reason: string | null; intent: string | null; identified: boolean; tags: string[] }[]>`
    select (select m.body from messages m where m.conversation_id = c.id and m.author_type = 'customer' order by m.id desc limit 1) as text,
           (select m.metadata->'page'->>'url' from messages m
             where m.conversation_id = c.id and m.author_type = 'customer' and m.metadata ? 'page' order by m.id desc limit 1) as page_url,
           (select m.metadata->>'intent' from messages m where m.conversation_id = c.id and m.author_type = 'bot' order by m.id desc limit 1) as intent,
           -- The language routing and the inbox go by (the bot's last answer's, else the widget's), not the widget's alone.
           ${conversationLanguage(sql)} as language,
           c.handoff_reason, cu.external_id is not null as identified, cu.tags
    from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
  if (!row) return null;
  return {
    text: row.text ?? '', language: langOf(row.language), pageUrl: row.page_url, handoffReason: row.handoff_reason,
    intent: row.intent, identified: row.identified, tags: row.tags,
  };
}

/** The intent names a rule's intent conditions hold (folded as stored), each once. */
const intentsNamed = (conditions: RuleCondition[]) =>
  [...new Set(conditions.flatMap((condition) => (condition.type === 'intent' ? condition.intents : [])))];

/**
 * Refuses a rule naming an intent that does not exist: it could never hold (the bot answers only with intents it has),
 * so the rule would silently never run. 400 `rule_intent_unknown`, naming them (`unknown_intent` is the teams' refusal of an intent id).
 */
async function checkRuleIntents(tx: Tx, conditions: RuleCondition[]): Promise<void> {
  const named = intentsNamed(conditions);
  if (!named.length) return;
  // Key-share locks until the rule is written: an intent renamed or deleted meanwhile waits for this save, and its
  // rewrite of the rules then sees this one (checked first and written after, a deletion in between left the rule
  // naming an intent that was gone).
  const found = new Set((await tx<{ name: string }[]>`select name from intents where name = any(${tx.array(named)}::text[]) for key share`).map((r) => r.name));
  const missing = named.filter((name) => !found.has(name));
  if (!missing.length) return;
  const names = missing.join(', ');
  throw worded(badRequest(`No intent is named ${names}: pick the rule's intents from the intents the bot has.`), 'rule_intent_unknown', { names });
}

/** A rule whose intent conditions an intent's rename or deletion rewrote; `disabled` when it was switched off for it. */
export interface RuleTouched { id: number; name: string; disabled: boolean }

/**
 * Rewrites the intent conditions of every rule naming `from` (called in the transaction that renames or deletes the
 * intent, so a rule never names an intent that is gone): `to` replaces it, or with `to` null it is taken out. A
 * condition left naming no intent would match every hand-off, so it is dropped and its rule disabled instead: the
 * admin decides what it should do now. Each rewritten rule is audited as a rule edit (`automation_rule.update`), with
 * why. The rules' rows are locked for the rewrite, so an admin's save of a rule at the same time waits for it.
 */
export async function rewriteRulesForIntent(tx: Sql, actorId: number | null, from: string, to: string | null): Promise<RuleTouched[]> {
  const rows = await tx<RuleRow[]>`
    select * from automation_rules
    where conditions @> ${tx.json([{ type: 'intent', intents: [from] }] as never)}::jsonb
    order by position, id for update`;
  const touched: RuleTouched[] = [];
  for (const row of rows) {
    let emptied = false;
    const conditions = row.conditions.flatMap((condition): RuleCondition[] => {
      if (condition.type !== 'intent' || !condition.intents.includes(from)) return [condition];
      const intents = [...new Set(condition.intents.flatMap((name) => (name !== from ? [name] : to ? [to] : [])))];
      if (intents.length) return [{ type: 'intent', intents }];
      emptied = true;
      return [];
    });
    const disabled = emptied && row.enabled;
    await tx`update automation_rules set conditions = ${tx.json(conditions as never)}, enabled = ${row.enabled && !emptied}, updated_at = now() where id = ${row.id}`;
    const why = to ? { intentRenamed: { from, to } } : { intentDeleted: from, ...(disabled ? { disabled: true } : {}) };
    await recordAudit(tx, actorId, 'automation_rule.update', `automation_rule:${row.id}`, { name: row.name, ...why });
    touched.push({ id: Number(row.id), name: row.name, disabled });
  }
  return touched;
}

/** CRUD for the admin routes (server/http/automation-rule-routes.ts). */
export function automationRulesService(sql: Sql) {
  return {
    async list(): Promise<AutomationRule[]> {
      return (await sql<RuleRow[]>`select * from automation_rules order by position, id`).map(toRule);
    },
    async create(createdBy: number, input: RuleInput): Promise<AutomationRule> {
      const rule = cleanedRule(input);
      await checkMacroTeams(sql, rule.actions);
      return sql.begin(async (tx) => {
        await checkRuleIntents(tx, rule.conditions);
        // Two saves at once could both pass this count: one rule over the cap, harmless.
        const [{ n, next }] = await tx<{ n: number; next: number }[]>`select count(*)::int as n, coalesce(max(position) + 1, 0)::int as next from automation_rules`;
        if (n >= MAX_AUTOMATION_RULES) throw new AppError(409, 'automation_rules_full', `There are already ${MAX_AUTOMATION_RULES} automation rules: delete one first.`);
        const [row] = await tx<RuleRow[]>`
          insert into automation_rules (name, enabled, trigger, conditions, actions, position, created_by)
          values (${rule.name}, ${rule.enabled ?? true}, ${rule.trigger}, ${tx.json(rule.conditions)}, ${tx.json(rule.actions)},
                  ${rule.position ?? Math.min(next, 10_000)}, ${createdBy})
          returning *`;
        return toRule(row!);
      });
    },
    async replace(id: number, input: RuleInput): Promise<AutomationRule> {
      const rule = cleanedRule(input);
      await checkMacroTeams(sql, rule.actions);
      return sql.begin(async (tx) => {
        await checkRuleIntents(tx, rule.conditions);
        const [row] = await tx<RuleRow[]>`
          update automation_rules set name = ${rule.name}, enabled = ${rule.enabled ?? true}, trigger = ${rule.trigger},
            conditions = ${tx.json(rule.conditions)}, actions = ${tx.json(rule.actions)},
            position = coalesce(${rule.position ?? null}::int, position), updated_at = now()
          where id = ${id} returning *`;
        if (!row) throw notFound('Automation rule');
        return toRule(row);
      });
    },
    async remove(id: number): Promise<{ name: string }> {
      const [row] = await sql<{ name: string }[]>`delete from automation_rules where id = ${id} returning name`;
      if (!row) throw notFound('Automation rule');
      return row;
    },
  };
}

const BUSY = { code: 'busy', message: 'Another change held the chat (or its labels) longer than a rule waits, so the rule did not do this.' };

/** What the chat service calls at its events (chat-service.ts `automation`); it never throws. */
export interface AutomationRunner {
  run(trigger: Trigger, conversationId: number, options?: RunOptions): Promise<void>;
}

export interface RunOptions {
  /**
   * A late run of an event's rules by the recovery sweep (new-chat-rules-recovery.ts): the server that owed them may
   * have died part-way through, so a rule whose ran / stopped line is in the chat already is not run again.
   */
  recovered?: boolean;
}

/**
 * The rules that wrote their ran / stopped line in the chat for this event: they have run there. A hand-off's count
 * from its queueing on (a chat handed off again later owes its rules again).
 */
async function rulesRunIn(sql: Sql, trigger: Trigger, conversationId: number): Promise<Set<number>> {
  const since = trigger === 'handoff'
    ? sql`and created_at >= (select queued_at from conversations where id = ${conversationId})`
    : sql``;
  const rows = await sql<{ rule_id: string }[]>`
    select distinct metadata->>'ruleId' as rule_id from messages
    where conversation_id = ${conversationId} and author_type = 'system' and metadata->>'event' in ('automation_ran', 'automation_stopped')
      ${since}`;
  return new Set(rows.map((r) => Number(r.rule_id)));
}

/**
 * Runs the enabled rules of a trigger whose conditions hold, in order, each action through its single form as the
 * rule. Rules are read from Postgres at each event — one indexed query per hand-off or new chat, never per message — so
 * an admin's change holds on every server at once, with no cache to invalidate.
 */
export function automationRunner(ctx: AppContext): AutomationRunner {
  const { sql, log } = ctx;

  async function perform(rule: { id: number; name: string }, conversationId: number, action: RuleAction, lockTimeoutMs: number): Promise<void> {
    const actor = { automationRule: rule, lockTimeoutMs };
    switch (action.type) {
      case 'addLabels':
        await changeConversationLabels(ctx, conversationId, action.labels, [], { lockTimeoutMs });
        return;
      case 'setPriority':
        await setConversationPriority(ctx, conversationId, action.priority, { lockTimeoutMs });
        return;
      case 'transferToTeam': {
        // The hand-off (or an earlier rule) tagged it with this team already: nothing to move, not a refusal.
        const [row] = await sql<{ team_id: number | null }[]>`select team_id from conversations where id = ${conversationId}`;
        if (row && Number(row.team_id) === action.teamId) return;
        await ctx.chat.transferToTeam(actor, conversationId, action.teamId);
        return;
      }
      case 'note':
        await ctx.chat.automationNote(rule, conversationId, action.text, lockTimeoutMs);
        return;
    }
  }

  /**
   * Why an action was refused, as its outcome says it: the refusal's specific reason and what it names (as a macro's
   * step records it, so the console words "at most 10 labels" rather than a bare "validation"), `busy` for a lock not
   * had in time.
   */
  function refusalOf(error: unknown, ruleId: number, conversationId: number): Refusal {
    if (error instanceof AppError) return refusalOfError(error);
    if (isLockTimeout(error)) return BUSY;
    log.error({ err: error, ruleId, conversationId }, 'automation rule action failed');
    return { code: 'error', message: 'The action failed on the server (its log says why).' };
  }

  async function runRule(rule: RuleRow, conversationId: number, deadline: number): Promise<void> {
    const ref = { id: Number(rule.id), name: rule.name };
    const { outcomes, completed } = await runActionsInOrder(
      rule.actions,
      async (action) => {
        const left = deadline - Date.now();
        // The event's rules have waited on locks for their whole budget already: the rest is not tried.
        if (left <= 0) throw new AppError(503, BUSY.code, BUSY.message);
        await perform(ref, conversationId, action, Math.min(RULE_LOCK_TIMEOUT_MS, left));
      },
      // A refusal (the team deleted since, labels over the cap, the chat taken, a lock held too long) is the rule's
      // outcome; anything else is logged too.
      (error) => refusalOf(error, ref.id, conversationId),
    );
    log.info({ ruleId: ref.id, conversationId, completed }, 'automation rule ran');
    // The line waits within the event's budget too (else each rule's line could add its own full wait), but always
    // gets a short try: it is how agents learn the rule stopped as busy.
    await ctx.chat.automationRan(ref, conversationId, outcomes, Math.max(MIN_LINE_LOCK_WAIT_MS, Math.min(RULE_LOCK_TIMEOUT_MS, deadline - Date.now())));
  }

  return {
    async run(trigger, conversationId, options = {}) {
      try {
        const deadline = Date.now() + RULES_RUN_BUDGET_MS;
        const rules = await sql<RuleRow[]>`select * from automation_rules where enabled and trigger = ${trigger} order by position, id`;
        if (!rules.length) return;
        const facts = await factsOf(sql, conversationId);
        if (!facts) return;
        const ranBefore = options.recovered ? await rulesRunIn(sql, trigger, conversationId) : null;
        for (const rule of rules) {
          if (!conditionsHold(rule.conditions, facts)) continue;
          if (ranBefore?.has(Number(rule.id))) continue;
          try {
            await runRule(rule, conversationId, deadline);
          } catch (error) {
            log.error({ err: error, ruleId: Number(rule.id), conversationId }, 'automation rule failed');
          }
        }
      } catch (error) {
        log.error({ err: error, trigger, conversationId }, 'automation rules not run');
      }
    },
  };
}
