-- Who pressed Resolve, kept on the conversation. The per-agent report (services/agent-report.ts) credits "Resolved"
-- to that person; it found them by reading every "resolved" interaction event of the range, which doubled the
-- report's time (a year of a busy shop: 300,000 events, 1.7 s of 3.6 s). Set by an agent's resolve, null when the
-- bot, the shopper or the idle sweep closed the chat, cleared on reopen (repositories/routing.ts); a deleted user
-- leaves it null and the report falls back to the holder, as for a chat with no resolver.
alter table conversations add column if not exists resolver_id bigint references users (id) on delete set null;

-- The chats closed by an agent before this column existed: the latest "resolved" event naming an agent (a numeric
-- agentId of a user who still exists). One statement over all resolved events: on a big install (hundreds of
-- thousands of resolutions) it reads them all once and rewrites those conversations, so it may take a while (tens
-- of seconds) and holds their row locks meanwhile. Only rows still without a resolver are written, so running it
-- again changes nothing.
update conversations c set resolver_id = latest.agent_id
from (
  select distinct on (e.conversation_id) e.conversation_id, (e.payload ->> 'agentId')::bigint as agent_id
  from interaction_events e
  where e.type = 'resolved' and e.payload ->> 'by' = 'agent' and e.payload ->> 'agentId' ~ '^[0-9]{1,15}$'
  order by e.conversation_id, e.occurred_at desc, e.id desc
) latest
where c.id = latest.conversation_id and c.status = 'resolved' and c.resolved_by = 'agent' and c.resolver_id is null
  and exists (select 1 from users u where u.id = latest.agent_id);
