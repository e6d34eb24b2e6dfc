"""Saves the Python echo models the serving interop test and benchmark serve with `mlflow models serve`.

stdin: {"models": [{"path": dir, "columns": bool}, ...]}. Each model answers with its input unchanged, as the
pyfunc scoring server built it (DataFrame, dict of arrays, array, scalar), so every payload format's conversion
shows in the response. The signature declares params: `mode` ("echo"; "params" answers with the params; "fail"
raises; "sleep" waits `seconds`), `times`, `seconds`; with "columns", also a column-based input schema
(`question`: string, `n`: optional long). The equivalent SDK model is test/serving/fixtures/echo-model.mjs.
"""

import json
import logging
import sys
import time
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import mlflow  # noqa: E402
from mlflow.models import ModelSignature  # noqa: E402
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema  # noqa: E402


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        params = params or {}
        mode = params.get("mode", "echo")
        if mode == "fail":
            raise ValueError("echo model asked to fail")
        if mode == "sleep":
            time.sleep(float(params.get("seconds", 0)))
        if mode == "params":
            return params
        return model_input


PARAMS = ParamSchema([
    ParamSpec("mode", "string", "echo"),
    ParamSpec("times", "long", 1),
    ParamSpec("seconds", "double", 0.0),
])
COLUMNS = Schema([ColSpec("string", "question"), ColSpec("long", "n", required=False)])

req = json.load(sys.stdin)
for spec in req["models"]:
    sig = ModelSignature(inputs=COLUMNS if spec.get("columns") else None, outputs=None, params=PARAMS)
    mlflow.pyfunc.save_model(spec["path"], python_model=Echo(), signature=sig)
print(json.dumps({"saved": [m["path"] for m in req["models"]]}))
