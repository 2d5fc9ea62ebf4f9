-- Email alerts to agents away from the console (server/services/agent-email-alerts.ts, workers/agent-email-alerts.ts).
-- Each agent's choice of which events email them and after how long; null = the defaults agent-email-alerts.ts gives
-- (kept there, not here, so a changed default reaches everyone who never chose).
alter table users add column email_alerts jsonb;
-- When the agent was last sent an alert email: at most one per their delay window.
alter table users add column email_alert_sent_at timestamptz;

-- What happened that an agent may need to hear of. The worker gathers an agent's open rows into one digest email
-- when their delay has passed, and closes each row with what became of it: emailed, seen meanwhile (the chat read,
-- the mention seen, the left message handled, or the agent at the console), or dropped (preference off, the chat no
-- longer theirs, the agent deactivated).
create table agent_alert_events (
  id                 bigserial primary key,
  user_id            bigint not null references users (id) on delete cascade,
  kind               text not null check (kind in ('assigned', 'shopper_message', 'mention', 'left_message')),
  conversation_id    bigint references conversations (id) on delete cascade,
  -- The message that made it (the shopper's, the note, the "joined" line); the offline_messages row for left_message.
  message_id         bigint,
  offline_message_id bigint references offline_messages (id) on delete cascade,
  -- Who did it, for the email: the author of a note naming the agent.
  actor_id           bigint references users (id) on delete set null,
  created_at         timestamptz not null default now(),
  handled_at         timestamptz,
  outcome            text check (outcome in ('emailed', 'seen', 'dropped')),
  check ((handled_at is null) = (outcome is null))
);
create index agent_alert_events_open_idx on agent_alert_events (user_id, id) where handled_at is null;
create index agent_alert_events_conversation_idx on agent_alert_events (conversation_id);
