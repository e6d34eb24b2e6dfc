#!/usr/bin/env bash
# Provision .venv with the reference MLflow (3.18.0) and moto, idempotently.
# A stamp file records the requirements' hash: an unchanged venv is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
MLFLOW_VERSION=3.18.0
PY=${PYTHON:-python3}
req=scripts/python-requirements.txt
stamp=.venv/.mlflow-genai-stamp
want="$(cat "$req" "$0" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/mlflow ]; then
  exit 0
fi
echo "[setup-python] provisioning .venv with mlflow==$MLFLOW_VERSION and moto (one time)" >&2
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -r "$req"
.venv/bin/pip install -q --no-deps "mlflow==$MLFLOW_VERSION"
got="$(.venv/bin/python -c 'import mlflow; print(mlflow.__version__)')"
if [ "$got" != "$MLFLOW_VERSION" ]; then
  echo "[setup-python] expected mlflow $MLFLOW_VERSION, found $got" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "[setup-python] ready: mlflow $got" >&2
