#!/usr/bin/env bash
# Builds every Lambda of the workspace (the agent and each tool) as an arm64 Lambda zip with
# cargo-lambda, the way the CDK app deploys them, and records each binary's size in
# bench/lambda-sizes.md.
#
# Every function is built for one architecture (arm64 unless --x86-64), which is what the
# tools' manifests declare (`x-sfn.architecture`).
#
# Installs what it needs: cargo-lambda and ziglang from PyPI into target/test-tools/venv, and
# the aarch64-unknown-linux-gnu Rust target through rustup.
#
#   scripts/build-lambdas.sh [--x86-64]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
arch=--arm64
target_triple=aarch64-unknown-linux-gnu
if [ "${1:-}" = "--x86-64" ]; then arch=--x86-64; target_triple=x86_64-unknown-linux-gnu; fi

venv="$root/target/test-tools/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if [ ! -x "$venv/bin/cargo-lambda" ]; then
  echo "==> installing cargo-lambda and ziglang into target/test-tools/venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'cargo-lambda==1.9.2' 'ziglang==0.13.0.post1'
fi
export PATH="$venv/bin:$PATH"
rustup target list --installed | grep -qx "$target_triple" || rustup target add "$target_triple"

# The tool crates are whatever tool-lambdas/*/tool.json holds (sfn-gen tools lists them).
cargo build --quiet -p sfn-gen
bins=(agent-lambda)
crates=$(target/debug/sfn-gen tools)
for crate in $crates; do bins+=("$crate"); done
args=()
for b in "${bins[@]}"; do args+=(--bin "$b"); done
echo "==> cargo lambda build --release $arch --output-format zip ${args[*]}" >&2
cargo lambda build --release "$arch" --output-format zip "${args[@]}"
# The CDK app stages `bootstrap` itself (with extra files beside it): unpack each zip.
for b in "${bins[@]}"; do
  python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
    "target/lambda/$b/bootstrap.zip" "target/lambda/$b"
  chmod +x "target/lambda/$b/bootstrap"
done

{
  echo "# Lambda package sizes"
  echo
  echo "Built by \`scripts/build-lambdas.sh\` on $(date -u +%Y-%m-%d) with \`cargo lambda build --release $arch --output-format zip\`"
  echo "(release profile: opt-level s, LTO, one codegen unit, panic abort, stripped)."
  echo
  echo "| function | bootstrap (bytes) | zip (bytes) |"
  echo "| --- | ---: | ---: |"
  for b in "${bins[@]}"; do
    zip="target/lambda/$b/bootstrap.zip"
    raw=$(unzip -Z -t "$zip" 2>/dev/null | awk '{print $3}')
    [ -n "$raw" ] || raw=$(python3 -c "import zipfile,sys; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))" "$zip")
    echo "| $b | $raw | $(stat -c %s "$zip") |"
  done
} | tee bench/lambda-sizes.md
