#!/usr/bin/env bash
# The agent's per-step cost before and after issue 10 item 3 (append-only transcript
# segments), in one run:
#   - per step, in process: agent-lambda/examples/transcript_bench.rs (a plan of N
#     sequential calculator calls driven by the agent's step API) prints the mean wall time
#     and the bytes added to the offload store per step around turns 10, 100 and 1,000;
#   - whole runs: `sfn-gen run` of the generated state machine (turn limit raised to 2,000;
#     continue-as-new every 200 turns as committed) with the real release binaries, a plan
#     of 100 and one of 1,000 sequential calculator calls, total wall time.
# The baseline agent is built at BASELINE_REV (default: the commit before the change) from
# a temporary git worktree under /tmp, removed at the end; the same sfn-gen and calculator
# (this tree's) serve both sides, the baseline agent given with `--lambda agent-lambda=...`,
# so only the agent differs. Release builds. Writes bench/transcript/RESULTS.md.
#
#   bench/transcript/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
baseline_rev=${BASELINE_REV:-70ff8e9}
baseline_target="$root/target/bench-transcript-baseline"
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d /tmp/sfn-bench-transcript.XXXXXX)
# A fixed path, so a rerun reuses the baseline's compiled crates.
tree=/tmp/sfn-bench-transcript-baseline
cleanup() {
  git worktree remove --force "$tree" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

git worktree remove --force "$tree" >/dev/null 2>&1 || true
git worktree add --quiet --detach "$tree" "$baseline_rev" >&2
mkdir -p "$tree/agent-lambda/examples"
cp agent-lambda/examples/transcript_bench.rs "$tree/agent-lambda/examples/"
echo "building the baseline agent ($baseline_rev) and this tree's agent, sfn-gen and every tool (release)" >&2
(cd "$tree" && CARGO_TARGET_DIR="$baseline_target" nice cargo build --release --quiet -p agent-lambda --bins --example transcript_bench)
nice cargo build --release --quiet -p agent-lambda --bins --example transcript_bench
nice cargo build --release --quiet -p sfn-gen
# `--workspace-lambdas --release` serves every tool crate: build them all.
tool_packages=()
for crate in $("$target/release/sfn-gen" tools); do tool_packages+=(-p "$crate"); done
nice cargo build --release --quiet "${tool_packages[@]}"

# The committed machine with the turn limit raised for a 1,000-call plan.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
machine = json.load(open("statemachines/agent.asl.json"))
def raise_limit(node):
    if isinstance(node, dict):
        if "max_turns" in node:
            node["max_turns"] = 2000
        for value in node.values():
            raise_limit(value)
    elif isinstance(node, list):
        for value in node:
            raise_limit(value)
raise_limit(machine)
json.dump(machine, open(f"{work}/machine.json", "w"))
for n in (100, 1000):
    steps = [{"id": f"s{i}", "tool": "calculator",
              "input": {"expression": "1 + 1" if i == 1 else f"{{{{s{i-1}.output.result}}}} + 1"}}
             for i in range(1, n + 1)]
    plan = {"goal": f"count to {n + 1}", "options": {"reasoner": "plan",
            "plan": {"steps": steps, "answer": f"{{{{s{n}.output.result}}}}"}}}
    json.dump(plan, open(f"{work}/plan-{n}.json", "w"))
PY

for side in baseline current; do
  if [ "$side" = baseline ]; then dir="$baseline_target/release"; else dir="$target/release"; fi
  for n in 100 1000; do
    echo "$side: per-step figures, $n calls" >&2
    "$dir/examples/transcript_bench" "$n" >>"$work/$side.steps.jsonl"
  done
done
for n in 100 1000; do
  for side in baseline current; do
    agent="$target/release/agent-lambda"
    [ "$side" = baseline ] && agent="$baseline_target/release/agent-lambda"
    echo "$side: sfn-gen run of a $n-call sequential plan" >&2
    start=$(date +%s%N)
    "$target/release/sfn-gen" run "$work/machine.json" --workspace-lambdas --release \
      --lambda "agent-lambda=$agent" --input "@$work/plan-$n.json" --format json \
      --offload-dir "$work/offload-$side-$n" >"$work/$side.run-$n.json"
    end=$(date +%s%N)
    echo "{\"side\": \"$side\", \"calls\": $n, \"seconds\": $(( (end - start) / 1000000 ))e-3}" >>"$work/runs.jsonl"
  done
done

python3 - "$work" "$baseline_rev" "$(git rev-parse --short HEAD)" <<'PY' >bench/transcript/RESULTS.md
import datetime, json, os, platform, sys
work, rev, head = sys.argv[1:4]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
steps = {}
for side in ("baseline", "current"):
    for line in open(f"{work}/{side}.steps.jsonl"):
        r = json.loads(line)
        steps[(side, r["calls"], r["turn"])] = r
runs = {}
for line in open(f"{work}/runs.jsonl"):
    r = json.loads(line)
    report = json.load(open(f"{work}/{r['side']}.run-{r['calls']}.json"))
    expected = str(r["calls"] + 1)
    if report.get("status") != "SUCCEEDED" or str(report["output"].get("answer")) != expected:
        sys.exit(f"the {r['side']} run of {r['calls']} calls did not answer {expected}: {report.get('status')} {report.get('error')} {report.get('cause')}")
    runs[(r["side"], r["calls"])] = (r["seconds"], len(report.get("executions", [])) or 1)
print("# Transcript cost per step, before and after issue 10 item 3")
print()
print(f"Measured by `bench/transcript/run.sh` on {datetime.date.today()}, {cpu}, {os.cpu_count()} cores "
      "(shared with other builds: absolute times are noisy, ratios less so). Baseline: the agent at "
      f"commit {rev} (the whole transcript read and rewritten every step); current: this tree "
      f"(HEAD {head} plus the working tree: one segment of new entries per step). Release builds.")
print()
print("Per step, in process (`agent-lambda/examples/transcript_bench.rs`: a plan of N sequential "
      "calculator calls through `Agent::step`, local offload store; mean of the five steps ending at the turn; "
      "bytes = what those steps added to the store, per step):")
print()
print("| plan | turn | baseline ms/step | current ms/step | baseline bytes/step | current bytes/step |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for calls in (100, 1000):
    for turn in (10, 100, 1000):
        b, c = steps.get(("baseline", calls, turn)), steps.get(("current", calls, turn))
        if not b or not c:
            continue
        print(f"| {calls} calls | {turn:,} | {b['step_ms']:.2f} | {c['step_ms']:.2f} | {b['bytes_per_step']:,} | {c['bytes_per_step']:,} |")
print()
print("Whole runs: `sfn-gen run` of `statemachines/agent.asl.json` (turn limit raised to 2,000, "
      "continue-as-new every 200 turns) with the real release binaries (`--workspace-lambdas --release`, "
      "the baseline agent given with `--lambda`), wall time including process start:")
print()
print("| plan | baseline s | current s | baseline / current |")
print("| --- | ---: | ---: | ---: |")
for calls in (100, 1000):
    (b, _), (c, _) = runs[("baseline", calls)], runs[("current", calls)]
    print(f"| {calls:,} sequential calls | {b:.2f} | {c:.2f} | {b / c:.1f}x |")
b_ratio = runs[("baseline", 1000)][0] / runs[("baseline", 100)][0]
c_ratio = runs[("current", 1000)][0] / runs[("current", 100)][0]
print()
print(f"1,000 calls take {b_ratio:.1f} times as long as 100 with the baseline agent and {c_ratio:.1f} times "
      "with the current one (10 would be linear).")
PY
cat bench/transcript/RESULTS.md
