#!/usr/bin/env bash
# The main job for a fresh checkout: the whole lifecycle pipeline (`mlflow-genai --mode all`), offline, on the
# generated tiny GPT-2, into sqlite:///mlflow.db with artifacts in ./mlruns (this directory). Extra arguments
# go to the CLI, e.g. `npm run example -- --mode experiment --json`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx src/cli/bin.ts "$@"
