#!/usr/bin/env bash
# Runs the benchmarks (ours and the reference side by side). `npm run bench [-- name]`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
names=("${@:-log-batch}")
for name in "${names[@]}"; do
  npx tsx "bench/${name}.ts"
done
