// The chat loop: shopper and agent messages, the bot's turn, hand-off,
// assignment, transfer, resolve and reopen. Every change is stored in Postgres
// first, then announced over the realtime gateway, and its interaction event
// is queued for the workers before the sender gets its ack — except while Redis
// is away: a message's events are then left to the owed-events sweep, a state
// change's are logged as lost (queueChangeEvents), and a rating is stored here
// with the worker's own code (storeFeedback), so the sender is never told that
// a saved change failed.
import { createHash } from 'node:crypto';
import type { Sql } from '../db/client.ts';
import type { Config } from '../config.ts';
import type { FeedbackJob, InteractionEvent } from '../interaction-events.ts';
import type { ChatMessage, ConversationSummary, FileMetadata, ShopperPage, UnavailableReason } from '../realtime/event-maps.ts';
import { shopperPage } from './shopper-page.ts';
import { mentionedTeammates } from './mentions.ts';
import { AGENT_HISTORY_PAGE, botReplyClientId, conversationsRepository, forShopper, SHOPPER_HISTORY_PAGE, toChatMessage, toSummary, type ConversationRow, type MessageRow } from '../repositories/conversations.ts';
import { customersRepository, deletedCustomer, liveCustomer } from '../repositories/customers.ts';
import { withKeptCustomer } from '../repositories/kept-customers.ts';
import { lockCustomerChats } from '../repositories/customer-chat-lock.ts';
import { routingRepository, seatsTaken, type Assignment } from '../repositories/routing.ts';
import { shownName, usersRepository } from '../repositories/users.ts';
import { AppError, badRequest, conflict, forbidden, notFound, worded } from '../errors.ts';
import { heldByOther } from './held-by-other.ts';
import { agentUnavailable, cannotTakeChats, changedMeanwhile, resolvedReopenFirst } from './chat-refusals.ts';
import type { Responder, ResponderDecision } from './responder.ts';
import type { RealtimeOut } from './realtime-out.ts';
import { botModeOf, csatAskOf, loadWidgetSettings, withinBusinessHours, type WidgetSettings } from './widget-settings.ts';
import { createMicroBatcher } from './micro-batcher.ts';
import type { FollowupScheduler } from './email-followup-queue.ts';
import type { AgentAlerts } from './agent-email-alerts.ts';
import type { CsatEmailScheduler } from './csat-email-queue.ts';
import { markLeftMessageAnswered, markLeftMessagesAnsweredInChat } from './offline-messages.ts';
import { createSnooze } from './snooze.ts';
import { offerLeaveMessageIfNobodyCanAnswer } from './routing-unavailable.ts';
import { recordAudit } from './audit-log.ts';
import { langOf } from '../../knowledge-base/text/language.ts';
import { decisionInShoppersScript, inShoppersScript, replyLocale } from './chinese-script.ts';
import type { AutomationRunner, RunOptions, Trigger } from './automation-rules.ts';
import { owedRulesHoldMs } from './new-chat-rules-recovery.ts';
import { forShopperMessages } from './shopper-agent-names.ts';
import { withLockTimeout } from '../db/lock-timeout.ts';
import { agentProductCards } from './agent-products.ts';
import { isShoppersConversation, shoppersConversation } from './shopper-conversation.ts';
import { saveWidgetTypedProfile } from './widget-typed-profile.ts';
import { emailOptedOut } from './email-unsubscribe.ts';
import { writeFeedback } from '../../workers/feedback-store.ts';
import { agentMessageEvent, botDecisionEvent, botReplyEvent, conversationStartedEvent, conversationStartedKey, interactionEvent, shopperMessageEvent } from './message-events.ts';

export interface EventSink {
  enqueueInteractions(events: InteractionEvent[]): Promise<void>;
  enqueueFeedback(job: FeedbackJob): Promise<void>;
}

