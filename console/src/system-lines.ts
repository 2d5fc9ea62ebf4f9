// System lines in the chat ("Ada joined the chat.") are stored in English with an event and its parameters in the
// metadata (server/services/chat-service.ts and customer-merge.ts, workers/email-followups.ts, workers/csat-email.ts).
// The console words them in its own language from those; an event it does not know, or one missing a parameter, shows
// the stored text.
import { ApiError, errorText } from './api.ts';
import { getLocale, t, type Key } from './i18n.ts';
import type { ChatMessage } from './types.ts';

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** The codes a rule's action is really refused with (server/services/automation-rules.ts), worded for a stopped rule. */
const RULE_REFUSALS: Record<string, Key> = {
  not_found: 'system.automation_refused.not_found', validation: 'system.automation_refused.validation',
  conflict: 'system.automation_refused.conflict', chat_taken: 'system.automation_refused.chat_taken',
  busy: 'system.automation_refused.busy', error: 'system.automation_refused.error',
};

/**
 * Why a rule stopped, from its refused action's code as the macro menu words a refused step (api.ts errorText): in the
 * console's language where it knows the code — a specific reason ("too_many_labels") with what it names, or a family
 * ("validation", as lines stored before reasons were recorded have it) in general terms — else the server's English
 * sentence (the stored `reason`). As errorText does, an English console keeps the server's sentence.
 */
function automationRefusal(meta: Record<string, unknown>): string | null {
  const reason = str(meta.reason);
  const refused = Array.isArray(meta.actions)
    ? (meta.actions as unknown[]).find((a): a is Record<string, unknown> => typeof a === 'object' && a !== null && (a as { status?: unknown }).status === 'refused')
    : undefined;
  const code = str(refused?.code);
  if (!code) return reason;
  const message = str(refused?.message) ?? reason ?? '';
  if (getLocale() !== 'en' && Object.prototype.hasOwnProperty.call(RULE_REFUSALS, code)) {
    // A deleted team is the likely not_found of a rule: said as such.
    return t(code === 'not_found' && refused?.type === 'transferToTeam' ? 'system.automation_refused.team_gone' : RULE_REFUSALS[code]!);
  }
  const params = typeof refused?.params === 'object' && refused.params !== null ? refused.params as Record<string, string> : {};
  return errorText(new ApiError(0, code, message, params));
}

/** Refusal codes whose sentence speaks of a rule (it never takes a chat, it did not wait): not a macro step's words. */
const RULE_ONLY_REFUSALS = new Set(['chat_taken', 'busy']);

/**
 * Why a macro's step was refused (macro-menu.tsx), in the console's language: its specific reason (the chat resolved,
 * an agent offline) as errorText words any refusal, else its code as a rule's refused action is worded above, else the
 * server's sentence. As errorText does, an English console keeps the server's sentence.
 */
export function refusedStepText(step: { type: string; code?: string; message?: string; params?: Record<string, string> }): string {
  const code = step.code ?? 'conflict';
  // A deleted team is the likely not_found of a step sending the chat to one: said as such, before errorText's general
  // "not found".
  if (getLocale() !== 'en' && code === 'not_found' && step.type === 'transferToTeam') return t('system.automation_refused.team_gone');
  const error = new ApiError(0, code, step.message ?? '', step.params);
  const worded = errorText(error);
  // errorText gave the server's sentence back: it has no words of its own for this code.
  const unworded = worded === error.message;
  if (getLocale() === 'en' || !unworded || RULE_ONLY_REFUSALS.has(code) || !Object.prototype.hasOwnProperty.call(RULE_REFUSALS, code)) return worded;
  return t(RULE_REFUSALS[code]!);
}

export function systemLine(message: Pick<ChatMessage, 'text' | 'metadata'>): string {
  const meta = (message.metadata ?? {}) as Record<string, unknown>;
  const name = str(meta.agentName);
  switch (meta.event) {
    case 'agent_joined':
    case 'agent_transferred':
    case 'agent_left':
    case 'agent_reopened':
    case 'agent_unavailable':
    case 'agent_no_reply':
    case 'offline_answered':
      return name ? t(`system.${meta.event}` as Key, { name }) : message.text;
    case 'idle_closed':
      return typeof meta.idleHours === 'number' ? t('system.idle_closed', { hours: meta.idleHours }) : message.text;
    case 'offline_message': {
      const email = str(meta.email);
      const text = str(meta.text);
      // Anonymised, the line keeps no address or words: the generic sentence.
      return email && text ? t('system.offline_message', { email, text }) : t('system.offline_message_anonymised');
    }
    case 'agent_requeued': {
      // Returned to the queue, or sent to a team's queue, by its holder or an admin (agents always see who did it), or
      // by an automation rule (server/services/automation-rules.ts), named instead of an agent.
      const team = str(meta.teamName);
      const from = str(meta.fromAgentName);
      const rule = str(meta.ruleName);
      if (rule && team) return t('system.automation_requeued_team', { rule, team });
      if (!name) return message.text;
      if (team) return t('system.agent_requeued_team', { name, team });
      return from && from !== name ? t('system.agent_requeued_from', { name, from }) : t('system.agent_requeued', { name });
    }
    case 'agent_took_over': {
      const from = str(meta.fromAgentName);
      if (!name) return message.text;
      return from ? t('system.agent_took_over_from', { name, from }) : t('system.agent_took_over', { name });
    }
    case 'snooze_ended':
      // Private, for the holder: their snoozed chat is back (its time came, or the shopper wrote).
      return t(meta.reason === 'customer_message' ? 'system.snooze_ended_customer' : 'system.snooze_ended');
    case 'automation_ran':
    case 'automation_note':
    case 'automation_stopped': {
      // What an automation rule did in the chat (agents only), by the rule's name.
      const rule = str(meta.ruleName);
      const text = str(meta.text);
      if (!rule) return message.text;
      if (meta.event === 'automation_note') return text ? t('system.automation_note', { rule, text }) : message.text;
      if (meta.event === 'automation_stopped') {
        const reason = automationRefusal(meta);
        return reason ? t('system.automation_stopped_reason', { rule, reason }) : t('system.automation_stopped', { rule });
      }
      return t('system.automation_ran', { rule });
    }
    case 'email_followup': {
      const to = str(meta.to);
      return to ? t('system.email_followup', { to }) : t('system.email_followup_anonymised');
    }
    case 'csat_email':
      // Private, for the agents: the rating was asked by email (workers/csat-email.ts).
      return t('system.csat_email');
    case 'merge_closed':
    case 'merge_continued': {
      // Private, for the agents: a customer merge closed one of the person's two open chats (customer-merge.ts); each
      // chat's note names the other.
      const { mergedId: merged, keptCustomerId: kept } = meta;
      const chat = meta.event === 'merge_closed' ? meta.continuedIn : meta.closedChat;
      if (typeof merged !== 'number' || typeof kept !== 'number' || typeof chat !== 'number') return message.text;
      return t(`system.${meta.event}`, { merged, kept, chat });
    }
    default:
      return message.text;
  }
}
