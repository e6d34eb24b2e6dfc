#!/usr/bin/env bash
# The main job for a fresh checkout: until the e2e pipeline lands, the quick-start example,
# which logs a real run into sqlite:///mlflow.db (MLflow's default store) in this directory.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx examples/quickstart.ts
