#!/usr/bin/env bash
# Installs what this project needs and a fresh machine lacks; skips whatever is already there at the
# right version, so on a warm machine it finishes in seconds. Prints each thing it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_OPT_VERSION=132
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)

say() { printf 'setup: %s\n' "$*"; }
started=$(date +%s)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "installing the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 15 minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ] \
  || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes)"
  # Not --locked: its lock file asks for a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version_$WASM_OPT_VERSION" \
  || [ ! -f node_modules/playwright-core/package.json ] \
  || [ ! -f node_modules/axe-core/axe.min.js ] \
  || [ ! -f node_modules/terser/package.json ]; then
  say "installing npm packages from package-lock.json (binaryen's wasm-opt, playwright-core, axe-core, terser)"
  npm ci --no-audit --no-fund
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing Debian's chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi

# The deployment's e2e suite (tests/e2e/nginx.test.mjs) runs deploy/nginx/chasitor.conf in Debian's
# nginx, with brotli_static from libnginx-mod-http-brotli-static. The suite starts its own nginx on
# loopback ports; a machine whose services start on install also gets Debian's default site on :80.
if [ ! -x /usr/sbin/nginx ] || [ ! -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ]; then
  say "installing Debian's nginx and libnginx-mod-http-brotli-static"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-http-brotli-static
fi

say "ready in $(( $(date +%s) - started )) s"
