#!/usr/bin/env bash
# Telemetry ingest through HTTP against PostgreSQL's own COPY, on the same PostgreSQL in one run.
# A private PostgreSQL 15 cluster (Debian's, the one ../shared/bench/limits measures, with its
# postgresql.limits.conf) holds two databases: `atelier`, which Atelier serves through
# DATABASE_URL, and `limits`, with the baseline's schema (../shared/bench/limits/sql/schema.sql).
#   1. COPY: a 1,000,000-row CSV of the baseline's telemetry rows (its payload.json, SEQ varied) by
#      psql \copy into limits.telemetry — one transaction.
#   2. Atelier: 1,000,000 Algorhythmic events through POST /api/v1/algorhythmic/telemetry in batches
#      of 500 from 8 clients (load.mjs), each answered once committed.
#   3. The same events by COPY straight into algorhythmic.telemetry_events (the table's own ceiling).
#   4. COPY into the baseline's table again, so drift during the run shows.
# Prints rows/s of each and the ratio Atelier / COPY (mean of the two COPY runs).
# Usage: bench/telemetry/run.sh [path/to/atelier.jar]   (default target/atelier.jar; needs Node 20)
# Environment: EVENTS (1000000), BATCH (500), CLIENTS (8), PGBIN (/usr/lib/postgresql/15/bin)
set -euo pipefail

JAR=$(realpath "${1:-target/atelier.jar}")
[ -f "$JAR" ] || { echo "no jar at $JAR: run mvn -DskipTests package first" >&2; exit 1; }
EVENTS=${EVENTS:-1000000}; BATCH=${BATCH:-500}; CLIENTS=${CLIENTS:-8}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HERE=$(cd "$(dirname "$0")" && pwd)
LIMITS=$(cd "$HERE/../../../shared/bench/limits" 2>/dev/null && pwd) \
  || { echo "needs ../shared/bench/limits beside the repository" >&2; exit 1; }
ROOT=$(mktemp -d /tmp/atelier-telemetry-bench.XXXXXX)
PGPORT=$(( 20000 + RANDOM % 20000 )); PORT=$(( PGPORT + 1 ))
AS=(); [ "$(id -u)" = 0 ] && { chown postgres "$ROOT"; AS=(runuser -u postgres --); }
SERVER=

cleanup() {
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$ROOT/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$ROOT"
}
trap cleanup EXIT
psql_() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }

echo "== PostgreSQL 15 on port $PGPORT (limits configuration)"
"${AS[@]}" "$PGBIN/initdb" -D "$ROOT/pg" -U postgres --auth=trust >/dev/null
cp "$LIMITS/postgresql.limits.conf" "$ROOT/pg/limits.conf"
echo "include 'limits.conf'" >> "$ROOT/pg/postgresql.conf"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$ROOT/pg" -o "-p $PGPORT" -l "$ROOT/pg.log" -w start >/dev/null
psql_ -c "create database limits" -c "create database atelier"
psql_ -d limits -f "$LIMITS/sql/schema.sql" >/dev/null

echo "== the baseline's CSV: $EVENTS rows"
awk -v n="$EVENTS" -v day="$(date -u +%F)" -v payload="$(cat "$LIMITS/workloads/payload.json")" 'BEGIN {
  gsub(/"/, "\"\"", payload); i = index(payload, "SEQ"); pre = substr(payload, 1, i - 1); post = substr(payload, i + 3);
  for (g = 1; g <= n; g++) {
    s = g % 86400; d = g % 10000;
    printf "%s %02d:%02d:%02d+00,%08x-0000-4000-8000-%012x,frame_stats,client-sdk,%d,\"%s%d%s\"\n",
      day, int(s / 3600), int((s % 3600) / 60), s % 60, d, d, g, pre, g, post
  } }' > "$ROOT/telemetry.csv"
chmod a+r "$ROOT/telemetry.csv"

