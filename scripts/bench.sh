#!/usr/bin/env bash
# Runs the benchmarks (ours and the reference side by side). `npm run bench [-- name]`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
names=("${@:-log-batch rest-metrics s3-upload tracing serving models eval}")
# shellcheck disable=SC2206
names=(${names[*]})
for name in "${names[@]}"; do
  npx tsx "bench/${name}.ts"
done
