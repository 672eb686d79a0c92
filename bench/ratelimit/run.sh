#!/usr/bin/env bash
# Rate-limit checks per second at 1, 8 and 32 clients, side by side in one run on one private
# PostgreSQL 15 cluster: Atelier through HTTP (and, for the analysis, HTTP alone and its limiter
# in process) with `atelier bench ratelimit`, then bucket4j 8.14.0's PostgreSQL backend in process
# (bench.Bucket4jBench) on the same database. Needs Debian's postgresql-15 server and mvn.
#   bench/ratelimit/run.sh [SECONDS]        (default 5 per measurement; LEASES=on|off|both, default both)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SECONDS_EACH="${1:-5}"
CLIENTS="${CLIENTS:-1,8,32}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PGROOT="${PGROOT:-/tmp/pgratelimitbench}"
PGPORT="${PGPORT:-5497}"
BUILD="${BUILD:-/tmp/build-limits}"
BENCH_BUILD="${BENCH_BUILD:-/tmp/build-limits-bench}"
PW=bench

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && mvn -q -Datelier.build.dir="$BUILD" -DskipTests package)
  (cd "$HERE" && mvn -q -Dbench.build.dir="$BENCH_BUILD" -DskipTests package)
fi

as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast stop >/dev/null 2>&1 || true
rm -rf "$PGROOT"; mkdir -p "$PGROOT"; chown postgres "$PGROOT" 2>/dev/null || true
echo "$PW" > "$PGROOT/pw"; chmod 644 "$PGROOT/pw"
as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --pwfile="$PGROOT/pw" -A scram-sha-256 >/dev/null
printf "port = %s\nunix_socket_directories = '%s'\nmax_connections = 200\n" "$PGPORT" "$PGROOT" \
  >> "$PGROOT/data/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w start >/dev/null
trap 'as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast stop >/dev/null 2>&1 || true' EXIT
PGPASSWORD="$PW" psql -h 127.0.0.1 -p "$PGPORT" -U postgres -q -c "create database atelier"

echo "== Atelier (atelier bench ratelimit), $SECONDS_EACH s each"
DATABASE_URL="postgres://postgres:$PW@127.0.0.1:$PGPORT/atelier" \
  ATELIER_JWT_SECRET="bench-secret-bench-secret-bench-secret-42" \
  java -jar "$BUILD/atelier.jar" bench ratelimit --clients "$CLIENTS" --seconds "$SECONDS_EACH" --leases "${LEASES:-both}" \
  | tee "$PGROOT/atelier.txt"
echo "== bucket4j 8.14.0 PostgreSQL (select for update), same database"
java -cp "$BENCH_BUILD/ratelimit-peers-1.jar:$BENCH_BUILD/lib/*" bench.Bucket4jBench \
  "jdbc:postgresql://127.0.0.1:$PGPORT/atelier" postgres "$PW" "$CLIENTS" "$SECONDS_EACH" select-for-update \
  | tee "$PGROOT/bucket4j.txt"

echo "== Atelier through HTTP / bucket4j in process"
for c in ${CLIENTS//,/ }; do
  b=$(awk -v c="clients=$c" '/^bucket4j/ && $3 == c {gsub(",", "", $4); print $4}' "$PGROOT/bucket4j.txt")
  for mode in atelier_http atelier_http_leased; do
    a=$(awk -v m="$mode" -v c="clients=$c" '$1 == m && $2 == c {gsub(",", "", $3); print $3}' "$PGROOT/atelier.txt")
    awk -v m="$mode" -v c="$c" -v a="$a" -v b="$b" 'BEGIN { printf "clients=%-3s %-20s %8.0f  bucket4j %8.0f  ratio %.2f (target >= 1)\n", c, m, a, b, a / b }'
  done
done
