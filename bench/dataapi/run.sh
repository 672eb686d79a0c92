#!/usr/bin/env bash
# bench/dataapi: requests per second through Atelier's data API (/rest/v1, PostgREST dialect) at 1, 8
# and 32 clients for four workloads, as one signed-in user under RLS, side by side in one run with
#  - the raw HTTP ceiling (/work/shared/bench/limits/LimitsHttpServer.java: a constant 3-byte answer),
#  - pgbench sending the SQL the data API sent for the same request (captured from PostgreSQL's log
#    during this run: role switch, claims, statement, commit, in the same transaction shape),
#  - a hand-written Spring MVC + JdbcTemplate endpoint (HandWrittenApi in this folder, a separate
#    Maven project) doing the same query in the same transaction shape,
# all on one private PostgreSQL 15 cluster; wrk is the HTTP load (a process of its own).
#
#   bench/dataapi/run.sh [SECONDS]     (default 8 s per measurement, ~8 min plus the builds)
#   SKIP_BUILD=1 bench/dataapi/run.sh  reuses $BUILD/atelier.jar and $PEER_BUILD/dataapi-handwritten.jar
#   CLIENTS="1 8 32" WORKLOADS="get_one get_embed post_one post_many" WARMUP=10 (s per workload and JVM)
#   KEEP=1 keeps the work directory (cluster data, logs); OUT=/tmp/dataapi-bench (SQL, plans, results)
#   STATS=1: pg_stat_statements on; after each run, the statements PostgreSQL ran (all sessions) in $OUT/stats/
#     (per request: calls, us executing, plans, us planning, role, statement)
#   PLAN_CACHE_MODE=force_generic_plan (or force_custom_plan): for every connection to the bench database
#   JAVA_OPTS (both JVMs, default -Xms512m -Xmx512m), ATELIER_JAVA_OPTS / PEER_JAVA_OPTS (one of them,
#   e.g. ATELIER_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/atelier.jfr,settings=profile)
#
# Needs: PostgreSQL 15 server binaries (initdb, pg_ctl, pgbench, psql), java 17, mvn, python3, curl,
# wrk (installed with apt-get when missing and run as root). Run as root it starts PostgreSQL as postgres.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SECS="${1:-8}"
CLIENTS="${CLIENTS:-1 8 32}"
WORKLOADS="${WORKLOADS:-get_one get_embed post_one post_many}"
WARMUP="${WARMUP:-10}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PGOSUSER="${PGOSUSER:-postgres}"
PGPORT="${PGPORT:-55441}"
APIPORT="${APIPORT:-58441}"
PEERPORT="${PEERPORT:-58442}"
CEILPORT="${CEILPORT:-58443}"
BUILD="${BUILD:-/tmp/build-restbench}"
PEER_BUILD="${PEER_BUILD:-/tmp/build-restbench-peer}"
LIMITS="${LIMITS:-$ROOT/../shared/bench/limits}"
[ -f "$LIMITS/LimitsHttpServer.java" ] || LIMITS=/work/shared/bench/limits
SECRET="bench-dataapi-secret-bench-dataapi-secret-42"
JAVA_OPTS="${JAVA_OPTS:--Xms512m -Xmx512m}"
OUT="${OUT:-/tmp/dataapi-bench}"       # kept after the run: the captured SQL and results.tsv
WORK="$(mktemp -d /var/tmp/atelier-dataapi-bench.XXXXXX)"
chmod 755 "$WORK"
log() { echo "[$(date -u +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then su "$PGOSUSER" -s /bin/sh -c "$(printf '%q ' "$@")"; else "$@"; fi; }
PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  [ -f "$WORK/pg/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1
  if [ "${KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ tools and builds
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing wrk (apt-get)"; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
  fi
  command -v wrk >/dev/null || die "wrk is needed: apt-get install wrk"
fi
for t in "$PGBIN/initdb" "$PGBIN/pgbench" "$PGBIN/psql" java python3 curl; do
  command -v "$t" >/dev/null || die "$t is needed (PostgreSQL 15 server: apt-get install postgresql-15)"
done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building Atelier into $BUILD and the hand-written peer into $PEER_BUILD"
  (cd "$ROOT" && mvn -q -Datelier.build.dir="$BUILD" -DskipTests -Dspotless.check.skip=true package >/dev/null)
  (cd "$HERE" && mvn -q -Dbench.build.dir="$PEER_BUILD" -DskipTests package >/dev/null)
fi
[ -f "$BUILD/atelier.jar" ] || die "no $BUILD/atelier.jar (run without SKIP_BUILD=1)"
[ -f "$PEER_BUILD/dataapi-handwritten.jar" ] || die "no $PEER_BUILD/dataapi-handwritten.jar"

# ------------------------------------------------------------------ PostgreSQL 15, private cluster
log "PostgreSQL cluster in $WORK/pg (port $PGPORT), settings from $LIMITS/postgresql.limits.conf"
if [ "$(id -u)" -eq 0 ]; then chown "$PGOSUSER" "$WORK"; fi
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
{ echo "port = $PGPORT"; echo "unix_socket_directories = '$WORK'"; cat "$LIMITS/postgresql.limits.conf"
  echo "shared_buffers = 512MB"; echo "max_connections = 200"
  echo "logging_collector = on"; echo "log_destination = 'csvlog'"; echo "log_directory = '$WORK/pglog'"
  echo "log_filename = 'pg'"; echo "log_rotation_size = 0"
  [ "${STATS:-0}" = 1 ] && printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_planning = on\n"
  true; } >>"$WORK/pg/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.out" -w start >/dev/null
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE atelier"
[ "${STATS:-0}" = 1 ] && "${PSQL[@]}" -d atelier -c "CREATE EXTENSION pg_stat_statements"
# a diagnostic: every connection to the database (both servers', pgbench's) with this plan_cache_mode
[ -n "${PLAN_CACHE_MODE:-}" ] && "${PSQL[@]}" -d postgres -c "ALTER DATABASE atelier SET plan_cache_mode = '$PLAN_CACHE_MODE'"

# ------------------------------------------------------------------ Atelier
log "Atelier on port $APIPORT (bench schema exposed through atelier.rest.schemas)"
mkdir -p "$WORK/data"
SCHEMAS="$(awk -F= '$1 == "atelier.rest.schemas" {print $2}' "$ROOT/src/main/resources/application.properties"),bench"
DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/atelier" ATELIER_JWT_SECRET="$SECRET" ATELIER_LOG_LEVEL=warn \
  ATELIER_REST_SCHEMAS="$SCHEMAS" java $JAVA_OPTS ${ATELIER_JAVA_OPTS:-} -jar "$BUILD/atelier.jar" serve --data-dir "$WORK/data" --port "$APIPORT" \
  >"$WORK/atelier.out" 2>&1 &
PIDS+=($!); ATELIER_PID=$!
API="http://127.0.0.1:$APIPORT"
for _ in $(seq 1 180); do curl -fs "$API/health" >/dev/null 2>&1 && break; kill -0 "$ATELIER_PID" 2>/dev/null || break; sleep 1; done
curl -fs "$API/health" >/dev/null || { cat "$WORK/atelier.out" >&2; die "Atelier did not start"; }
ANON=$(awk -F': ' '/anon key/ {print $2}' "$WORK/atelier.out")
reply=$(curl -fs "$API/auth/v1/signup" -H "apikey: $ANON" -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench-$RANDOM$RANDOM@example.test\",\"password\":\"correct horse battery\"}")
TOKEN=$(echo "$reply" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
USER_ID=$(echo "$reply" | sed -E 's/.*"user":\{"id":"([^"]+)".*/\1/')
[ -n "$TOKEN" ] && [ "$TOKEN" != "$reply" ] || die "sign-up gave no token: $reply"
log "signed up user $USER_ID"

# ------------------------------------------------------------------ bench schema and data
log "bench schema: 1,000 lists and 100,000 todos, every tenth the signed-in user's; RLS user_id = auth.uid()"
"${PSQL[@]}" -d atelier -v uid="$USER_ID" <<'SQL'
CREATE SCHEMA bench;
CREATE TABLE bench.lists (
    id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL DEFAULT auth.uid(),
    name    text NOT NULL);
CREATE TABLE bench.todos (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL DEFAULT auth.uid(),
    list_id    bigint NOT NULL REFERENCES bench.lists (id),
    title      text NOT NULL,
    done       boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON bench.todos (list_id);
INSERT INTO bench.lists (id, user_id, name)
SELECT g, CASE WHEN g % 10 = 0 THEN :'uid'::uuid ELSE md5((g % 97)::text)::uuid END, 'list ' || g
FROM generate_series(1, 1000) g;
INSERT INTO bench.todos (id, user_id, list_id, title, done, created_at)
SELECT g, CASE WHEN g % 10 = 0 THEN :'uid'::uuid ELSE md5((g % 97)::text)::uuid END,
       CASE WHEN g % 10 = 0 THEN 10 * (1 + (g / 10) % 100) ELSE 1 + (g % 900) END,
       'todo number ' || g, g % 3 = 0, now() - g * interval '1 minute'
FROM generate_series(1, 100000) g;
ALTER TABLE bench.lists ALTER COLUMN id RESTART WITH 1001;
ALTER TABLE bench.todos ALTER COLUMN id RESTART WITH 100001;
ALTER TABLE bench.lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE bench.todos ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON bench.lists TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
CREATE POLICY own ON bench.todos TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
GRANT USAGE ON SCHEMA bench TO authenticated;
GRANT SELECT, INSERT ON bench.lists, bench.todos TO authenticated;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA bench TO authenticated;
-- the hand-written peer's login: no privileges of its own, may switch to authenticated
CREATE ROLE bench_login LOGIN NOINHERIT;
GRANT authenticated TO bench_login;
-- pgbench's: the same, and it may look up names in the schemas the statements name. pgbench prepares
-- every statement of a pipeline before it runs the first (pgjdbc parses each after the one before
-- has run), so a write pipelined with the role switch is parsed before the switch has run; parsing
-- resolves names (schema USAGE) but checks no table privilege and no policy: they apply when the
-- statement runs, as authenticated.
CREATE ROLE bench_pgbench LOGIN NOINHERIT;
GRANT authenticated TO bench_pgbench;
GRANT USAGE ON SCHEMA bench, platform TO bench_pgbench;
VACUUM (ANALYZE) bench.lists, bench.todos;
SQL

# ------------------------------------------------------------------ the four workloads
# name: method, Atelier path, hand-written path, body file
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
json.dump({"list_id": 10, "title": "one new todo"}, open(f"{w}/post_one.json", "w"), separators=(",", ":"))
json.dump([{"list_id": 10 * (1 + i % 100), "title": f"new todo {i}"} for i in range(100)],
          open(f"{w}/post_many.json", "w"), separators=(",", ":"))
json.dump({"list_id": 10, "title": "capture-post-one"}, open(f"{w}/capture_one.json", "w"), separators=(",", ":"))
json.dump([{"list_id": 10 * (1 + i % 100), "title": "capture-post-many" if i == 0 else f"new todo {i}"} for i in range(100)],
          open(f"{w}/capture_many.json", "w"), separators=(",", ":"))
PY
declare -A METHOD=([get_one]=GET [get_embed]=GET [post_one]=POST [post_many]=POST)
declare -A APATH=([get_one]='/rest/v1/todos?select=*&id=eq.{ID}'
  [get_embed]='/rest/v1/todos?select=id,title,done,list:lists(id,name)&id=gt.{AFTER}&order=id&limit=20'
  [post_one]='/rest/v1/todos' [post_many]='/rest/v1/todos')
declare -A HPATH=([get_one]='/todos/{ID}' [get_embed]='/todos?after={AFTER}&limit=20'
  [post_one]='/todos' [post_many]='/todos/bulk')
declare -A BODY=([get_one]='' [get_embed]='' [post_one]="$WORK/post_one.json" [post_many]="$WORK/post_many.json")
declare -A LABEL=([get_one]='GET one row by primary key' [get_embed]='GET 20 rows with a to-one embed'
  [post_one]='POST one row' [post_many]='POST 100 rows')
# pgbench: the variables the captured parameters are replaced by (the same random ids as wrk's)
declare -A SETS=([get_one]='\set id 10 * random(1, 10000)' [get_embed]='\set after random(0, 99000)' [post_one]='' [post_many]='')

# ------------------------------------------------------------------ hand-written peer
log "hand-written Spring MVC + JdbcTemplate peer on port $PEERPORT"
java $JAVA_OPTS ${PEER_JAVA_OPTS:-} -jar "$PEER_BUILD/dataapi-handwritten.jar" --server.port="$PEERPORT" --server.address=127.0.0.1 \
  --spring.datasource.url="jdbc:postgresql://127.0.0.1:$PGPORT/atelier?ApplicationName=handwritten" \
  --spring.datasource.username=bench_login --bench.jwt-secret="$SECRET" >"$WORK/peer.out" 2>&1 &
PIDS+=($!); PEER_PID=$!
PEER="http://127.0.0.1:$PEERPORT"
HH=(-H "Authorization: Bearer $TOKEN")
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "${HH[@]}" "$PEER/todos/77770")" = 200 ] && break
  kill -0 "$PEER_PID" 2>/dev/null || { cat "$WORK/peer.out" >&2; die "the hand-written peer died"; }; sleep 1
done
# ------------------------------------------------------------------ capture the SQL both send
log "capturing the SQL of one request per workload (log_statement = all for the capture only)"
"${PSQL[@]}" -d postgres -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
H=(-H "apikey: $ANON" -H "Authorization: Bearer $TOKEN" -H "Accept-Profile: bench" -H "Content-Profile: bench")
check() { # name expected-status curl-args...
  local name=$1 want=$2; shift 2
  local got; got=$(curl -s -o "$WORK/$name.reply" -w '%{http_code}' "$@")
  [ "$got" = "$want" ] || die "$name: HTTP $got, expected $want: $(head -c 400 "$WORK/$name.reply")"
}
check cap_get_one 200 "${H[@]}" "$API/rest/v1/todos?select=*&id=eq.77770"
grep -Eq '"id" *: *77770' "$WORK/cap_get_one.reply" || die "get_one: row 77770 not in $(cat "$WORK/cap_get_one.reply")"
check cap_get_embed 200 "${H[@]}" "$API/rest/v1/todos?select=id,title,done,list:lists(id,name)&id=gt.55553&order=id&limit=20"
[ "$(grep -Eo '"list" *: *\{' "$WORK/cap_get_embed.reply" | wc -l)" = 20 ] || die "get_embed: not 20 rows with lists: $(cat "$WORK/cap_get_embed.reply")"
check cap_post_one 201 "${H[@]}" -H 'Content-Type: application/json' --data-binary @"$WORK/capture_one.json" "$API/rest/v1/todos"
check cap_post_many 201 "${H[@]}" -H 'Content-Type: application/json' --data-binary @"$WORK/capture_many.json" "$API/rest/v1/todos"
check peer_get_one 200 "${HH[@]}" "$PEER/todos/77770"
check peer_get_other 404 "${HH[@]}" "$PEER/todos/77771"   # another user's row: RLS hides it
check peer_get_embed 200 "${HH[@]}" "$PEER/todos?after=55553&limit=20"
[ "$(grep -Eo '"list" *: *\{' "$WORK/peer_get_embed.reply" | wc -l)" = 20 ] || die "peer get_embed: $(cat "$WORK/peer_get_embed.reply")"
check peer_post_one 201 "${HH[@]}" -H 'Content-Type: application/json' --data-binary @"$WORK/capture_one.json" "$PEER/todos"
check peer_post_many 201 "${HH[@]}" -H 'Content-Type: application/json' --data-binary @"$WORK/capture_many.json" "$PEER/todos/bulk"
check atelier_get_other 200 "${H[@]}" "$API/rest/v1/todos?select=*&id=eq.77771"
[ "$(cat "$WORK/atelier_get_other.reply")" = "[]" ] || die "Atelier showed another user's row"
log "checked: both answer the user's rows, hide other users' rows, insert one and 100 rows"

sleep 0.5
"${PSQL[@]}" -d postgres -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
mkdir -p "$WORK/sql"
CSV="$WORK/pglog/pg.csv"
# pgbench sends the statements in the exchanges pgjdbc made for the data API (strace of a backend,
# ../data-api-round-trips.sh; ADR 0029): a read, BEGIN with the role statement, then the page with
# COMMIT; a write, BEGIN, the role statement and the write, then the response settings, then COMMIT.
# The peer's: BEGIN with its first statement, then each statement (the default).
CAPTURE_GROUPS=2,2 python3 "$HERE/capture.py" "$CSV" 77770 "$WORK/sql" get_one 77770=id
CAPTURE_GROUPS=2,2 python3 "$HERE/capture.py" "$CSV" 55553 "$WORK/sql" get_embed 55553=after
CAPTURE_GROUPS=3 python3 "$HERE/capture.py" "$CSV" capture-post-one "$WORK/sql" post_one
CAPTURE_GROUPS=3 python3 "$HERE/capture.py" "$CSV" capture-post-many "$WORK/sql" post_many
export CAPTURE_APP=handwritten
python3 "$HERE/capture.py" "$CSV" 77770 "$WORK/sql" peer_get_one >/dev/null
python3 "$HERE/capture.py" "$CSV" 55553 "$WORK/sql" peer_get_embed >/dev/null
python3 "$HERE/capture.py" "$CSV" capture-post-one "$WORK/sql" peer_post_one >/dev/null
python3 "$HERE/capture.py" "$CSV" "new todo 99" "$WORK/sql" peer_post_many >/dev/null
unset CAPTURE_APP
for w in $WORKLOADS; do
  { [ -n "${SETS[$w]}" ] && echo "${SETS[$w]}"; cat "$WORK/sql/$w.sql"; } >"$WORK/sql/$w.pgbench"
  # the captured values, except the replaced ones, with the captured claims (same user, same token)
  sed -i "s/'capture-post-one'/'one new todo'/" "$WORK/sql/$w.vars"
  python3 - "$WORK/sql/$w.vars" "$WORK" <<'PY'
import sys
p, w = sys.argv[1], sys.argv[2]
lines = open(p).read().splitlines()
one, many = open(f"{w}/post_one.json").read(), open(f"{w}/post_many.json").read()
cap_one, cap_many = open(f"{w}/capture_one.json").read(), open(f"{w}/capture_many.json").read()
out = [l.replace(cap_many, many).replace(cap_one, one) for l in lines]
open(p, "w").write("".join(l + "\n" for l in out))
PY
done
for w in $WORKLOADS; do # the main statement's plans, custom then generic (the transaction rolled back)
  "${PSQL[@]}" -U bench_login -d atelier -f "$WORK/sql/$w.explain.sql" >"$WORK/sql/$w.plan" 2>&1 || true
done
echo; echo "== Execution time of each main statement under EXPLAIN ANALYZE (custom plan, generic plan; plans in $OUT/sql/*.plan)"
for w in $WORKLOADS; do echo "  $w: $(grep -h 'Execution Time' "$WORK/sql/$w.plan" | awk '{printf "%s ms  ", $3}')"; done
echo; echo "== SQL the data API sent (one request each; JDBC pipelines BEGIN with the next statement)"
for w in $WORKLOADS; do echo "-- $w"; cut -c1-600 "$WORK/sql/$w.txt"; done
echo; echo "== SQL the hand-written peer sent (one request each)"
for w in $WORKLOADS; do echo "-- $w"; cut -c1-300 "$WORK/sql/peer_$w.txt"; done
echo
rm -rf "$OUT"; mkdir -p "$OUT"; cp -r "$WORK/sql" "$OUT/sql"

# ------------------------------------------------------------------ measurements
RESULTS="$WORK/results.tsv"; : >"$RESULTS"   # workload clients system rps errors p99ms
# CPU time (clock ticks) of a process, and of the cluster: the postmaster, its live children and
# the children it has reaped (cutime/cstime), so backends that exited during a run still count.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
  local pm; pm=$(head -1 "$WORK/pg/postmaster.pid")
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat"
    for p in $(cat "/proc/$pm/task/$pm/children" 2>/dev/null); do ticks "$p"; done; } | awk '{s += $1} END {print s}'
}
CLK_TCK=$(getconf CLK_TCK)
stats_reset() { [ "${STATS:-0}" != 1 ] || "${PSQL[@]}" -d atelier -Atc "SELECT pg_stat_statements_reset()" >/dev/null; }
stats_dump() { # name requests: the statements of the run, per request, most frequent first
  [ "${STATS:-0}" = 1 ] || return 0
  mkdir -p "$OUT/stats"
  "${PSQL[@]}" -d atelier -F $'\t' -Atc "SELECT round(calls::numeric / $2, 3), round((total_exec_time / $2 * 1000)::numeric),
      round(plans::numeric / $2, 3), round((total_plan_time / $2 * 1000)::numeric),
      rolname, left(regexp_replace(query, '\s+', ' ', 'g'), 160)
    FROM pg_stat_statements JOIN pg_roles r ON r.oid = userid
    WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC LIMIT 15" >"$OUT/stats/$1.tsv"
  awk -F'\t' -v n="$1" '{s += $1; t += $2; p += $3; q += $4} END {
    printf "    %s: per request %.2f statements, %d us executing; %.2f plans, %d us planning\n", n, s, t, p, q}' "$OUT/stats/$1.tsv" >&2
}
# one result line: workload clients system rps errors p99ms server-cpu-us/request pg-cpu-us/request
wrk_run() { # system workload clients seconds base path server-pid
  local sys=$1 w=$2 c=$3 s=$4 base=$5 path=$6 pid=$7 t out j0 p0 j1 p1
  t=$(( c < 2 ? c : 2 ))
  stats_reset
  j0=$(ticks "$pid"); p0=$(pg_ticks)
  out=$(wrk -t "$t" -c "$c" -d "${s}s" --timeout 10s -s "$HERE/load.lua" "$base" -- \
        "${METHOD[$w]}" "$path" "$TOKEN" "$ANON" "${BODY[$w]}" | awk '/^wrk-result/')
  j1=$(ticks "$pid"); p1=$(pg_ticks)
  stats_dump "$w-$c-$sys" "$(echo "$out" | awk '{print $2 - $3}')"
  echo "$out" | awk -v sys="$sys" -v w="$w" -v c="$c" -v j=$((j1 - j0)) -v p=$((p1 - p0)) -v hz="$CLK_TCK" '
    {n = $2 - $3; printf "%s\t%s\t%s\t%.1f\t%d\t%.2f\t%.0f\t%.0f\n", w, c, sys, n / $4, $3, $5, j * 1e6 / hz / n, p * 1e6 / hz / n}'
}
pgbench_run() { # workload clients seconds
  local w=$1 c=$2 s=$3 t args=() p0 p1
  t=$(( c < 2 ? c : 2 ))
  while IFS= read -r line; do args+=(-D "$line"); done <"$WORK/sql/$w.vars"
  stats_reset
  p0=$(pg_ticks)
  "$PGBIN/pgbench" -n -M prepared -h 127.0.0.1 -p "$PGPORT" -U bench_pgbench -T "$s" -c "$c" -j "$t" \
    "${args[@]}" -f "$WORK/sql/$w.pgbench" atelier >"$WORK/pgbench-$w-$c.out" 2>&1 \
    || { cat "$WORK/pgbench-$w-$c.out" >&2; die "pgbench $w failed"; }
  # pgbench's backends exit when it does: count their CPU once the postmaster has reaped them
  for _ in $(seq 1 50); do
    [ "$("${PSQL[@]}" -d atelier -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'")" = 0 ] && break
    sleep 0.1
  done
  sleep 0.2
  p1=$(pg_ticks)
  stats_dump "$w-$c-pgbench" "$(awk '/^number of transactions actually processed/ {print $NF}' "$WORK/pgbench-$w-$c.out")"
  awk -v w="$w" -v c="$c" -v p=$((p1 - p0)) -v hz="$CLK_TCK" '/^tps/ {tps = $3} /^number of transactions actually processed/ {n = $NF}
    /^number of failed/ {f = $5} END {printf "%s\t%s\tpgbench\t%.1f\t%d\t\t\t%.0f\n", w, c, tps, f, p * 1e6 / hz / n}' "$WORK/pgbench-$w-$c.out"
}
show() { awk -F'\t' '{printf "  %-10s %-3s clients %-12s %10s req/s%s%s\n", $1, $2, $3, $4, ($5 > 0 ? "  (" $5 " errors)" : ""),
  ($8 != "" ? sprintf("   CPU per request: %s %s us, PostgreSQL %s us", $3, ($7 == "" ? "-" : $7), $8) : "")}'; }

log "HTTP ceiling: LimitsHttpServer (JDK HttpServer, pool 4) under wrk, ${SECS} s per client count"
java -Xms256m -Xmx256m -Dsun.net.httpserver.nodelay=true "$LIMITS/LimitsHttpServer.java" "$CEILPORT" 4 >"$WORK/ceiling.out" 2>&1 &
PIDS+=($!); CEIL_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$CEILPORT/" >/dev/null 2>&1 && break; sleep 0.2; done
wrk -t2 -c8 -d"${WARMUP}s" "http://127.0.0.1:$CEILPORT/" >/dev/null
for c in $CLIENTS; do
  t=$(( c < 2 ? c : 2 ))
  wrk -t "$t" -c "$c" -d 1s "http://127.0.0.1:$CEILPORT/" >/dev/null
  wrk -t "$t" -c "$c" -d "${SECS}s" "http://127.0.0.1:$CEILPORT/" | awk -v c="$c" '/^Requests\/sec/ {printf "ceiling\t%s\tceiling\t%.1f\t0\t\n", c, $2}' \
    | tee -a "$RESULTS" | show
done
kill "$CEIL_PID"; wait "$CEIL_PID" 2>/dev/null || true

log "warm-up: every workload ${WARMUP} s at 8 clients on each JVM (not counted)"
for w in $WORKLOADS; do
  STATS=0 wrk_run atelier "$w" 8 "$WARMUP" "$API" "${APATH[$w]}" "$ATELIER_PID" >/dev/null
  STATS=0 wrk_run handwritten "$w" 8 "$WARMUP" "$PEER" "${HPATH[$w]}" "$PEER_PID" >/dev/null
done
for w in $WORKLOADS; do
  log "${LABEL[$w]}: ${SECS} s per row"
  for c in $CLIENTS; do
    wrk_run atelier "$w" "$c" "$SECS" "$API" "${APATH[$w]}" "$ATELIER_PID" | tee -a "$RESULTS" | show
    wrk_run handwritten "$w" "$c" "$SECS" "$PEER" "${HPATH[$w]}" "$PEER_PID" | tee -a "$RESULTS" | show
    pgbench_run "$w" "$c" "$SECS" | tee -a "$RESULTS" | show
  done
done

# ------------------------------------------------------------------ report
echo
echo "bench/dataapi — $(date -u '+%F %H:%M UTC'), $(nproc) vCPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end," \
  "${SECS} s per figure, $("$PGBIN/postgres" --version | awk '{print "PostgreSQL " $3}')"
echo
echo "| requests/s | clients | Atelier /rest/v1 | hand-written | pgbench (same SQL) | HTTP ceiling | Atelier / hand-written | Atelier / pgbench |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for w in $WORKLOADS; do
  for c in $CLIENTS; do
    awk -F'\t' -v w="$w" -v c="$c" -v label="${LABEL[$w]}" '
      $1 == w && $2 == c {v[$3] = $4; e[$3] = $5}
      $1 == "ceiling" && $2 == c {ceil = $4}
      function f(x) { s = sprintf("%.0f", x); o = ""; while (length(s) > 3) {o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3)}; return s o }
      function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
      END {
        mark = (w == "get_one" && c == 32) ? "**" : ""
        printf "| %s | %s | %s%s | %s%s | %s%s | %s | %s%s%s | %s%s%s |\n", label, c,
          f(v["atelier"]), (e["atelier"] ? " (" e["atelier"] " err)" : ""),
          f(v["handwritten"]), (e["handwritten"] ? " (" e["handwritten"] " err)" : ""),
          f(v["pgbench"]), (e["pgbench"] ? " (" e["pgbench"] " failed)" : ""),
          f(ceil), mark, r(v["atelier"], v["handwritten"]), mark, mark, r(v["atelier"], v["pgbench"]), mark
      }' "$RESULTS"
  done
