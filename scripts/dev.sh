#!/usr/bin/env bash
# `make dev`: cargo-leptos watch mode. cargo-leptos is a long build, so it is
# installed on first use only (and never downloads anything: `no_downloads`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/install-tools.sh
if ! cargo leptos --version 2>/dev/null | grep -q "0.3.11"; then
  step "Installing cargo-leptos 0.3.11 (about 20 minutes, once)"
  cargo install cargo-leptos --version 0.3.11 --locked --features no_downloads
fi
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
exec cargo leptos watch
