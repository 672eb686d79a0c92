#!/usr/bin/env bash
# bench/ledger: spends per second through Atelier's HTTP path (POST /api/v1/algorhythmic/credits/spend,
# the ledger engine) at 1, 8 and 32 concurrent clients, side by side with the raw-SQL baseline
# ../../../shared/bench/limits (workloads/credit_deduct.sql through pgbench) on the SAME PostgreSQL
# cluster in the same run; prints both and the ratio per client count.
#
#   bench/ledger/run.sh                  (one command; ~3 min)
#   DURATION=20 LIMITS=/path/to/shared/bench/limits bench/ledger/run.sh
#
# Needs: PostgreSQL 15 server binaries (initdb, pg_ctl, pgbench, psql), java 17, mvn (the jar is
# built into $BUILD unless ATELIER_JAR is given), curl; wrk for the HTTP load (apt-get install wrk),
# else the Java client SpendLoad.java. Run as root it starts PostgreSQL as $PGOSUSER.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
LIMITS="${LIMITS:-$REPO/../shared/bench/limits}"
[ -f "$LIMITS/workloads/credit_deduct.sql" ] || LIMITS=/work/shared/bench/limits
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PGOSUSER="${PGOSUSER:-postgres}"
PGPORT="${PGPORT:-55439}"
HTTPPORT="${HTTPPORT:-58439}"
DURATION="${DURATION:-15}"
CLIENTS="${CLIENTS:-1 8 32}"
USERS="${USERS:-64}"
BUILD="${BUILD:-/tmp/build-ledger-bench}"
WORK="$(mktemp -d /var/tmp/atelier-ledger-bench.XXXXXX)"
chmod 755 "$WORK"
log() { echo "[$(date -u +%T)] $*" >&2; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then su "$PGOSUSER" -s /bin/sh -c "$(printf '%q ' "$@")"; else "$@"; fi; }
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -f "$WORK/pg/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

JAR="${ATELIER_JAR:-}"
if [ -z "$JAR" ]; then
  log "building the jar into $BUILD"
  (cd "$REPO" && mvn -q -o -Datelier.build.dir="$BUILD" -DskipTests -Dspotless.check.skip=true package >/dev/null)
  JAR="$BUILD/atelier.jar"
fi

log "PostgreSQL cluster in $WORK/pg (port $PGPORT), settings from $LIMITS/postgresql.limits.conf"
if [ "$(id -u)" -eq 0 ]; then chown "$PGOSUSER" "$WORK"; fi
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
{ echo "port = $PGPORT"; echo "unix_socket_directories = '$WORK'"; cat "$LIMITS/postgresql.limits.conf"; } >>"$WORK/pg/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w start >/dev/null
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE limits" -c "CREATE DATABASE atelier"

log "limits baseline: $LIMITS/sql/schema.sql, 10,000 users as its load gives them"
"${PSQL[@]}" -d limits -f "$LIMITS/sql/schema.sql" >/dev/null
"${PSQL[@]}" -d limits -c "INSERT INTO user_credits (user_id, balance) SELECT md5(g::text)::uuid, 1000000 FROM generate_series(1, 10000) g" \
  -c "VACUUM (FREEZE, ANALYZE) user_credits" >/dev/null

log "Atelier on the same cluster (database atelier), port $HTTPPORT"
mkdir -p "$WORK/data"
DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/atelier" ATELIER_LOG_LEVEL=warn \
  java -jar "$JAR" serve --data-dir "$WORK/data" --port "$HTTPPORT" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$HTTPPORT"
for _ in $(seq 1 120); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "$BASE/health" >/dev/null || { cat "$WORK/server.out" >&2; exit 1; }
ANON=$(awk -F': ' '/anon key/ {print $2}' "$WORK/server.out")
SERVICE=$(awk -F': ' '/service_role key/ {print $2}' "$WORK/server.out")

