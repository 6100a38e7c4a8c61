# Shared helpers for the scripts (sourced, not run).

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Versions the project pins. wasm-bindgen's must equal the crate's in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
BINARYEN_VERSION=132

wasm_opt_path() { echo "$PWD/.tools/node_modules/.bin/wasm-opt"; }

# Run as root on the CI/dev machines; use sudo elsewhere when it exists.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi
}

APT_UPDATED=
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -q; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}
