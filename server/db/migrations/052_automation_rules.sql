-- Automation rules: "when a chat is handed off (or starts) and these conditions hold, do these actions", run by the
-- server with no agent clicking (server/services/automation-rules.ts). The trigger, conditions and actions are a closed
-- list the server validates before storing them as JSON; the cap on how many rules there are (50) is the server's.
-- Rules are read from here at each event (a hand-off, a new chat), so every server sees a change at once.
create table automation_rules (
  id          bigserial primary key,
  name        text not null check (char_length(name) between 1 and 80),
  enabled     boolean not null default true,
  trigger     text not null check (trigger in ('handoff', 'conversation_created')),
  conditions  jsonb not null default '[]' check (jsonb_typeof(conditions) = 'array' and jsonb_array_length(conditions) <= 10),
  actions     jsonb not null check (jsonb_typeof(actions) = 'array' and jsonb_array_length(actions) between 1 and 10),
  -- Rules run in this order (then by id); the admin page lists them so.
  position    integer not null default 0,
  created_by  bigint references users (id) on delete set null,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
-- The read at each event: the enabled rules of one trigger, in order.
create index automation_rules_trigger_idx on automation_rules (trigger, position, id) where enabled;

-- A chat handed off while hand-off rules are on waits for them before the automatic assignment pass takes it (any
-- server's: the 5-second sweep could otherwise win the milliseconds between the hand-off and the rules), so a team,
-- priority or labels a rule sets count for who gets it. The rules' server clears it when they have run; the deadline
-- lets the pass take the chat anyway if that server died meanwhile. Null (no rules) changes nothing.
alter table conversations add column rules_pending_until timestamptz;
