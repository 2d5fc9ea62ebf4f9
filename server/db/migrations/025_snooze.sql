-- Snoozing (server/services/snooze.ts): the agent holding a chat puts it aside until a time ("waiting for the
-- warehouse, back tomorrow morning"). The chat stays assigned to them. While `snoozed_until` is set it is out of the
-- open lists, holds no seat of the agent's capacity, and the idle-close, offline and no-reply sweeps leave it alone.
alter table conversations add column snoozed_until timestamptz;
-- When the chat last woke (its time came, the shopper wrote, or someone unsnoozed it): the no-reply hand-back and the
-- idle close count from then, not from an assignment or a message days before the snooze.
alter table conversations add column woke_at timestamptz;
-- The wake sweep's index: only the few snoozed rows are in it. A message's update of the conversation leaves both
-- columns alone, so that update stays HOT.
create index conversations_snoozed_idx on conversations (snoozed_until) where snoozed_until is not null;
-- A snooze belongs to the chat as its holder has it. Whatever takes the chat from them or closes it — resolve (by an
-- agent, the system's idle close or blocking the shopper), transfer, the hand-backs to the queue, deactivation —
-- clears it, here once rather than in every one of those statements (some of which are older than snoozing).
-- `update of status, assignee_id`: the trigger runs only for statements that set those columns, never for the
-- messages' hot-path update of `last_message_at`.
create function conversations_clear_snooze() returns trigger language plpgsql as $$
begin
  if new.snoozed_until is not null and (new.status <> 'assigned' or new.assignee_id is distinct from old.assignee_id) then
    new.snoozed_until := null;
  end if;
  return new;
end $$;
create trigger conversations_clear_snooze before update of status, assignee_id on conversations
  for each row execute function conversations_clear_snooze();
