"""Run validation cases through MLflow's own validators and print one JSON result per case.

Reads a JSON array of cases on stdin, each ``{"fn": ..., "args": [...], "env": {...}}``, and
prints a JSON array of results, each ``{"ok": true, "value": ..., "warnings": [...]}`` or
``{"error_code": ..., "message": ..., "warnings": [...]}`` (``error_type`` for non-MLflow
exceptions). Numbers that JSON cannot carry arrive as ``{"$num": "NaN" | "Infinity" |
"-Infinity"}``. ``env`` entries are set for that case only (``null`` unsets).

Metric values are converted to ``float`` (as MLflow's REST layer delivers them, protobuf double),
so that ``1`` renders as ``1.0`` on both sides.
"""

import json
import logging
import os
import sys
import tempfile

from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.utils import validation as v

_SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def _decode(obj):
    if isinstance(obj, dict) and set(obj) == {"$num"}:
        return _SPECIAL[obj["$num"]]
    return obj


def _encode(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return {"$num": "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, (list, tuple)):
        return [_encode(x) for x in value]
    if isinstance(value, dict):
        return {k: _encode(x) for k, x in value.items()}
    return value


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _as_float(x):
    # bool stays bool (MLflow must reject it); ints become doubles as over REST.
    if isinstance(x, int) and not isinstance(x, bool):
        return float(x)
    return x


def _metric(m):
    return Metric(m["key"], _as_float(m["value"]), m["timestamp"], m["step"])


def _batch_entities(args):
    b = args[0]
    return (
        [_metric(m) for m in b.get("metrics", [])],
        [Param(p["key"], p["value"]) for p in b.get("params", [])],
        [RunTag(t["key"], t["value"]) for t in b.get("tags", [])],
    )


def _summarize_batch(metrics, params, tags):
    return {
        "metrics": len(metrics),
        "params": [[p.key, p.value] for p in params],
        "tags": [[t.key, t.value] for t in tags],
    }


_STORE = {}


def _store():
    """A throwaway SqlAlchemyStore (SQLite) with one active run, created on first use."""
    if "store" not in _STORE:
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        tmp = tempfile.mkdtemp(prefix="mlflow-validation-")
        store = SqlAlchemyStore(f"sqlite:///{tmp}/mlflow.db", f"{tmp}/artifacts")
        exp_id = store.create_experiment("validation-parity")
        run = store.create_run(exp_id, "user", 0, [], "run")
        _STORE["store"] = store
        _STORE["run_id"] = run.info.run_id
    return _STORE["store"], _STORE["run_id"]


def _param_overwrite(args):
    key, first, second = args
    store, run_id = _store()
    store.log_param(run_id, Param(key, first))
    try:
        store.log_param(run_id, Param(key, second))
    except MlflowException as e:
        return {"error_code": e.error_code, "message": e.message, "run_id": run_id}
    return {"ok": True, "run_id": run_id}


def _batch_param_overwrite(args):
    key, first, second = args
    store, run_id = _store()
    store.log_batch(run_id, [], [Param(key, first)], [])
    try:
        store.log_batch(run_id, [], [Param(key, second)], [])
    except MlflowException as e:
        return {"error_code": e.error_code, "message": e.message, "run_id": run_id}
    return {"ok": True, "run_id": run_id}


def _dataset_inputs(args):
    inputs = []
    for d in args[0]:
        ds = d["dataset"]
        inputs.append(
            DatasetInput(
                Dataset(
                    ds.get("name"),
                    ds.get("digest"),
                    ds.get("sourceType"),
                    ds.get("source"),
                    ds.get("schema"),
                    ds.get("profile"),
                ),
                [InputTag(k, val) for k, val in d.get("tags", {}).items()],
            )
        )
    return v._validate_dataset_inputs(inputs)


def _full_batch(args):
    # SqlAlchemyStore.log_batch's validation sequence, without touching a database.
    v._validate_run_id(args[1])
    metrics, params, tags = v._validate_batch_log_data(*_batch_entities(args))
    v._validate_batch_log_limits(metrics, params, tags)
    v._validate_param_keys_unique(params)
    return _summarize_batch(metrics, params, tags)


FNS = {
    "metric_name": lambda a: v._validate_metric_name(*a),
    "param_name": lambda a: v._validate_param_name(*a),
    "tag_name": lambda a: v._validate_tag_name(*a),
    "metric": lambda a: v._validate_metric(a[0], _as_float(a[1]), *a[2:]),
    "param": lambda a: v._validate_param(*a).value,
    "tag": lambda a: v._validate_tag(*a).value,
    "experiment_tag": lambda a: v._validate_experiment_tag(*a),
    "trace_tag": lambda a: list(v._validate_trace_tag(*a)),
    "batch_data": lambda a: _summarize_batch(*v._validate_batch_log_data(*_batch_entities(a))),
    "batch_limits": lambda a: v._validate_batch_log_limits(*_batch_entities(a)),
    "param_keys_unique": lambda a: v._validate_param_keys_unique(
        [Param(k, "v") for k in a[0]]
    ),
    "batch": _full_batch,
    "batch_api_req": lambda a: v._validate_batch_log_api_req(a[0]),
    "run_id": lambda a: v._validate_run_id(*a),
    "experiment_id": lambda a: v._validate_experiment_id(*a),
    "parse_experiment_id": lambda a: v._parse_experiment_id(*a),
    "experiment_name": lambda a: v._validate_experiment_name(*a),
    "artifact_location": lambda a: v._validate_experiment_artifact_location(*a),
    "artifact_location_length": lambda a: v._validate_experiment_artifact_location_length(*a),
    "dataset_inputs": _dataset_inputs,
    "trace_archival_retention": lambda a: v._validate_trace_archival_retention_string(*a),
}

RAW = {"param_overwrite": _param_overwrite, "batch_param_overwrite": _batch_param_overwrite}


def run_case(case):
    saved = {}
    for name, value in (case.get("env") or {}).items():
        saved[name] = os.environ.get(name)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    capture = _Capture()
    logger = logging.getLogger(v.__name__)
    logger.addHandler(capture)
    try:
        fn = case["fn"]
        if fn in RAW:
            result = RAW[fn](case["args"])
        else:
            try:
                result = {"ok": True, "value": _encode(FNS[fn](case["args"]))}
            except MlflowException as e:
                result = {"error_code": e.error_code, "message": e.message}
            except Exception as e:  # noqa: BLE001 - reported back to the test
                result = {"error_type": type(e).__name__, "message": str(e)}
    finally:
        logger.removeHandler(capture)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    result["warnings"] = capture.messages
    return result


def main():
    logging.getLogger(v.__name__).setLevel(logging.WARNING)
    cases = json.loads(sys.stdin.read(), object_hook=_decode)
    json.dump([run_case(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
