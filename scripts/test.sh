#!/usr/bin/env bash
# `make test`: installs what the tests need, then runs every check in order:
# format, clippy, unit tests, integration tests on SQLite and Postgres, and the
# Playwright browser tests against the real server, and ZITADEL's SDKs against it.
set -euo pipefail
# pipefail: a failing test run fails the script even through `tee`.
cd "$(dirname "$0")/.."
source scripts/lib.sh

bash scripts/install-tools.sh --test

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (server side, and the WASM entry)"
cargo clippy --locked -p mailroom-core -p mailroom-wire -p mailroom-app -p mailroom-server -p mailroom-bench-bare -p mailroom-bench-grpc --all-targets -- -D warnings
cargo clippy --locked -p mailroom-frontend --target wasm32-unknown-unknown -- -D warnings

step "PostgreSQL for the integration tests"
MAILROOM_TEST_POSTGRES_URL=$(bash scripts/postgres-for-tests.sh)
export MAILROOM_TEST_POSTGRES_URL MAILROOM_REQUIRE_POSTGRES=1
# Every test makes a database; they go when the run ends, passed or not.
trap 'bash scripts/postgres-drop-test-databases.sh >/dev/null 2>&1 || true' EXIT

log_dir=$(mktemp -d)
step "Unit and integration tests (SQLite and Postgres)"
cargo test --locked -p mailroom-core -p mailroom-wire -p mailroom-app -p mailroom-server 2>&1 | tee "$log_dir/cargo.log"

step "Front end for the browser tests"
bash scripts/build-site.sh
cargo build --locked -p mailroom-server

step "Browser tests (Playwright + Debian Chromium)"
(cd end2end && MAILROOM_BIN=../target/debug/mailroom npx playwright test) 2>&1 | tee "$log_dir/e2e.log"

step "ZITADEL's SDKs over gRPC, gRPC-web and Connect binary; wire compatibility (sdk-tests/)"
(cd sdk-tests && MAILROOM_BIN=../target/debug/mailroom LEPTOS_SITE_ROOT=../target/site npm test) 2>&1 | tee "$log_dir/sdk.log"

step "API fuzzing: schemathesis over /openapi.json, every check (scripts/fuzz.sh)"
MAILROOM_BIN=target/debug/mailroom bash scripts/fuzz.sh 2>&1 | tee "$log_dir/fuzz.log"

# One closing line over every runner (cargo's per-binary lines, Playwright's summary).
rust_passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log_dir/cargo.log" | awk '{s+=$4} END {print s+0}')
e2e_passed=$(grep -Eo '^ +[0-9]+ passed' "$log_dir/e2e.log" | awk '{s+=$1} END {print s+0}')
sdk_passed=$(grep -Eo '^# pass [0-9]+' "$log_dir/sdk.log" | awk '{s+=$3} END {print s+0}')
fuzz_cases=$(grep -Eo '[0-9]+ passed' "$log_dir/fuzz.log" | tail -1 | awk '{print $1+0}')
echo
echo "summary: $((rust_passed + e2e_passed + sdk_passed)) passed, 0 failed; ${fuzz_cases:-0} fuzz cases passed"
