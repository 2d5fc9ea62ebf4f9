-- Files sent in a chat (a photo of a damaged item, a receipt). Kept in Postgres
-- beside the messages: every server reads them, backups hold them, and deleting
-- a customer deletes them in the same transaction. `access_key` is the random
-- part of the file's URL: whoever was shown the message can open the file, and
-- nobody can guess another one's URL.
create table attachments (
  id            bigserial primary key,
  -- Whose conversation it belongs to (the shopper, also when an agent sent it).
  customer_id   bigint not null references customers (id) on delete cascade,
  conversation_id bigint references conversations (id) on delete cascade,
  message_id    bigint references messages (id) on delete set null,
  uploaded_by   text not null check (uploaded_by in ('customer', 'agent')),
  access_key    text not null,
  file_name     text not null,
  content_type  text not null,
  size_bytes    integer not null check (size_bytes > 0),
  data          bytea not null,
  created_at    timestamptz not null default now()
);
create index attachments_customer_idx on attachments (customer_id);
create index attachments_conversation_idx on attachments (conversation_id);
