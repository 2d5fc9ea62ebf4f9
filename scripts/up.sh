#!/usr/bin/env bash
# One command from a fresh clone to a running product: installs dependencies,
# starts the local Postgres and Redis when they are installed but down, then
# the server as `npm start` runs it (migrations, demo content, server + workers, URLs printed).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shopdesk}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
if [ -z "${DATABASE_URL:-}" ] && command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "starting the local Postgres cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi
if [ -z "${REDIS_URL:-}" ] && command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "starting a local Redis"
    redis_dir=/var/lib/redis; [ -w "$redis_dir" ] || redis_dir="${TMPDIR:-/tmp}"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$redis_dir" --appendonly yes --maxmemory-policy noeviction
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund   # not `npm ci`: see .ci/run
fi
# Where, without credentials: the host part only (a password in either address must not reach the terminal's log).
# The query goes too: ioredis reads a password from it (?password=…).
pg_where=${pg_url##*@}
redis_where=${redis_url##*@}
echo "using Postgres at ${pg_where%%\?*} and Redis at ${redis_where%%\?*}"
# Node in this shell's place (what `npm start` runs, without npm and tsx's launcher between): Ctrl-C, and a SIGTERM
# sent to this script's process, reach the server's graceful stop. npm would die of a SIGTERM without passing it on.
exec node --import tsx server/main.ts