export interface ChatServiceDeps {
  config: Config;
  sql: Sql;
  events: EventSink;
  realtime: RealtimeOut;
  /** Looked up per turn so a hot-reloaded brain takes effect at once. */
  responder: () => Responder;
  log: { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
  /** Email follow-up of agent replies the shopper misses (only when SMTP_URL is set). */
  followups?: FollowupScheduler;
  /** Email alerts to agents away from the console (only when SMTP_URL is set). */
  agentAlerts?: AgentAlerts;
  /** Asks by email for the rating of a person's chat its shopper was not there to rate (only when SMTP_URL is set). */
  csatEmails?: CsatEmailScheduler;
  /** The admins' automation rules (automation-rules.ts), run at a hand-off and when a shopper starts a chat. */
  automation?: () => AutomationRunner | undefined;
}

/**
 * An automation rule acting on a chat (automation-rules.ts): no person does it, so no person's permissions apply (an
 * admin wrote the rule), and the lines and history name the rule instead of an agent.
 */
export interface AutomationActor {
  automationRule: { id: number; name: string };
  /** How long the rule's statements may wait for a lock (automation-rules.ts): a rule never queues behind a long change. */
  lockTimeoutMs?: number;
}
type StaffActor = { id: number; role: 'agent' | 'admin'; name: string };

export interface SendResult {
  id: number;
  conversationId: number;
  createdAt: string;
  duplicate: boolean;
}

const BOT_NAME = 'Bot';

export interface BotTurnOptions {
  /** A turn the recovery sweep runs for a question left unanswered (bot-turn-recovery.ts), not the live one. */
  recovered?: boolean;
}

/** Rolls back a bot turn's transaction when its reply was stored by another turn already. */
const ANSWERED_ALREADY = new Error('the question was answered by another bot turn');

/**
 * A file the shopper sent goes to a person: the bot cannot look at a photo of a damaged parcel, and answering the
 * caption alone would ignore what the shopper sent it for.
 */
function attachmentHandoff(locale: string): ResponderDecision {
  const zh = langOf(locale) === 'zh';
  return {
    action: 'handoff',
    reply: zh ? `${FILE_RECEIVED.zh}正在为您转接人工客服查看。` : `${FILE_RECEIVED.en} I'm passing the chat to a person who can look at it.`,
    metadata: { decision: 'handoff', reason: 'attachment', intent: null, confidence: 1, articles: [], encoder: 'none' },
  };
}

const attachmentsOf = (metadata: Record<string, unknown>) => (Array.isArray(metadata.attachments) ? metadata.attachments : []);

const FILE_RECEIVED = { en: "Thanks, I've got your file.", zh: '已收到您的文件。' };

/** The bot's hand-off reply when nobody can take the chat; the widget shows the shop's offline message and form beside it. */
const NOBODY_TO_CONNECT: Record<UnavailableReason, { en: string; zh: string }> = {
  no_agents_online: {
    en: "Nobody from our team is online right now, so I can't connect you. Leave your email and message and we'll get back to you.",
    zh: '我们的客服现在都不在线，暂时无法为您转接。请留下您的邮箱和留言，我们会尽快回复您。',
  },
  after_hours: {
    en: "Our team is away right now (we are outside our opening hours), so I can't connect you. Leave your email and message and we'll get back to you.",
    zh: '现在不在我们的服务时间内，暂时无法为您转接人工客服。请留下您的邮箱和留言，我们会尽快回复您。',
  },
};

/**
 * A hand-off asked for again while nobody can answer: not the whole "nobody can" again, and not silence either. The
 * form is on screen until the shopper has left a message; after that it is gone, and their message is what counts.
 */
const STILL_NOBODY = {
  form: {
    en: "Still nobody from the team free, I'm afraid: leave your email in the form above and they'll reply.",
    zh: '目前仍没有客服有空：请在上方表单留下您的邮箱，我们会回复您。',
  },
  messageLeft: {
    en: "Still nobody from the team free, I'm afraid. Your message is with them, and they'll reply by email.",
    zh: '目前仍没有客服有空。您的留言已转给他们，他们会通过邮件回复您。',
  },
};

/** The files part of a message's metadata (none when it carries no file). */
const fileMetadata = (input: FileMetadata) =>
  input.attachments?.length ? { attachments: input.attachments, ...(input.fileOnly ? { fileOnly: true } : {}) } : {};

export function createChatService(deps: ChatServiceDeps) {
  const { sql, realtime, events, log } = deps;
  const conversations = conversationsRepository(sql);
  const customers = customersRepository(sql);
  const routing = routingRepository(sql);
  const users = usersRepository(sql);
  // Bot turns of one conversation run one after another, so replies keep the order of the questions.
  const botTurns = new Map<number, Promise<void>>();
  // A new chat's rules while they run on this server (publishCustomerMessage): a hand-off the shopper asks for waits
  // for them, not for the bot's turn behind them. Each promise comes from inChatOrder, so it never rejects.
  const newChatRules = new Map<number, Promise<void>>();
  // Only this server's own runs: rules owed to another server's recovery sweep are not waited for (nothing here would
  // tell when they are done), so such a hand-off goes ahead, and the sweep then runs them only on a chat still untaken.
  const awaitedByHandoff = (conversationId: number, rules: Promise<void>) => {
    newChatRules.set(conversationId, rules);
    void rules.finally(() => {
      if (newChatRules.get(conversationId) === rules) newChatRules.delete(conversationId);
    });
  };
  // Concurrent shopper messages share one INSERT and one commit (group commit: one batch in flight, the next gathers).
  // A batch refused for what may be one message's fault (SQLSTATE class 22, a value Postgres cannot store; class 23, a
  // constraint, e.g. a conversation deleted meanwhile) is inserted again message by message: only that one fails.
  const insertFast = createMicroBatcher((items: Parameters<typeof conversations.insertCustomerMessagesFast>[0]) => conversations.insertCustomerMessagesFast(items), {
    maxItems: 200, maxInFlight: 1, retryAlone: (error) => /^2[23][0-9A-Z]{3}$/.test(String((error as { code?: unknown } | null)?.code ?? '')),
  });

  // One key per resolution (a reopened chat resolved again is a new event), whoever resolved it.
  const resolvedEvent = (conversationId: number, customerId: number, resolvedAt: Date, payload: Record<string, unknown>) =>
    interactionEvent('resolved', `resolved:${conversationId}:${resolvedAt.getTime()}`, customerId, conversationId, payload, resolvedAt);

  /**
   * Queues the history events of a message already stored and announced: the sender's ack and what follows (alerts,
   * the bot's turn, a hand-off) do not hang on Redis. Events that do not get through are logged here and queued later
   * by the owed-events sweep (owed-events.ts), which finds stored messages without their event.
   */
  async function queueMessageEvents(batch: InteractionEvent[], conversationId: number): Promise<void> {
    try {
      await events.enqueueInteractions(batch);
      retellRatingsStoredDuringOutage();
    } catch (error) {
      log.warn({ err: error, conversationId, keys: batch.map((e) => e.idempotencyKey) }, 'message events not queued; the owed-events sweep will queue them');
    }
  }

  /**
   * Queues the history events of a change already committed that the owed-events sweep cannot rebuild (a hand-off, an
   * assignment, a silent turn's decision, a resolve or reopen (the idle sweeps' too), a snooze or its wake, a chat sent
   * back to a queue, a left message, the start of a chat an agent began, a customer merge): with Redis away they are
   * lost, said here, and what follows the change (the shopper told nobody can answer, the chat assigned, the agent's
   * success, the rating email after an idle close) still happens instead of failing with them.
   */
  async function queueChangeEvents(batch: InteractionEvent[], conversationId: number | null): Promise<void> {
    try {
      await events.enqueueInteractions(batch);
      retellRatingsStoredDuringOutage();
    } catch (error) {
      log.error({ err: error, conversationId, keys: batch.map((e) => e.idempotencyKey) }, 'history events not queued (Redis away?); they are lost');
    }
  }

  /**
   * A rating or a "was this helpful?" answer: queued for the feedback worker, or, when that fails (Redis away), stored
   * here with the worker's own code. No sweep rebuilds a rating from elsewhere, so it is never left to a later retry.
   * Storing is keyed by the rating (writeFeedback upserts on its idempotency key, and its webhook deliveries and
   * timeline event on keys of their own): a job that did reach Redis before the failure, run later, changes nothing.
   * The webhook deliveries written here are queued by the worker's sweeper of pending deliveries. The consoles are told
   * here too, as the worker tells them of a rating it stores (customer-changes.ts): an open customer panel or chat view
   * shows it without a reload. Sent straight to the consoles, since Redis is away: this server's hear it at once; the
   * other servers' may not (the adapter's publish waits for Redis, but reaches a server whose subscription is back
   * only by luck), so it is said again once Redis is back (retellRatingsStoredDuringOutage).
   */
  async function storeFeedback(job: FeedbackJob): Promise<void> {
    try {
      await events.enqueueFeedback(job);
      retellRatingsStoredDuringOutage();
    } catch (error) {
      log.warn({ err: error, key: job.idempotencyKey }, 'feedback not queued; stored directly');
      const stored = await writeFeedback(sql, job);
      if (stored.feedbackId !== null) {
        realtime.toAgents('customer:updated', { customerId: stored.customerId });
        ratedDuringOutage.add(stored.customerId);
      }
    }
  }

  /**
   * The customers rated through storeFeedback's direct path, told again to every server's consoles at the first enqueue
   * that gets through afterwards: the queue taking a job is this service's sign that Redis is back. (A panel that heard
   * the first telling reloads twice; the set is lost with a restart, as a worker's failed publish is: a stale panel
   * until its next reload.)
   */
  const ratedDuringOutage = new Set<number>();
  function retellRatingsStoredDuringOutage(): void {
    for (const customerId of ratedDuringOutage) realtime.toAgents('customer:updated', { customerId });
    ratedDuringOutage.clear();
  }

  async function summary(conversationId: number): Promise<ConversationSummary> {
    const row = await conversations.findById(conversationId);
    if (!row) throw notFound('Conversation');
    return toSummary(row);
  }

  async function announceConversation(conversationId: number): Promise<ConversationSummary> {
    const conversation = await summary(conversationId);
    realtime.toWidgetConversation(conversationId, 'conversation:updated', forShopper(conversation));
    realtime.toAgents('conversation:updated', conversation);
    return conversation;
  }

  /**
   * A line in the chat from the system. `metadata.event` and its parameters are what clients render, each in its
   * reader's language (widget and console); the English `text` is kept for transcripts, exports and older clients.
   */
  async function systemMessage(conversationId: number, text: string, metadata: Record<string, unknown> & { event: string }, options: { private?: boolean; lockTimeoutMs?: number } = {}): Promise<ChatMessage> {
    const stored = { conversationId, authorType: 'system' as const, body: text, metadata, private: options.private ?? false };
    // A rule's line waits for a lock no longer than the rule's actions do (lockTimeoutMs).
    const { message } = options.lockTimeoutMs
      ? await withLockTimeout(sql, options.lockTimeoutMs, (tx) => conversationsRepository(tx as unknown as Sql).insertMessage(stored))
      : await conversations.insertMessage(stored);
    const line = toChatMessage(message);
    realtime.announceMessage(line);
    return line;
  }

  /**
   * A stored shopper message goes out, from the widget or by email alike: to the chat's clients (but the tab that
   * sent it, which has its ack), its history events queued (with the conversation's start when it began one), and
   * the holder told when it woke a snoozed chat (its insert did, see conversations.insertMessage).
   */
  async function announceShopperMessage(customerId: number, message: MessageRow, how: { started: ConversationRow | null; channel: 'widget' | 'email'; senderSocketId?: string; woke: boolean }): Promise<void> {
    const conversationId = message.conversation_id;
    realtime.announceMessage(toChatMessage(message), how.senderSocketId);
    const batch = [shopperMessageEvent(message, customerId)];
    if (how.started) {
      batch.unshift(conversationStartedEvent(how.started, customerId, how.channel));
      realtime.toAgents('conversation:updated', toSummary(how.started));
      // The shopper's other tabs (joined to the chat with the customer's room) learn of it now, not at the first
      // reply: while the bot has it, or a queue waits, nothing else would tell them (the widget takes a newer chat).
      realtime.toWidgetConversation(conversationId, 'conversation:updated', forShopper(toSummary(how.started)));
    }
    await queueMessageEvents(batch, conversationId);
    alertAgents((alerts) => alerts.shopperWrote(conversationId, message.id));
    if (how.woke) await snooze.afterShopperWoke(conversationId);
  }

  /** An agent answered or resolved the chat: the messages left in it that still waited are answered there. */
  async function answerLeftMessagesInChat(conversationId: number, agentId: number): Promise<void> {
    for (const answered of await markLeftMessagesAnsweredInChat(sql, conversationId, agentId)) {
      realtime.toAgents('offline:handled', { id: answered.id, handledBy: answered.handledBy });
    }
  }

  // Another visitor's conversation, or one imported from another tool, is reported as missing (shopper-conversation.ts).
  const ownConversation = (row: ConversationRow | undefined, customerId: number): ConversationRow => shoppersConversation(row, customerId);

  function messageText(text: string): string {
    const trimmed = text.trim();
    if (!trimmed) throw badRequest('Message text is empty.');
    if (trimmed.length > deps.config.maxMessageChars) throw badRequest(`Message text is longer than ${deps.config.maxMessageChars} characters.`, 'too_large');
    return trimmed;
  }

  /** A bot message in one of this shopper's chats (what "Was this helpful?" rates); anyone else's is not found. */
  async function ownBotAnswer(customerId: number, messageId: number) {
    const [message] = await sql<{ conversation_id: number; customer_id: number; metadata: { articles?: { id: number }[]; askHelpful?: boolean; intent?: unknown } }[]>`
      select m.conversation_id, c.customer_id, m.metadata from messages m join conversations c on c.id = m.conversation_id
      where m.id = ${messageId} and m.author_type = 'bot' and c.imported_from is null`;
    if (!message || message.customer_id !== customerId) throw notFound('Message');
    return message;
  }

  /** The chats are resolved: their shoppers may be asked for a rating by email later. A queue failure is logged, not thrown. */
  async function askRatingByEmail(conversationIds: number[]): Promise<void> {
    for (const conversationId of conversationIds) {
      try {
        await deps.csatEmails?.resolved(conversationId);
      } catch (error) {
        log.warn({ err: error, conversationId }, 'rating email not queued');
      }
    }
  }

  /** Tells the agent-alert emails of an event; never waited on nor failing the chat (an alert lost is only that). */
  function alertAgents(report: (alerts: AgentAlerts) => Promise<void>): void {
    if (deps.agentAlerts) report(deps.agentAlerts).catch((error: unknown) => log.warn({ err: error }, 'agent email alert not recorded'));
  }

  /**
   * A reply the shopper may miss (they closed the tab) is emailed later if still unseen, when the shopper left an
   * address and did not unsubscribe. The reply is stored and delivered already: a queue failure is logged, not thrown.
   */
  async function scheduleFollowup(conversationId: number, customerId: number, messageId: number): Promise<void> {
    if (!deps.followups) return;
    try {
      const [customer] = await sql<{ reachable: boolean }[]>`
        select cu.email is not null and not ${emailOptedOut(sql, 'cu')} as reachable from customers cu where cu.id = ${customerId}`;
      if (customer?.reachable) await deps.followups.replied(conversationId, messageId);
    } catch (error) {
      log.warn({ err: error, conversationId }, 'email follow-up not queued');
    }
  }

  /**
   * Why no person can take a chat now, or null when someone can. An agent online answers whatever the business hours
   * say (assignment does not read them, and a shopper must not be told "nobody can" just before someone joins); with
   * nobody online, the hours only choose the words: outside them, or simply nobody there.
   */
  async function whyNobodyCanAnswer(settings: WidgetSettings): Promise<UnavailableReason | null> {
    if ((await users.countOnlineAgents()) > 0) return null;
    return withinBusinessHours(settings) ? 'no_agents_online' : 'after_hours';
  }

  /**
   * Whether a chat still with the bot goes to a person before the bot answers (widget settings `botMode`): always with
   * `never`; with `when_team_unavailable`, while someone can take it (whyNobodyCanAnswer, as assignment sees it) and
   * the bot has not spoken in the chat yet — a chat the bot took at night stays its conversation (its quick replies,
   * its follow-ups), and "Talk to a person" or the bot's own hand-off reaches whoever is online now.
   */
  async function peopleAnswerFirst(conversationId: number, settings: WidgetSettings): Promise<boolean> {
    const mode = botModeOf(settings);
    if (mode === 'always') return false;
    if (mode === 'never') return true;
    if ((await whyNobodyCanAnswer(settings)) !== null) return false;
    const [botSpoke] = await sql`select 1 from messages where conversation_id = ${conversationId} and author_type = 'bot' limit 1`;
    return !botSpoke;
  }

  /** `extra` goes into the history event (who chose the agent, a take-over, an admin's reason to exceed a capacity). */
  async function afterAssignment(assignment: Assignment, how: 'assigned' | 'accepted' | 'transferred', fromAgentId?: number, extra: Record<string, unknown> = {}): Promise<ConversationSummary> {
    // The notice is stored before anyone hears of the assignment, so a client that reacts to it and resyncs sees the notice.
    // The shopper reads the name the agent shows customers (forShopperMessage); colleagues read the full name.
    const shown = assignment.agentShownName;
    const text = how === 'transferred' ? `The chat was transferred to ${shown}.` : `${shown} joined the chat.`;
    await systemMessage(assignment.conversationId, text, {
      event: how === 'transferred' ? 'agent_transferred' : 'agent_joined', agentId: assignment.agentId, agentName: assignment.agentName, agentShownName: shown,
    });
    const conversation = await announceConversation(assignment.conversationId);
    realtime.toAgent(assignment.agentId, 'conversation:assigned', conversation);
    // A chat the agent took themselves needs no alert.
    if (how !== 'accepted') alertAgents((alerts) => alerts.assigned(assignment.agentId, assignment.conversationId));
    const type = how === 'transferred' ? 'transferred' : 'assigned';
    await queueChangeEvents([
      interactionEvent(type, `${type}:${assignment.conversationId}:${assignment.assignedAt.getTime()}`, assignment.customerId, assignment.conversationId,
        { agentId: assignment.agentId, agentName: assignment.agentName, how, fromAgentId: fromAgentId ?? null, waitSeconds: assignment.queuedAt ? Math.round((assignment.assignedAt.getTime() - assignment.queuedAt.getTime()) / 1000) : null, ...extra }, assignment.assignedAt),
    ], assignment.conversationId);
    return conversation;
  }

  /**
   * Someone who would get a chat they did not choose must be at a console (online or away): an offline agent would not
   * see it, and the sweep of chats held by absent agents would send it back to the queue a minute later with "X is no
   * longer available" to the shopper.
   */
  async function reachableAgent(agentId: number, verb: string): Promise<NonNullable<Awaited<ReturnType<typeof users.findById>>>> {
    const target = await users.findById(agentId);
    if (!target?.active) throw agentUnavailable();
    if (target.presence === 'offline') {
      throw worded(new AppError(409, 'agent_offline', `${target.name} is offline and would not see this chat. ${verb} it to someone online or away, or mention them in a note.`), null, { name: target.name });
    }
    return target;
  }

  /**
   * A chat a person put back in the queue (return to queue, transfer to a team): one line in the chat, the history
   * event, consoles told, the leave-a-message offer when nobody can answer, then an assignment pass. The shopper sees
   * the line only when a person had already answered them ("X is no longer available. We're finding someone else"):
   * before any reply the widget's waiting state says enough, and a "joined … back to the queue … joined" run of lines
   * is noise. Agents always see it, worded for them in the console (`agent_requeued`).
   */
  async function afterRequeue(row: ConversationRow, actor: { id: number; name: string } | AutomationActor, previousHolder: number | null, team?: { id: number; name: string }): Promise<ConversationSummary> {
    const rule = 'automationRule' in actor ? actor.automationRule : null;
    const person = 'automationRule' in actor ? null : actor;
    const actorName = rule ? `Automation rule "${rule.name}"` : person!.name;
    const from = previousHolder !== null ? await users.findById(previousHolder) : undefined;
    // A rule's line is for agents only, always: a rule takes a chat from nobody (transferToTeam), and its name is the team's business.
    const told = !rule && Boolean(from) && row.first_response_at !== null;
    // A line the shopper reads names both people as shoppers are told (forShopperMessage).
    const actorShown = told && person ? await users.findById(person.id) : undefined;
    const text = told ? `${shownName(from!)} is no longer available. We're finding someone else to help you.`
      : team ? `${actorName} sent the chat to the ${team.name} queue.` : `${actorName} returned the chat to the queue.`;
    await systemMessage(row.id, text, {
      // A rule's line names the rule (ruleName), which the console words as an automation's; it has no agent.
      event: 'agent_requeued', ...(person ? { agentId: person.id, agentName: person.name } : { ruleId: rule!.id, ruleName: rule!.name }),
      ...(told ? { agentShownName: actorShown ? shownName(actorShown) : actorName, fromAgentShownName: shownName(from!) } : {}),
      ...(from ? { fromAgentId: from.id, fromAgentName: from.name } : {}), ...(team ? { teamId: team.id, teamName: team.name } : {}),
    }, { private: !told, lockTimeoutMs: 'automationRule' in actor ? actor.lockTimeoutMs : undefined });
    await announceConversation(row.id);
    const at = new Date();
    await queueChangeEvents([
      interactionEvent('transferred', `transferred:${row.id}:queue:${at.getTime()}`, row.customer_id, row.id,
        { agentId: null, agentName: null, how: team ? 'team' : 'requeued', fromAgentId: from?.id ?? null, byAgentId: person?.id ?? null, teamId: team?.id ?? null, teamName: team?.name ?? null,
          ...(rule ? { automationRuleId: rule.id, automationRuleName: rule.name } : {}) }, at),
    ], row.id);
    // Taken from someone while nobody can answer: the leave-a-message offer (a queued chat re-tagged had it already).
    if (previousHolder !== null) await offerLeaveMessageIfNobodyCanAnswer({ sql, realtime, whyNobodyCanAnswer }, [row.id]);
    // A rule runs during a hand-off, whose own assignment pass follows all its rules (handedOff): assigning here would
    // give the chat away before a later rule's priority or labels land.
    if (!rule) await service.assignPending();
    // The pass may have given it to someone already: answer with the chat as it is now.
    return summary(row.id);
  }

  /** The automation rules of an event (automation-rules.ts); the runner logs its own failures and never throws. */
  async function runAutomation(trigger: Trigger, conversationId: number, options: RunOptions = {}): Promise<void> {
    const runner = deps.automation?.();
    if (runner) await runner.run(trigger, conversationId, options);
    // The chat no longer owes the event's rules (migrations 056, 062): the recovery sweep leaves it. Cleared once they
    // ran (the runner has logged any failure, and a rule that failed is not retried, late or live); if this update
    // fails, the sweep's late run skips the rules whose line is in the chat.
    await rulesNoLongerOwed(trigger, conversationId)
      .catch((error: unknown) => log.warn({ err: error, conversationId, trigger }, 'automation rules not marked done'));
  }

  async function rulesNoLongerOwed(trigger: Trigger, conversationId: number): Promise<void> {
    if (trigger === 'conversation_created') {
      await sql`update conversations set new_chat_rules_owed = false where id = ${conversationId} and new_chat_rules_owed`;
      return;
    }
    // Also, the automatic pass left the chat alone while its hand-off rules ran (routing.enqueue): it may take it now.
    // If this fails, the deadline stored with the hand-off frees it a few seconds later.
    await sql`update conversations set rules_pending_until = null, handoff_rules_owed = false
              where id = ${conversationId} and (rules_pending_until is not null or handoff_rules_owed)`;
  }

  /**
   * Whether rules owed since a killed server still make sense now (runOwedRules): the chat still open and held by
   * nobody (the condition a rule's transfer checks), its customer not deleted; a new chat's first message stored, a
   * hand-off's chat still waiting in the queue.
   */
  const stillOwedFor: Record<Trigger, (sql: Sql) => ReturnType<Sql>> = {
    conversation_created: (q) => q`c.status in ('bot', 'queued') and c.assignee_id is null and c.anonymised_at is null
      and exists (select 1 from messages m where m.conversation_id = c.id and m.author_type = 'customer')`,
    handoff: (q) => q`c.status = 'queued' and c.assignee_id is null and c.anonymised_at is null`,
  };

  // Snoozing (snooze.ts); its wakes reuse the assignment and release paths below.
  const snooze = createSnooze({
    sql, offlineAgentReleaseMinutes: deps.config.offlineAgentReleaseMinutes, enqueueInteractions: (batch) => queueChangeEvents(batch, batch[0]?.conversationId ?? null),
    event: interactionEvent, systemMessage: (...line) => systemMessage(...line).then(() => undefined), announceConversation,
    assignPending: () => service.assignPending(),
    releaseHeldChats: (filter) => service.releaseHeldChats(filter),
  });

  const service = {
    summary,
    ...snooze,
    /** Also for changes committed outside this service (a customer merge's, customer-merge.ts): one way for all of them. */
    queueChangeEvents,

    /** Waits for bot turns in flight (shutdown: they still need Redis and Postgres). */
    async drain(): Promise<void> {
      while (botTurns.size) await Promise.allSettled([...botTurns.values()]);
    },

    async currentConversation(customerId: number, preferredId?: number): Promise<{ conversation: ConversationSummary | null; messages: ChatMessage[]; hasEarlier: boolean }> {
      // The chat a resume link brought (merged into this browser's record) comes first; another customer's never.
      const preferred = preferredId ? await conversations.findById(preferredId) : undefined;
      // An imported chat (another tool's history) is the team's record, never the shopper's chat in the widget.
      const row = (isShoppersConversation(preferred, customerId) ? preferred : undefined)
        ?? (await conversations.findOpenForCustomer(customerId)) ?? (await conversations.findLatestForCustomer(customerId));
      if (!row) return { conversation: null, messages: [], hasEarlier: false };
      // The newest messages: a long chat opens where it stands now (the widget's sync then goes on from its newest).
      const { messages, hasEarlier } = await conversations.latestMessages(row.id, false, SHOPPER_HISTORY_PAGE);
      // Agents by the names they show customers now, not the ones stored with older lines (shopper-agent-names.ts).
      return { conversation: forShopper(toSummary(row)), messages: await forShopperMessages(sql, messages.map(toChatMessage)), hasEarlier };
    },

    async customerMessage(customerId: number, input: { clientId: string; text: string; conversationId?: number; writtenIn?: number; quickReply?: string; page?: ShopperPage; locale?: string; senderSocketId?: string } & FileMetadata): Promise<SendResult> {
      const text = messageText(input.text);
      const page = shopperPage(input.page);
      const metadata = { ...(input.quickReply ? { quickReply: input.quickReply } : {}), ...(page ? { page } : {}), ...fileMetadata(input) };
      const locale = input.locale ?? 'en';
      // `writtenIn` (the widget's outbox): the chat on screen when the shopper wrote it. A resend after a lost ack may
      // come after that chat was closed and another one started: the message belongs to the chat it answers, not there.
      if (input.writtenIn !== undefined && input.conversationId !== undefined && input.writtenIn !== input.conversationId) {
        throw badRequest('writtenIn and conversationId name different conversations.');
      }
      const conversationId = input.writtenIn ?? input.conversationId;
      /** A repeat of a message stored before: the first attempt may have stored it and failed to queue its event. */
      const repeated = async (message: MessageRow, conversation: ConversationRow): Promise<SendResult> => {
        await queueMessageEvents([shopperMessageEvent(message, conversation.customer_id)], conversation.id);
        return { id: message.id, conversationId: conversation.id, createdAt: message.created_at.toISOString(), duplicate: true };
      };
      const stored = await insertFast({ customerId, conversationId: conversationId ?? null, clientId: input.clientId, body: text, metadata });
      if (stored) return this.publishCustomerMessage(customerId, stored.message, stored.status, null, locale, input.senderSocketId, stored.woke);
      // First message, a repeat, a closed or a foreign conversation: the general path sorts out which.
      let row: ConversationRow | undefined;
      if (conversationId !== undefined) {
        row = ownConversation(await conversations.findById(conversationId), customerId);
        if (row.status === 'resolved' && input.writtenIn !== undefined) {
          // Stored there before it closed (the ack was lost): that message. Otherwise refused: the widget shows it as
          // not sent, and the shopper's Retry sends it as a new question.
          const [earlier] = await sql<MessageRow[]>`
            select m.*, null as author_name from messages m where m.conversation_id = ${row.id} and m.client_id = ${input.clientId} and m.author_type = 'customer'`;
          if (earlier) return repeated(earlier, row);
          throw worded(conflict('This chat has ended. Retry to send it in a new chat.'), 'conversation_resolved');
        }
        // A resolved chat is closed: a new question starts a new conversation (its client id scope is new too).
        if (row.status === 'resolved') row = undefined;
      }
      let started: ConversationRow | null = null;
      if (!row) {
        // The customer's open chat, else a new one, decided under their chat lock: two tabs sending a first message at
        // once start one chat. A resend after a lost ack, of a message stored in a chat resolved since, is that message.
        const chosen = await conversations.openOrCreate(customerId, input.clientId, 'widget');
        if (chosen.earlier) return repeated(chosen.earlier, chosen.row);
        row = chosen.row;
        if (chosen.created) started = row;
        // Started on the record the customer is kept in (a sign-in merge may have committed since the token was read):
        // the rest of this message (its tabs, history, the bot's turn) is that record's too.
        customerId = row.customer_id;
        // A chat already open (another tab's, a reopened one) may be one this tab has not joined yet.
        await realtime.joinCustomerToConversation(customerId, row.id);
      }
      const { message, duplicate, woke } = await conversations.insertMessage({ conversationId: row.id, authorType: 'customer', clientId: input.clientId, body: text, metadata });
      // Queueing its event again is harmless (the idempotency key makes the worker write it once) and closes that gap.
      if (duplicate) return repeated(message, row);
      return this.publishCustomerMessage(customerId, message, row.status, started, locale, input.senderSocketId, woke);
    },

    /** Announces a newly stored shopper message, queues its history events, and gives the bot its turn. */
    async publishCustomerMessage(customerId: number, message: MessageRow, status: ConversationRow['status'], startedConversation: ConversationRow | null, locale: string, senderSocketId?: string, wokeSnoozed = false): Promise<SendResult> {
      const conversationId = message.conversation_id;
      await announceShopperMessage(customerId, message, { started: startedConversation, channel: 'widget', senderSocketId, woke: wokeSnoozed });
      // A new chat's rules run after the shopper's ack (they may wait on locks; the widget's ack does not), first in the
      // chat's chain of bot turns: the bot's turn for this message starts once they are done, so a label, priority or
      // note they add is there when it answers or hands off (and the hand-off's own rules run after them).
      if (startedConversation) awaitedByHandoff(conversationId, this.inChatOrder(conversationId, () => runAutomation('conversation_created', conversationId)));
      // A queued chat gets a turn too: the bot answers while nobody can take it (botTurn decides).
      if (status === 'bot' || status === 'queued') this.scheduleBotTurn(conversationId, customerId, message, locale);
      return { id: message.id, conversationId, createdAt: message.created_at.toISOString(), duplicate: false };
    },

    /**
     * The rules of an event (a new chat, a hand-off) a killed server never ran, run late for the recovery sweep that
     * claimed the chat (new-chat-rules-recovery.ts). Like the live run, in the chat's chain (a bot turn this server
     * recovers for the chat runs after a new chat's rules); a new chat's are waited for by a hand-off asked for on this
     * server, and a hand-off's are followed by the assignment pass they had held back. Only where the live run would
     * still make sense (stillOwedFor); any other chat just stops owing them (an agent's chat gets no labels or notes out
     * of nowhere). Never rejects (inChatOrder).
     */
    runOwedRules(trigger: Trigger, conversationId: number): Promise<void> {
      const owedColumn = trigger === 'conversation_created' ? 'new_chat_rules_owed' : 'handoff_rules_owed';
      const rules = this.inChatOrder(conversationId, async () => {
        const [row] = await sql<{ owed: boolean; live: boolean }[]>`
          select c.${sql(owedColumn)} as owed, ${stillOwedFor[trigger](sql)} as live from conversations c where c.id = ${conversationId}`;
        // Deleted, or run meanwhile (a live run that outlasted the grace period, an earlier sweep).
        if (!row?.owed) return;
        if (row.live) {
          await runAutomation(trigger, conversationId, { recovered: true });
          if (trigger === 'handoff') await this.assignPending();
          return;
        }
        log.warn({ conversationId, trigger }, 'owed automation rules dropped: the chat was taken or closed meanwhile');
        await rulesNoLongerOwed(trigger, conversationId);
      });
      if (trigger === 'conversation_created') awaitedByHandoff(conversationId, rules);
      return rules;
    },

    /**
     * A shopper's reply to a follow-up email (`email-inbound.ts` found the conversation and checked the sender). It is
     * stored once per email: `inbound_emails`, keyed by the email's Message-ID, is written in the message's
     * transaction, so a provider delivering the email again gets `duplicate` and a crash in between stores neither.
     * Then it goes out and is counted exactly like a widget message. A reply to a resolved conversation starts a new
     * one, as a widget message after resolution does; and since it answers a person, a chat with the bot is handed
     * to the queue (reason `email_reply`) instead of the bot answering it.
     */
    async customerEmailReply(input: { customerId: number; conversationId: number; emailMessageId: string; text: string; metadata: Record<string, unknown> }): Promise<{ messageId: number | null; conversationId: number; duplicate: boolean }> {
      const text = messageText(input.text);
      const clientId = `email:${createHash('sha256').update(input.emailMessageId).digest('hex').slice(0, 32)}`;
      type Stored = { duplicate: { conversation_id: number; chat_message_id: number | null } } | { row: ConversationRow; message: MessageRow; started: ConversationRow | null; woke: boolean };
      // The reply's customer was looked up before this transaction: a merge may since have moved them (and the
      // conversation) to the record they are kept in, which is held from here on (kept-customers.ts).
      const stored: Stored = await withKeptCustomer(sql, input.customerId, async (tx, customerId): Promise<Stored> => {
        const repo = conversationsRepository(tx);
        // A second delivery of the same email waits here on the key until the first commits, then finds it.
        const claimed = await tx`insert into inbound_emails (message_id, conversation_id, customer_id)
                                 values (${input.emailMessageId}, ${input.conversationId}, ${customerId})
                                 on conflict (message_id) do nothing returning message_id`;
        if (!claimed.length) {
          const [earlier] = await tx<{ conversation_id: number; chat_message_id: number | null }[]>`
            select conversation_id, chat_message_id from inbound_emails where message_id = ${input.emailMessageId}`;
          return { duplicate: earlier };
        }
        let row = await repo.findById(input.conversationId);
        if (!row || row.customer_id !== customerId) throw notFound('Conversation');
        // Again under the customer's lock (email-inbound.ts looked before it): a deletion that committed while this
        // waited for it leaves an anonymised chat and a deleted record, which take no more words.
        const [gone] = await tx`select 1 from conversations c join customers cu on cu.id = c.customer_id where c.id = ${row.id}
                                  and (c.anonymised_at is not null or ${deletedCustomer(tx, 'cu')})`;
        if (gone) throw notFound('Conversation');
        let started: ConversationRow | null = null;
        if (row.status === 'resolved') {
          // Decided under the customer's chat lock, as a widget message's new chat is: one open chat, not two.
          await lockCustomerChats(tx, customerId);
          row = (await repo.findOpenForCustomer(customerId)) ?? (started = await repo.create(customerId, 'email'));
        }
        const { message, woke } = await repo.insertMessage({ conversationId: row.id, authorType: 'customer', clientId, body: text, metadata: input.metadata });
        await tx`update inbound_emails set conversation_id = ${row.id}, chat_message_id = ${message.id} where message_id = ${input.emailMessageId}`;
        return { row, message, started, woke };
      });
      if ('duplicate' in stored) {
        const { conversation_id: conversationId, chat_message_id: messageId } = stored.duplicate;
        // As with a repeated widget message: the first attempt may have failed after storing, before its event was
        // queued or the chat handed over; both are safe to repeat.
        const [message] = messageId ? await sql<MessageRow[]>`select m.*, null as author_name from messages m where m.id = ${messageId}` : [];
        if (message) await queueMessageEvents([shopperMessageEvent(message, input.customerId)], conversationId);
        if ((await conversations.findById(conversationId))?.status === 'bot') await this.handoff(conversationId, input.customerId, 'email_reply');
        return { messageId, conversationId, duplicate: true };
      }
      const { row, message, started, woke } = stored;
      // The record the reply was stored on (the kept one, after a merge).
      const customerId = row.customer_id;
      if (started) await realtime.joinCustomerToConversation(customerId, row.id);
      await announceShopperMessage(customerId, message, { started, channel: 'email', woke });
      if (started) await runAutomation('conversation_created', row.id);
      if (row.status === 'bot') await this.handoff(row.id, customerId, 'email_reply');
      return { messageId: message.id, conversationId: row.id, duplicate: false };
    },

    /**
     * Runs the bot's answer after the shopper's ack has gone out; turns of one conversation are chained. The returned
     * promise settles when the turn has run (it never rejects: a failed turn is logged).
     */
    scheduleBotTurn(conversationId: number, customerId: number, message: MessageRow, locale: string, options: BotTurnOptions = {}): Promise<void> {
      return this.inChatOrder(conversationId, () => this.botTurn(conversationId, customerId, message, locale, options));
    },

    /** Runs `work` after whatever this server has chained for the chat (bot turns, a new chat's rules); never rejects. */
    inChatOrder(conversationId: number, work: () => Promise<void>): Promise<void> {
      const previous = botTurns.get(conversationId) ?? Promise.resolve();
      const turn = previous
        .then(work)
        .catch((error) => log.error({ err: error, conversationId }, 'bot turn failed'))
        .finally(() => {
          if (botTurns.get(conversationId) === turn) botTurns.delete(conversationId);
        });
      botTurns.set(conversationId, turn);
      return turn;
    },

    async botTurn(conversationId: number, customerId: number, message: MessageRow, locale: string, options: BotTurnOptions = {}): Promise<void> {
      const conversation = await conversations.findById(conversationId);
      if (!conversation) return;
      if (options.recovered) {
        // A late turn (bot-turn-recovery.ts) answers only a chat still with the bot, and only a question no other
        // turn answered meanwhile (a live one chained before this on this server, or one on another server).
        if (conversation.status !== 'bot') return;
        const [answered] = await sql`select 1 from messages where conversation_id = ${conversationId} and client_id = ${botReplyClientId(message.id)}`;
        if (answered) return;
      }
      const settings = await loadWidgetSettings(sql);
      // Who answers first (widget settings `botMode`): a chat a person should have goes to the queue without a word
      // from the bot (the widget's waiting state says a person is coming; with nobody able to, the hand-off brings
      // the leave-a-message offer). No bot.decision is recorded: the bot was never asked, so the reports' bot figures
      // and the unanswered questions do not count it.
      if (conversation.status === 'bot' && (await peopleAnswerFirst(conversationId, settings))) {
        await this.handoff(conversationId, customerId, 'bot_mode');
        return;
      }
      // A chat queued for a person while nobody can take one (no agent online, the shop closed) is not left in
      // silence: the bot goes on answering what it can until someone is there (unless it never answers: the form is
      // on screen). Otherwise a person has it, or will.
      const waitingForNobody = conversation.status === 'queued' && botModeOf(settings) !== 'never' && (await whyNobodyCanAnswer(settings)) !== null;
      if (conversation.status !== 'bot' && !waitingForNobody) return;
      const customer = await customers.findById(customerId);
      if (!customer) return;
      // The turns just before this question (the newest ones: a long chat's first 200 would miss them).
      const history = (await conversations.latestMessages(conversationId, false, 21)).messages
        .filter((m) => m.id !== message.id)
        .slice(-20)
        .map((m) => ({ author: m.author_type, text: m.body, metadata: m.metadata }));
      const responder = deps.responder();
      realtime.toWidgetConversation(conversationId, 'typing', { conversationId, author: 'bot', name: BOT_NAME, typing: true });
      const decision = attachmentsOf(message.metadata).length ? attachmentHandoff(customer.locale ?? locale) : await responder.respond({
        conversationId,
        customer: { id: customer.id, externalId: customer.external_id, name: customer.name, email: customer.email, locale: customer.locale },
        text: message.body,
        quickReply: typeof message.metadata.quickReply === 'string' ? message.metadata.quickReply : null,
        page: (message.metadata.page as ShopperPage | undefined) ?? null,
        history,
        locale: customer.locale ?? locale,
      });
      realtime.toWidgetConversation(conversationId, 'typing', { conversationId, author: 'bot', name: BOT_NAME, typing: false });
      // Already queued and already told nobody can answer: another hand-off gets a short reminder of the form on screen
      // (it got nothing at all, and a shopper left in silence writes again or leaves).
      if (waitingForNobody && decision.action === 'handoff') {
        const [left] = await sql`select 1 from offline_messages where conversation_id = ${conversationId} and handled_at is null limit 1`;
        decision.reply = STILL_NOBODY[left ? 'messageLeft' : 'form'][langOf(customer.locale ?? locale)];
      }
      // "I'm connecting you with a person" is not true when nobody can answer: say so (the widget offers the form).
      const unavailable = decision.action === 'handoff' && decision.reply && !waitingForNobody ? await whyNobodyCanAnswer(await loadWidgetSettings(sql)) : null;
      if (unavailable) {
        // An admin's own answer to a hand-off intent ("Returns after 30 days go through our warranty desk…") still
        // says what the shopper needs: kept, with why nobody is connecting after it, in the language it was said in.
        const typed = decision.metadata.reason === 'intent_action' && decision.typedAnswer ? decision.reply : '';
        const lang = langOf(typed ? decision.metadata.language ?? customer.locale ?? locale : customer.locale ?? locale);
        const received = decision.metadata.reason === 'attachment' ? `${FILE_RECEIVED[lang]}${lang === 'en' ? ' ' : ''}` : '';
        decision.reply = `${received}${typed ? `${typed}\n\n` : ''}${NOBODY_TO_CONNECT[unavailable][lang]}`;
      }
      // A shopper reading Traditional (zh-TW, zh-HK) gets the bot's words — the shop's Simplified content — in their
      // script and region's words; stored as said, so the console and transcripts show what the shopper read. So does a
      // shopper who types Traditional under another locale (replyLocale).
      const said = await decisionInShoppersScript(decision, replyLocale(message.body, customer.locale ?? locale));
      // The action is stored with the reply: the owed-events sweep rebuilds the turn's bot.decision from the stored reply.
      const metadata = { ...said.metadata, quickReplies: said.quickReplies ?? said.metadata.quickReplies ?? [], action: decision.action };
      // The decision's intent picks the chat's team (routing.enqueue): it is not stored on a message yet.
      const intent = typeof decision.metadata.intent === 'string' ? decision.metadata.intent : null;
      const handoffReason = String(decision.metadata.reason ?? decision.metadata.intent ?? 'bot');
      // Queued in the reply's transaction. Queued before "I'm connecting you" goes out, an agent who sees it and takes
      // the chat at once takes a handed-off chat (counted, learned from), not a bot chat with no hand-off on record;
      // queued with it, nobody (an assignment pass, an accept) sees the chat queued before the reply is stored, so
      // "X joined the chat" always comes after it.
      const stored = await sql.begin(async (tx) => {
        // The chat as it is now, held until the reply is stored: an agent who took it (or a resolve) while the bot was
        // thinking has it, and the bot's words would cut in on theirs. Still queued with nobody holding it — it was
        // waiting for nobody when the turn began, or the shopper asked for a person while the bot was thinking — the
        // answer still goes out: nobody has joined, and dropping it would leave the shopper's question unanswered.
        // A chat anonymised for the customer's deletion meanwhile takes no more words (insertMessage refuses them too).
        const [now] = await tx<{ status: string; assignee_id: number | null }[]>`
          select status, assignee_id from conversations where id = ${conversationId} and anonymised_at is null for no key update`;
        const stillBots = now?.status === 'bot'
          || (now?.status === 'queued' && now.assignee_id === null && (waitingForNobody || conversation.status === 'bot'));
        if (!stillBots) return null;
        const queued = decision.action === 'handoff' && (await routingRepository(tx as unknown as Sql).enqueue(conversationId, handoffReason, intent));
        const inserted = said.reply ? await conversationsRepository(tx as unknown as Sql).insertMessage({
          conversationId,
          authorType: 'bot',
          clientId: botReplyClientId(message.id),
          body: said.reply,
          metadata,
        }) : null;
        // Another turn answered this question first (a recovery turn racing a live one): it said and queued
        // everything already, so this one undoes its own hand-off and says nothing twice.
        if (inserted?.duplicate) throw ANSWERED_ALREADY;
        return { queued, reply: inserted?.message ?? null };
      }).catch((error: unknown) => {
        if (error === ANSWERED_ALREADY) return null;
        throw error;
      });
      // Nothing stored: answered already, or no longer the bot's to answer (it says nothing, and decides nothing on record).
      if (!stored) return;
      const { queued, reply } = stored;
      const decided = (at?: Date) => botDecisionEvent(message, customerId, conversationId, metadata, at);
      if (reply && said.reply) {
        realtime.announceMessage(toChatMessage(reply));
        // The reply is stored and said: a hand-off it announced goes ahead with Redis away (the sweep queues its message event).
        await queueMessageEvents([botReplyEvent(reply, customerId), decided(reply.created_at)], conversationId);
      } else {
        await queueChangeEvents([decided()], conversationId);
      }
      // The hand-off records why (the reports count it): the policy's reason, else the intent that asked for it.
      if (queued) await this.handedOff(conversationId, customerId, handoffReason);
    },

    async requestHandoff(customerId: number, conversationId: number): Promise<ConversationSummary> {
      // "Talk to a person" right after the first message: the new chat's rules (run after that message's ack) land
      // first, so their labels, priority and notes count for the hand-off's rules and for who gets the chat. Bounded by
      // the rules' budget (automation-rules.ts); never rejects.
      await newChatRules.get(conversationId);
      const row = ownConversation(await conversations.findById(conversationId), customerId);
      if (row.status === 'resolved') throw conflict('This conversation is closed; send a new message to start another.');
      await this.handoff(conversationId, customerId, 'customer_request');
      return forShopper(await summary(conversationId));
    },

    /** Moves a bot conversation to the human queue, tells the shopper when nobody can answer, then assigns. */
    async handoff(conversationId: number, customerId: number, reason: string): Promise<void> {
      if (await routing.enqueue(conversationId, reason)) await this.handedOff(conversationId, customerId, reason);
    },

    /** After a chat was queued for a person: consoles and history learn why, the shopper whether anyone can answer, then assignment. */
    async handedOff(conversationId: number, customerId: number, reason: string): Promise<void> {
      const conversation = await announceConversation(conversationId);
      await queueChangeEvents([
        interactionEvent('handoff', `handoff:${conversationId}`, customerId, conversationId, { reason }, new Date(conversation.queuedAt ?? Date.now())),
      ], conversationId);
      const settings = await loadWidgetSettings(sql);
      const unavailable = await whyNobodyCanAnswer(settings);
      if (unavailable) {
        const locale = (await customers.findById(customerId))?.locale ?? 'en';
        realtime.toWidgetConversation(conversationId, 'agents:unavailable', {
          conversationId,
          reason: unavailable,
          message: await inShoppersScript(settings.offlineMessage[langOf(locale)], locale),
        });
      }
      // The admins' rules for a hand-off run before this server's assignment pass, so a team, priority or labels they
      // set count for who gets the chat. Meanwhile no server's automatic pass takes it (rules_pending_until, set by
      // routing.enqueue while hand-off rules are on; runAutomation clears it).
      await runAutomation('handoff', conversationId);
      await this.assignPending();
    },

    /** A rule's private note: a system line agents read, signed by the rule (automation-rules.ts). */
    async automationNote(rule: { id: number; name: string }, conversationId: number, text: string, lockTimeoutMs?: number): Promise<void> {
      await systemMessage(conversationId, `Automation rule "${rule.name}": ${text}`, { event: 'automation_note', ruleId: rule.id, ruleName: rule.name, text }, { private: true, lockTimeoutMs });
    },

    /**
     * What a rule did in a chat, for its agents: it ran, or stopped at a refused action (each action's outcome in the
     * metadata). Labels and priority have no line of their own, so this is where an agent learns why they appeared.
     */
    async automationRan(rule: { id: number; name: string }, conversationId: number, outcomes: { type: string; status: string; code?: string; message?: string }[], lockTimeoutMs?: number): Promise<void> {
      const refused = outcomes.find((o) => o.status === 'refused');
      const text = refused ? `Automation rule "${rule.name}" stopped: ${refused.message ?? refused.code}` : `Automation rule "${rule.name}" ran.`;
      await systemMessage(conversationId, text, { event: refused ? 'automation_stopped' : 'automation_ran', ruleId: rule.id, ruleName: rule.name, actions: outcomes, ...(refused ? { reason: refused.message ?? refused.code } : {}) }, { private: true, lockTimeoutMs });
    },

    /** Hands queued chats to free agents until none is left, then tells the shoppers still waiting their place. */
    async assignPending(): Promise<number> {
      let assigned = 0;
      let busyRetries = 0;
      for (let i = 0; i < 200; i++) {
        const assignment = await routing.assignNext(owedRulesHoldMs(deps.config));
        if (assignment === 'empty') break;
        if (assignment === 'busy') {
          // Rows are locked only for a statement or two; the sweep would get there too, but seconds later.
          if (++busyRetries > 40) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
          continue;
        }
        assigned++;
        await afterAssignment(assignment, 'assigned');
      }
      await this.pushQueuePositions();
      return assigned;
    },

    async pushQueuePositions(): Promise<void> {
      const queue = await routing.queue();
      if (!queue.length) return;
      const onlineAgents = await users.countOnlineAgents();
      queue.forEach((entry, index) => realtime.toWidgetConversation(entry.id, 'queue:position', { conversationId: entry.id, position: index + 1, onlineAgents }));
    },

    async agentMessage(agent: { id: number; name: string }, input: { conversationId: number; clientId: string; text: string; mentionText?: string; private?: boolean; products?: string[] } & FileMetadata): Promise<SendResult> {
      const text = messageText(input.text);
      if (input.private && input.products?.length) throw badRequest('Products go to the shopper: attach them to a reply, not a private note.', 'products_in_note');
      // A resend of a reply already stored (its ack was lost) is answered from the stored one below, whatever the
      // catalogue says now: a product that left the feed since must not refuse a message the shopper already has.
      const [stored] = input.products?.length
        ? await sql`select 1 from messages where conversation_id = ${input.conversationId} and client_id = ${input.clientId}`
        : [];
      // Copied from the catalogue before anything is stored: an unknown SKU refuses the whole message.
      const products = input.products?.length && !stored ? await agentProductCards(sql, deps.config.publicUrl, input.products) : [];
      let row = await conversations.findById(input.conversationId);
      if (!row) throw notFound('Conversation');
      if (row.status === 'resolved' && !input.private) throw worded(conflict('The conversation is resolved; reopen it to reply.'), 'conversation_resolved');
      // Replying to a chat nobody holds yet takes it, as shoppers expect a person who answers to stay.
      if (!input.private && (row.status === 'bot' || row.status === 'queued')) {
        await this.accept(agent.id, row.id);
        row = (await conversations.findById(row.id))!;
      }
      // Teammates named in a private note ("@Sam, can you check the refund?") are told; a reply to the shopper
      // mentions nobody (the shopper would read it).
      // mentionText: the words a person wrote, when `text` was filled in from elsewhere (a macro's placeholders).
      const mentions = input.private ? mentionedTeammates(input.mentionText ?? text, await users.listActiveNames(), agent.id) : [];
      const { message, duplicate } = await conversations.insertMessage({
        conversationId: row.id,
        authorType: 'agent',
        authorId: agent.id,
        clientId: input.clientId,
        body: text,
        private: input.private ?? false,
        metadata: { ...fileMetadata(input), ...(mentions.length ? { mentions } : {}), ...(products.length ? { products } : {}) },
      });
      const result = { id: message.id, conversationId: row.id, createdAt: message.created_at.toISOString(), duplicate };
      const historyEvent = agentMessageEvent(message, row.customer_id);
      if (duplicate) {
        // As for a shopper's resend: the first attempt may have stored the reply and then failed to queue its event
        // (Redis away for a moment), so the history, the webhooks and the email follow-up would never hear of it.
        // Queueing again is harmless: the idempotency key makes the worker write it once.
        await queueMessageEvents([historyEvent], row.id);
        if (!message.private) await scheduleFollowup(row.id, row.customer_id, message.id);
        return result;
      }
      realtime.announceMessage(toChatMessage(message));
      for (const teammate of mentions) {
        realtime.toAgent(teammate.id, 'mention:new', { conversationId: row.id, messageId: message.id, by: { id: agent.id, name: agent.name }, text: text.slice(0, 280) });
      }
      if (mentions.length) alertAgents((alerts) => alerts.mentioned(mentions.map((m) => m.id), row!.id, message.id, agent.id));
      if (!message.private) {
        await routing.recordFirstResponse(row.id);
        await answerLeftMessagesInChat(row.id, agent.id);
      }
      await queueMessageEvents([historyEvent], row.id);
      if (!message.private) await scheduleFollowup(row.id, row.customer_id, message.id);
      return result;
    },

    /**
     * An agent writes to a customer first ("your replacement has shipped"): a new conversation, held by that agent,
     * whose first message is theirs. The shopper's open widget tabs join it and show it at once; a shopper who does
     * not read it is emailed it later like any reply (when they left an address). Refused while the customer has an
     * open conversation (answer there) or is blocked; a deleted record is not found. A merged record's chat goes to
     * the record it was merged into (the same person: the agent wrote from a panel opened before the merge).
     */
    async startConversation(agent: { id: number; name: string }, customerId: number, input: { clientId: string; text: string }): Promise<SendResult> {
      messageText(input.text);
      // The agent picked a record that a merge may empty into the person's kept record before this commits (the
      // panel they wrote from was open before it): the chat goes to the kept record, held meanwhile (kept-customers.ts).
      const row = await withKeptCustomer(sql, customerId, async (tx, keptId) => {
        // Locked so that two agents writing to the same customer at once start one conversation, not two. No key
        // update: it waits for the other agent's, not for the key share both (and every worker) already hold.
        const [customer] = await tx<{ live: boolean; blocked: boolean }[]>`
          select ${liveCustomer(tx, 'c')} as live, c.blocked_at is not null as blocked from customers c where c.id = ${keptId} for no key update`;
        // And the lock a shopper's first message and a reopen take (customer-chat-lock.ts): one open chat either way.
        await lockCustomerChats(tx, keptId);
        if (!customer?.live) throw notFound('Customer');
        if (customer.blocked) throw new AppError(409, 'blocked', 'This shopper is blocked: unblock them to write to them.');
        // Not one anonymised (conversations.findOpenForCustomer): it takes no shopper message, so it is not where to answer.
        const [open] = await tx<{ id: number }[]>`select id from conversations where customer_id = ${keptId} and status <> 'resolved' and anonymised_at is null order by id desc limit 1`;
        if (open) throw worded(new AppError(409, 'open_conversation', `This customer has an open conversation (#${open.id}): answer there.`), null, { id: String(open.id) });
        const [created] = await tx<{ id: number; customer_id: number }[]>`
          insert into conversations (customer_id, status, assignee_id, assigned_at, started_by, channel)
          values (${keptId}, 'assigned', ${agent.id}, now(), 'agent', 'agent') returning id, customer_id`;
        return created;
      });
      customerId = row.customer_id;
      await realtime.joinCustomerToConversation(customerId, row.id);
      const conversation = await announceConversation(row.id);
      // Not rebuilt by the owed-events sweep (it rebuilds a start only from a shopper's first message), so a change's event.
      await queueChangeEvents([interactionEvent('conversation.started', conversationStartedKey(row.id), customerId, row.id, { channel: 'agent', agentId: agent.id }, new Date(conversation.createdAt))], row.id);
      return this.agentMessage(agent, { conversationId: row.id, clientId: input.clientId, text: input.text });
    },

    async accept(agentId: number, conversationId: number): Promise<ConversationSummary> {
      const result = await routing.assignTo(conversationId, agentId, ['bot', 'queued']);
      if (result === 'not_available') throw worded(conflict('This conversation is already taken or closed.'), 'conversation_taken');
      if (result === 'agent_unavailable') throw cannotTakeChats();
      const conversation = await afterAssignment(result, 'accepted');
      await this.pushQueuePositions();
      return conversation;
    },

    async transfer(actor: { id: number; role: 'agent' | 'admin' }, conversationId: number, toAgentId: number): Promise<ConversationSummary> {
      const row = await conversations.findById(conversationId);
      if (!row) throw notFound('Conversation');
      // A chat nobody holds yet is given, not transferred: same rules as conversation:assign.
      if (row.status === 'queued' || row.status === 'bot') return this.assign(actor, conversationId, toAgentId);
      if (row.status !== 'assigned') throw conflict('Only a chat held by an agent can be transferred.', 'not_held_by_agent');
      if (actor.role !== 'admin' && row.assignee_id !== actor.id) throw heldByOther(row.assignee_name, 'transfer it');
      if (toAgentId === row.assignee_id) throw conflict('The chat is already with that agent.', 'already_with_agent');
      // Someone with no console open would not see the chat, and the sweep of chats held by absent agents would send
      // it back to the queue minutes later with "X is no longer available" to the shopper. Away is allowed: they are
      // at their console and a person chose them.
      const target = await users.findById(toAgentId);
      if (target?.active && target.presence === 'offline') {
        throw worded(new AppError(409, 'agent_offline', `${target.name} is offline and would not see this chat. Transfer it to someone online, or mention them in a note.`), null, { name: target.name });
      }
      // Still held by the agent read above: a take-over committed since then is not undone by a transfer from the agent
      // it took the chat from (nor is a chat transferred meanwhile passed on again by someone who saw its old holder).
      const result = await routing.assignTo(conversationId, toAgentId, ['assigned'], row.assignee_id ?? undefined);
      if (result === 'not_available') throw changedMeanwhile();
      if (result === 'agent_unavailable') throw agentUnavailable();
      const conversation = await afterAssignment(result, 'transferred', row.assignee_id ?? undefined);
      await this.assignPending(); // the previous holder has a free seat now
      return conversation;
    },

    /**
     * Gives a chat nobody holds yet (queued, or still with the bot) to a chosen agent. Any agent may take one for
     * themselves, out of turn ("Assign to me", the same as accept: a person chose it, so no capacity applies). Giving
     * it to someone else is an admin's call (the team lead): the agent must be online or away and have a free seat —
     * they did not choose it — unless the admin gives a reason to go over their capacity (kept in the history event
     * and the audit log).
     */
    async assign(actor: { id: number; role: 'agent' | 'admin'; name?: string }, conversationId: number, toAgentId: number, options: { overCapacityReason?: string } = {}): Promise<ConversationSummary> {
      const row = await conversations.findById(conversationId);
      if (!row) throw notFound('Conversation');
      if (row.status === 'resolved') throw resolvedReopenFirst();
      if (row.status === 'assigned') {
        if (row.assignee_id === toAgentId) throw conflict('The chat is already with that agent.', 'already_with_agent');
        throw worded(new AppError(409, 'held', `${row.assignee_name ?? 'Another agent'} holds this chat: transfer it (its holder or an admin) or take it over.`),
          null, row.assignee_name ? { name: row.assignee_name } : undefined);
      }
      const reason = options.overCapacityReason?.trim();
      if (options.overCapacityReason !== undefined && actor.role !== 'admin') throw worded(forbidden("Only an admin can assign a chat beyond an agent's capacity."), 'over_capacity_admin_only');
      if (options.overCapacityReason !== undefined && (!reason || reason.length < 3)) throw badRequest('overCapacityReason: say in a few words why the agent should take more chats than their capacity.');
      if (toAgentId === actor.id && !reason) return this.accept(actor.id, conversationId);
      if (actor.role !== 'admin') throw worded(forbidden('Only an admin can give a waiting chat to someone else. Assign it to yourself, or mention a teammate in a note.'), 'assign_admin_only');
      await reachableAgent(toAgentId, 'Assign');
      const result = await routing.assignChosen(conversationId, toAgentId, { statuses: ['bot', 'queued'], needSeat: !reason });
      if (result === 'not_available') throw conflict('This conversation was taken or closed meanwhile; reload it.', 'conversation_changed');
      if (result === 'agent_unavailable') throw agentUnavailable();
      if ('full' in result) {
        throw new AppError(409, 'agent_full', `That agent already has ${result.full.seats} of ${result.full.capacity} chats open. Choose someone with room, or (as an admin) give a reason to go over their capacity.`);
      }
      let overCapacity: Record<string, unknown> = {};
      if (reason) {
        const [load] = await sql<{ seats: number; capacity: number }[]>`select ${seatsTaken(sql, toAgentId)} - 1 as seats, capacity from users where id = ${toAgentId}`;
        if (load.seats >= load.capacity) {
          overCapacity = { overCapacity: { reason, seatsBefore: load.seats, capacity: load.capacity } };
          await recordAudit(sql, actor.id, 'conversation.assigned_over_capacity', `conversation:${conversationId}`, { agentId: toAgentId, reason, seatsBefore: load.seats, capacity: load.capacity });
        }
      }
      const conversation = await afterAssignment(result, 'assigned', undefined, { how: toAgentId === actor.id ? 'accepted' : 'chosen', byAgentId: actor.id, ...overCapacity });
      await this.pushQueuePositions();
      return conversation;
    },

    /** The holder (or an admin) puts a held chat back in the queue; it keeps its first queue time (see routing.requeue). */
    async requeue(actor: { id: number; role: 'agent' | 'admin'; name: string }, conversationId: number): Promise<ConversationSummary> {
      const row = await conversations.findById(conversationId);
      if (!row) throw notFound('Conversation');
      if (row.status !== 'assigned' || row.assignee_id === null) throw conflict('Only a chat held by an agent can be returned to the queue.', 'not_held_by_agent');
      if (actor.role !== 'admin' && row.assignee_id !== actor.id) throw heldByOther(row.assignee_name, 'return it to the queue');
      const requeued = await routing.requeue(conversationId, { holderId: row.assignee_id });
      if (!requeued) throw changedMeanwhile();
      return afterRequeue(row, actor, requeued.previous_holder);
    },

    /**
     * Sends a chat to a team's queue: tagged with the team (the next pass offers it to the team's members first, like a
     * hand-off about its topic) and back in the queue if someone held it (holder or admin only). Any agent may re-tag a
     * chat still waiting in the queue (a refund question tagged for the wrong team), which takes it from nobody. So may an
     * automation rule, and nothing else: a chat someone holds, or that is closed, is refused to it as `chat_taken`.
     */
    async transferToTeam(actor: StaffActor | AutomationActor, conversationId: number, teamId: number): Promise<ConversationSummary> {
      const row = await conversations.findById(conversationId);
      if (!row) throw notFound('Conversation');
      const [team] = await sql<{ id: number; name: string }[]>`select id, name from teams where id = ${teamId}`;
      if (!team) throw notFound('Team');
      const teamRef = { id: Number(team.id), name: team.name };
      let requeued: Awaited<ReturnType<typeof routing.requeue>>;
      if ('automationRule' in actor) {
        // A rule only re-tags a chat still waiting in the queue, held by nobody: never one an agent took while its rules
        // ran (an accept, or the sweep once rules_pending_until passed). The update's own condition decides, atomically.
        const ms = actor.lockTimeoutMs;
        requeued = row.status !== 'queued' ? null
          : ms ? await withLockTimeout(sql, ms, (tx) => routingRepository(tx as unknown as Sql).requeue(conversationId, { holderId: null, teamId: teamRef.id }))
          : await routing.requeue(conversationId, { holderId: null, teamId: teamRef.id });
        if (!requeued) throw new AppError(409, 'chat_taken', 'An agent took the chat (or it was closed) before the rule could send it to a team; a rule never takes a chat from anyone.');
      } else if (row.status === 'assigned' && row.assignee_id !== null) {
        if (actor.role !== 'admin' && row.assignee_id !== actor.id) throw heldByOther(row.assignee_name, 'transfer it');
        requeued = await routing.requeue(conversationId, { holderId: row.assignee_id, teamId: teamRef.id });
      } else if (row.status === 'queued') {
        if (Number(row.team_id) === teamRef.id) throw conflict(`The chat is already waiting for ${teamRef.name}.`, 'already_in_team_queue');
        requeued = await routing.requeue(conversationId, { holderId: null, teamId: teamRef.id });
      } else {
        throw row.status === 'bot'
          ? conflict('The chat is still with the bot: take it, or wait for its hand-off.', 'still_with_bot')
          : resolvedReopenFirst();
      }
      if (!requeued) throw changedMeanwhile();
      return afterRequeue(row, actor, requeued.previous_holder, teamRef);
    },

    /**
     * Any agent takes a chat another agent holds ("Take over"): a deliberate action, recorded and told to the previous
     * holder — a private line naming them (their Mentions list keeps it) and the live mention alert. The shopper reads
     * it as a transfer ("The chat was transferred to Y."): the person they talk to changed. Taking it is the taker's
     * choice, so no capacity applies (as for accept and transfer). Refused when the holder changed meanwhile.
     */
    async takeOver(actor: { id: number; role: 'agent' | 'admin'; name: string }, conversationId: number): Promise<ConversationSummary> {
      const row = await conversations.findById(conversationId);
      if (!row) throw notFound('Conversation');
      if (row.status !== 'assigned' || row.assignee_id === null) throw new AppError(409, 'not_held', 'Nobody holds this chat: take it with "Assign to me" instead.');
      if (row.assignee_id === actor.id) throw conflict('You already hold this chat.', 'already_yours');
      const from = await users.findById(row.assignee_id);
      const result = await routing.assignChosen(conversationId, actor.id, { statuses: ['assigned'], holderId: row.assignee_id, needSeat: false });
      if (result === 'not_available') throw changedMeanwhile();
      if (result === 'agent_unavailable') throw cannotTakeChats();
      if ('full' in result) throw new Error('unreachable: no seat needed');
      const conversation = await afterAssignment(result, 'transferred', row.assignee_id, { how: 'taken_over', byAgentId: actor.id });
      if (from) {
        const line = await systemMessage(conversationId, `${actor.name} took over the chat from ${from.name}.`, {
          event: 'agent_took_over', agentId: actor.id, agentName: actor.name, fromAgentId: from.id, fromAgentName: from.name, mentions: [{ id: from.id, name: from.name }],
        }, { private: true });
        realtime.toAgent(from.id, 'mention:new', { conversationId, messageId: line.id, by: { id: actor.id, name: actor.name }, text: `${actor.name} took over this chat from you.`, event: 'agent_took_over' });
      }
      await this.assignPending(); // the previous holder has a free seat now
      return conversation;
    },

    async resolve(actor: { id: number; role: 'agent' | 'admin' }, conversationId: number): Promise<ConversationSummary> {
      const row = await conversations.findById(conversationId);
      if (!row) throw notFound('Conversation');
      if (row.status === 'assigned' && actor.role !== 'admin' && row.assignee_id !== actor.id) throw heldByOther(row.assignee_name, 'resolve it');
      // An agent closes only a chat they still hold (or nobody does), as the chat is when it closes: someone may have
      // taken it over since it was read above.
      const resolved = await routing.resolve(conversationId, 'agent', actor.id, actor.role === 'admin' ? undefined : actor.id);
      if (!resolved) {
        const now = await conversations.findById(conversationId);
        if (now?.status === 'assigned' && now.assignee_id !== actor.id) throw heldByOther(now.assignee_name, 'resolve it');
        throw conflict('The conversation is already resolved.', 'already_resolved');
      }
      await answerLeftMessagesInChat(conversationId, actor.id);
      // Stored, like "joined", so a shopper who comes back later (or the transcript) sees who left, not only a
      // tab that was open at the moment; it comes before the status change for clients that resync on it. The holder
      // is the one the chat had when it closed (a transfer or a take-over may have changed it since it was read).
      const holder = resolved.held && resolved.assignee_id ? await users.findById(resolved.assignee_id) : undefined;
      // "Ended", not "left": the shopper should not read that the agent walked away from them.
      if (holder) await systemMessage(conversationId, `${shownName(holder)} ended the chat.`, { event: 'agent_left', agentId: holder.id, agentName: holder.name, agentShownName: shownName(holder) });
      const conversation = await announceConversation(conversationId);
      await queueChangeEvents([
        resolvedEvent(conversationId, resolved.customer_id, resolved.resolved_at, { by: 'agent', agentId: actor.id }),
      ], conversationId);
      // A seat freed: a pass (which pushes the queue's places after it); a queued chat closed: the places behind it moved.
      if (resolved.assignee_id) await this.assignPending();
      else await this.pushQueuePositions();
      await askRatingByEmail([conversationId]);
      return conversation;
    },

    async reopen(agentId: number, conversationId: number): Promise<ConversationSummary> {
      const row = await conversations.findById(conversationId);
      if (!row) throw notFound('Conversation');
      // History from the shop's old tool (conversation-import.ts): its shopper never wrote here, and reopening it would
      // put it in the queue and the reports as a chat of this team. Writing to the customer starts a new chat.
      if (row.imported_from) {
        throw worded(conflict('This conversation was imported from another tool and cannot be reopened; write to the customer to start a new one.'), 'conversation_imported');
      }
      const reopened = await routing.reopen(conversationId, agentId);
      // Retention (or the customer's deletion) anonymised it: the shopper's and the bot's words are refused there
      // (conversations.insertMessage), so a reopened one would be a dead chat beside the one the shopper's next
      // message starts. Decided on the locked row (routing.reopen): an anonymisation that committed first is seen.
      if (reopened === 'anonymised') {
        throw new AppError(409, 'conversation_anonymised', 'This conversation was anonymised (data retention or the customer’s deletion) and cannot be reopened; write to the customer to start a new one.');
      }
      if (reopened === 'not_resolved') throw conflict('Only a resolved conversation can be reopened.', 'not_resolved');
      // The shopper's widget and replies go to their newest open chat: a second one would split the conversation.
      if (typeof reopened === 'object') throw worded(new AppError(409, 'open_conversation', `This customer has an open conversation (#${reopened.openId}): answer there.`), null, { id: String(reopened.openId) });
      // Said in the chat as "ended" was: the shopper's widget otherwise still shows the chat as over.
      const agent = await users.findById(agentId);
      if (agent) await systemMessage(conversationId, `${shownName(agent)} reopened the chat.`, { event: 'agent_reopened', agentId, agentName: agent.name, agentShownName: shownName(agent) });
      const conversation = await announceConversation(conversationId);
      await queueChangeEvents([
        interactionEvent('reopened', `reopened:${conversationId}:${Date.now()}`, row.customer_id, conversationId, { agentId }),
      ], conversationId);
      return conversation;
    },

    /** Resolves chats the bot handled that went quiet; counted as bot-resolved (containment). */
    async resolveIdleBotConversations(idleMinutes: number): Promise<number> {
      const rows = await routing.resolveIdleBotConversations(idleMinutes);
      if (!rows.length) return 0;
      await queueChangeEvents(rows.map((r) => resolvedEvent(r.id, r.customer_id, r.resolved_at, { by: 'bot', idleMinutes })), null);
      for (const r of rows) await announceConversation(r.id);
      return rows.length;
    },

    /**
     * Closes chats with or waiting for a person that nobody wrote in for `idleHours` (config autoResolveIdleHours):
     * the shopper is told why in a stored system message, agents' seats are freed for the queue.
     */
    /** Chats their agent can no longer answer go back to the queue (see routing.releaseHeldChats); the shopper is told. */
    async releaseHeldChats(filter: { agentId: number } | { offlineMinutes: number; conversationIds?: number[] }): Promise<number> {
      const released = await routing.releaseHeldChats(filter);
      for (const r of released) {
        await systemMessage(r.id, `${r.agent_shown_name} is no longer available. We're finding someone else to help you.`, { event: 'agent_unavailable', agentId: r.agent_id, agentName: r.agent_name, agentShownName: r.agent_shown_name });
        await announceConversation(r.id);
      }
      // Nobody online (or the shop closed): the leave-a-message offer a fresh hand-off gets (routing-unavailable.ts).
      await offerLeaveMessageIfNobodyCanAnswer({ sql, realtime, whyNobodyCanAnswer }, released.map((r) => r.id));
      if (released.length) await this.assignPending();
      return released.length;
    },

    /** Chats whose agent let the shopper wait unanswered go to someone else (see routing.releaseUnansweredChats). */
    async releaseUnansweredChats(minutes: number): Promise<number> {
      const released = await routing.releaseUnansweredChats(minutes);
      for (const r of released) {
        await systemMessage(r.id, `${r.agent_shown_name} could not reply in time. We're finding someone else to help you.`, { event: 'agent_no_reply', agentId: r.agent_id, agentName: r.agent_name, agentShownName: r.agent_shown_name, minutes });
        await announceConversation(r.id);
      }
      // Released only while another agent had a free seat, but they may have gone offline since: same offer then.
      await offerLeaveMessageIfNobodyCanAnswer({ sql, realtime, whyNobodyCanAnswer }, released.map((r) => r.id));
      if (released.length) await this.assignPending();
      return released.length;
    },

    async resolveIdleHumanConversations(idleHours: number): Promise<number> {
      const rows = await routing.resolveIdleHumanConversations(idleHours);
      if (!rows.length) return 0;
      for (const r of rows) {
        await systemMessage(r.id, `This chat was closed after ${idleHours} hours without messages. Write again any time.`, { event: 'idle_closed', idleHours });
        await announceConversation(r.id);
      }
      await queueChangeEvents(rows.map((r) => resolvedEvent(r.id, r.customer_id, r.resolved_at, { by: 'system', idleHours, was: r.status })), null);
      await askRatingByEmail(rows.map((r) => r.id));
      if (rows.some((r) => r.assignee_id)) await this.assignPending();
      else if (rows.some((r) => r.status === 'queued')) await this.pushQueuePositions();
      return rows.length;
    },

    /** A page of what came after afterId; `hasMore`: the client asks again after the page's last message. */
    async sync(conversationId: number, afterId: number, includePrivate: boolean): Promise<{ messages: ChatMessage[]; conversation: ConversationSummary; hasMore: boolean }> {
      const conversation = await summary(conversationId);
      const { messages, hasMore } = await conversations.messagesAfter(conversationId, afterId, includePrivate);
      return { conversation, messages: messages.map(toChatMessage), hasMore };
    },

    /** A chat as the console opens it (conversation:join): its newest page of messages, private notes included. */
    async agentHistory(conversationId: number): Promise<{ messages: ChatMessage[]; conversation: ConversationSummary; hasEarlier: boolean }> {
      const conversation = await summary(conversationId);
      const { messages, hasEarlier } = await conversations.latestMessages(conversationId, true, AGENT_HISTORY_PAGE);
      return { conversation, messages: messages.map(toChatMessage), hasEarlier };
    },

    async customerSync(customerId: number, conversationId: number, afterId: number) {
      ownConversation(await conversations.findById(conversationId), customerId);
      const synced = await this.sync(conversationId, afterId, false);
      return { ...synced, conversation: forShopper(synced.conversation), messages: await forShopperMessages(sql, synced.messages) };
    },

    async customerSeen(customerId: number, conversationId: number, lastSeenId: number): Promise<void> {
      ownConversation(await conversations.findById(conversationId), customerId);
      if (await conversations.markSeen(conversationId, 'customer', lastSeenId)) {
        realtime.toAgentConversation(conversationId, 'messages:seen', { conversationId, by: 'customer', lastSeenId });
        realtime.toWidgetConversation(conversationId, 'messages:read', { conversationId, lastSeenId });
      }
    },

    /**
     * The team's seen mark, reported by `agentId`'s console. On an assigned chat only the holder's report counts (others
     * are ignored without an error: a console left on a transferred chat reports as it always did); on a chat nobody
     * holds the mark is the team's. The shopper sees "Seen"; every console drops the chat's unread badge.
     */
    async agentSeen(agentId: number, conversationId: number, lastSeenId: number): Promise<void> {
      if (await conversations.markSeen(conversationId, 'agent', lastSeenId, agentId)) {
        realtime.toWidgetConversation(conversationId, 'messages:seen', { conversationId, lastSeenId });
        realtime.toAgents('conversation:read', { conversationId, agentLastSeenId: lastSeenId });
      }
    },

    async csat(customerId: number, conversationId: number, rating: number, comment: string | null): Promise<void> {
      // An imported chat is not found here (ownConversation): its rating, if any, came with it from the other tool.
      const row = ownConversation(await conversations.findById(conversationId), customerId);
      if (row.status !== 'resolved') throw conflict('A conversation can be rated once it is resolved.');
      // The shop's "Ask for a rating" setting holds here too, so a crafted client cannot add the ratings the widget
      // does not ask for (a bot-only chat under `people` would count in the CSAT figures the admin kept them out of).
      const ask = csatAskOf(await loadWidgetSettings(sql));
      if (ask === 'never') throw conflict('This shop does not ask for ratings.');
      if (ask === 'people' && row.assignee_id === null && row.first_response_at === null) {
        throw conflict('This shop asks for a rating only after a chat with a person.');
      }
      await storeFeedback({
        kind: 'csat', idempotencyKey: `csat:${conversationId}`, customerId, conversationId, rating, comment, occurredAt: new Date().toISOString(),
      });
    },

    async articleFeedback(customerId: number, messageId: number, articleId: number, helpful: boolean): Promise<void> {
      const message = await ownBotAnswer(customerId, messageId);
      if (!(message.metadata.articles ?? []).some((a) => a.id === articleId)) throw badRequest('That article was not part of this answer.');
      await storeFeedback({
        kind: 'article', idempotencyKey: `article:${messageId}:${articleId}`, customerId, conversationId: message.conversation_id,
        messageId, articleId, helpful, occurredAt: new Date().toISOString(),
      });
    },

    /**
     * "Was this helpful?" under an intent's own typed answer, which links no article (an answer that links one is
     * rated through articleFeedback, so an article's figures keep counting it). Only an answer that asked.
     */
    async answerFeedback(customerId: number, messageId: number, helpful: boolean): Promise<void> {
      const message = await ownBotAnswer(customerId, messageId);
      const { askHelpful, intent, articles } = message.metadata;
      if (askHelpful !== true || typeof intent !== 'string' || !intent) throw badRequest('That message did not ask whether it helped.');
      if ((articles ?? []).length > 0) throw badRequest('That answer links an article: rate it with feedback:article.');
      await storeFeedback({
        kind: 'answer', idempotencyKey: `answer:${messageId}`, customerId, conversationId: message.conversation_id,
        messageId, intent, helpful, occurredAt: new Date().toISOString(),
      });
    },

    async leaveOfflineMessage(customerId: number, input: { email: string; name?: string; text: string; conversationId?: number }): Promise<{ id: number }> {
      const text = messageText(input.text);
      // The message and the address it leaves go on the record the shopper is kept in, held while they are written: a
      // sign-in merge committing meanwhile would otherwise leave both on the record it empties (kept-customers.ts).
      const row = await withKeptCustomer(sql, customerId, async (tx, keptId) => {
        if (input.conversationId !== undefined) ownConversation(await conversationsRepository(tx).findById(input.conversationId), keptId);
        const [left] = await tx<{ id: number; customer_id: number; created_at: Date }[]>`
          insert into offline_messages (customer_id, conversation_id, name, email, body)
          values (${keptId}, ${input.conversationId ?? null}, ${input.name ?? null}, ${input.email}, ${text}) returning id, customer_id, created_at`;
        // The address goes on the record, but never replaces what the shop said of a customer it identified
        // (widget-typed-profile.ts); the left message itself keeps the address typed, for the reply.
        await saveWidgetTypedProfile(tx, keptId, { email: input.email, name: input.name ?? null });
        return left;
      });
      customerId = row.customer_id;
      // In the chat too: the agent who later opens it reads what was left there, not only on the Messages left page.
      if (input.conversationId !== undefined) {
        await systemMessage(input.conversationId, `Message left for the team (reply by email to ${input.email}): ${text}`, { event: 'offline_message', offlineMessageId: row.id, email: input.email, text });
      }
      realtime.toAgents('offline:new', { id: row.id, customerId, email: input.email, text, createdAt: row.created_at.toISOString() });
      alertAgents((alerts) => alerts.messageLeft(row.id, input.conversationId ?? null));
      await queueChangeEvents([interactionEvent('offline.message', `offline:${row.id}`, customerId, input.conversationId ?? null, { offlineMessageId: row.id, email: input.email, text }, row.created_at)], input.conversationId ?? null);
      return { id: row.id };
    },

    /**
     * "Mark answered" on the Messages left page. The chat it was left in gets a private note, so an agent who opens
     * the chat later does not answer it again (an answer in the chat marks the message itself, see agentMessage).
     */
    async markLeftMessageAnswered(agent: { id: number; name: string }, offlineMessageId: number): Promise<void> {
      const answered = await markLeftMessageAnswered(sql, offlineMessageId, agent.id);
      if (!answered) throw notFound('Offline message');
      if (answered.newlyAnswered && answered.conversationId !== null) {
        await systemMessage(answered.conversationId, `${agent.name} marked the left message answered.`,
          { event: 'offline_answered', offlineMessageId, agentId: agent.id, agentName: agent.name }, { private: true });
      }
      realtime.toAgents('offline:handled', { id: answered.id, handledBy: answered.handledBy });
    },
  };
  return service;
}

export type ChatService = ReturnType<typeof createChatService>;
