#!/usr/bin/env bash
# The differential test of asl-jsonata against jsonata-js 2.0.6: installs the pinned
# reference (npm ci, offline-first), builds the `differential` example, and runs
# compare.mjs. Exits non-zero on a disagreement that known-differences.json does not list.
#
#   bash jsonata/differential/run.sh [--verbose]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ ! -d "$here/node_modules/jsonata" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error --prefer-offline)
fi
cargo build --quiet -p asl-jsonata --example differential --manifest-path "$root/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/target}"
node "$here/compare.mjs" "$target/debug/examples/differential" "$@"
