-- Personal API tokens: an admin makes one in the console (Team & settings → API tokens) for an integration, which then
-- calls the /api routes agents and admins use with `Authorization: Bearer sd_…`. Only the token's sha256 is kept (the
-- secret is shown once, when it is made); `hint` is its first characters, so a leaked token can be matched to its row.
-- A token acts as its creator with `scope` at most (an agent-scoped token of an admin is an agent; an admin-scoped
-- token of someone who is no longer an admin is an agent too), and stops working when it is revoked, expires, or its
-- creator is deactivated. Revoked rows stay (the audit log names them); the console lists the others.
create table api_tokens (
  id           bigserial primary key,
  name         text not null check (char_length(name) between 1 and 100),
  token_hash   text not null unique,
  hint         text not null,
  scope        text not null check (scope in ('agent', 'admin')),
  created_by   bigint not null references users (id) on delete cascade,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz,
  -- Written at most once a minute per token (plugins/auth.ts), not on every request.
  last_used_at timestamptz,
  revoked_at   timestamptz,
  revoked_by   bigint references users (id) on delete set null
);
create index api_tokens_live_idx on api_tokens (created_at desc) where revoked_at is null;
