#!/bin/bash
# What a data API request costs in protocol exchanges (docs/adr/0027, 0029): starts Atelier from JAR on a
# fresh data directory, straces the request pool's PostgreSQL backends while 20 anon GETs of one
# row run one after another, and prints, per data API transaction, how many reads the backend made
# (each a client->server exchange, give or take one TCP segment split) and their first bytes.
#   bench/data-api-round-trips.sh target/atelier.jar
# Needs strace and curl. Run it against two jars to compare (e.g. before and after a change).
set -euo pipefail
JAR=${1:?usage: $0 atelier.jar}
DIR=$(mktemp -d /tmp/atelier-round-trips-XXXX)
ATELIER_BACKUP_ENABLED=false java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$JAR" serve \
  --data-dir "$DIR/data" --host 127.0.0.1 --port 0 > "$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "anon key" "$DIR/server.log" && break; sleep 1; done
sleep 3
URL=$(grep "API URL" "$DIR/server.log" | awk '{print $3}')
KEY=$(grep "anon key" "$DIR/server.log" | awk '{print $3}')
get() { for _ in $(seq 1 "$1"); do curl -s -o /dev/null "$URL/rest/v1/custom_events?limit=1" -H "apikey: $KEY"; done; }
get 30 # past pgjdbc's prepareThreshold: the statements are server-prepared, as under load
PIDS=$(ps -eo pid,args | grep "postgres: atelier_authenticator" | grep -v grep | awk '{print "-p "$1}' | tr '\n' ' ')
# shellcheck disable=SC2086
timeout 15 strace -qq -s 2000 -e trace=recvfrom,sendto -o "$DIR/trace.txt" $PIDS &
TRACE=$!
sleep 2
get 20
sleep 1
kill $TRACE 2>/dev/null || true
wait $TRACE 2>/dev/null || true
python3 - "$DIR/trace.txt" <<'PY'
# A transaction is every read of a backend between two ReadyForQuery messages saying "idle"
# (Z ... I), whatever the statements are named: the data API's carry the anon role's claims.
import collections, re, sys
events, pending = collections.defaultdict(list), {}
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(r'(\d+)\s+(.*)', line)
    if not m:
        continue
    pid, rest = m.groups()
    if rest.endswith('<unfinished ...>'):
        pending[pid] = rest[:-16]
        continue
    r = re.match(r'<\.\.\. (?:recvfrom|sendto) resumed>(.*)', rest)
    if r:
        rest = pending.pop(pid, '') + r.group(1)
    if 'EAGAIN' in rest or '"' not in rest:
        continue
    events[pid].append(('read' if rest.startswith('recvfrom') else 'write', rest.split('"')[1]))
transactions = []
for evs in events.values():
    current = []
    for kind, body in evs:
        if kind == 'read':
            current.append(body)
        elif body.endswith('Z\\0\\0\\0\\5I') and current:
            transactions.append(current)
            current = []
api = [t for t in transactions if any('anon' in body for body in t)]
print(len(api), 'data API transactions; backend reads per transaction:', dict(collections.Counter(len(t) for t in api)))
for t in api[:2]:
    print(' | '.join(body[:24] for body in t))
PY
