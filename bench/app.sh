#!/usr/bin/env bash
# Benchmark (not a test): the desktop app on a workspace of N generated messages: cold start
# to the first painted inbox, RSS after opening, and frame times while scrolling the thread
# list from top to bottom (see bench/app.mjs). Prints figures beside the issue's targets.
#
#   bench/app.sh [COUNT]          (default 100000)
#   BENCH_DATA=DIR bench/app.sh   reuse a prepared data dir (one holding switchboard.db)
#
# Uses the binaries already built (it builds nothing): target/release/switchboard-cli to
# prepare the data, and target/release/switchboard-app when it exists, else
# target/debug/switchboard-app (SWITCHBOARD_APP overrides). The app must have the UI
# embedded: npm run build:ui && cargo build -p switchboard-app --features tauri/custom-protocol
# (add --release for the release binary). It starts its own scripts/test-session.sh (Xvfb,
# session bus, keyring). Figures go to stdout and bench/out/app.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100000}"
out="${BENCH_DIR:-bench/out}"
mkdir -p "$out"
cli=target/release/switchboard-cli

ms() { echo $(($(date +%s%N) / 1000000)); }
if [[ -n "${BENCH_DATA:-}" ]]; then
    data="$BENCH_DATA"
    [[ -f "$data/switchboard.db" ]] || { echo "BENCH_DATA=$data holds no switchboard.db" >&2; exit 1; }
    prepared="data: the prepared data dir $data (BENCH_DATA)"
else
    [[ -x "$cli" ]] || { echo "$cli is missing: cargo build --release -p switchboard-cli" >&2; exit 1; }
    work="$(mktemp -d "${TMPDIR:-/tmp}/switchboard-bench-app.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    data="$work/data"
    echo "generating a Maildir of $count messages..." >&2
    t0=$(ms)
    "$cli" demo maildir "$work/Maildir" --count "$count" >/dev/null
    t1=$(ms)
    echo "importing it with switchboard-cli (up to a minute per 100k)..." >&2
    "$cli" --data-dir "$data" import maildir "$work/Maildir" --account Bench >/dev/null
    t2=$(ms)
    rm -rf "$work/Maildir" # the app reads only the database
    prepared="$(printf 'data: %s generated messages (%.1f s), imported by switchboard-cli import maildir (%.1f s)' \
        "$count" "$(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100))" "$(((t2 - t1) / 1000)).$(((t2 - t1) % 1000 / 100))")"
fi
echo "$prepared" >&2

{
    echo "$prepared"
    scripts/test-session.sh node bench/app.mjs "$data"
} | tee "$out/app.txt"
