-- The per-agent report (services/agent-report.ts) reads, for the range's chats, the agents' public replies and the
-- lines that start or end a hold: "joined", "transferred to", and since c80e97c "returned to the queue"
-- (agent_requeued), which ends the hold. Migration 033's partial index named only the first two, so once the report
-- asked for agent_requeued too its condition no longer implied the index's and the planner fell back to
-- messages_conversation_idx, reading every message of those chats (shoppers' and the bot's, four in five) to keep a
-- fifth: a year of a busy shop (bench:reports) read 3.1 million rows instead of 650,000, the report 10–30 % slower.
-- The index is rebuilt with the report's condition, word for word again; returns to the queue are rare writes. Any
-- query the old condition served is served by this one (its condition is a superset).
-- Under a new name, created before the old one goes: CREATE INDEX holds message writes while it builds (about 5 s per
-- 3 million messages) and migrations run in one transaction, where CONCURRENTLY cannot; a large install creates it by
-- hand first with CREATE INDEX CONCURRENTLY under this name (README, "Large histories"), and `if not exists` skips it.
create index if not exists messages_agent_hold_lines_idx on messages (conversation_id, id)
  where (author_type = 'agent' and not private)
     or (author_type = 'system' and metadata ->> 'event' in ('agent_joined', 'agent_transferred', 'agent_requeued'));
drop index if exists messages_agent_lines_idx;
