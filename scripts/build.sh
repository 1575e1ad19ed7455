#!/usr/bin/env bash
# The release build into dist/ (or the folder given): the loader, the widget with both APIs (for
# Enhanced Chat pages) and the widget with Live Agent only (cargo feature miaw off; for Live Agent
# pages, which then pay nothing for Enhanced Chat). The loader picks by the page's settings
# (loader/chasitor.js; scripts/make-loader.sh joins the Live Agent-only files to the build).
# Assumes the tools of scripts/setup.sh are installed and on PATH (trunk, wasm-opt, node).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-dist}
live_agent="target/$(basename "$dist")-liveagent"
trunk build --release --no-default-features --dist "$live_agent"
CHASITOR_LIVE_AGENT_DIST="$PWD/$live_agent" trunk build --release --dist "$dist"
