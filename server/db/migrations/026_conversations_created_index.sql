-- Every report figure selects the conversations started in a date range. Without this index each one read the whole
-- table: on 150,000 chats the report for 30 days took about 0.55 s and for a year 5.7 s; with it, 45 ms and 0.3–0.4 s.
create index conversations_created_idx on conversations (created_at);
