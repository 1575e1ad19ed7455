#!/usr/bin/env sh
# trunk post_build hook (Trunk.toml): trunk runs the hooks of one stage at the same time, so the
# steps that depend on each other are one hook, in order:
#   1. scripts/make-loader.sh writes the loader chasitor.js that names the hashed files;
#   2. scripts/minify-glue.mjs minifies wasm-bindgen's JS glue (release builds only);
#   3. scripts/precompress.mjs writes .br and .gz next to every file (release builds only: a debug
#      wasm is large and slow to compress at brotli's best quality) and prints the loader's
#      integrity (sha384) for a <script integrity=...> tag.
# trunk sets TRUNK_STAGING_DIR (the build before it becomes dist/) and TRUNK_PROFILE.
set -eu
: "${TRUNK_STAGING_DIR:?run me as a trunk post_build hook (TRUNK_STAGING_DIR is not set)}"
sh "$(dirname "$0")/make-loader.sh"
if [ "${TRUNK_PROFILE:-}" = release ]; then
  node "$(dirname "$0")/minify-glue.mjs" "$TRUNK_STAGING_DIR"
  node "$(dirname "$0")/precompress.mjs" "$TRUNK_STAGING_DIR"
else
  echo "post-build: a ${TRUNK_PROFILE:-debug} build: no .br/.gz files (scripts/precompress.mjs runs on release builds)"
fi
