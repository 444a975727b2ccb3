#!/usr/bin/env bash
# Cold-start benchmark: init time (process start to first poll of the Lambda Runtime API)
# and binary size of every Lambda binary in the workspace, next to a bare `lambda_runtime`
# function built in the same run with the same profile. Writes RESULTS.md beside this file.
#
#   bench/init/run.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${2:-30}
target=${CARGO_TARGET_DIR:-target}

bins=(agent-lambda)
for manifest in tool-lambdas/*/tool.json; do
  bins+=("$(basename "$(dirname "$manifest")")")
done

echo "building release binaries: ${bins[*]} (and the bare baseline)" >&2
args=()
for b in "${bins[@]}"; do args+=(-p "$b"); done
cargo build --release --quiet "${args[@]}"
cargo build --release --quiet -p lambda-local --example bare_fn --example init_bench

targets=("bare-lambda_runtime=$target/release/examples/bare_fn")
for b in "${bins[@]}"; do targets+=("$b=$target/release/$b"); done

{
  echo "# Cold start: init time and binary size"
  echo
  echo "Measured by \`bench/init/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $runs cold starts each."
  echo "Init time is process start to the first \`GET /runtime/invocation/next\`, as seen by the"
  echo "embedded Runtime API (\`lambda-local\`). Release profile (opt-level s, LTO, stripped), x86_64"
  echo "host build; the arm64 Lambda zips are built by \`scripts/build-lambdas.sh\`."
  echo
  LAMBDA_LOCAL_QUIET=1 "$target/release/examples/init_bench" --runs "$runs" "${targets[@]}"
} | tee bench/init/RESULTS.md
