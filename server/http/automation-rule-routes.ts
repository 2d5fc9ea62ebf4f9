// Automation rules (server/services/automation-rules.ts): admins only, every change audited (`automation_rule.*`).
// The server reads the rules at each event, so a change needs no announcement to other servers.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Ok, Timestamp } from './schemas.ts';
import { recordAudit } from '../services/audit-log.ts';
import {
  automationRulesService, MAX_AUTOMATION_RULES, MAX_RULE_ACTIONS, MAX_RULE_CONDITIONS, RuleAction, RuleBody, RuleCondition, TriggerSchema,
} from '../services/automation-rules.ts';

const RuleSchema = Type.Object({
  id: Type.Integer(), name: Type.String(), enabled: Type.Boolean(), trigger: TriggerSchema,
  conditions: Type.Array(RuleCondition), actions: Type.Array(RuleAction), position: Type.Integer(), updatedAt: Timestamp,
});
const Item = Type.Object({ item: RuleSchema });
const LIMITS = `At most ${MAX_RULE_CONDITIONS} conditions (all must hold; none = always) and 1–${MAX_RULE_ACTIONS} actions; `
  + '`handoffReason` and `intent` conditions (400 `condition_needs_handoff`) and `transferToTeam` actions (400 `action_needs_handoff`) '
  + 'only with the `handoff` trigger: a new chat has no reason and no bot answer yet; a team must exist; an `intent` condition names only '
  + 'intents that exist (400 `rule_intent_unknown`, params.names). Renaming an intent rewrites the rules naming it; deleting one takes it '
  + 'out of them and disables a rule whose intent condition is left naming none.';

export default function automationRuleRoutes(ctx: AppContext) {
  return async (app: App) => {
    const rules = automationRulesService(ctx.sql);
    const audit = (actorId: number, action: string, id: number, name: string) => recordAudit(ctx.sql, actorId, action, `automation_rule:${id}`, { name });

    app.get('/api/admin/automation-rules', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Automation rules, in the order they run',
        response: { 200: Type.Object({ items: Type.Array(RuleSchema) }), 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async () => ({ items: await rules.list() }));

    app.post('/api/admin/automation-rules', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Create an automation rule: when a trigger fires and its conditions hold, the server does its actions',
        description: `${LIMITS} 409 \`automation_rules_full\` past ${MAX_AUTOMATION_RULES} rules.`,
        body: RuleBody, response: { 201: Item, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request, reply) => {
      const item = await rules.create(request.user!.id, request.body);
      await audit(request.user!.id, 'automation_rule.create', item.id, item.name);
      return reply.status(201).send({ item });
    });

    app.put('/api/admin/automation-rules/:id', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Replace an automation rule', description: `${LIMITS} A position left out keeps the rule's place.`,
        params: IdParams, body: RuleBody, response: { 200: Item, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const item = await rules.replace(request.params.id, request.body);
      await audit(request.user!.id, 'automation_rule.update', item.id, item.name);
      return { item };
    });

    app.delete('/api/admin/automation-rules/:id', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Delete an automation rule',
        params: IdParams, response: { 200: Ok, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const removed = await rules.remove(request.params.id);
      await audit(request.user!.id, 'automation_rule.delete', request.params.id, removed.name);
      return { ok: true as const };
    });
  };
}
