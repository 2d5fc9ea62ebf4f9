-- Support console: canned responses agents insert with /shortcut.
create table canned_responses (
  id         bigserial primary key,
  shortcut   text not null check (shortcut ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  title      text not null check (length(title) between 1 and 120),
  body       text not null check (length(body) between 1 and 4000),
  locale     text not null default 'en' check (locale in ('en', 'zh')),
  created_by bigint references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shortcut, locale)
);

create index audit_log_created_idx on audit_log (created_at desc);
