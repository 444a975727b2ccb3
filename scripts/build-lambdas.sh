#!/usr/bin/env bash
# Builds every Lambda the CDK app deploys (the agent and each tool) with cargo-lambda, each
# for the architecture its source declares: a tool's manifest (`x-sfn.architecture`) and
# sfn-gen.json (`agentArchitecture`) for the agent. The list comes from the CDK app's own
# plan (`cdk/lib/settings.ts` buildPlan, printed by `cdk/dist/bin/lambda-plan.js`), so what
# is built is what is deployed. Binaries land in target/lambda/<arch>/<binary>/bootstrap;
# each binary's size is recorded in bench/lambda-sizes.md.
#
# Installs what it needs: cargo-lambda and ziglang from PyPI into target/test-tools/venv,
# the cdk/ packages (npm ci) and each architecture's Rust target through rustup.
#
#   scripts/build-lambdas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

venv="$root/target/test-tools/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if [ ! -x "$venv/bin/cargo-lambda" ]; then
  echo "==> installing cargo-lambda and ziglang into target/test-tools/venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'cargo-lambda==1.9.2' 'ziglang==0.13.0.post1'
fi
export PATH="$venv/bin:$PATH"

# The deployment plan: one line per architecture, `<arch> <binary>...`.
[ -d cdk/node_modules ] || npm ci --prefix cdk --no-audit --no-fund --loglevel=error
(cd cdk && npx tsc)
plan=$(node cdk/dist/bin/lambda-plan.js "$root")

sizes=()
while read -r arch bins; do
  case "$arch" in
    arm64) flag=--arm64; triple=aarch64-unknown-linux-gnu ;;
    x86_64) flag=--x86-64; triple=x86_64-unknown-linux-gnu ;;
    *) echo "error: unknown architecture \`$arch\` in the deployment plan (arm64 or x86_64)" >&2; exit 1 ;;
  esac
  rustup target list --installed | grep -qx "$triple" || rustup target add "$triple"
  args=()
  for b in $bins; do args+=(--bin "$b"); done
  out="target/lambda/$arch"
  echo "==> cargo lambda build --release $flag --output-format zip --lambda-dir $out ${args[*]}" >&2
  cargo lambda build --release "$flag" --output-format zip --lambda-dir "$out" "${args[@]}"
  # The CDK app stages `bootstrap` itself (with extra files beside it): unpack each zip.
  for b in $bins; do
    python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$out/$b/bootstrap.zip" "$out/$b"
    chmod +x "$out/$b/bootstrap"
    raw=$(python3 -c "import zipfile,sys; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))" "$out/$b/bootstrap.zip")
    sizes+=("| $b | $arch | $raw | $(stat -c %s "$out/$b/bootstrap.zip") |")
  done
done <<<"$plan"

{
  echo "# Lambda package sizes"
  echo
  echo "Built by \`scripts/build-lambdas.sh\` on $(date -u +%Y-%m-%d) with \`cargo lambda build --release --output-format zip\`,"
  echo "each binary for the architecture the deployment plan gives it"
  echo "(release profile: opt-level s, LTO, one codegen unit, panic abort, stripped)."
  echo
  echo "| function | architecture | bootstrap (bytes) | zip (bytes) |"
  echo "| --- | --- | ---: | ---: |"
  printf '%s\n' "${sizes[@]}"
} | tee bench/lambda-sizes.md
