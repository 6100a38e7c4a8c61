#!/usr/bin/env bash
# Installs what building needs, idempotently: each tool is skipped when it is already
# there at the pinned version. `--test` adds what the tests need (Chromium,
# PostgreSQL, the SMTP test server, the Playwright packages).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

step "Rust toolchain (rust-toolchain.toml)"
rustup toolchain install >/dev/null 2>&1 || rustup show active-toolchain
rustc --version

want=$(wasm_bindgen_version)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  step "wasm-bindgen CLI $want (have: ${have:-none})"
  # Not --locked: one of its locked dependencies is no longer on the registry.
  cargo install wasm-bindgen-cli --version "$want" --force
else
  step "wasm-bindgen CLI $want: present"
fi

if [ -x "$(wasm_opt_path)" ] && grep -q "\"version\": \"$BINARYEN_VERSION\." .tools/node_modules/binaryen/package.json 2>/dev/null; then
  step "wasm-opt (binaryen $BINARYEN_VERSION): present"
else
  step "wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "binaryen@$BINARYEN_VERSION"
fi

step "brotli (precompressed front-end files)"
apt_install brotli

if [ "${1:-}" = "--test" ]; then
  step "Test services: Chromium, PostgreSQL, aiosmtpd"
  apt_install chromium postgresql python3-aiosmtpd
  step "Playwright packages (end2end/)"
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
  else
    echo "present"
  fi
  step "schemathesis (fuzz/requirements.txt) in .tools/schemathesis"
  if .tools/schemathesis/bin/pip freeze 2>/dev/null | grep -qxF "$(grep -v '^#' fuzz/requirements.txt)"; then
    echo "present"
  else
    python3 -m venv .tools/schemathesis
    .tools/schemathesis/bin/pip install --quiet --disable-pip-version-check -r fuzz/requirements.txt
  fi
  step "ZITADEL's SDKs and buf (sdk-tests/)"
  if [ ! -d sdk-tests/node_modules/@zitadel/node ] || [ sdk-tests/package-lock.json -nt sdk-tests/node_modules/.package-lock.json ]; then
    (cd sdk-tests && npm ci --silent --no-audit --no-fund)
  else
    echo "present"
  fi
fi
