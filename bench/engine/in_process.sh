#!/usr/bin/env bash
# Engine throughput in process, before and after issue 8's redesign, in one run:
# asl-engine/examples/loop_bench.rs (the two loops of bench/engine, 200 runs each, best of
# five rounds, with and without history) built against
#   - the BASELINE engine (`asl::engine` at the pinned commit, before the compile-once
#     redesign; the same program, its `asl_engine::` paths spelled `asl::engine::`), and
#   - the current engine (`asl-engine`),
# both release builds, run alternately ROUNDS times (best kept); and moto 5.2.5's executor on
# the same loops (bench/engine/moto_counter_loop.py, in process). Writes
# bench/engine/IN-PROCESS.md. Much lighter than run.sh (no sfn-gen release builds).
#
#   bench/engine/in_process.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rounds=${1:-3}
target=${CARGO_TARGET_DIR:-target}
baseline_rev=6633748
baseline_tree="$root/target/bench-baseline"
baseline_target="$root/target/bench-baseline-target"
venv="$target/test-tools/venv"

if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/python" -c 'import moto, boto3' 2>/dev/null ||
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
if [ ! -d "$baseline_tree" ]; then
  git worktree add --force --detach "$baseline_tree" "$baseline_rev" >&2
fi
if [ "$(git -C "$baseline_tree" rev-parse HEAD)" != "$(git rev-parse "$baseline_rev^{commit}")" ]; then
  echo "error: $baseline_tree is not at $baseline_rev; remove it with \`git worktree remove --force $baseline_tree\`" >&2
  exit 1
fi
# The same benchmark program, against the baseline's engine module.
sed 's/asl_engine::/asl::engine::/g' asl-engine/examples/loop_bench.rs >"$baseline_tree/asl/examples/loop_bench.rs"
echo "building loop_bench against the baseline ($baseline_rev) and the current engine (release)" >&2
(cd "$baseline_tree" && CARGO_TARGET_DIR="$baseline_target" nice -n 10 cargo build --release --quiet -p asl --example loop_bench)
nice -n 10 cargo build --release --quiet -p asl-engine --example loop_bench

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LOOP_BENCH_DIR="$root/bench/engine"
for round in $(seq 1 "$rounds"); do
  "$baseline_target/release/examples/loop_bench" >"$work/baseline.$round.jsonl"
  "$target/release/examples/loop_bench" >"$work/current.$round.jsonl"
done
for loop in counter-loop jsonata-loop; do
  "$venv/bin/python" bench/engine/moto_counter_loop.py "bench/engine/$loop.asl.json" >"$work/$loop.moto.json" 2>/dev/null || true
done

python3 - "$work" "$rounds" "$baseline_rev" <<'PY' >bench/engine/IN-PROCESS.md
import glob, json, os, sys, datetime
work, rounds, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
best = {}
for side in ("baseline", "current"):
    for path in glob.glob(f"{work}/{side}.*.jsonl"):
        for line in open(path):
            r = json.loads(line)
            key = (side, r["loop"], r["history"])
            best[key] = max(best.get(key, 0), r["transitions_per_second"])
print("# Engine throughput in process, before and after issue 8")
print()
print(f"Measured by `bench/engine/in_process.sh` on {datetime.date.today()}, {os.cpu_count()} cores: "
      f"`asl-engine/examples/loop_bench.rs` built against the baseline engine (commit {rev}, before the "
      "compile-once redesign) and the current one, release builds, run alternately "
      f"{rounds} times (best kept); each figure is itself the best of five rounds of 200 runs of the loop "
      "(1,000 iterations, 2,002 transitions). moto 5.2.5 runs the same definition in process "
      "(create, start, poll until done).")
print()
print("| loop | history kept | baseline transitions/s | current transitions/s | current / baseline | moto 5.2.5 transitions/s | current / moto |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for loop in ("counter-loop", "jsonata-loop"):
    moto = json.load(open(f"{work}/{loop}.moto.json")) if os.path.getsize(f"{work}/{loop}.moto.json") else {"status": "FAILED"}
    moto_rate = moto["transitions"] / moto["seconds"] if moto.get("status") == "SUCCEEDED" else None
    for history in (False, True):
        b, c = best[("baseline", loop, history)], best[("current", loop, history)]
        m = f"{moto_rate:,.0f}" if moto_rate and history else "-"
        vs = f"**{c / moto_rate:,.0f}x**" if moto_rate and history else ("moto cannot run it" if not moto_rate else "-")
        print(f"| {loop} | {'yes' if history else 'no'} | {b:,.0f} | {c:,.0f} | **{c / b:.2f}x** | {m} | {vs} |")
print()
print("moto always keeps a history, so it is compared with the history-kept rows. moto 5.2.5 parses "
      "JSONata definitions but cannot evaluate JSONata, so the JSONata loop has no moto figure.")
PY
cat bench/engine/IN-PROCESS.md
