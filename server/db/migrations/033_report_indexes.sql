-- The per-agent report (services/agent-report.ts) reads, for the chats started in a date range, the agents' public
-- replies and the "joined" / "transferred to" lines. Through messages_conversation_idx it read every message of those
-- chats — the shoppers' and the bot's too, four in five — to keep the few it counts. This partial index holds only
-- those lines (its condition is the report's, word for word, so the planner matches it): a year's report reads a
-- fifth of the rows it did. Shoppers' and bot messages, most of the writes, are never added to it.
create index messages_agent_lines_idx on messages (conversation_id, id)
  where (author_type = 'agent' and not private)
     or (author_type = 'system' and metadata ->> 'event' in ('agent_joined', 'agent_transferred'));
