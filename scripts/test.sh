#!/usr/bin/env bash
# The whole test suite: provisions the reference side (idempotent), builds, typechecks, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
npx tsup --silent
npx tsc --noEmit
npx vitest run "$@"
