#!/usr/bin/env bash
# Flag evaluations per second, side by side in one run (bench/flags/README.md): Atelier's engine
# in process, the official Unleash Java SDK offline on the same flags and contexts (11.1.0 and
# 10.2.2, each in its own JVM beside Atelier's engine), and Atelier through HTTP.
#   bench/flags/run.sh [SECONDS_PER_ROUND] [HTTP_CLIENTS]      (defaults 5 and 8)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SECONDS_PER_ROUND="${1:-5}"
CLIENTS="${2:-8}"
BUILD="${BUILD:-/tmp/build-caches-bench}"
WORK="${WORK:-/tmp/bench-flags}"
PORT="${PORT:-54399}"
VERSIONS="${UNLEASH_VERSIONS:-11.1.0 10.2.2}"
mkdir -p "$WORK"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building Atelier and fetching the SDKs"
  (cd "$ROOT" && mvn -q -Datelier.build.dir="$BUILD" -DskipTests package)
  (cd "$ROOT" && mvn -q -Datelier.build.dir="$BUILD" dependency:build-classpath -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$WORK/atelier.cp")
  for v in $VERSIONS; do
    (cd "$HERE" && mvn -q -Dunleash.version="$v" -Dbench.lib.dir="$WORK/lib-$v" package)
  done
fi

echo "== Atelier on a fresh embedded database, port $PORT"
rm -rf "$WORK/data"
java -jar "$BUILD/atelier.jar" serve --data-dir "$WORK/data" --port "$PORT" --log-level warn > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 400); do
  grep -q "service_role key:" "$WORK/server.log" 2>/dev/null && break
  sleep 1
done
KEY=$(sed -n 's/.*service_role key: *//p' "$WORK/server.log" | head -1)
[ -n "$KEY" ] || { echo "the server did not start:"; cat "$WORK/server.log"; exit 1; }

for v in $VERSIONS; do
  # Atelier's classes and dependencies first; of the SDK's, all but what Atelier already has
  SDK=$(ls "$WORK/lib-$v"/*.jar | grep -v -E '/(jackson-(core|databind|annotations)|slf4j-api)-' | tr '\n' ':')
  CP="$BUILD/classes:$(cat "$WORK/atelier.cp"):$SDK"
  mkdir -p "$WORK/classes-$v"
  javac -nowarn -d "$WORK/classes-$v" -cp "$CP" "$HERE/FlagsBench.java"
  echo
  echo "== Unleash Java SDK $v beside Atelier's engine"
  java -cp "$WORK/classes-$v:$CP" bench.FlagsBench "http://127.0.0.1:$PORT" "$KEY" "$SECONDS_PER_ROUND" "$CLIENTS"
done