done
echo
echo "CPU time per request, in microseconds of the server's JVM + of PostgreSQL (all its processes), measured"
echo "from /proc over each run (on a shared machine the CPU a request costs varies less than the rate):"
echo
echo "| CPU us per request (JVM + PostgreSQL) | clients | Atelier | hand-written | pgbench (PostgreSQL only) |"
echo "|---|---:|---:|---:|---:|"
for w in $WORKLOADS; do
  for c in $CLIENTS; do
    awk -F'\t' -v w="$w" -v c="$c" -v label="${LABEL[$w]}" '
      $1 == w && $2 == c {j[$3] = $7; p[$3] = $8}
      END { printf "| %s | %s | %s + %s | %s + %s | %s |\n", label, c, j["atelier"], p["atelier"],
              j["handwritten"], p["handwritten"], p["pgbench"] }' "$RESULTS"
  done
done
echo
awk -F'\t' '$1 == "get_one" && $2 == 32 {v[$3] = $4}
  END { if (v["handwritten"] > 0 && v["pgbench"] > 0)
    printf "Target (GET one row, 32 clients): Atelier / hand-written %.2f (>= 0.9: %s), Atelier / pgbench %.2f (>= 0.5: %s)\n",
      v["atelier"] / v["handwritten"], (v["atelier"] / v["handwritten"] >= 0.9 ? "met" : "NOT met"),
      v["atelier"] / v["pgbench"], (v["atelier"] / v["pgbench"] >= 0.5 ? "met" : "NOT met") }' "$RESULTS"
cp "$RESULTS" "$OUT/results.tsv"; log "captured SQL and raw figures in $OUT"
