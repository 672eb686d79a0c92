#!/usr/bin/env bash
# Jobs per second on one private PostgreSQL 15 cluster, in one run: Atelier's engine with 1 and 2
# servers (atelier bench jobs), db-scheduler and JobRunr (bench/jobs/PeersBench), and the raw-SQL
# baseline job_claim_batch100 of ../shared/bench/limits under pgbench (8 clients). Prints the
# figures and the ratios. Needs the Debian postgresql-15 server, pgbench and mvn.
#   bench/jobs/run.sh [JOBS]        (default 100000)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIMITS="${LIMITS:-$ROOT/../shared/bench/limits}"
JOBS="${1:-100000}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PGROOT="${PGROOT:-/tmp/pgjobsbench}"
PGPORT="${PGPORT:-5498}"
BUILD="${BUILD:-/tmp/build-jobs}"
BENCH_BUILD="${BENCH_BUILD:-/tmp/build-jobs-bench}"
PW=bench

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building"
  (cd "$ROOT" && mvn -q -Datelier.build.dir="$BUILD" -DskipTests package)
  (cd "$HERE" && mvn -q -Dbench.build.dir="$BENCH_BUILD" -DskipTests package)
fi

echo "== private PostgreSQL 15 on port $PGPORT"
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast stop >/dev/null 2>&1 || true
rm -rf "$PGROOT"; mkdir -p "$PGROOT"; chown postgres "$PGROOT" 2>/dev/null || true
echo "$PW" > "$PGROOT/pw"; chmod 644 "$PGROOT/pw"
as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --pwfile="$PGROOT/pw" -A scram-sha-256 >/dev/null
cat "$LIMITS/postgresql.limits.conf" >> "$PGROOT/data/postgresql.conf"
printf "port = %s\nunix_socket_directories = '%s'\n" "$PGPORT" "$PGROOT" >> "$PGROOT/data/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w start >/dev/null
trap 'as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast stop >/dev/null 2>&1 || true' EXIT
export PGPASSWORD="$PW"
PSQL=(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
for db in atelier peers raw; do "${PSQL[@]}" -c "create database $db"; done

OUT="$PGROOT/results.txt"; : > "$OUT"
rate() { grep "$2" "$1" | head -1 | sed 's/.*: *//; s/ jobs\/s//; s/,//g'; }

echo "== raw SQL: job_claim_batch100, 8 clients"
"${PSQL[@]}" -d raw -c "CREATE TABLE jobs (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'pending',
  payload jsonb NOT NULL, run_at timestamptz NOT NULL DEFAULT now(), attempts int NOT NULL DEFAULT 0,
  locked_at timestamptz, created_at timestamptz NOT NULL DEFAULT now());
  INSERT INTO jobs (payload, run_at) SELECT '{}', now() - interval '1 day' FROM generate_series(1, 2000000);
  CREATE INDEX jobs_pending_run_at ON jobs (run_at) WHERE status = 'pending';"
"${PSQL[@]}" -d raw -c "VACUUM ANALYZE jobs"
pgbench -h 127.0.0.1 -p "$PGPORT" -U postgres -n -M prepared -T 10 -c 8 -j 2 -f "$LIMITS/workloads/job_claim_batch100.sql" raw \
  > "$PGROOT/raw.txt" 2>&1
RAW=$(awk '/^tps = /{printf "%.0f", $3 * 100}' "$PGROOT/raw.txt")
echo "raw SQL job_claim_batch100 (pgbench, 8 clients): $RAW jobs/s" | tee -a "$OUT"

URL="postgres://postgres:$PW@127.0.0.1:$PGPORT/atelier"
for servers in 1 2; do
  echo "== Atelier, $servers server(s)"
  DATABASE_URL="$URL" ATELIER_JWT_SECRET="bench-secret-bench-secret-bench-secret-42" \
    java -jar "$BUILD/atelier.jar" bench jobs --jobs "$JOBS" --servers "$servers" | tee "$PGROOT/atelier$servers.txt"
done
CP="$BENCH_BUILD/jobs-peers-1.jar:$BENCH_BUILD/lib/*"
for peer in db-scheduler jobrunr; do
  echo "== $peer"
  java -cp "$CP" bench.PeersBench "$peer" "jdbc:postgresql://127.0.0.1:$PGPORT/peers" postgres "$PW" "$JOBS" | tee "$PGROOT/$peer.txt"
done

A1=$(rate "$PGROOT/atelier1.txt" "claim + run"); A2=$(rate "$PGROOT/atelier2.txt" "claim + run")
DS=$(rate "$PGROOT/db-scheduler.txt" "claim + run"); JR=$(rate "$PGROOT/jobrunr.txt" "claim + run")
E1=$(rate "$PGROOT/atelier1.txt" "end to end"); E2=$(rate "$PGROOT/atelier2.txt" "end to end")
EDS=$(rate "$PGROOT/db-scheduler.txt" "end to end"); EJR=$(rate "$PGROOT/jobrunr.txt" "end to end")
echo
echo "== jobs/s (claim + run + complete; end to end incl. enqueue), $JOBS no-op jobs"
printf "%-34s %10s %10s\n" "" "work" "end-to-end"
printf "%-34s %10.0f %10.0f\n" "Atelier, 1 server" "$A1" "$E1" "Atelier, 2 servers" "$A2" "$E2" \
  "db-scheduler" "$DS" "$EDS" "JobRunr" "$JR" "$EJR"
printf "%-34s %10.0f\n" "raw SQL job_claim_batch100" "$RAW"
echo "== ratios (work)"
awk -v a1="$A1" -v a2="$A2" -v ds="$DS" -v jr="$JR" -v raw="$RAW" 'BEGIN {
  printf "Atelier 1 / db-scheduler: %.2f   Atelier 2 / db-scheduler: %.2f  (target >= 2)\n", a1/ds, a2/ds;
  printf "Atelier 1 / JobRunr:      %.2f   Atelier 2 / JobRunr:      %.2f  (target >= 1)\n", a1/jr, a2/jr;
  printf "Atelier 1 / raw batch100: %.2f   Atelier 2 / raw batch100: %.2f  (target >= 0.5)\n", a1/raw, a2/raw }'
