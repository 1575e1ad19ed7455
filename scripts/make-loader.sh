#!/usr/bin/env sh
# trunk post_build hook: writes the stable-named loader chasitor.js next to the hashed files trunk
# built, with their names filled in (loader/chasitor.js is the template). Run by trunk, which sets
# TRUNK_STAGING_DIR and TRUNK_SOURCE_DIR.
set -eu
staging=${TRUNK_STAGING_DIR:?run me as a trunk post_build hook (TRUNK_STAGING_DIR is not set)}
source_dir=${TRUNK_SOURCE_DIR:-.}
template="$source_dir/loader/chasitor.js"

js=""
wasm=""
for f in "$staging"/chasitor-*.js; do
  [ -e "$f" ] || continue
  js=$(basename "$f")
done
for f in "$staging"/chasitor-*_bg.wasm; do
  [ -e "$f" ] || continue
  wasm=$(basename "$f")
done
if [ -z "$js" ] || [ -z "$wasm" ]; then
  echo "make-loader: no hashed chasitor-*.js / chasitor-*_bg.wasm in $staging (is filehash on?)" >&2
  exit 1
fi
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$source_dir/Cargo.toml" | head -n 1)

sed -e "s/__CHASITOR_JS__/$js/" -e "s/__CHASITOR_WASM__/$wasm/" -e "s/__CHASITOR_VERSION__/$version/" \
  "$template" > "$staging/chasitor.js"
echo "make-loader: chasitor.js -> $js, $wasm"
