#!/usr/bin/env bash
# The main job: an agent run of the generated state machine on this machine.
#
# Builds the agent, the tools and sfn-gen, checks that statemachines/ matches the tools'
# manifests, then runs statemachines/agent.asl.json with the real Lambda binaries behind the
# embedded Lambda Runtime API. The default input is a plan (no model needed); pass another
# input file to run something else:
#
#   scripts/demo.sh [INPUT.json] [extra sfn-gen run flags, e.g. --format json --history]
set -euo pipefail
cd "$(dirname "$0")/.."

input=${1:-examples/plan-calculator.json}
shift || true

echo "==> building sfn-gen, the agent and the tools (debug)" >&2
cargo build --quiet -p sfn-gen
# The tool crates are whatever tool-lambdas/*/tool.json holds (sfn-gen tools lists them).
packages=(-p agent-lambda)
crates=$(target/debug/sfn-gen tools)
for crate in $crates; do packages+=(-p "$crate"); done
cargo build --quiet "${packages[@]}"

echo "==> checking statemachines/ against the tools' manifests" >&2
target/debug/sfn-gen generate --check

echo "==> running statemachines/agent.asl.json on $input" >&2
export LAMBDA_LOCAL_QUIET=${LAMBDA_LOCAL_QUIET:-1}
exec target/debug/sfn-gen run statemachines/agent.asl.json \
  --workspace-lambdas --input "@$input" "$@"
