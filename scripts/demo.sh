#!/usr/bin/env bash
# The main job: an agent run of the generated state machine on this machine.
#
# Builds the agent, the tools and sfn-gen (cargo shows its progress: a first build takes
# minutes), checks that statemachines/ matches the tools' manifests, starts a local HTTP
# server on loopback that serves a multi-megabyte JSON report, then runs
# statemachines/agent.asl.json with the real Lambda binaries behind the embedded Lambda
# Runtime API. The default input (examples/plan-claim-check.json) is a plan, so no model is
# needed: `http-fetch` downloads the report (too large for the state, so it is offloaded and
# travels as a verified pointer), `json-query` reads the out-of-stock SKUs from the pointer,
# and the agent answers.
#
#   scripts/demo.sh [INPUT.json] [extra sfn-gen run flags, e.g. --format json --history]
#
# `${DEMO_URL}` in the input is replaced by the demo server's URL. http-fetch refuses
# loopback addresses (SSRF guard); the demo admits exactly its own server's address and port
# with HTTP_FETCH_ALLOW_HOSTS, which http-fetch logs when it uses it, and which can never
# admit the instance metadata service.
#
# Switches (environment):
#   DEMO_OFFLOAD_BUCKET=B   offload to S3 bucket B instead of a local folder; with
#                           AWS_ENDPOINT_URL_S3 (and OFFLOAD_S3_PATH_STYLE=true) any
#                           S3-protocol endpoint
#   DEMO_REASONER=bedrock|openai
#                           let a model choose the calls instead of the plan (Bedrock needs
#                           AWS credentials and BEDROCK_MODEL_ID; openai needs OPENAI_BASE_URL,
#                           OPENAI_MODEL, OPENAI_API_KEY; see agent-lambda/README.md)
#   DEMO_REPORT_ITEMS=N     items in the served report (default 40000, about 4 MB)
set -euo pipefail
cd "$(dirname "$0")/.."

input=${1:-examples/plan-claim-check.json}
shift || true

echo "==> building sfn-gen, the agent and the tools (debug)" >&2
cargo build -p sfn-gen
# The tool crates are whatever tool-lambdas/*/tool.json holds (sfn-gen tools lists them).
packages=(-p agent-lambda)
crates=$(target/debug/sfn-gen tools)
for crate in $crates; do packages+=(-p "$crate"); done
cargo build "${packages[@]}"

echo "==> checking statemachines/ against the tools' manifests" >&2
target/debug/sfn-gen generate --check

# --- the demo's HTTP server on loopback ---------------------------------------------------
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
python3 - "$work/inventory.json" "${DEMO_REPORT_ITEMS:-40000}" <<'PY'
import json, sys
path, count = sys.argv[1], int(sys.argv[2])
items = [
    {
        "sku": f"SKU-{i:06d}",
        "name": f"part {i}",
        "stock": 0 if i % 997 == 0 else (i * 7919) % 500 + 1,
        "price": round(((i * 104729) % 100000) / 100, 2),
        "description": "A replacement part for the demo inventory, described at some length ",
    }
    for i in range(1, count + 1)
]
with open(path, "w") as f:
    json.dump({"generated": "sfn-agents demo", "items": items}, f)
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work" "$port" >"$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port/inventory.json"
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('$url')" 2>/dev/null; then break; fi
  sleep 0.1
done
bytes=$(wc -c <"$work/inventory.json")
echo "==> serving a $bytes-byte JSON report at $url (admitted for http-fetch by HTTP_FETCH_ALLOW_HOSTS=127.0.0.1:$port)" >&2

sed "s|\${DEMO_URL}|$url|g" "$input" >"$work/input.json"
if [ -n "${DEMO_REASONER:-}" ]; then
  python3 - "$work/input.json" "$DEMO_REASONER" <<'PY'
import json, sys
path, reasoner = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
doc.setdefault("options", {})["reasoner"] = reasoner
doc["options"].pop("plan", None)
json.dump(doc, open(path, "w"))
PY
fi

env_flags=(--env "HTTP_FETCH_ALLOW_HOSTS=127.0.0.1:$port")
if [ -n "${DEMO_OFFLOAD_BUCKET:-}" ]; then
  env_flags+=(--env "OFFLOAD_BUCKET=$DEMO_OFFLOAD_BUCKET")
fi

echo "==> running statemachines/agent.asl.json on $input" >&2
export LAMBDA_LOCAL_QUIET=${LAMBDA_LOCAL_QUIET:-1}
target/debug/sfn-gen run statemachines/agent.asl.json \
  --workspace-lambdas "${env_flags[@]}" --input "@$work/input.json" "$@"
