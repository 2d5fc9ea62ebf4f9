-- Addresses that unsubscribed from the shop's emails to shoppers (follow-ups of replies, rating requests). The opt-out
-- was kept on the customer record only (customers.email_followups_off_at), so the same person starting a chat from
-- another browser — a new record with the same address — was emailed again. It belongs to the address.
-- The address is kept as the sha256 (hex) of it trimmed and lower-cased, not as text: deleting a customer at their
-- request erases their address, while the wish not to be emailed must outlive the record (no foreign key, nothing
-- removes a row but an opt-in, which the product does not offer). server/services/email-unsubscribe.ts computes the key.
create table if not exists email_suppressions (
  address_hash  text primary key check (address_hash ~ '^[0-9a-f]{64}$'),
  suppressed_at timestamptz not null default now()
);

-- The opt-outs made before this table: their addresses, from the earliest opt-out of each.
insert into email_suppressions (address_hash, suppressed_at)
select encode(sha256(convert_to(lower(btrim(email)), 'UTF8')), 'hex'), min(email_followups_off_at)
from customers where email_followups_off_at is not null and email is not null
group by 1
on conflict (address_hash) do nothing;
