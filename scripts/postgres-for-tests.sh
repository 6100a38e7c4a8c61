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
  # After an unclean stop (a machine restart), recovery first syncs the whole data
  # directory: pg_ctl's default minute is not always enough.
  as_root pg_ctlcluster "$version" "$name" start -- -t 900 >&2
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
# Databases left by earlier runs go first (`scripts/test.sh` drops its own at the end
# too, so the data directory stays small and a recovery short).
bash scripts/postgres-drop-test-databases.sh "$port" >&2
echo "postgres://mailroom_test:mailroom_test@127.0.0.1:$port/postgres"
