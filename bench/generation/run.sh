#!/usr/bin/env bash
# Generations end to end with the built-in local provider: 8 concurrent Algorhythmic users (each
# starts a generation, follows it to completion, starts the next) for 30 s after a warm-up, on a
# fresh embedded database. Prints generations per second and where the time of a generation went:
# the provider (rendering a 1024x1024 PNG in Java) and the platform around it (request, credit
# hold, job queue and claim, storage of image and thumbnail, pool row, capture), from the server's
# own timestamps. Side by side in the same run: the provider alone, rendering the same images on
# the same number of threads in one JVM (`atelier bench provider`), the ceiling with no platform.
# Usage: bench/generation/run.sh [path/to/atelier.jar]   (default target/atelier.jar)
# Environment: USERS (8), SECONDS (30), SIZE (1024: the long side of the image), POLL_MS (50).
set -euo pipefail

JAR=${1:-target/atelier.jar}
[ -f "$JAR" ] || { echo "no jar at $JAR: run mvn -DskipTests package first" >&2; exit 1; }
USERS=${USERS:-8}; SECONDS_=${SECONDS:-30}; SIZE=${SIZE:-1024}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(mktemp -d /tmp/atelier-generation-bench.XXXXXX)
PORT=$(( 20000 + RANDOM % 20000 ))

ATELIER_ALGORHYTHMIC_GENERATION_SIZE=$SIZE java -jar "$JAR" serve --data-dir "$ROOT/data" --port "$PORT" \
  --log-level warn > "$ROOT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$ROOT"' EXIT
for _ in $(seq 1 120); do
  grep -q 'service_role key:' "$ROOT/server.log" 2>/dev/null && curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.5
done
KEY=$(grep 'service_role key:' "$ROOT/server.log" | awk '{print $3}')

echo "== end to end: $USERS users, ${SECONDS_} s, ${SIZE}px images (local provider)"
node "$HERE/load.mjs" "http://127.0.0.1:$PORT" "$KEY" "$USERS" "$SECONDS_"
kill $SERVER; wait $SERVER 2>/dev/null || true

echo "== the provider alone: $USERS threads, ${SECONDS_} s, the same images"
java -jar "$JAR" bench provider --threads "$USERS" --seconds "$SECONDS_" --size "$SIZE"
