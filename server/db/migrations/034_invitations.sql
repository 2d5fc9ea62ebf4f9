-- Invitations by email (server/services/invitations.ts): an admin adds a team member without choosing their
-- password; the member gets a link and chooses it. Only the sha256 of the link's random token is kept, so a leak of
-- this table opens no account. A member with an unused invitation is "invited": their password hash is random (no
-- password signs them in) until they accept. A (re)send deletes the member's earlier unused rows, so one link works.
create table invitations (
  id         bigserial primary key,
  user_id    bigint not null references users (id) on delete cascade,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at    timestamptz,
  created_by bigint references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index invitations_pending_idx on invitations (user_id) where used_at is null;

-- A password an admin set (creating the account or resetting it) is known to two people: its holder must choose
-- their own at the next sign-in before the console or the API does anything else.
alter table users add column must_change_password boolean not null default false;
