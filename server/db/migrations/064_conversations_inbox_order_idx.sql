-- The inbox lists newest activity first (server/http/conversation-routes.ts, inboxOrder: "newest", the default of
-- every view but queued and snoozed): order by coalesce(c.last_message_at, c.created_at) desc, c.id desc, limit 100.
-- No index had that order, so each page of "all" and "resolved" read the whole conversations table and sorted it
-- (about 600 ms and 300 ms at 300,000 chats, growing with the history); read through this index, a page stops after
-- its first rows (under 10 ms). The expression is the ORDER BY's, term for term: the planner uses an expression
-- index only for the same expression.
-- A plain CREATE INDEX holds conversation writes while it builds and migrations run in one transaction, where
-- CONCURRENTLY cannot; a large install creates it by hand first with CREATE INDEX CONCURRENTLY under this name and
-- expression (README, "Large histories"), and `if not exists` skips it.
create index if not exists conversations_inbox_order_idx on conversations ((coalesce(last_message_at, created_at)) desc, id desc);
