#!/usr/bin/env bash
# Served-API benchmark, one run, side by side: the same boto3 client (bench/serve/bench.py)
# drives a short machine (Pass, Choice, Pass with an intrinsic, Succeed) on
#   - `sfn-serve` (what `sfn-gen serve` runs; release build, fresh --data folder), and
#   - moto 5.2.5's server (`moto_server`, with its Step Functions executor switched on
#     through /moto-api/config, as bench/engine does in process),
# each for EXECUTIONS executions with CONCURRENCY client threads; reported: executions per
# second, p50/p99 StartExecution -> SUCCEEDED latency (seen by polling DescribeExecution
# every 5 ms), their ratios, and the server's resident-memory growth per 1,000 finished
# executions. Writes bench/serve/RESULTS.md.
#
#   bench/serve/run.sh [EXECUTIONS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
executions=${1:-1000}
concurrency=${2:-16}
target=${CARGO_TARGET_DIR:-target}
venv="$target/test-tools/venv"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import moto, boto3' 2>/dev/null ||
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'

echo "building sfn-serve (release)" >&2
nice -n 10 cargo build --release --quiet -p sfn-serve --bin sfn-serve
bin="$target/release/sfn-serve"

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 200); do
    if "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "error: nothing listens on port $1" >&2
  exit 1
}

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

ours_port=$(free_port)
"$bin" --addr "127.0.0.1:$ours_port" --data "$work/data" --clock real >/dev/null 2>"$work/ours.log" &
ours_pid=$!
pids+=("$ours_pid")
wait_port "$ours_port"

moto_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
pids+=("$moto_pid")
wait_port "$moto_port"
"$venv/bin/python" -c "
import json, urllib.request
req = urllib.request.Request('http://127.0.0.1:$moto_port/moto-api/config', method='POST',
    data=json.dumps({'stepfunctions': {'execute_state_machine': True}}).encode(),
    headers={'Content-Type': 'application/json'})
urllib.request.urlopen(req).read()"

echo "sfn-serve: $executions executions, $concurrency client threads" >&2
ours=$("$venv/bin/python" bench/serve/bench.py "http://127.0.0.1:$ours_port" sfn-serve "$executions" "$concurrency" "$ours_pid")
echo "$ours" >&2
echo "moto_server: $executions executions, $concurrency client threads" >&2
moto=$("$venv/bin/python" bench/serve/bench.py "http://127.0.0.1:$moto_port" moto "$executions" "$concurrency" "$moto_pid")
echo "$moto" >&2

"$venv/bin/python" - "$ours" "$moto" "$executions" "$concurrency" "$(nproc)" <<'PY' > bench/serve/RESULTS.md
import json, sys
ours, moto = json.loads(sys.argv[1]), json.loads(sys.argv[2])
n, c, cores = sys.argv[3], sys.argv[4], sys.argv[5]
def ratio(a, b):
    return f"{a / b:.1f}x" if b else "n/a"
print(f"""# Served API: sfn-serve vs moto_server

Produced by `bench/serve/run.sh {n} {c}` (one run, both servers on this {cores}-core machine,
loopback). The same boto3 client drives both: {c} threads each start an execution of a short
machine (Pass, Choice, Pass with `States.MathAdd`, Succeed), poll DescribeExecution every
5 ms until it is no longer RUNNING, and take the next, {n} executions in all. sfn-serve is
the release build with a fresh SQLite store (every event written, WAL); moto 5.2.5 runs
its Step Functions executor (`execute_state_machine`), in memory.

| | sfn-serve | moto_server | sfn-serve / moto |
| --- | ---: | ---: | ---: |
| executions per second | {ours['executions_per_second']} | {moto['executions_per_second']} | {ratio(ours['executions_per_second'], moto['executions_per_second'])} |
| p50 StartExecution -> SUCCEEDED (ms) | {ours['p50_ms']} | {moto['p50_ms']} | {ratio(moto['p50_ms'], ours['p50_ms'])} faster |
| p99 StartExecution -> SUCCEEDED (ms) | {ours['p99_ms']} | {moto['p99_ms']} | {ratio(moto['p99_ms'], ours['p99_ms'])} faster |
| statuses | {ours['statuses']} | {moto['statuses']} | |
| resident memory before / after (MiB) | {ours['rss_before_mib']} / {ours['rss_after_mib']} | {moto['rss_before_mib']} / {moto['rss_after_mib']} | |
| memory growth per 1,000 finished executions (MiB) | {ours['rss_growth_mib_per_1000']} | {moto['rss_growth_mib_per_1000']} | |

The client is part of what is measured (Python, {c} threads, polling): the latencies include
up to 5 ms of polling delay, and the executions-per-second figure is bounded by the client
as much as by either server. sfn-serve keeps finished executions in SQLite, not in memory,
so its growth per 1,000 executions is the store's page cache and allocator high-water mark
rather than the executions themselves; moto keeps every execution in memory.

Raw results:

```
{json.dumps(ours)}
{json.dumps(moto)}
```
""")
PY
cat bench/serve/RESULTS.md
