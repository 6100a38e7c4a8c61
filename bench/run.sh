#!/usr/bin/env bash
# `make bench`: release build of the server, the front end and the bare-axum
# reference, wrk and brotli from Debian, a Postgres database when the machine has
# one, then bench/run.py (which writes BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/install-tools.sh
apt_install wrk nghttp2-client brotli python3-aiosmtpd
bash scripts/build-site.sh
step "Release build (server, bare-axum reference, gRPC load client)"
cargo build --locked --release -p mailroom-server -p mailroom-bench-bare -p mailroom-bench-grpc
if [ -z "${BENCH_POSTGRES_URL:-}" ] && command -v pg_lsclusters >/dev/null; then
  admin=$(bash scripts/postgres-for-tests.sh)
  db="mailroom_bench_$(date +%s)"
  psql "$admin" -qc "CREATE DATABASE $db" && export BENCH_POSTGRES_URL="${admin%/*}/$db"
  trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
fi
step "Running the benchmark"
python3 bench/run.py
