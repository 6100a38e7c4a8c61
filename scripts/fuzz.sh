#!/usr/bin/env bash
# The API fuzz run of `make test`: schemathesis (fuzz/requirements.txt) over
# /openapi.json with every check, against a fresh `mailroom` on SQLite, holding
# api-admin's token. It passes only with zero failures: no 5xx, every response
# (errors included) as documented, schema-valid input accepted (fuzz/hooks.py) and
# schema-violating input refused. FUZZ_EXAMPLES sets the examples per operation.
# (filter_too_much is a generation-speed warning: the email and id patterns make
# hypothesis discard many drafts.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

bin=${MAILROOM_BIN:-target/debug/mailroom}
examples=${FUZZ_EXAMPLES:-30}
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MAILROOM_DATA_DIR="$data" LEPTOS_SITE_ADDR="127.0.0.1:$port" MAILROOM_ADMIN_PASSWORD=fuzz-admin-password \
  "$bin" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done
pat=$(cat "$data/admin.pat")
owner=$(curl -sf -H "Authorization: Bearer $pat" -d '{"queries":[{"userNameQuery":{"userName":"api-admin"}}]}' \
  "http://127.0.0.1:$port/v2/users" | python3 -c 'import json, sys; print(json.load(sys.stdin)["result"][0]["userId"])')

cd fuzz
MAILROOM_FUZZ_OWNER="$owner" SCHEMATHESIS_HOOKS=hooks PYTHONPATH=. \
  ../.tools/schemathesis/bin/schemathesis --config-file schemathesis.toml run \
  "http://127.0.0.1:$port/openapi.json" --checks all --max-examples "$examples" \
  --seed "${FUZZ_SEED:-1}" --suppress-health-check=filter_too_much -H "Authorization: Bearer $pat" --no-color
if grep -E "panicked|ERROR" "$data/server.log"; then
  echo "the server logged errors during the fuzz run" >&2
  exit 1
fi
