#!/usr/bin/env bash
# The release build into dist/ (or the folder given): the loader, the widget with Live Agent only
# (cargo feature live-agent; for Live Agent pages, which then pay nothing for Enhanced Chat), the
# widget with Enhanced Chat only (feature miaw; for Enhanced Chat pages, which pay nothing for Live
# Agent) and the widget with both (the demo page's, index.html). The loader picks by the page's
# settings (loader/chasitor.js; scripts/make-loader.sh joins the one-API files to the build).
# Assumes the tools of scripts/setup.sh are installed and on PATH (trunk, wasm-opt, node).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-dist}
live_agent="target/$(basename "$dist")-liveagent"
miaw="target/$(basename "$dist")-miaw"
trunk build --release --no-default-features --features live-agent --dist "$live_agent"
trunk build --release --no-default-features --features miaw --dist "$miaw"
CHASITOR_LIVE_AGENT_DIST="$PWD/$live_agent" CHASITOR_MIAW_DIST="$PWD/$miaw" \
  trunk build --release --dist "$dist"
