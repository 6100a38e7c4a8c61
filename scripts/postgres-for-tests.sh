#!/usr/bin/env bash
# Starts the machine's PostgreSQL (installing it if missing) and creates the test
# role, idempotently. Prints the admin URL the tests use to create one database each.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

command -v pg_lsclusters >/dev/null || apt_install postgresql >&2
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  as_root pg_createcluster "$version" main >&2
  cluster="$version main"
fi
read -r version name <<<"$cluster"
if ! pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $4}' | grep -q online; then
  as_root pg_ctlcluster "$version" "$name" start >&2
fi
port=$(pg_lsclusters --no-header | awk -v v="$version" -v n="$name" '$1==v && $2==n {print $3}')

# The role may create databases: every test gets a fresh one.
as_root su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mailroom_test') THEN
    CREATE ROLE mailroom_test LOGIN CREATEDB PASSWORD 'mailroom_test';
  END IF;
END $$;
SQL
# Databases left by earlier runs go first.
as_root su postgres -c "psql -qAt -p $port -c \"SELECT datname FROM pg_database WHERE datname LIKE 'mailroom\_test\_%'\"" \
  | while read -r db; do as_root su postgres -c "dropdb -p $port --if-exists $db" >&2; done
echo "postgres://mailroom_test:mailroom_test@127.0.0.1:$port/postgres"
