#!/usr/bin/env bash
# Drops every database the integration tests created (`mailroom_test_*`), in one psql
# session, even those a server still holds a connection to.
# Usage: postgres-drop-test-databases.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
port=${1:-$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')}
as_root su postgres -c "psql -qAt -p $port" <<'SQL'
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', datname)
  FROM pg_database WHERE datname LIKE 'mailroom\_test\_%'
\gexec
SQL
