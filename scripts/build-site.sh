#!/usr/bin/env bash
# Builds the browser side into target/site/pkg: the WASM bundle (cargo + wasm-bindgen,
# + wasm-opt), its JS glue, and the stylesheet. These are the steps cargo-leptos
# performs, without needing cargo-leptos (a 20-minute install) for `make run`/`make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

site=target/site/pkg
mkdir -p "$site"

# The site is a function of its inputs: the front end's crates (frontend/, app/; the
# hydrate build uses no other crate of ours), the stylesheets, the lock file and
# toolchain, this script and the tools' versions. When none changed since the last
# build and its files are there, the ~40 s of wasm-bindgen and wasm-opt are skipped.
inputs_key() {
  {
    # The working tree, committed or not, is what gets built.
    find frontend app style Cargo.toml Cargo.lock rust-toolchain.toml scripts/build-site.sh \
      scripts/lib.sh -type f -print0 | sort -z | xargs -0 sha256sum
    wasm-bindgen --version
    "$(wasm_opt_path)" --version
    echo "skip-wasm-opt=${MAILROOM_SKIP_WASM_OPT:-}"
  } | sha256sum | cut -c1-32
}
key_file=target/site/inputs.key
key=$(inputs_key)
if [ "${MAILROOM_FORCE_SITE:-}" != 1 ] && [ -f "$key_file" ] && [ "$(cat "$key_file")" = "$key" ] \
  && [ -f target/site/assets.env ]; then
  name=$(sed -n 's/^MAILROOM_ASSETS=//p' target/site/assets.env)
  if [ -n "$name" ] && [ -f "$site/${name}_bg.wasm" ] && [ -f "$site/$name.js" ] && [ -f "$site/$name.css" ]; then
    step "Site unchanged ($name): its inputs are as at the last build (MAILROOM_FORCE_SITE=1 rebuilds)"
    exit 0
  fi
fi
rm -f "$key_file"
step "Building the WASM front end (profile wasm-release)"
cargo build --locked -p mailroom-frontend --lib --target wasm32-unknown-unknown --profile wasm-release
wasm=target/wasm32-unknown-unknown/wasm-release/mailroom_frontend.wasm

step "wasm-bindgen → $site"
wasm-bindgen --target web --no-typescript --out-dir "$site" --out-name mailroom "$wasm"

if [ "${MAILROOM_SKIP_WASM_OPT:-}" != 1 ]; then
  step "wasm-opt -Oz"
  "$(wasm_opt_path)" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$site/mailroom_bg.wasm" -o "$site/mailroom_bg.wasm.opt"
  mv "$site/mailroom_bg.wasm.opt" "$site/mailroom_bg.wasm"
fi

cat style/*.css > "$site/mailroom.css"

# Content-hashed names, so that browsers may keep the files for a year: one build id
# for the three files (`mailroom-<id>.js`, `mailroom-<id>_bg.wasm`, `mailroom-<id>.css`,
# the names Leptos' HydrationScripts derives from the output name). The server reads
# the id from target/site/assets.env at start; without that file (cargo-leptos'
# `make dev`) it serves the plain names.
build_id=$(cat "$site/mailroom.js" "$site/mailroom_bg.wasm" "$site/mailroom.css" | sha256sum | cut -c1-16)
name="mailroom-$build_id"
rm -f "$site"/mailroom-*
mv "$site/mailroom.js" "$site/$name.js"
mv "$site/mailroom_bg.wasm" "$site/${name}_bg.wasm"
mv "$site/mailroom.css" "$site/$name.css"
rm -f "$site"/mailroom.js* "$site"/mailroom_bg.wasm* "$site"/mailroom.css*
# Precompressed copies; the server sends them to clients that accept them.
for file in "$site/$name.js" "$site/${name}_bg.wasm" "$site/$name.css"; do
  gzip -9 -k -f "$file"
  if command -v brotli >/dev/null; then brotli -q 11 -k -f "$file"; fi
done
printf 'MAILROOM_ASSETS=%s\n' "$name" > target/site/assets.env
step "Site ready ($name): $(du -h "$site/${name}_bg.wasm" | cut -f1) WASM, $(gzip -9c "$site/${name}_bg.wasm" | wc -c) bytes gzipped"
printf '%s\n' "$key" > "$key_file"
