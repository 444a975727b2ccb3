#!/usr/bin/env bash
# JSONata evaluator benchmark, one run, side by side: our evaluator (crate `asl-jsonata`,
# release build of jsonata/examples/bench.rs) against the reference implementation,
# jsonata-js 2.0.6 from npm (bench.mjs, installed by `npm ci` from package-lock.json), on
# every case of cases.json, the same number of evaluations on both sides. Fails, printing
# the case, when the two disagree on any result. Writes bench/jsonata/RESULTS.md.
#
#   bench/jsonata/run.sh [ITERATIONS]     (default: cases.json's `iterations`)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=bench/jsonata
target=${CARGO_TARGET_DIR:-target}
iterations=${1:-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["iterations"])' "$here/cases.json")}

(cd "$here" && npm ci --silent --no-audit --no-fund)
echo "building the asl-jsonata benchmark (release)" >&2
nice -n 10 cargo build --release --quiet -p asl-jsonata --example bench

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "running asl-jsonata, then jsonata-js, $iterations evaluations per case" >&2
"$target/release/examples/bench" "$here/cases.json" "$iterations" >"$work/ours.json"
node "$here/bench.mjs" "$here/cases.json" "$iterations" >"$work/js.json"

python3 "$here/report.py" "$work/ours.json" "$work/js.json" \
  "Our side: release profile of the workspace (opt-level \"s\", LTO), as shipped." >"$work/RESULTS.md"
mv "$work/RESULTS.md" "$here/RESULTS.md"
cat "$here/RESULTS.md"
