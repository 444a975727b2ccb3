#!/usr/bin/env bash
# Generator scale benchmark: `sfn-gen generate` and `sfn-gen validate` (release build, whole
# process, best of 5) for 10, 100 and 1,000 tools, with the definition's size against AWS's
# 1 MB limit. Writes bench/gen/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet -p sfn-gen
bin="$target/release/sfn-gen"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

best_ms() { # best wall time of 5 runs of "$@", in milliseconds
  local best=""
  for _ in 1 2 3 4 5; do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    local ms=$(( (end - start) / 1000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  python3 -c "print(f'{$best/1000:.1f}')"
}

{
  echo "# Generator scale"
  echo
  echo "Measured by \`bench/gen/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores; release build, whole process, best of 5."
  echo
  echo "| tools | layout | definition (bytes, minified) | % of 1 MB | generate (ms) | validate (ms) |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: |"
  for n in 10 100 1000; do
    dir="$work/$n"
    python3 - "$dir/tools" "$n" <<'PY'
import json, os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    name = f"tool-{i:04d}"
    os.makedirs(f"{root}/{name}", exist_ok=True)
    json.dump({"name": name, "title": f"Tool {i}", "description": "d" * 200,
               "inputSchema": {"type": "object", "properties": {"q": {"type": "string", "description": "q"}}},
               "annotations": {"readOnlyHint": True},
               "x-sfn": {"timeoutSeconds": 30, "memoryMb": 256, "architecture": "arm64",
                         "retry": {"errors": ["ToolError.Retryable"], "intervalSeconds": 1, "maxAttempts": 3,
                                   "backoffRate": 2.0, "maxDelaySeconds": 20, "jitterStrategy": "FULL"}}},
              open(f"{root}/{name}/tool.json", "w"))
PY
    out="$dir/agent.asl.json"
    gen=$(best_ms "$bin" generate --tools "$dir/tools" --out "$out")
    val=$(best_ms "$bin" validate "$out")
    notes=$("$bin" generate --tools "$dir/tools" --out "$out" 2>&1)
    case "$notes" in *"compact layout"*) layout=compact ;; *) layout=full ;; esac
    size=$(python3 -c "import json,sys; print(len(json.dumps(json.load(open(sys.argv[1])), separators=(',', ':'))))" "$out")
    pct=$(python3 -c "print(f'{$size/1048576*100:.1f}')")
    echo "| $n | $layout | $size | $pct | $gen | $val |"
  done
} | tee bench/gen/RESULTS.md