copy_run() {
  psql_ -d limits -c "truncate telemetry" -c "checkpoint"
  local t0 t1; t0=$(date +%s.%N)
  psql_ -d limits -c "\\copy telemetry from '$ROOT/telemetry.csv' with (format csv)"
  t1=$(date +%s.%N)
  awk -v n="$EVENTS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}

echo "== COPY (1)"; COPY1=$(copy_run); echo "   $COPY1 rows/s"

echo "== Atelier on the same PostgreSQL: $EVENTS events, batches of $BATCH, $CLIENTS clients"
psql_ -c "checkpoint"
DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/atelier" java -jar "$JAR" serve --data-dir "$ROOT/data" \
  --port "$PORT" --log-level warn > "$ROOT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 240); do
  grep -aq 'anon key:' "$ROOT/server.log" 2>/dev/null && curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.5
done
KEY=$(grep -a 'anon key:' "$ROOT/server.log" | awk '{print $3}')
[ -n "$KEY" ] || { cat "$ROOT/server.log" >&2; exit 1; }
RESULT=$(node "$HERE/load.mjs" "http://127.0.0.1:$PORT" "$KEY" "$LIMITS/workloads/payload.json" "$EVENTS" "$BATCH" "$CLIENTS")
echo "   $RESULT"
STORED=$(psql_ -d atelier -Atc "select count(*) - $(( CLIENTS * 10 * BATCH )) from algorhythmic.telemetry_events where event_type = 'frame_stats'")
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=

# The table's own ceiling: the same events straight into algorhythmic.telemetry_events by COPY
# (its five indexes, two foreign keys and uuid default are what the baseline's table lacks).
read -r SESSION USER_ID < <(psql_ -d atelier -Atc "select id || ' ' || user_id from algorhythmic.rai_sessions limit 1")
awk -v n="$EVENTS" -v s="$SESSION" -v u="$USER_ID" -v p="$(tr -d '\n' < "$LIMITS/workloads/payload.json")" 'BEGIN {
  i = index(p, "SEQ"); pre = substr(p, 1, i - 1); post = substr(p, i + 3)
  for (g = 1; g <= n; g++) printf "%s\t%s\tframe_stats\t%s%d%s\t\\N\t\\N\t2026-01-01T00:00:00Z\n", s, u, pre, g, post }' \
  > "$ROOT/events.tsv"
chmod a+r "$ROOT/events.tsv"
psql_ -d atelier -c "delete from algorhythmic.telemetry_events" -c "vacuum algorhythmic.telemetry_events" -c "checkpoint"
T0=$(date +%s.%N)
psql_ -d atelier -c "\\copy algorhythmic.telemetry_events (session_id, user_id, event_type, event_data, audio_features, visual_state, \"timestamp\") from '$ROOT/events.tsv'"
TABLE=$(awk -v n="$EVENTS" -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "== COPY straight into algorhythmic.telemetry_events: $TABLE rows/s"

echo "== COPY (2)"; COPY2=$(copy_run); echo "   $COPY2 rows/s"

ATELIER=$(echo "$RESULT" | sed -E 's/.*"events_per_second":([0-9]+).*/\1/')
awk -v a="$ATELIER" -v c1="$COPY1" -v c2="$COPY2" -v t="$TABLE" -v stored="$STORED" -v n="$EVENTS" 'BEGIN {
  printf "\n| measure | rows/s |\n|---|---:|\n"
  printf "| COPY, one transaction (runs: %d, %d) | %d |\n", c1, c2, (c1 + c2) / 2
  printf "| Atelier, HTTP batches, acknowledged when committed | %d |\n", a
  printf "| COPY into algorhythmic.telemetry_events itself, one transaction | %d |\n", t
  printf "| **Atelier / COPY** | **%.2f** |\n", a / ((c1 + c2) / 2)
  printf "| Atelier / COPY into its own table | %.2f |\n", a / t
  printf "\nevents stored (beside the warm-up): %d of %d sent\n", stored, n
}'
