#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL (each run is `pytest --db …`):
#   RELEASEDESK_TEST_DATABASE_URL if set, else the server at 127.0.0.1:5432 if it answers,
#   else a throwaway cluster made with initdb/pg_ctl. Under CI=true a missing PostgreSQL fails.
# Arguments go to both pytest runs (`scripts/test.sh -k close -x`).
set -uo pipefail
cd "$(dirname "$0")/.."

ran=()
failed=0
PYTEST_ARGS=("$@")

run_suite() {  # name, --db value
  echo "=== test suite on $1 ==="
  if pytest --db "$2" "${PYTEST_ARGS[@]}"; then
    ran+=("$1: passed")
  else
    ran+=("$1: FAILED")
    failed=1
  fi
}

pg_answers() {  # host port
  python - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

throwaway_cluster() {
  local initdb pg_ctl dir port=55432 runas=()
  initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1)
  pg_ctl=$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | tail -n 1)
  [ -n "$initdb" ] && [ -n "$pg_ctl" ] || return 1
  dir=$(mktemp -d /tmp/releasedesk-pg.XXXXXX)
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || return 1
    chown postgres "$dir"
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$initdb" -D "$dir/data" -U postgres -A trust >/dev/null || return 1
  "${runas[@]}" "$pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" \
    -l "$dir/log" -w start >/dev/null || return 1
  THROWAWAY_STOP=("${runas[@]}" "$pg_ctl" -D "$dir/data" -m fast stop)
  PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
}

run_suite sqlite sqlite

PG_URL="${RELEASEDESK_TEST_DATABASE_URL:-}"
THROWAWAY_STOP=()
if [ -z "$PG_URL" ]; then
  if pg_answers 127.0.0.1 5432; then
    PG_URL="postgresql://postgres@127.0.0.1:5432/postgres"
  elif throwaway_cluster; then
    echo "(using a throwaway PostgreSQL cluster)"
  fi
fi

if [ -n "$PG_URL" ]; then
  run_suite postgresql "$PG_URL"
  if [ ${#THROWAWAY_STOP[@]} -gt 0 ]; then "${THROWAWAY_STOP[@]}" >/dev/null; fi
elif [ "${CI:-}" = "true" ]; then
  ran+=("postgresql: FAILED (no PostgreSQL server found and none could be started)")
  failed=1
else
  ran+=("postgresql: skipped (no server at 127.0.0.1:5432, no initdb)")
fi

echo ""
echo "=== databases ==="
printf '%s\n' "${ran[@]}"
exit $failed
