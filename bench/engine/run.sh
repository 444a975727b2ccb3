#!/usr/bin/env bash
# Engine benchmark, one run, side by side:
#  1. two loops of 1,000 iterations (2,002 transitions each): the JSONPath counter loop
#     (bench/engine/counter-loop.asl.json: Pass with `States.MathAdd`, Choice) and the
#     JSONata loop (bench/engine/jsonata-loop.asl.json: Assign, Choice on `$count`,
#     arithmetic Output), each in
#       - the BASELINE `sfn-gen run`, built from the pinned commit below (the engine before
#         the compile-once redesign of issue 8) in a git worktree under target/,
#       - the current `sfn-gen run` (this working tree),
#     both release builds, whole process timed, best of RUNS (alternating the two), and in
#     moto 5.2.5's executor (`execute_state_machine`, in process, from create to end);
#     reported as transitions per second and the ratios current/baseline, current/moto;
#  2. the conformance corpus's run time (994 AWS-recorded executions, in process).
# Writes bench/engine/RESULTS.md.
#
#   bench/engine/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
runs=${1:-20}
target=${CARGO_TARGET_DIR:-target}
# Today's engine before the redesign; change only together with RESULTS.md's wording.
baseline_rev=6633748
baseline_tree="$root/target/bench-baseline"
baseline_target="$root/target/bench-baseline-target"
venv="$target/test-tools/venv"
loops=(bench/engine/counter-loop.asl.json bench/engine/jsonata-loop.asl.json)

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import moto, boto3' 2>/dev/null ||
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'

if [ ! -d "$baseline_tree" ]; then
  # --force: a worktree whose folder went with `cargo clean` is still registered.
  git worktree add --force --detach "$baseline_tree" "$baseline_rev" >&2
fi
have=$(git -C "$baseline_tree" rev-parse HEAD)
want=$(git rev-parse "$baseline_rev^{commit}")
if [ "$have" != "$want" ]; then
  echo "error: $baseline_tree is at $have, not the baseline $baseline_rev;" \
    "remove it with \`git worktree remove --force $baseline_tree\` and rerun" >&2
  exit 1
fi

echo "building the baseline sfn-gen ($baseline_rev, release)" >&2
(cd "$baseline_tree" && CARGO_TARGET_DIR="$baseline_target" nice -n 10 cargo build --release --quiet -p sfn-gen)
echo "building sfn-gen and the corpus benchmark (release)" >&2
nice -n 10 cargo build --release --quiet -p sfn-gen
nice -n 10 cargo build --release --quiet -p asl-engine --example corpus_bench
baseline_bin="$baseline_target/release/sfn-gen"
current_bin="$target/release/sfn-gen"

"$current_bin" validate "${loops[@]}" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One whole-process run of `sfn-gen run` ($1) on the loop $2, its report written to $3:
# prints the wall time in nanoseconds.
run_once() {
  local start end
  start=$(date +%s%N)
  "$1" run "$2" --format json >"$3" 2>/dev/null
  end=$(date +%s%N)
  echo "$((end - start))"
}

for loop in "${loops[@]}"; do
  name=$(basename "$loop" .asl.json)
  best_baseline="" best_current=""
  for _ in $(seq 1 "$runs"); do
    ns=$(run_once "$baseline_bin" "$loop" "$work/$name.baseline.json")
    if [ -z "$best_baseline" ] || [ "$ns" -lt "$best_baseline" ]; then best_baseline=$ns; fi
    ns=$(run_once "$current_bin" "$loop" "$work/$name.current.json")
    if [ -z "$best_current" ] || [ "$ns" -lt "$best_current" ]; then best_current=$ns; fi
  done
  echo "$best_baseline" >"$work/$name.baseline.ns"
  echo "$best_current" >"$work/$name.current.ns"
  echo "moto 5.2.5 on $name" >&2
  "$venv/bin/python" bench/engine/moto_counter_loop.py "$loop" >"$work/$name.moto.json" 2>"$work/$name.moto.log"
done
corpus=$("$target/release/examples/corpus_bench")

