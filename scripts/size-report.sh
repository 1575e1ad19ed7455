#!/usr/bin/env bash
# Raw and gzip bytes of what the build wrote (the .wasm, .js and .css in dist/), and what a page
# downloads: a Live Agent page the loader and the Live Agent-only files (chasitor-liveagent-*), an
# Enhanced Chat page the loader and the Enhanced Chat-only files (chasitor-miaw-*; without them the
# files with both APIs).
set -euo pipefail
cd "$(dirname "$0")/../dist"
printf '%-52s %10s %10s\n' "file" "raw bytes" "gzip -9"
declare -A raw gz
for f in $(find . -maxdepth 1 -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) | sort); do
  f=${f#./}
  raw[$f]=$(wc -c < "$f")
  gz[$f]=$(gzip -9 -c "$f" | wc -c)
  printf '%-52s %10d %10d\n' "$f" "${raw[$f]}" "${gz[$f]}"
done
page() {
  local name=$1 r=0 g=0 f
  shift
  for f in "$@"; do
    r=$((r + ${raw[$f]:-0}))
    g=$((g + ${gz[$f]:-0}))
  done
  printf '%-52s %10d %10d\n' "$name" "$r" "$g"
}
loader=chasitor.js
both=$(ls chasitor-*.js chasitor-*_bg.wasm 2>/dev/null | grep -v '^chasitor-\(liveagent\|miaw\)-' || true)
live_agent=$(ls chasitor-liveagent-*.js chasitor-liveagent-*_bg.wasm 2>/dev/null || true)
miaw=$(ls chasitor-miaw-*.js chasitor-miaw-*_bg.wasm 2>/dev/null || true)
page "a Live Agent page downloads (total)" $loader ${live_agent:-$both}
page "an Enhanced Chat page downloads (total)" $loader ${miaw:-$both}
