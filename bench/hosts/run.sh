#!/usr/bin/env bash
# Per-turn overhead of each host on the same plan and machine, in one run (issue 15):
#   P3  the generated state machine through the local engine (`sfn-gen run`),
#   P1  the client loop (`sfn-gen loop`), the agent Lambda invoked once per turn,
#   P4  the hybrid host (`agent-host`, the agent step in process), tools through
#       `sfn-gen serve`'s Lambda Invoke API.
# The plan: N sequential calculator calls (each turn one call whose input needs the
# previous result), so a turn is one agent step plus one tool call and the tool's own work
# is microseconds: wall time per turn is the host's overhead. Release builds of every
# binary; the same machine (turn limit raised to 2,000), the same local offload store
# kind, each run with its own folder. Writes bench/hosts/RESULTS.md.
#
#   bench/hosts/run.sh            # N = 10 and 100
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d /tmp/sfn-bench-hosts.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building sfn-gen, agent-host, the agent and every tool (release)" >&2
nice cargo build --release --quiet -p sfn-gen -p agent-host -p agent-lambda
tool_packages=()
for crate in $("$target/release/sfn-gen" tools); do tool_packages+=(-p "$crate"); done
nice cargo build --release --quiet "${tool_packages[@]}"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
machine = json.load(open("statemachines/agent.asl.json"))
machine["States"]["Agent"]["Parameters"]["Payload"]["config"]["max_turns"] = 2000
json.dump(machine, open(f"{work}/agent.asl.json", "w"))
json.dump(json.load(open("statemachines/tools.json")), open(f"{work}/tools.json", "w"))
for n in (10, 100):
    steps = [{"id": f"s{i}", "tool": "calculator",
              "input": {"expression": "1 + 1" if i == 1 else f"{{{{s{i-1}.output.result}}}} + 1"}}
             for i in range(1, n + 1)]
    plan = {"goal": f"count to {n + 1}", "options": {"reasoner": "plan",
            "plan": {"steps": steps, "answer": f"{{{{s{n}.output.result}}}}"}}}
    json.dump(plan, open(f"{work}/plan-{n}.json", "w"))
PY

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
"$target/release/sfn-gen" serve --addr 127.0.0.1:0 --data "$work/serve" --workspace-lambdas --release \
  >"$work/serve.url" 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/serve.url" ] && break; sleep 0.1; done
endpoint=$(head -1 "$work/serve.url")
OFFLOAD_DIR="$work/serve/offload" AGENT_TOOLS_FILE="$work/tools.json" \
  "$target/release/agent-host" --addr 127.0.0.1:0 --machine "$work/agent.asl.json" \
  --lambda-endpoint "$endpoint" >"$work/host.url" 2>"$work/host.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/host.url" ] && break; sleep 0.1; done
host=$(head -1 "$work/host.url")

now() { date +%s%N; }
record() { echo "{\"host\": \"$1\", \"calls\": $2, \"ms\": $(( ($4 - $3) / 1000000 )), \"answer\": $5}" >>"$work/runs.jsonl"; }
for n in 10 100; do
  for round in 1 2 3; do
    echo "round $round, $n calls: P3, P1, P4" >&2
    start=$(now)
    answer=$("$target/release/sfn-gen" run "$work/agent.asl.json" --workspace-lambdas --release \
      --input "@$work/plan-$n.json" --format json --offload-dir "$work/p3-$n-$round" \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r["output"]["answer"] if r["status"]=="SUCCEEDED" else None))')
    record P3 "$n" "$start" "$(now)" "$answer"
    start=$(now)
    answer=$("$target/release/sfn-gen" loop --machine "$work/agent.asl.json" --workspace-lambdas --release \
      --input "@$work/plan-$n.json" --format json --offload-dir "$work/p1-$n-$round" \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r["answer"] if r["status"]=="SUCCEEDED" else None))')
    record P1 "$n" "$start" "$(now)" "$answer"
    start=$(now)
    answer=$(curl -sf -X POST "$host/runs?wait=true" -H 'content-type: application/json' --data "@$work/plan-$n.json" \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r["answer"] if r["status"]=="SUCCEEDED" else None))')
    record P4 "$n" "$start" "$(now)" "$answer"
  done
done

python3 - "$work" "$(git rev-parse --short HEAD)" <<'PY' >bench/hosts/RESULTS.md
import datetime, json, os, platform, statistics, sys
work, head = sys.argv[1:3]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
runs = {}
for line in open(f"{work}/runs.jsonl"):
    r = json.loads(line)
    if str(r["answer"]) != str(r["calls"] + 1):
        sys.exit(f"{r['host']} with {r['calls']} calls answered {r['answer']!r}, not {r['calls'] + 1}")
    runs.setdefault((r["host"], r["calls"]), []).append(r["ms"])
print("# Per-turn overhead of the hosts (P1, P3, P4)")
print()
print(f"Measured by `bench/hosts/run.sh` on {datetime.date.today()} at {head}, {cpu}, {os.cpu_count()} cores. "
      "The plan: N sequential calculator calls, one agent step and one tool call per turn (the tool's own work is "
      "microseconds, so time per turn is the host's overhead). Release builds; median of 3 rounds, "
      "the hosts interleaved in each round. P3: `sfn-gen run` of the generated machine (local engine, functions as "
      "local processes, includes starting them); P1: `sfn-gen loop` (same processes, the agent Lambda invoked per turn); "
      "P4: `agent-host` (agent step in process) calling the calculator through `sfn-gen serve`'s Lambda Invoke API "
      "(both already running, warm after the first round).")
print()
print("| host | 10 calls, ms | 100 calls, ms | ms per turn (100 calls) | ms per added turn | vs P3 (added turn) |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
def marginal(host):
    return (statistics.median(runs[(host, 100)]) - statistics.median(runs[(host, 10)])) / 90
for host in ("P3", "P1", "P4"):
    ten, hundred = statistics.median(runs[(host, 10)]), statistics.median(runs[(host, 100)])
    print(f"| {host} | {ten:.0f} | {hundred:.0f} | {hundred / 101:.1f} | {marginal(host):.2f} | {marginal(host) / marginal('P3'):.2f}x |")
print()
print("ms per turn divides the 100-call run by its 101 turns (100 calls and the answering turn), so it includes "
      "each run's fixed start (process starts, HTTP); ms per added turn is (100-call run - 10-call run) / 90, the "
      "overhead of one more turn alone. Every run answered N + 1.")
PY
cat bench/hosts/RESULTS.md
