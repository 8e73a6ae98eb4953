#!/usr/bin/env bash
# Install what Switchboard needs on Debian 12, as root:
#   scripts/install-deps.sh run    building and running the app (`make run`)
#   scripts/install-deps.sh test   that, plus the test session, WebDriver and benchmark peers
# Idempotent: when every package is already installed apt is not touched at all, and
# tauri-driver is only built when no 2.x is on PATH, so a second run takes a second.
# Non-interactive (CI=true, no terminal).
set -euo pipefail

mode="${1:-test}"
case "$mode" in
    run | test) ;;
    *)
        echo "usage: $0 run|test" >&2
        exit 64
        ;;
esac

RUN_PACKAGES=(
    # build: the Tauri app and its tray
    build-essential pkg-config libwebkit2gtk-4.1-dev
    libayatana-appindicator3-1 libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev
    # run: a session bus and a keychain when the desktop has none
    dbus dbus-x11 gnome-keyring
)
TEST_PACKAGES=(
    # test session (scripts/test-session.sh): display, bus, keyring, notifications
    xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools dunst
    # the app window over WebDriver
    webkit2gtk-driver
    # peer tools the mail benchmarks compare against
    notmuch isync time eatmydata
    # real servers for crates/testkit: Dovecot IMAP, its throw-away TLS, the SMTP sink's Python
    dovecot-core dovecot-imapd openssl python3 python3-pip
)
if [[ "$mode" == run ]]; then
    PACKAGES=("${RUN_PACKAGES[@]}")
else
    PACKAGES=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
fi

say() { echo "install-deps: $*" >&2; }

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        say "must run as root (or with password-less sudo)"
        exit 1
    fi
fi

is_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == "ii"* ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
    is_installed "$package" || missing+=("$package")
done

if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -q
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q -o Dpkg::Options::=--force-confold "${missing[@]}"
else
    say "system packages already installed"
fi

[[ "$mode" == test ]] || exit 0

# aiosmtpd (the SMTP sink of crates/testkit) for the python3 the tests run; Debian 12 only
# packages an older version. A Debian python3 is "externally managed" (PEP 668), so pip
# needs --break-system-packages there, and --user when the interpreter is not ours to change.
if python3 -c 'import aiosmtpd' 2>/dev/null; then
    say "aiosmtpd already installed"
else
    say "installing aiosmtpd 1.4.6 with pip"
    pip_install=(python3 -m pip install --quiet --disable-pip-version-check aiosmtpd==1.4.6)
    "${pip_install[@]}" 2>/dev/null ||
        "${pip_install[@]}" --break-system-packages 2>/dev/null ||
        "${pip_install[@]}" --user --break-system-packages
fi

# Radicale (the CalDAV server of crates/testkit) for the same python3, the same way.
if python3 -c 'import radicale' 2>/dev/null; then
    say "radicale already installed"
else
    say "installing radicale 3.9.0 with pip"
    pip_install=(python3 -m pip install --quiet --disable-pip-version-check radicale==3.9.0)
    "${pip_install[@]}" 2>/dev/null ||
        "${pip_install[@]}" --break-system-packages 2>/dev/null ||
        "${pip_install[@]}" --user --break-system-packages
fi

# tauri-driver: a plain `cargo install` may pick a pre-release, hence the explicit ^2.
# It has no --version flag, so its version is the one cargo recorded when installing it.
installed_tauri_driver() {
    command -v tauri-driver >/dev/null && command -v cargo >/dev/null &&
        cargo install --list | grep -oE '^tauri-driver v2\.[0-9]+\.[0-9]+'
}

if found="$(installed_tauri_driver)"; then
    say "${found} already installed"
else
    command -v cargo >/dev/null || {
        say "cargo is not on PATH; install the Rust toolchain first"
        exit 1
    }
    say "installing tauri-driver 2.x (compiles from source, about a minute)"
    cargo install tauri-driver --locked --version '^2' --force
fi
