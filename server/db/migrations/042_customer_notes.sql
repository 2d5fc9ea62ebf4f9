-- Notes on a customer (the person, not one chat): "prefers email", "VIP, always check stock first", "refund promised
-- on 12 Dec by Sam". Every agent sees them beside each of the customer's chats and on the customers page. A note is
-- the team's working knowledge, so it follows the person: a merge moves it to the kept record (customer-merge.ts lists
-- this table), the privacy deletion removes it (customer-privacy.ts; the row of a deleted customer stays, blanked, so
-- the cascade alone would not), and the privacy export includes it. Its author is kept when they are deactivated
-- (users are deactivated, not deleted); should a user row ever be deleted, the note stays without an author.
create table customer_notes (
  id          bigserial primary key,
  customer_id bigint not null references customers (id) on delete cascade,
  author_id   bigint references users (id) on delete set null,
  body        text not null check (char_length(body) between 1 and 2000),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
-- A customer's notes, newest first (the panel's list), and the lookups a merge, a deletion and the idle-visitor sweep
-- make by customer_id.
create index customer_notes_customer_idx on customer_notes (customer_id, created_at desc, id desc);
