#!/usr/bin/env bash
# Benchmark (not a test): import a generated Maildir of N threaded messages with
# switchboard-cli and index the same Maildir with `notmuch new`, in one run, and print
# both figures. Usage: bench/import.sh [COUNT]   (default 100000)
#
# notmuch runs under eatmydata when it is installed (fsync off), its best case; our
# SQLite runs in WAL with synchronous=NORMAL, as the app does.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100000}"
out="${BENCH_DIR:-bench/out}"
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/switchboard-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

command -v notmuch >/dev/null || { echo "notmuch is missing: scripts/install-deps.sh test" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing: apt-get install time" >&2; exit 1; }

echo "building switchboard-cli (release)..." >&2
SQLX_OFFLINE=true cargo build --release --locked -q -p switchboard-cli
cli=target/release/switchboard-cli

maildir="$work/Maildir"
echo "generating $count messages..." >&2
"$cli" demo maildir "$maildir" --count "$count" >/dev/null
sync

measure() { # label, command... -> prints "seconds peak_rss_kb"
    local label="$1"
    shift
    /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" >"$work/$label.out" 2>"$work/$label.err"
    cat "$work/$label.time"
}

read -r ours_s ours_kb < <(measure switchboard "$cli" --data-dir "$work/data" import maildir "$maildir" --account Bench)
imported=$("$cli" --data-dir "$work/data" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])')
threads=$("$cli" --data-dir "$work/data" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["threads"])')

cat >"$work/notmuch-config" <<CFG
[database]
path=$maildir
[user]
name=Bench
primary_email=bench@example.com
[new]
tags=unread;inbox;
[maildir]
synchronize_flags=true
CFG
eat=()
command -v eatmydata >/dev/null && eat=(eatmydata)
read -r nm_s nm_kb < <(NOTMUCH_CONFIG="$work/notmuch-config" measure notmuch "${eat[@]}" notmuch new --quiet)
nm_count=$(NOTMUCH_CONFIG="$work/notmuch-config" notmuch count '*')

python3 - "$count" "$ours_s" "$ours_kb" "$imported" "$threads" "$nm_s" "$nm_kb" "$nm_count" "${#eat[@]}" <<'PY' | tee "$out/import.txt"
import sys
count, ours_s, ours_kb, imported, threads, nm_s, nm_kb, nm_count, eat = sys.argv[1:]
ours_s, nm_s = float(ours_s), float(nm_s)
print(f"messages generated:            {int(count):>10,}")
print(f"switchboard-cli import maildir: {ours_s:>9.2f} s  {int(imported)/ours_s:>9,.0f} msg/s  peak RSS {int(ours_kb)/1024:,.0f} MB  ({int(imported):,} stored, {int(threads):,} threads)")
print(f"notmuch new{' (eatmydata)' if eat != '0' else ''}:       {nm_s:>9.2f} s  {int(nm_count)/nm_s:>9,.0f} msg/s  peak RSS {int(nm_kb)/1024:,.0f} MB  ({int(nm_count):,} indexed)")
print(f"speed-up vs notmuch:            {nm_s/ours_s:>9.2f}x  (target >= 3x)")
PY
