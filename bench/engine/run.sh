#!/usr/bin/env bash
# Engine benchmark, one run, side by side:
#  1. the counter loop (bench/engine/counter-loop.asl.json, 2,002 transitions) in
#     `sfn-gen run` (release build, whole process timed, best of N) and in moto 5.2.5's
#     executor (`execute_state_machine`), as transitions per second and their ratio;
#  2. the conformance corpus's run time (994 AWS-recorded executions, in process).
# Writes bench/engine/RESULTS.md.
#
#   bench/engine/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
target=${CARGO_TARGET_DIR:-target}
venv="$target/test-tools/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import moto, boto3' 2>/dev/null ||
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'

echo "building sfn-gen and the corpus benchmark (release)" >&2
cargo build --release --quiet -p sfn-gen
cargo build --release --quiet -p asl --example corpus_bench

loop=bench/engine/counter-loop.asl.json
best=""
for _ in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  report=$("$target/release/sfn-gen" run "$loop" --format json)
  end=$(date +%s%N)
  ns=$((end - start))
  if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
done
ours_transitions=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["transitions"])' "$report")
ours_output=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["output"]))' "$report")

moto=$("$venv/bin/python" bench/engine/moto_counter_loop.py "$loop")
corpus=$("$target/release/examples/corpus_bench")

python3 - "$best" "$ours_transitions" "$ours_output" "$moto" "$corpus" "$runs" <<'PY' | tee bench/engine/RESULTS.md
import json, os, sys, datetime
best_ns, transitions, output, moto, corpus, runs = sys.argv[1:7]
ours_s = int(best_ns) / 1e9
transitions = int(transitions)
moto = json.loads(moto)
corpus = json.loads(corpus)
ours_rate = transitions / ours_s
moto_rate = moto["transitions"] / moto["seconds"]
print("# Engine benchmark")
print()
print(f"Measured by `bench/engine/run.sh` on {datetime.date.today()}, {os.cpu_count()} cores, one run of both engines.")
print()
print("## Counter loop (Pass with `States.MathAdd` + Choice, 1,000 iterations)")
print()
print("| engine | output | transitions | seconds | transitions/s |")
print("| --- | --- | ---: | ---: | ---: |")
print(f"| `sfn-gen run` (release, whole process, best of {runs}) | `{output}` | {transitions} | {ours_s:.4f} | {ours_rate:,.0f} |")
print(f"| moto 5.2.5 `execute_state_machine` (in process, from create to end) | `{json.dumps(moto['output'])}` | {moto['transitions']} | {moto['seconds']:.3f} | {moto_rate:,.0f} |")
print()
print(f"Ratio: **{ours_rate / moto_rate:,.0f}x** moto's transitions per second.")
print()
print("## Conformance corpus")
print()
print(f"{corpus['cases']} AWS-recorded executions ran in {corpus['seconds']:.3f} s in process "
      f"({corpus['passed']} matched AWS's recorded result), {corpus['transitions']} transitions in all.")
PY
