-- The per-agent report (services/agent-report.ts) ends a hold at every line that puts the chat back in the queue with
-- nobody holding it: besides "returned to the queue" (agent_requeued, migration 057), the release of an agent who
-- went offline or was deactivated (agent_unavailable) and of one who did not reply in time (agent_no_reply). Without
-- them, a chat released that way and left waiting past its first-reply target counted as late for the agent it had
-- left ("late while holding") instead of late in the queue, and a reply written after the release but before the
-- next assignment counted as a first reply in that agent's hold.
-- The report's condition on messages grew by those two events, so migration 057's partial index no longer serves it
-- (its condition must be implied by the report's; without it Postgres reads every message of the range's chats, the
-- report 10–30 % slower at a busy shop's size). It is rebuilt with the report's condition, word for word; the
-- releases are rare writes, and any query the old condition served is served by this one (a superset).
-- Under a new name, created before the old one goes: CREATE INDEX holds message writes while it builds (about 5 s per
-- 3 million messages) and migrations run in one transaction, where CONCURRENTLY cannot; a large install creates it by
-- hand first with CREATE INDEX CONCURRENTLY under this name (README, "Large histories"), and `if not exists` skips it.
create index if not exists messages_agent_hold_changes_idx on messages (conversation_id, id)
  where (author_type = 'agent' and not private)
     or (author_type = 'system' and metadata ->> 'event' in ('agent_joined', 'agent_transferred', 'agent_requeued', 'agent_unavailable', 'agent_no_reply'));
drop index if exists messages_agent_hold_lines_idx;
