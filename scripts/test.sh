#!/usr/bin/env bash
# `make test`: installs what the tests need, then runs every check in order:
# format, clippy, unit tests, integration tests on SQLite and Postgres, and the
# Playwright browser tests against the real server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

bash scripts/install-tools.sh --test

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (server side, and the WASM entry)"
cargo clippy --locked -p mailroom-core -p mailroom-app -p mailroom-server --all-targets -- -D warnings
cargo clippy --locked -p mailroom-frontend --target wasm32-unknown-unknown -- -D warnings

step "PostgreSQL for the integration tests"
MAILROOM_TEST_POSTGRES_URL=$(bash scripts/postgres-for-tests.sh)
export MAILROOM_TEST_POSTGRES_URL MAILROOM_REQUIRE_POSTGRES=1

step "Unit and integration tests (SQLite and Postgres)"
cargo test --locked -p mailroom-core -p mailroom-app -p mailroom-server

step "Front end for the browser tests"
bash scripts/build-site.sh
cargo build --locked -p mailroom-server

step "Browser tests (Playwright + Debian Chromium)"
(cd end2end && MAILROOM_BIN=../target/debug/mailroom npx playwright test)
