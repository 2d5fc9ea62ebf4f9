// The SQL of hand-off and assignment. Assignment must be safe with several
// servers: every path that gives a chat to an agent locks that agent's users
// row first and counts the agent's open chats only after holding the lock, so
// two transactions can never both see free capacity for the same seat, and
// the queued conversation row is taken with SKIP LOCKED so no chat is handed
// out twice. Lock order is always conversation, then agent, and the automatic
// pass never waits for an agent row, so assignments cannot deadlock.
import type { Sql, Tx } from '../db/client.ts';
import type { Presence } from '../realtime/event-maps.ts';
import { loadTeamSettings } from '../services/team-settings.ts';
import { shownNameColumn } from './users.ts';
import { withKeptCustomer } from './kept-customers.ts';
import { lockCustomerChats } from './customer-chat-lock.ts';

export interface Assignment {
  conversationId: number;
  customerId: number;
  agentId: number;
  agentName: string;
  /** What the shopper is told the agent is called (users.display_name, else the full name; migration 044). */
  agentShownName: string;
  assignedAt: Date;
  queuedAt: Date | null;
}

/**
 * The seats an agent's chats take, as an SQL expression for the agent whose id `agentId` gives (a value or a
 * column): their chats assigned and not snoozed. A snoozed chat needs nothing from them until it wakes (it may sleep
 * for days), so counting it would keep the queue waiting behind chats nobody is working on. The one definition for
 * assignment, the hand-backs, the transfer picker and the team page.
 */
export const seatsTaken = (sql: Sql | Tx, agentId: number | ReturnType<Sql>) => sql`(select count(*) from conversations seat
  where seat.assignee_id = ${agentId} and seat.status = 'assigned' and seat.snoozed_until is null)::int`;

/**
 * Since when the shopper of conversation `c` has been waiting for the team, as an SQL expression (a timestamptz, null
 * when nobody owes them a reply): with no agent reply since the hand-off, from the hand-off (the bot's "connecting
 * you", a system line or the shopper may have written last: they wait all the same); after a reply, from their
 * oldest message after the latest agent reply (null when the agent spoke last). A chat with the bot, or closed,
 * waits for nobody. The one definition for the offline hand-back (`releaseHeldChats`) and the inbox's
 * "Waiting N min" (`conversations.waitingSince`). Replies are public agent messages: a private note answers nobody.
 */
export const shopperWaitingSince = (sql: Sql | Tx) => sql`(case when c.status in ('queued', 'assigned') then (
  select case when reply.at is null or reply.at < c.queued_at
              then coalesce(c.queued_at, (select min(m.created_at) from messages m
                                          where m.conversation_id = c.id and m.author_type = 'customer' and not m.private))
              else (select min(m.created_at) from messages m
                    where m.conversation_id = c.id and m.author_type = 'customer' and not m.private and m.id > reply.id) end
  from (select max(a.id) as id, max(a.created_at) as at from messages a
        where a.conversation_id = c.id and a.author_type = 'agent' and not a.private) reply) end)`;

/**
 * The chat's language: what the bot last answered in (it follows what the shopper writes), else the language the
 * widget opened the session in, else English. Routing offers the chat by it; the inbox filters on it.
 */
export const conversationLanguage = (sql: Sql | Tx) => sql`coalesce(
  (select m.metadata ->> 'language' from messages m where m.conversation_id = c.id and m.author_type = 'bot' order by m.id desc limit 1),
  (select left(cu.locale, 2) from customers cu where cu.id = c.customer_id), 'en')`;

/**
 * Whether the automatic pass may take queued chat `c` (an SQL condition). Not while its hand-off rules run on the
 * server that queued it (rules_pending_until, a few seconds), and not while they are still owed after that
 * (handoff_rules_owed: that server died before running them, 062), so the recovery sweep runs them — a team, a
 * priority, a label they set counts for who gets the chat — before anyone takes it; the sweep only drops them for a
 * chat already taken. Bounded: past `owedRulesHoldMs` since the hand-off it is taken anyway, so a sweep that never
 * comes (broken, or every server failing it) leaves a chat without its rules rather than waiting for ever. The live
 * run clears both marks within milliseconds (chat-service.ts, rulesNoLongerOwed), so it holds nothing back.
 */