python3 - "$work" "$runs" "$baseline_rev" "$corpus" "${loops[@]}" <<'PY' >"$work/RESULTS.md"
import json, os, sys, datetime
work, runs, baseline_rev, corpus = sys.argv[1:5]
loops = sys.argv[5:]
titles = {
    "counter-loop": "counter loop (JSONPath: Pass with `States.MathAdd` + Choice)",
    "jsonata-loop": "JSONata loop (Pass with `Assign` `$count + 1` and an arithmetic `Output`, Choice on `$count`)",
}
corpus = json.loads(corpus)
rows, ratios, unsupported = [], [], []
for loop in loops:
    name = os.path.basename(loop).removesuffix(".asl.json")
    rate = {}
    for side in ("baseline", "current"):
        report = json.load(open(f"{work}/{name}.{side}.json"))
        seconds = int(open(f"{work}/{name}.{side}.ns").read()) / 1e9
        if report["status"] != "SUCCEEDED" or report["output"] != {"n": 1000}:
            sys.exit(f"{side} sfn-gen run of {loop} ended {report['status']} with {report.get('output')}")
        rate[side] = report["transitions"] / seconds
        engine = (f"`sfn-gen run` baseline ({baseline_rev}, release, whole process, best of {runs})"
                  if side == "baseline" else f"`sfn-gen run` current (release, whole process, best of {runs})")
        rows.append(f"| {titles[name]} | {engine} | `{json.dumps(report['output'])}` | {report['transitions']} "
                    f"| {seconds:.4f} | {rate[side]:,.0f} |")
    moto = json.load(open(f"{work}/{name}.moto.json"))
    engine = "moto 5.2.5 `execute_state_machine` (in process, from create to end)"
    if moto["status"] == "SUCCEEDED":
        rate["moto"] = moto["transitions"] / moto["seconds"]
        rows.append(f"| {titles[name]} | {engine} | `{json.dumps(moto['output'])}` | {moto['transitions']} "
                    f"| {moto['seconds']:.3f} | {rate['moto']:,.0f} |")
        vs_moto = f"**{rate['current'] / rate['moto']:,.0f}x**"
    else:
        rows.append(f"| {titles[name]} | {engine} | {moto['status']}: `{moto['error']}` "
                    f"{moto['cause']} | - | - | not supported |")
        vs_moto = "- (moto cannot run it)"
        unsupported.append(f"the {name} ended {moto['status']} after {moto['transitions']} transitions "
                           f"with `{moto['error']}`: {moto['cause']}")
    ratios.append(f"| {titles[name]} | **{rate['current'] / rate['baseline']:.2f}x** | {vs_moto} |")

print("# Engine benchmark")
print()
print(f"Measured by `bench/engine/run.sh` on {datetime.date.today()}, {os.cpu_count()} cores, "
      f"one run of all engines. *Baseline* is `sfn-gen` built from commit {baseline_rev} (the engine "
      "before issue 8's compile-once redesign: JSONata text is parsed on every evaluation), *current* "
      "is this working tree; both are release builds, run alternately, 1,000 loop iterations each.")
print()
print("## Loops")
print()
print("| loop | engine | output | transitions | seconds | transitions/s |")
print("| --- | --- | --- | ---: | ---: | ---: |")
print("\n".join(rows))
print()
print("| loop | current / baseline | current / moto |")
print("| --- | ---: | ---: |")
print("\n".join(ratios))
print()
if unsupported:
    print("In moto 5.2.5 " + "; ".join(unsupported) + ". moto parses JSONata definitions but its "
          "JSONata evaluator is a stub (`eval_jsonata_expression` calls `None`), so it has no figure there.")
    print()
print("## Conformance corpus")
print()
print(f"{corpus['cases']} AWS-recorded executions ran in {corpus['seconds']:.3f} s in process "
      f"({corpus['passed']} matched AWS's recorded result), {corpus['transitions']} transitions in all.")
PY
mv "$work/RESULTS.md" bench/engine/RESULTS.md
cat bench/engine/RESULTS.md
