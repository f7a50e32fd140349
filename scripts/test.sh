#!/usr/bin/env bash
# Run the whole suite on SQLite and on PostgreSQL at once (each run is `pytest --db …`, one
# process, one core; the machine has two, so side by side they take about as long as the
# longer one alone):
#   RELEASEDESK_TEST_DATABASE_URL if set, else the server at 127.0.0.1:5432 if it answers,
#   else a throwaway cluster made with initdb/pg_ctl. Under CI=true a missing PostgreSQL fails.
# Each run's lines are prefixed with its database. Arguments go to both pytest runs
# (`scripts/test.sh -k close -x`).
set -uo pipefail
cd "$(dirname "$0")/.."

ran=()
failed=0
PYTEST_ARGS=("$@")
OUTCOMES=$(mktemp -d /tmp/releasedesk-test.XXXXXX)

launched=()
run_suite() {  # name, --db value: in the background, its lines prefixed, its outcome in a file
  echo "=== test suite on $1 ==="
  launched+=("$1")
  (
    if pytest --db "$2" "${PYTEST_ARGS[@]}" 2>&1 | sed -u "s/^/[$1] /"; then
      echo "$1: passed" > "$OUTCOMES/$1"
    else
      echo "$1: FAILED" > "$OUTCOMES/$1"
    fi
  ) &
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

PG_URL="${RELEASEDESK_TEST_DATABASE_URL:-}"
THROWAWAY_STOP=()
if [ -z "$PG_URL" ]; then
  if pg_answers 127.0.0.1 5432; then
    PG_URL="postgresql://postgres@127.0.0.1:5432/postgres"
  elif throwaway_cluster; then
    echo "(using a throwaway PostgreSQL cluster)"
  fi
fi

run_suite sqlite sqlite
if [ -n "$PG_URL" ]; then
  run_suite postgresql "$PG_URL"
elif [ "${CI:-}" = "true" ]; then
  ran+=("postgresql: FAILED (no PostgreSQL server found and none could be started)")
  failed=1
else
  ran+=("postgresql: skipped (no server at 127.0.0.1:5432, no initdb)")
fi
wait

for name in "${launched[@]}"; do
  if [ -f "$OUTCOMES/$name" ]; then line=$(cat "$OUTCOMES/$name"); else line="$name: FAILED (no outcome)"; fi
  ran+=("$line")
  case "$line" in *FAILED*) failed=1 ;; esac
done
rm -rf "$OUTCOMES"
if [ ${#THROWAWAY_STOP[@]} -gt 0 ]; then "${THROWAWAY_STOP[@]}" >/dev/null; fi

echo ""
echo "=== databases ==="
printf '%s\n' "${ran[@]}"
exit $failed
