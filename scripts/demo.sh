#!/usr/bin/env bash
# The demo: builds the widget with trunk, then serves the demo host page (index.html, with the widget
# on it) and the simulator (LiveAgent and Enhanced Chat APIs) with its agent console, on one origin.
# Ctrl+C stops it.
# PORT (default 8470) and BIND (default 127.0.0.1) choose where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
port=${PORT:-8470}
bind=${BIND:-127.0.0.1}

scripts/setup.sh
export PATH="$root/node_modules/.bin:$PATH"
scripts/build.sh
cargo build --release --locked -p chasitor-sim

cat <<MSG

  chasitor demo
    host page with the widget:  http://127.0.0.1:$port/            (Live Agent)
                                http://127.0.0.1:$port/?api=miaw   (Enhanced Chat)
                                http://127.0.0.1:$port/?api=miaw-bot  (Enhanced Chat, a scripted
                                bot first: menus, a link, a file, then a person)
                                http://127.0.0.1:$port/?api=miaw-verified  (Enhanced Chat,
                                verified customers: "Sign in as Ada", "Log out")
    agent console (answer it):  http://127.0.0.1:$port/agent
    simulator control API:      http://127.0.0.1:$port/_sim/sessions
    Enhanced Chat API:          http://127.0.0.1:$port/iamessage/api/v2  (org 00D000000000001,
                                esDeveloperName Chasitor_Demo; stream /eventrouter/v1/sse)

  Open both pages side by side and chat from one to the other. Ctrl+C stops the demo.

MSG
exec target/release/chasitor-sim --bind "$bind" --port "$port" --static-dir dist --log
