"""Shared helpers for the interop scripts: canonical JSON for MLflow tracking data."""

import json
import math
import sys


def num(v):
    """JSON-safe number: NaN and infinities as strings, like the TypeScript side's canonical form."""
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def dump_experiment(e):
    return {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "tags": dict(sorted(e.tags.items())),
        "creation_time": e.creation_time,
        "last_update_time": e.last_update_time,
    }


def dump_run(client, r):
    histories = {}
    for key in sorted(r.data.metrics):
        hist = client.get_metric_history(r.info.run_id, key)
        histories[key] = [[num(m.value), m.step, m.timestamp] for m in hist]
    return {
        "run_id": r.info.run_id,
        "experiment_id": r.info.experiment_id,
        "run_name": r.info.run_name,
        "user_id": r.info.user_id,
        "status": r.info.status,
        "start_time": r.info.start_time,
        "end_time": r.info.end_time,
        "artifact_uri": r.info.artifact_uri,
        "lifecycle_stage": r.info.lifecycle_stage,
        "params": dict(sorted(r.data.params.items())),
        "tags": dict(sorted(r.data.tags.items())),
        "metrics": {k: num(v) for k, v in sorted(r.data.metrics.items())},
        "histories": histories,
    }


def read_input():
    raw = sys.stdin.read()
    return json.loads(raw) if raw.strip() else {}


def emit(obj):
    sys.stdout.write("\n" + json.dumps(obj, sort_keys=True) + "\n")
