#!/usr/bin/env bash
# Storage throughput: upload and download MiB/s through /storage/v1 (curl, raw body, one stream at
# a time) for 1 MiB and 100 MiB objects, beside a plain file copy on the same disk in the same
# run, and the ratio. Baselines do the same durable work as the server:
#   upload   = dd of the source into a new file with conv=fsync (the server syncs every upload);
#   download = cp of the stored file into a new file (curl -o writes one the same way, no sync).
# Usage: bench/storage/run.sh [path/to/atelier.jar]   (default target/atelier.jar)
# Environment: BENCH_DIR (a directory on the disk to measure; default a new one under /tmp),
#              REPS_SMALL (default 40), REPS_LARGE (default 3).
set -euo pipefail

JAR=${1:-target/atelier.jar}
[ -f "$JAR" ] || { echo "no jar at $JAR: run mvn -DskipTests package first" >&2; exit 1; }
ROOT=${BENCH_DIR:-$(mktemp -d /tmp/atelier-storage-bench.XXXXXX)}
REPS_SMALL=${REPS_SMALL:-40}
REPS_LARGE=${REPS_LARGE:-3}
DATA="$ROOT/data"; SRC="$ROOT/src"; OUT="$ROOT/out"
mkdir -p "$DATA" "$SRC" "$OUT"
PORT=$(( 20000 + RANDOM % 20000 ))

java -jar "$JAR" serve --data-dir "$DATA" --port "$PORT" > "$ROOT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$ROOT"' EXIT
for _ in $(seq 1 120); do
  grep -q 'service_role key:' "$ROOT/server.log" 2>/dev/null && curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.5
done
KEY=$(grep 'service_role key:' "$ROOT/server.log" | awk '{print $3}')
API="http://127.0.0.1:$PORT/storage/v1"
AUTH=(-H "apikey: $KEY" -H "Authorization: Bearer $KEY")
curl -fs "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$API/bucket" >/dev/null

now() { date +%s.%N; }
# mibps <bytes> <seconds>
mibps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }

# Warm-up (JIT, pool, page cache): not measured.
head -c 1048576 /dev/urandom > "$SRC/warm"
for i in $(seq 1 30); do
  curl -fs "${AUTH[@]}" -H 'Content-Type: application/octet-stream' -T "$SRC/warm" "$API/object/bench/warm-$i" >/dev/null
  curl -fs "${AUTH[@]}" -o /dev/null "$API/object/bench/warm-$i"
done

printf '%-9s %-9s %5s %12s %12s %7s\n' object op reps "atelier MiB/s" "file MiB/s" ratio
for spec in "1:$REPS_SMALL" "100:$REPS_LARGE"; do
  MIB=${spec%%:*}; REPS=${spec##*:}
  BYTES=$(( MIB * 1048576 ))
  head -c "$BYTES" /dev/urandom > "$SRC/obj-$MIB"
  sync

  # upload through the API (PUT streams the file: curl -T)
  t0=$(now)
  for i in $(seq 1 "$REPS"); do
    curl -fs "${AUTH[@]}" -H 'Content-Type: application/octet-stream' -T "$SRC/obj-$MIB" "$API/object/bench/o-$MIB-$i" >/dev/null
  done
  t1=$(now)
  api_up=$(mibps $(( BYTES * REPS )) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")

  # baseline: the same bytes into new files on the same disk, synced
  t0=$(now)
  for i in $(seq 1 "$REPS"); do
    dd if="$SRC/obj-$MIB" of="$OUT/copy-$MIB-$i" bs=1M conv=fsync status=none
  done
  t1=$(now)
  file_up=$(mibps $(( BYTES * REPS )) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  printf '%-9s %-9s %5d %12s %12s %7s\n' "${MIB} MiB" upload "$REPS" "$api_up" "$file_up" \
    "$(awk -v a="$api_up" -v b="$file_up" 'BEGIN{printf "%.2f", a/b}')"

  # download through the API into files
  t0=$(now)
  for i in $(seq 1 "$REPS"); do
    curl -fs "${AUTH[@]}" -o "$OUT/down-$MIB-$i" "$API/object/bench/o-$MIB-$i"
  done
  t1=$(now)
  api_down=$(mibps $(( BYTES * REPS )) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  cmp -s "$SRC/obj-$MIB" "$OUT/down-$MIB-1" || { echo "downloaded bytes differ" >&2; exit 1; }

  # baseline: copy the stored files into new files
  t0=$(now)
  for i in $(seq 1 "$REPS"); do
    cp "$OUT/copy-$MIB-$i" "$OUT/cp-$MIB-$i"
  done
  t1=$(now)
  file_down=$(mibps $(( BYTES * REPS )) "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
  printf '%-9s %-9s %5d %12s %12s %7s\n' "${MIB} MiB" download "$REPS" "$api_down" "$file_down" \
    "$(awk -v a="$api_down" -v b="$file_down" 'BEGIN{printf "%.2f", a/b}')"
  rm -f "$OUT"/*
done