const assignableNow = (tx: Tx, owedRulesHoldMs: number) => tx`(
  (c.rules_pending_until is null or c.rules_pending_until < now())
  and (not c.handoff_rules_owed or c.queued_at is null or c.queued_at < now() - make_interval(secs => ${owedRulesHoldMs / 1000})))`;

async function openChats(tx: Tx, agentId: number): Promise<number> {
  const [row] = await tx<{ n: number }[]>`select ${seatsTaken(tx, agentId)} as n`;
  return row.n;
}

/**
 * Locks the agent row and tells whether it may take one more chat. The automatic pass skips an agent another
 * transaction holds (waiting there while holding other agents' locks is how deadlocks start); whichever
 * transaction finishes last runs another pass, so a seat skipped here is filled by it.
 */
async function lockAgentWithCapacity(tx: Tx, agentId: number, mode: 'auto' | 'manual'): Promise<{ name: string; shown_name: string } | null | 'locked'> {
  const [agent] = await tx<{ name: string; shown_name: string; capacity: number; presence: string; active: boolean }[]>`
    select name, ${shownNameColumn(tx)} as shown_name, capacity, presence, active from users where id = ${agentId}
    ${mode === 'auto' ? tx`for update skip locked` : tx`for update`}`;
  if (!agent) return mode === 'auto' ? 'locked' : null;
  if (!agent.active) return null;
  if (mode === 'manual') return agent;
  if (agent.presence !== 'online') return null;
  return (await openChats(tx, agentId)) < agent.capacity ? agent : null;
}

async function giveTo(tx: Tx, conversationId: number, agentId: number): Promise<{ customer_id: number; assigned_at: Date; queued_at: Date | null }> {
  const [row] = await tx<{ customer_id: number; assigned_at: Date; queued_at: Date | null }[]>`
    update conversations set status = 'assigned', assignee_id = ${agentId}, assigned_at = now(), passed_over_by = null, updated_at = now()
    where id = ${conversationId} returning customer_id, assigned_at, queued_at`;
  await tx`update users set last_assigned_at = now() where id = ${agentId}`;
  return row;
}

