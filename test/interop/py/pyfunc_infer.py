"""Signature inference table: reads [{name, input, output?, params?, frame?}] on stdin, prints
{name: ModelSignature.to_dict() or {"error": message}} on the last line.

An input (or output) given as {"__frame__": {"columns", "data"}} becomes pd.DataFrame(data, columns=columns),
as the TypeScript split frame stands for a pandas DataFrame."""

import json
import logging
import sys
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import pandas as pd  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402


def to_py(value):
    if isinstance(value, dict) and "__frame__" in value:
        f = value["__frame__"]
        return pd.DataFrame(f["data"], columns=f["columns"])
    return value


cases = json.load(sys.stdin)
out = {}
for case in cases:
    try:
        sig = infer_signature(to_py(case["input"]), to_py(case.get("output")), case.get("params"))
        out[case["name"]] = sig.to_dict()
    except Exception as e:  # noqa: BLE001
        out[case["name"]] = {"error": str(e)}
print(json.dumps(out))
