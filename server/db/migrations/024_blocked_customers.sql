-- A shopper an agent blocked (spam, abuse): their widget can no longer connect or send files until someone
-- unblocks them (server/services/customer-blocking.ts). Who and why are kept for the next agent and the audit log.
alter table customers
  add column blocked_at   timestamptz,
  add column blocked_by   bigint references users (id) on delete set null,
  add column block_reason text;
