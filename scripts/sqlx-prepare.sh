#!/usr/bin/env bash
# Regenerates the committed sqlx offline cache (crates/store/.sqlx) from the migrations.
# Run after changing a sqlx::query! macro or a migration; CI builds with SQLX_OFFLINE=true.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/prepare.db" crates/store/migrations <<'PY'
import sqlite3, sys, pathlib
db = sqlite3.connect(sys.argv[1])
for f in sorted(pathlib.Path(sys.argv[2]).glob("*.sql")):
    db.executescript(f.read_text())
db.commit()
PY
rm -rf crates/store/.sqlx
mkdir -p crates/store/.sqlx
touch crates/store/src/lib.rs
DATABASE_URL="sqlite://$tmp/prepare.db" SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/crates/store/.sqlx" \
  cargo check -p switchboard-store --all-targets --quiet
echo "sqlx cache: $(ls crates/store/.sqlx | wc -l) queries"