export const routingRepository = (sql: Sql) => ({
  /**
   * The agent chose a presence in a console: it is both what routing sees now and what any console of theirs
   * that connects later restores (one presence per agent, kept here rather than in each browser tab).
   */
  async choosePresence(agentId: number, presence: Presence): Promise<void> {
    // A choice is the agent's own: never automatic, and it restarts the idle clock (an "I'm back" included).
    await sql`update users set presence = ${presence}, presence_choice = ${presence}, auto_away_minutes = null,
                last_active_at = now(), last_seen_at = now() where id = ${agentId}`;
  },

  /**
   * A console of the agent connected. Another open console means the presence is current and is kept as it is
   * (a new tab adopts it); an agent who had none open (offline) gets back what they last chose. `previous` tells
   * the caller whether anything changed (the self-join reads the row as it was before this update). Coming back
   * from offline restarts the idle clock (the last activity was before the console closed), and keeps an automatic
   * Away as automatic (`autoAwayMinutes`, for the console's banner) only when Away is what is restored.
   */
  async restorePresence(agentId: number): Promise<{ presence: Presence; previous: Presence; autoAwayMinutes: number | null } | undefined> {
    const [row] = await sql<{ presence: Presence; previous: Presence; auto_away_minutes: number | null }[]>`
      update users u set presence = case when before.presence = 'offline' then u.presence_choice else before.presence end,
        auto_away_minutes = case when (case when before.presence = 'offline' then u.presence_choice else before.presence end) = 'away'
                                 then u.auto_away_minutes end,
        last_active_at = case when before.presence = 'offline' then now() else u.last_active_at end,
        last_seen_at = now()
      from users before where before.id = u.id and u.id = ${agentId}
      returning u.presence, before.presence as previous, u.auto_away_minutes`;
    return row && { presence: row.presence, previous: row.previous, autoAwayMinutes: row.auto_away_minutes };
  },

  /**
   * The agent did something in a console (input in any tab, reported by the console, or an action that reached the
   * server). Only moves the idle clock: it never changes a presence, so an Away (chosen or automatic) stays.
   */
  async recordActivity(agentId: number): Promise<void> {
    await sql`update users set last_active_at = now() where id = ${agentId}`;
  },

  /**
   * Sets Away every Online agent whose last activity is older than `afterMinutes` (of `unitSeconds` each; 60 but in
   * tests), as their stored choice too, so a reload or a reconnect keeps them Away until they say they are back.
   * Safe with every server running it at once: the second update re-reads a row the first changed, finds it no
   * longer online and skips it, so each agent is returned (and announced) by one server only.
   */
  async setIdleAgentsAway(afterMinutes: number, unitSeconds: number): Promise<number[]> {
    const rows = await sql<{ id: number }[]>`
      update users set presence = 'away', presence_choice = 'away', auto_away_minutes = ${afterMinutes}
      where active and presence = 'online' and last_active_at < now() - make_interval(secs => ${afterMinutes * unitSeconds})
      returning id`;
    return rows.map((r) => r.id);
  },

  /**
   * bot → queued. Returns false when the conversation was not with the bot (already queued, assigned or resolved).
   * Tags the chat with the team that takes its topic (migration 028): the team of the hand-off's own intent (the
   * bot's decision) when a team takes it, else the team of the last question the bot recognised that a team takes —
   * a shopper pressing "talk to a person", sending a photo or saying "a human please" after the bot answered about a
   * refund is still asking about the refund. The reason is stored with it (migration 043), as the hand-off event says it.
   */
  async enqueue(conversationId: number, reason: string, intent: string | null = null): Promise<boolean> {
    // The first-reply target in force now is stored with the chat: the reports judge its first reply by it (038).
    const { firstReplyTargetMinutes } = await loadTeamSettings(sql);
    const rows = await sql`
      update conversations c set status = 'queued', handed_off = true, queued_at = now(), updated_at = now(),
        first_reply_target_minutes = ${firstReplyTargetMinutes}, handoff_reason = ${reason},
        -- The admins' hand-off rules run before the automatic pass may take it (052_automation_rules.sql), and the chat
        -- owes them until they have run, so a recovery sweep runs them should this server die first (062).
        rules_pending_until = case when rules.enabled then now() + interval '10 seconds' end,
        handoff_rules_owed = rules.enabled,
        team_id = coalesce(
          (select ti.team_id from intents i join team_intents ti on ti.intent_id = i.id where i.name = ${intent}),
          (select ti.team_id from messages m
             join intents i on i.name = m.metadata ->> 'intent' join team_intents ti on ti.intent_id = i.id
           where m.conversation_id = c.id and m.author_type = 'bot' order by m.id desc limit 1))
      from (select exists (select 1 from automation_rules r where r.enabled and r.trigger = 'handoff') as enabled) rules
      where c.id = ${conversationId} and c.status = 'bot' returning c.id`;
    return rows.length > 0;
  },

  /**
   * Assigns the longest-waiting queued chat (one an agent marked priority before the others) to the least-loaded
   * online agent with a free seat. 'empty' when
   * there is nothing to do (no queued chat, or no free seat); 'busy' when rows it needed were locked for a
   * moment by other statements (a message touching the conversation, another pass) — worth trying again soon.
   * A chat whose hand-off rules are still owed waits for them, at most `owedRulesHoldMs` after its hand-off
   * (assignableNow).
   */
  async assignNext(owedRulesHoldMs: number): Promise<Assignment | 'empty' | 'busy'> {
    return sql.begin(async (tx) => {
      const [conversation] = await tx<{ id: number; language: string; passed_over_by: number | null; team_id: number | null }[]>`
        select c.id, c.passed_over_by, c.team_id, ${conversationLanguage(tx)} as language
        from conversations c
        where c.status = 'queued' and ${assignableNow(tx, owedRulesHoldMs)}
        order by c.priority desc, c.queued_at, c.id limit 1 for update of c skip locked`;
      if (!conversation) {
        // Busy only if a chat it could take was locked: one waiting for its hand-off rules is not to be retried for.
        const [queued] = await tx<{ any: boolean }[]>`
          select exists (select 1 from conversations c where c.status = 'queued' and ${assignableNow(tx, owedRulesHoldMs)}) as any`;
        return queued.any ? ('busy' as const) : ('empty' as const);
      }
      // Candidates in preference order: anyone but the agent who let this chat wait unanswered (only if nobody
      // else has room does it go back to them: a blocked head of the queue would hold every chat behind it), those
      // who speak the chat's language (or gave none) before the others, within each of those the members of the
      // chat's team first (language before team: an agent who cannot read the shopper cannot help at all, one from
      // another team can, if less expertly; see docs/architecture.md), then by load. A chat without a team, or
      // whose team has nobody with room, falls through to the same order as before. The load here is only a hint,
      // re-checked under the lock below.
      const candidates = await tx<{ id: number }[]>`
        select u.id from users u
        where u.active and u.presence = 'online' and u.capacity > 0
        order by u.id is not distinct from ${conversation.passed_over_by},
                 (cardinality(u.languages) > 0 and not ${conversation.language} = any(u.languages)),
                 not exists (select 1 from team_members tm where tm.user_id = u.id and tm.team_id = ${conversation.team_id}),
                 ${seatsTaken(tx, tx`u.id`)}::float / u.capacity,
                 u.last_assigned_at nulls first, u.id
        limit 20`;
      let skipped = false;
      for (const candidate of candidates) {
        const agent = await lockAgentWithCapacity(tx, candidate.id, 'auto');
        if (agent === 'locked') skipped = true;
        if (!agent || agent === 'locked') continue;
        const row = await giveTo(tx, conversation.id, candidate.id);
        return { conversationId: conversation.id, customerId: row.customer_id, agentId: candidate.id, agentName: agent.name, agentShownName: agent.shown_name, assignedAt: row.assigned_at, queuedAt: row.queued_at };
      }
      return skipped ? ('busy' as const) : ('empty' as const);
    });
  },

  /**
   * An agent takes a chat (accept, or transfer to them). Chats still with the bot or queued can be taken;
   * `holderId` (a transfer) requires that agent to hold the chat still, checked under the row's lock: a transfer is
   * of the holder the caller saw, and must not undo a take-over that committed after it looked.
   */
  async assignTo(conversationId: number, agentId: number, allowedStatuses: ('bot' | 'queued' | 'assigned')[], holderId?: number): Promise<Assignment | 'not_available' | 'agent_unavailable'> {
    return sql.begin(async (tx) => {
      const [conversation] = await tx<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${conversationId} for update`;
      if (!conversation || !allowedStatuses.includes(conversation.status as never)) return 'not_available' as const;
      if (holderId !== undefined && Number(conversation.assignee_id) !== holderId) return 'not_available' as const;
      // A person choosing a chat (accept) or a colleague handing one over is not held to the auto-assignment capacity.
      const agent = await lockAgentWithCapacity(tx, agentId, 'manual');
      if (!agent || agent === 'locked') return 'agent_unavailable' as const;
      const row = await giveTo(tx, conversationId, agentId);
      return { conversationId, customerId: row.customer_id, agentId, agentName: agent.name, agentShownName: agent.shown_name, assignedAt: row.assigned_at, queuedAt: row.queued_at };
    });
  },

  /**
   * A person gives a chat to a chosen agent: "assign to me" or an admin's pick for a chat nobody holds, or a take-over
   * of a held one. Like assignTo, but `holderId` (when given) must still hold the chat — a take-over is of the holder
   * the console showed, not of one a concurrent transfer put there — and with `needSeat` the agent must have a free
   * seat: they did not choose the chat themselves. The agent row is locked before the seats are counted, as in every
   * assignment, so two admins filling the last seat at once cannot both succeed.
   */
  async assignChosen(conversationId: number, agentId: number, rule: { statuses: ('bot' | 'queued' | 'assigned')[]; holderId?: number; needSeat: boolean }): Promise<Assignment | 'not_available' | 'agent_unavailable' | { full: { seats: number; capacity: number } }> {
    return sql.begin(async (tx) => {
      const [conversation] = await tx<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${conversationId} for update`;
      if (!conversation || !rule.statuses.includes(conversation.status as never)) return 'not_available' as const;
      if (rule.holderId !== undefined && Number(conversation.assignee_id) !== rule.holderId) return 'not_available' as const;
      const [agent] = await tx<{ name: string; shown_name: string; capacity: number; active: boolean }[]>`
        select name, ${shownNameColumn(tx)} as shown_name, capacity, active from users where id = ${agentId} for update`;
      if (!agent?.active) return 'agent_unavailable' as const;
      if (rule.needSeat) {
        const seats = await openChats(tx, agentId);
        if (seats >= agent.capacity) return { full: { seats, capacity: agent.capacity } };
      }
      const row = await giveTo(tx, conversationId, agentId);
      return { conversationId, customerId: row.customer_id, agentId, agentName: agent.name, agentShownName: agent.shown_name, assignedAt: row.assigned_at, queuedAt: row.queued_at };
    });
  },

  /**
   * A person puts a chat back in the queue: its holder's "return to queue", an admin's, or a transfer to a team
   * (`teamId`: the chat is tagged with that team, whose members the next pass offers it to first). A held chat must
   * still be held by `holderId`; it keeps its first queue time (first in line: it has waited longest), and is offered
   * to everyone else before the agent who let it go (`passed_over_by`, as the no-reply hand-back does), so the pass that
   * follows does not hand it straight back. A queued chat given to a team only changes its tag. A chat that became
   * queued without a hand-off (one an agent started) is queued from now. Null when the chat was not in that state.
   */
  async requeue(conversationId: number, rule: { holderId: number | null; teamId?: number }): Promise<{ customer_id: number; previous_holder: number | null } | null> {
    const team = rule.teamId !== undefined ? sql`, team_id = ${rule.teamId}` : sql``;
    const [row] = rule.holderId === null
      ? await sql<{ customer_id: number; previous_holder: number | null }[]>`
          update conversations set updated_at = now() ${team}
          where id = ${conversationId} and status = 'queued' and assignee_id is null returning customer_id, null::bigint as previous_holder`
      : await sql<{ customer_id: number; previous_holder: number | null }[]>`
          update conversations c set status = 'queued', assignee_id = null, passed_over_by = c.assignee_id,
            queued_at = coalesce(c.queued_at, now()), updated_at = now() ${team}
          where c.id = ${conversationId} and c.status = 'assigned' and c.assignee_id = ${rule.holderId}
          returning c.customer_id, ${rule.holderId}::bigint as previous_holder`;
    return row ? { customer_id: Number(row.customer_id), previous_holder: row.previous_holder === null ? null : Number(row.previous_holder) } : null;
  },

  /**
   * Closes the chat. `by` is the kind of closer; `agentId` who pressed Resolve when it was an agent (an admin may close
   * a colleague's chat), stored as resolver_id for the per-agent report — null for the bot, the shopper, the system.
   * `heldBy` (an agent who is not an admin): only while that agent holds the chat, or nobody does — decided on the row
   * as locked, so a take-over committed after the caller looked is not closed by the agent it took the chat
   * from. `held` is whether an agent held it when it closed (the holder is `assignee_id`; resolving keeps it).
   */
  async resolve(conversationId: number, by: 'bot' | 'agent' | 'customer' | 'system', agentId: number | null = null, heldBy?: number): Promise<{ customer_id: number; resolved_at: Date; assignee_id: number | null; held: boolean } | null> {
    return sql.begin(async (tx) => {
      const [was] = await tx<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${conversationId} for update`;
      if (!was || was.status === 'resolved') return null;
      if (heldBy !== undefined && was.status === 'assigned' && Number(was.assignee_id) !== heldBy) return null;
      const [row] = await tx<{ customer_id: number; resolved_at: Date; assignee_id: number | null }[]>`
        update conversations set status = 'resolved', resolved_at = now(), resolved_by = ${by}, resolver_id = ${by === 'agent' ? agentId : null},
          resolution_seconds = extract(epoch from now() - created_at)::int, updated_at = now()
        where id = ${conversationId}
        returning customer_id, resolved_at, assignee_id`;
      return { ...row, held: was.status === 'assigned' };
    });
  },

  /**
   * A resolved chat open again, held by `agentId`. Not while the customer has another open chat (`{ openId }`): the
   * shopper's widget and replies follow their newest open chat, and two would split the conversation. Under the
   * customer's chat lock (customer-chat-lock.ts), as a shopper's first message and an agent's new chat are, so a
   * chat started meanwhile is either seen here or sees this one open.
   */
  async reopen(conversationId: number, agentId: number): Promise<'reopened' | 'not_resolved' | 'anonymised' | { openId: number }> {
    const [chat] = await sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${conversationId}`;
    if (!chat) return 'not_resolved';
    return withKeptCustomer(sql, Number(chat.customer_id), async (tx, keptId) => {
      await lockCustomerChats(tx, keptId);
      // Anonymised (retention, a customer's deletion): no shopper or bot message is stored there any more, so open
      // again it could only sit beside the chat the shopper's next message starts. Read on the locked row.
      const [was] = await tx<{ anonymised: boolean }[]>`
        select anonymised_at is not null as anonymised from conversations where id = ${conversationId} for no key update`;
      if (was?.anonymised) return 'anonymised' as const;
      const [open] = await tx<{ id: number }[]>`
        select id from conversations where customer_id = ${keptId} and status <> 'resolved' and id <> ${conversationId} order by id desc limit 1`;
      if (open) return { openId: Number(open.id) };
      const rows = await tx`
        update conversations set status = 'assigned', assignee_id = ${agentId}, assigned_at = now(), resolved_at = null,
          resolved_by = null, resolver_id = null, resolution_seconds = null, updated_at = now()
        where id = ${conversationId} and status = 'resolved' returning id`;
      return rows.length > 0 ? 'reopened' as const : 'not_resolved' as const;
    });
  },

  /** Records the first agent reply after the hand-off (first-response time). */
  async recordFirstResponse(conversationId: number): Promise<void> {
    await sql`
      update conversations set first_response_at = now(),
        first_response_seconds = extract(epoch from now() - coalesce(queued_at, created_at))::int
      where id = ${conversationId} and first_response_at is null`;
  },

  async queue(): Promise<{ id: number; customer_id: number }[]> {
    return sql<{ id: number; customer_id: number }[]>`select id, customer_id from conversations where status = 'queued' order by priority desc, queued_at, id limit 1000`;
  },

  /** Chats left with the bot and silent for `idleMinutes` count as resolved by the bot (containment). */
  async resolveIdleBotConversations(idleMinutes: number): Promise<{ id: number; customer_id: number; resolved_at: Date }[]> {
    return sql<{ id: number; customer_id: number; resolved_at: Date }[]>`
      update conversations set status = 'resolved', resolved_at = now(), resolved_by = 'bot',
        resolution_seconds = extract(epoch from now() - created_at)::int, updated_at = now()
      where id in (select id from conversations where status = 'bot'
                   and coalesce(last_message_at, created_at) < now() - make_interval(mins => ${idleMinutes})
                   limit 500 for update skip locked)
      returning id, customer_id, resolved_at`;
  },

  /**
   * Puts back in the queue the chats held by an agent who can no longer answer them: a deactivated agent (all of
   * them), or one offline for some minutes (a reload or a short drop keeps the chats) while the shopper waits for
   * the team (`shopperWaitingSince`: no agent reply since their last message or the hand-off, whoever wrote last —
   * the bot's "connecting you" line included; an agent who replied last keeps a chat the shopper has not answered).
   * They keep their first queue time, so they are first in line: they waited longest. A snoozed chat stays with an
   * offline agent until it wakes (nobody is meant to work on it); a deactivated agent's go too
   * (the trigger of 025_snooze.sql clears their snooze). `conversationIds` limits the check to chats that just woke.
   */
  async releaseHeldChats(filter: { agentId: number } | { offlineMinutes: number; conversationIds?: number[] }): Promise<{ id: number; agent_id: number; agent_name: string; agent_shown_name: string }[]> {
    const which = 'agentId' in filter
      ? sql`u.id = ${filter.agentId}`
      : sql`u.presence = 'offline' and u.last_seen_at < now() - make_interval(mins => ${filter.offlineMinutes})
            and c.snoozed_until is null ${filter.conversationIds ? sql`and c.id = any(${filter.conversationIds}::bigint[])` : sql``}
            and ${shopperWaitingSince(sql)} is not null`;
    return sql<{ id: number; agent_id: number; agent_name: string; agent_shown_name: string }[]>`
      update conversations c set status = 'queued', assignee_id = null, queued_at = coalesce(c.queued_at, now()), updated_at = now()
      from users u where u.id = c.assignee_id and c.status = 'assigned' and ${which}
      returning c.id, u.id as agent_id, u.name as agent_name, ${shownNameColumn(sql, 'u')} as agent_shown_name`;
  },

  /**
   * Takes back the chats whose agent has not answered for `minutes` since they got them (no agent reply in the
   * chat yet: the shopper waits for a person, whether the bot's hand-off line or their own message came last): an
   * agent who left the console open and walked away still shows online. Only when another agent is online with a
   * free seat; otherwise the chat would only wait in the queue instead, with nobody to take it. The chat keeps its
   * first queue time (first in line) and remembers whom it was taken from, so the next pass offers it to someone
   * else. A snoozed chat is left alone, and one that woke gives its agent the same minutes from the wake.
   */
  async releaseUnansweredChats(minutes: number): Promise<{ id: number; agent_id: number; agent_name: string; agent_shown_name: string }[]> {
    return sql<{ id: number; agent_id: number; agent_name: string; agent_shown_name: string }[]>`
      update conversations c set status = 'queued', assignee_id = null, passed_over_by = c.assignee_id,
        queued_at = coalesce(c.queued_at, now()), updated_at = now()
      from users u
      where u.id = c.assignee_id and c.status = 'assigned' and c.first_response_at is null and c.snoozed_until is null
        and greatest(c.assigned_at, c.woke_at) < now() - make_interval(mins => ${minutes})
        and exists (select 1 from users o where o.id <> u.id and o.active and o.presence = 'online' and o.capacity > 0
                    and ${seatsTaken(sql, sql`o.id`)} < o.capacity)
      returning c.id, u.id as agent_id, u.name as agent_name, ${shownNameColumn(sql, 'u')} as agent_shown_name`;
  },

  /**
   * Chats with a person in which nobody wrote for `idleHours`, once an agent has answered since the hand-off: the
   * shopper has gone (their "thanks, bye" after the answer included), and an assigned one would hold a seat of the
   * agent's capacity for ever. Closed by the system. A hand-off nobody has answered yet stays open however long: closing
   * it would drop a question no person saw an answer to (a Friday evening hand-off gone by Monday).
   */
  async resolveIdleHumanConversations(idleHours: number): Promise<{ id: number; customer_id: number; resolved_at: Date; assignee_id: number | null; status: 'queued' | 'assigned' }[]> {
    return sql`
      with idle as (
        select c.id, c.status from conversations c where c.status in ('queued', 'assigned') and c.snoozed_until is null
          and greatest(coalesce(c.last_message_at, c.created_at), coalesce(c.assigned_at, c.queued_at, c.created_at), c.woke_at) < now() - make_interval(hours => ${idleHours})
          and exists (select 1 from messages a where a.conversation_id = c.id and a.author_type = 'agent' and not a.private
                      and a.created_at >= coalesce(c.queued_at, c.created_at))
        limit 500 for update of c skip locked
      )
      update conversations c set status = 'resolved', resolved_at = now(), resolved_by = 'system',
        resolution_seconds = extract(epoch from now() - c.created_at)::int, updated_at = now()
      from idle where c.id = idle.id
      returning c.id, c.customer_id, c.resolved_at, c.assignee_id, idle.status`;
  },
});
export type RoutingRepository = ReturnType<typeof routingRepository>;
