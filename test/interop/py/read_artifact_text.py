"""Reads one artifact of a run as text with Python MLflow (any store, any artifact repository).

stdin: {"tracking_uri": ..., "run_id": ..., "path": ...} -> {"text": ...}
"""

import mlflow
from _common import emit, read_input

req = read_input()
mlflow.set_tracking_uri(req["tracking_uri"])
emit({"text": mlflow.artifacts.load_text(f"runs:/{req['run_id']}/{req['path']}")})
