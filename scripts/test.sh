#!/usr/bin/env bash
# The whole test suite: provisions the reference side (idempotent), builds, typechecks, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
# Chromium (for the report screenshot test) installs in the background while Python, the build and the
# typecheck run; vitest starts once both are ready.
bash scripts/setup-chromium.sh &
chromium=$!
bash scripts/setup-python.sh
npx tsup --silent
npx tsc --noEmit
wait "$chromium"
npx vitest run "$@"
