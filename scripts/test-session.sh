#!/usr/bin/env bash
# Run a command inside an isolated desktop session, the way the test suite needs it:
#
#   scripts/test-session.sh CMD [ARGS...]
#
# The session has its own D-Bus session bus (dbus-run-session), its own XDG data, config,
# state and runtime directories (a temp dir removed at exit), an unlocked gnome-keyring
# whose default ("login") collection accepts new items, an Xvfb display on a free number
# (exported as DISPLAY) and dunst answering org.freedesktop.Notifications on it.
# Everything started here is stopped when CMD exits; the script exits with CMD's status.
# Works without a terminal (CI=true, no stdin); CMD's stdin is passed through.
#
# HOME is left alone on purpose: cargo, rustup and npm find their caches through it.
# Set TEST_SESSION_VERBOSE=1 to see the steps and, on failure, the daemons' logs.

# shellcheck disable=SC2317 # the trap handlers below are reached only through trap
set -euo pipefail

readonly KEYRING_PASSWORD="switchboard-test"
readonly READY_TIMEOUT_TENTHS=100 # 10 s for each daemon to come up

log() {
    if [[ "${TEST_SESSION_VERBOSE:-0}" == 1 ]]; then
        echo "test-session: $*" >&2
    fi
}

die() {
    echo "test-session: $*" >&2
    exit 70
}

# --- outer half: temp dirs, then re-enter this script on a private session bus ---------

if [[ "${SWITCHBOARD_TEST_SESSION_INNER:-}" != 1 ]]; then
    if [[ $# -eq 0 ]]; then
        echo "usage: $0 CMD [ARGS...]" >&2
        exit 64
    fi
    for tool in dbus-run-session dbus-send gnome-keyring-daemon Xvfb dunst; do
        command -v "$tool" >/dev/null ||
            die "'$tool' is not installed; run scripts/install-deps.sh test (as root) first"
    done

    session_root="$(mktemp -d "${TMPDIR:-/tmp}/switchboard-session.XXXXXX")"
    # dbus-run-session stops its bus when CMD exits, unless it is itself killed first
    # (say by SIGPIPE when the reader of our output goes away), so the inner half records
    # the bus's pid and this stops it too.
    cleanup_root() {
        local bus_pid
        if bus_pid="$(cat "$session_root/bus.pid" 2>/dev/null)" &&
            [[ "$(cat "/proc/$bus_pid/comm" 2>/dev/null)" == dbus-daemon ]]; then
            kill "$bus_pid" 2>/dev/null || true
        fi
        rm -rf -- "$session_root"
    }
    trap cleanup_root EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    mkdir -p "$session_root"/{data,config,state,runtime}
    chmod 700 "$session_root" "$session_root/runtime"

    export XDG_DATA_HOME="$session_root/data"
    export XDG_CONFIG_HOME="$session_root/config"
    export XDG_STATE_HOME="$session_root/state"
    export XDG_RUNTIME_DIR="$session_root/runtime"
    export SWITCHBOARD_TEST_SESSION_ROOT="$session_root"
    export SWITCHBOARD_TEST_SESSION_INNER=1
    unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY GNOME_KEYRING_CONTROL

    status=0
    # dbus-daemon warns on stderr when it may not raise its open-file limit (as in a
    # container); that line is noise, everything else on stderr is kept.
    dbus-run-session -- "$BASH" "${BASH_SOURCE[0]}" "$@" \
        2> >(grep -v --line-buffered 'Failed to set fd limit' >&2) ||
        status=$?
    exit "$status"
fi

# --- inner half: on the private bus; start the daemons, run CMD, stop the daemons ------

session_root="$SWITCHBOARD_TEST_SESSION_ROOT"
unset SWITCHBOARD_TEST_SESSION_INNER SWITCHBOARD_TEST_SESSION_ROOT
pids=()

stop_daemons() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}

show_logs() {
    local f
    for f in "$session_root"/*.log; do
        [[ -s "$f" ]] || continue
        echo "--- $(basename "$f")" >&2
        tail -n 20 "$f" >&2
    done
}

trap stop_daemons EXIT
trap 'stop_daemons; exit 130' INT
trap 'stop_daemons; exit 143' TERM

fail_setup() {
    echo "test-session: $*" >&2
    show_logs
    exit 70
}

bus_name_has_owner() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

wait_for_bus_name() {
    local name="$1" pid="$2" i
    for ((i = 0; i < READY_TIMEOUT_TENTHS; i++)); do
        bus_name_has_owner "$name" && return 0
        kill -0 "$pid" 2>/dev/null || fail_setup "the daemon for $name exited during start-up"
        sleep 0.1
    done
    fail_setup "nothing took the bus name $name within $((READY_TIMEOUT_TENTHS / 10)) s"
}

secret_service_call() {
    dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
        "org.freedesktop.Secret.Service.$1" "${@:2}"
}

# the bus's own pid, for the outer half's clean-up
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.DBus |
    sed -n 's/^ *uint32 \([0-9]*\)$/\1/p' >"$session_root/bus.pid" ||
    fail_setup "the session bus does not answer"

# gnome-keyring: with a password on stdin and no keyrings yet, --unlock creates the
# "login" keyring, unlocked, and makes it the "default" alias that the keyring crate
# (and secret-tool) store new items in. Run in the foreground so we own its pid.
log "starting gnome-keyring-daemon"
printf '%s' "$KEYRING_PASSWORD" |
    gnome-keyring-daemon --foreground --unlock --components=secrets \
        --control-directory="$XDG_RUNTIME_DIR/keyring" >"$session_root/gnome-keyring.log" 2>&1 &
pids+=($!)
wait_for_bus_name org.freedesktop.secrets "${pids[-1]}"

default_alias="$(secret_service_call ReadAlias string:default | sed -n 's/.*object path "\(.*\)"/\1/p')"
if [[ -z "$default_alias" || "$default_alias" == / ]]; then
    log "no default collection; pointing the alias at login"
    secret_service_call SetAlias string:default \
        objpath:/org/freedesktop/secrets/collection/login >/dev/null ||
        fail_setup "could not make the login keyring the default collection"
fi

# Xvfb picks a free display number itself and writes it to the -displayfd descriptor
# once it accepts connections.
log "starting Xvfb"
display_file="$session_root/xvfb.display"
: >"$display_file"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp \
    3>"$display_file" </dev/null >"$session_root/xvfb.log" 2>&1 &
pids+=($!)
display_number=""
for ((i = 0; i < READY_TIMEOUT_TENTHS; i++)); do
    # read succeeds only once the whole line, newline included, has been written
    read -r display_number <"$display_file" && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail_setup "Xvfb exited during start-up"
    sleep 0.1
done
[[ "$display_number" =~ ^[0-9]+$ ]] || fail_setup "Xvfb did not report a display number"
export DISPLAY=":$display_number"
log "DISPLAY=$DISPLAY"
# Services the bus starts on demand (portals, a11y) must see the display too.
dbus-update-activation-environment DISPLAY XDG_DATA_HOME XDG_CONFIG_HOME XDG_RUNTIME_DIR \
    >/dev/null 2>&1 || true

log "starting dunst"
dunst </dev/null >"$session_root/dunst.log" 2>&1 &
pids+=($!)
wait_for_bus_name org.freedesktop.Notifications "${pids[-1]}"

log "running: $*"
status=0
"$@" || status=$?
if [[ "$status" -ne 0 && "${TEST_SESSION_VERBOSE:-0}" == 1 ]]; then
    show_logs
fi
exit "$status"
