# Switchboard: two entry points, both for a fresh Debian 12 machine with Rust, Node 20
# and root. `make run` builds and opens the app; `make test` runs every check and test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Compile-checked queries read the committed cache in crates/store/.sqlx.
export SQLX_OFFLINE := true
export CARGO_TERM_COLOR := never

# CI may share a target directory outside the clone.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
APP := $(TARGET_DIR)/debug/switchboard-app

.PHONY: run test deps-run deps-test npm-deps ui app check unit e2e e2e-tools screenshots bindings sqlx

run: deps-run npm-deps ui app
	@if [[ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]]; then \
	  echo "No display found: starting Switchboard on a virtual display (Xvfb)."; \
	  scripts/install-deps.sh test; \
	  scripts/test-session.sh $(APP) $(ARGS); \
	elif [[ -z "$${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then \
	  dbus-run-session -- $(APP) $(ARGS); \
	else \
	  $(APP) $(ARGS); \
	fi

test: deps-test npm-deps ui check unit e2e
	@echo "make test: all checks and tests passed"

deps-run:
	scripts/install-deps.sh run

deps-test:
	scripts/install-deps.sh test

npm-deps:
	npm ci --no-audit --no-fund

ui:
	npm run build:ui

# The app embeds ui/dist at compile time (custom-protocol is a default feature).
app:
	cargo build --locked -p switchboard-app

check:
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings
	npm run lint

# Rust tests run inside a private desktop session: a real Secret Service
# (gnome-keyring), a session bus with a notification daemon, and Xvfb.
unit:
	npm run test:ui
	scripts/test-session.sh cargo test --locked --workspace

# Screenshots go to tests/e2e/.artifacts; `make screenshots` refreshes docs/screenshots.
# WebKitWebDriver cannot take a screenshot of a non-composited view (the request hangs),
# which the app picks without a GPU; the suite keeps compositing on.
E2E_ENV := WEBKIT_DISABLE_COMPOSITING_MODE=0
# The IMAP end-to-end test drives a real Dovecot through testkit's example server and
# generates its mail with the CLI.
e2e-tools:
	cargo build --locked -p switchboard-cli -p switchboard-testkit --example dovecot_server

e2e: app e2e-tools
	$(E2E_ENV) SWITCHBOARD_APP=$(abspath $(APP)) \
	SWITCHBOARD_E2E_SCREENSHOT_DIR=$(CURDIR)/tests/e2e/.artifacts/screenshots \
	  scripts/test-session.sh npm run test:e2e

screenshots: app
	$(E2E_ENV) SWITCHBOARD_APP=$(abspath $(APP)) scripts/test-session.sh npm run test:e2e

# Regenerate ui/src/ipc/bindings.ts after changing a DTO or command.
bindings:
	UPDATE_BINDINGS=1 cargo test -p switchboard-api bindings

# Regenerate crates/store/.sqlx after changing a query! macro or a migration.
sqlx:
	scripts/sqlx-prepare.sh
