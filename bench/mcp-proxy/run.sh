#!/usr/bin/env bash
# Per-call overhead of mcp-proxy, warm (connection reused across calls, as in a warm Lambda)
# against cold (a new server process or HTTP session per call, as a wrapper that restarts
# the server on every invocation does), against real servers on loopback. Writes
# bench/mcp-proxy/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
venv="$root/target/test-tools/venv"
servers="$root/tool-lambdas/mcp-proxy/tests/servers"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
[ -x "$venv/bin/mcp-server-time" ] || "$venv/bin/pip" install --quiet --disable-pip-version-check 'mcp-server-time==2026.10.19'
[ -d "$servers/node_modules/@modelcontextprotocol/server-everything" ] || npm ci --prefix "$servers" --no-audit --no-fund --loglevel=error
warm=${WARM_CALLS:-200}
cold=${COLD_CALLS:-20}
table=$(cargo run --quiet -p mcp-proxy --example proxy_bench -- \
  "$venv/bin/mcp-server-time" \
  "$servers/node_modules/@modelcontextprotocol/server-everything/dist/index.js" "$warm" "$cold")
{
  echo "# mcp-proxy: warm against cold calls"
  echo
  echo "Measured by \`bench/mcp-proxy/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, in one run;"
  echo "\`mcp-proxy\`'s handler called in process (dev profile, dependencies at opt-level 1) with the"
  echo "offload store on local disk. *Warm*: one proxy keeps its connection, as a warm Lambda does."
  echo "*Cold*: a new proxy per call, so a stdio server is spawned and initialized every time (what"
  echo "the awslabs Lambda wrapper does per invocation) and an HTTP client opens a new session."
  echo "mcp-server-time $("$venv/bin/pip" show mcp-server-time | sed -n 's/^Version: //p'),"
  echo "server-everything $(node -p "require('$servers/node_modules/@modelcontextprotocol/server-everything/package.json').version"), node $(node --version), $("$venv/bin/python" --version)."
  echo
  echo "$table"
  echo
  echo "The machine is shared (other builds run beside the benchmark), so the absolute figures move"
  echo "between runs, by up to 2x for the cold stdio column; the ratio's order of magnitude does not:"
  echo "a warm call costs one JSON-RPC round trip, a cold stdio call an interpreter start, an import"
  echo "and the MCP handshake (with 2026-07-28 \`server/discover\` tried first, then \`initialize\`)."
} > bench/mcp-proxy/RESULTS.md
cat bench/mcp-proxy/RESULTS.md
