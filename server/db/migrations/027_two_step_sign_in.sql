-- Two-step sign-in for agents and admins (server/services/two-step.ts): an authenticator app's code after the
-- password. The TOTP secret is kept encrypted (AES-256-GCM under a key derived from the server secret); until the
-- person confirms a first code the row is only pending (enabled_at null) and sign-in ignores it.
create table user_two_step (
  user_id        bigint primary key references users (id) on delete cascade,
  secret_enc     text not null,
  enabled_at     timestamptz,
  -- The last time step whose code was accepted: a code of that step or an earlier one is refused (replay).
  last_used_step bigint,
  -- Wrong codes at sign-in since window_start, over all challenges: someone who has the password could otherwise
  -- start challenge after challenge from many addresses and keep guessing.
  failed_codes   integer not null default 0,
  failed_since   timestamptz,
  created_at     timestamptz not null default now()
);

-- One-time recovery codes (a lost phone); only their sha256 is kept, and a used one is marked, never reused.
create table user_recovery_codes (
  user_id   bigint not null references users (id) on delete cascade,
  code_hash text not null,
  used_at   timestamptz,
  primary key (user_id, code_hash)
);

-- A right password of someone with two-step on: the token (sha256 here) that lets the code be checked for a few
-- minutes, a few times. Deleted when used, when too many codes were wrong, or by the next sign-in's sweep once stale.
create table login_challenges (
  token_hash text primary key,
  user_id    bigint not null references users (id) on delete cascade,
  attempts   integer not null default 0,
  expires_at timestamptz not null
);
create index login_challenges_expires_idx on login_challenges (expires_at);
