-- The agent a chat was last taken back from because they did not answer in time (ASSIGNED_NO_REPLY_MINUTES): the
-- next assignment offers the chat to everyone else first. Cleared when the chat is given to someone.
alter table conversations add column passed_over_by bigint references users (id) on delete set null;