log "$USERS users signed up, each granted 1,000,000 credits"
: >"$WORK/tokens"
for i in $(seq 1 "$USERS"); do
  reply=$(curl -fs "$BASE/auth/v1/signup" -H "apikey: $ANON" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-$i-$RANDOM@example.test\",\"password\":\"correct horse battery\"}")
  token=$(echo "$reply" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  id=$(echo "$reply" | sed -E 's/.*"user":\{"id":"([^"]+)".*/\1/')
  echo "$token" >>"$WORK/tokens"
  echo "$id" >>"$WORK/ids"
  curl -fs "$BASE/api/v1/algorhythmic/credits/grant" -H "apikey: $ANON" -H "Authorization: Bearer $SERVICE" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: bench-grant-$id" \
    -d "{\"user_id\":\"$id\",\"amount\":1000000,\"reason\":\"bench\"}" >/dev/null
done

# The engine alone, without HTTP: pgbench calling platform.ledger_execute as the owner, same users.
"${PSQL[@]}" -d atelier -c "CREATE TABLE public.bench_users (n serial PRIMARY KEY, id text NOT NULL)" \
  -c "\\copy public.bench_users (id) FROM '$WORK/ids'" >/dev/null
cat >"$WORK/engine.sql" <<SQL
\\set u random(1, $USERS)
\\set r random(1, 2000000000)
SELECT platform.ledger_execute('algorhythmic', (SELECT id FROM public.bench_users WHERE n = :u),
       'pg-' || :client_id || '-' || :r, '{"op": "spend", "amount": 1}', now());
SQL

echo
echo "bench/ledger — $(date -u +%FT%TZ), $(nproc) vCPUs, $("$PGBIN/postgres" --version), ${DURATION} s per row"
printf '%-8s %14s %16s %8s %18s %8s\n' clients "HTTP spends/s" "pgbench deduct/s" ratio "engine SQL spends/s" ratio
for c in $CLIENTS; do
  if command -v wrk >/dev/null; then
    # wrk (as bench/limits uses for its raw HTTP ceiling): one Lua-built request per spend, new key each.
    http=$(wrk -t "$(( c < 2 ? c : 2 ))" -c "$c" -d "${DURATION}s" -s "$HERE/spend.lua" "$BASE" -- "$WORK/tokens" "$ANON" \
           | awk '/^wrk-result/ {printf "%.1f", ($2 - $3) / $4}')
  else
    http=$(java "$HERE/SpendLoad.java" "$BASE" "$ANON" "$WORK/tokens" "$c" "$DURATION" | awk '{print $2}')
  fi
  "${PSQL[@]}" -d limits -f "$LIMITS/sql/reset_credits.sql" >/dev/null
  j=$(( c < 2 ? c : 2 ))
  raw=$("$PGBIN/pgbench" -n -M prepared -h 127.0.0.1 -p "$PGPORT" -U postgres -T "$DURATION" -c "$c" -j "$j" \
        -D nusers=10000 -D n=0 -D run="$c" -f "$LIMITS/workloads/credit_deduct.sql" limits 2>/dev/null \
        | awk '/^tps/ {print $3; exit}')
  engine=$("$PGBIN/pgbench" -n -M prepared -h 127.0.0.1 -p "$PGPORT" -U postgres -T "$DURATION" -c "$c" -j "$j" \
        -f "$WORK/engine.sql" atelier 2>/dev/null | awk '/^tps/ {print $3; exit}')
  ratio=$(awk -v a="$http" -v b="$raw" 'BEGIN {printf "%.2f", a / b}')
  eratio=$(awk -v a="$engine" -v b="$raw" 'BEGIN {printf "%.2f", a / b}')
  printf '%-8s %14.0f %16.0f %8s %18.0f %8s\n' "$c" "$http" "$raw" "$ratio" "$engine" "$eratio"
done
reconcile=$(curl -fs "$BASE/api/v1/admin/ledger/reconcile" -H "apikey: $ANON" -H "Authorization: Bearer $SERVICE" \
  | sed -E 's/.*"drift":([0-9]+).*/\1/')
echo "ledger reconcile after the run: drift: $reconcile"
