#!/usr/bin/env bash
# The benchmark of issue 8 (not part of scripts/test.sh): builds the release widget and the simulator,
# then measures sizes, start-up, message latency, idle cost and long chats in headless Chromium
# against the simulator on loopback, with a minimal vanilla-JS client as the floor. Prints a table and
# writes bench/RESULTS.md (and bench/results.json). Takes about 10 minutes.
#
# The widget is built into target/bench-dist (not dist/), so a build or a test running at the same
# time cannot swap the files under the measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

scripts/setup.sh
scripts/build.sh target/bench-dist
# The Leptos floor (bench/leptos-floor): the smallest Leptos app with the widget's primitives,
# built the same way, so the table shows what the framework alone costs.
(cd bench/leptos-floor && trunk build --release --dist ../../target/bench-floor)
cargo build --release -p chasitor-sim --locked
CHASITOR_DIST=target/bench-dist BENCH_FLOOR_DIST=target/bench-floor node bench/run.mjs
