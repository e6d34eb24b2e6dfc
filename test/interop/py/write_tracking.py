"""Writes a known set of experiments and runs with Python MLflow (fluent API and client).

stdin: {"tracking_uri": ..., "artifact_root": ...}. Prints {"experiment_ids": [...], "run_ids": [...]}.
"""

import math
import os

import mlflow
from mlflow import MlflowClient

from _common import emit, read_input

args = read_input()
mlflow.set_tracking_uri(args["tracking_uri"])
client = MlflowClient(tracking_uri=args["tracking_uri"])

exp_a = client.create_experiment("py-interop-a", tags={"team": "py", "note.with.dots": "x y"})
exp_b = client.create_experiment("py-interop-b", artifact_location=os.path.join(args["artifact_root"], "custom-b"))
run_ids = []

mlflow.set_experiment(experiment_id=exp_a)
with mlflow.start_run(run_name="py-parent") as parent:
    run_ids.append(parent.info.run_id)
    mlflow.log_params({"model": "gpt2", "temperature": 0.7, "max_new_tokens": 32, "flag": True})
    for step in range(5):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step, timestamp=1700000000000 + step)
    mlflow.log_metric("acc", 0.25, step=0, timestamp=1700000000100)
    mlflow.log_metric("acc", 0.75, step=1, timestamp=1700000000200)
    mlflow.log_metric("weird", math.nan, step=0, timestamp=1700000000300)
    mlflow.log_metric("big", math.inf, step=0, timestamp=1700000000400)
    mlflow.set_tags({"stage": "dev", "key with space": "v"})
    with mlflow.start_run(run_name="py-child", nested=True) as child:
        run_ids.append(child.info.run_id)
        mlflow.log_param("question", "What is MLflow?")
        mlflow.log_metric("latency_ms", 12.5, step=0, timestamp=1700000000500)

failed = client.create_run(exp_b, run_name="py-failed", tags={"mlflow.user": "alice"}, start_time=1700000001000)
client.log_batch(
    failed.info.run_id,
    metrics=[
        mlflow.entities.Metric("m", v, 1700000002000 + i, i) for i, v in enumerate([3.0, -1.5, 0.0])
    ],
    params=[mlflow.entities.Param("p", "1")],
    tags=[mlflow.entities.RunTag("t", "x")],
)
client.set_terminated(failed.info.run_id, "FAILED", end_time=1700000003000)
run_ids.append(failed.info.run_id)

deleted = client.create_run(exp_b, run_name="py-deleted")
client.delete_run(deleted.info.run_id)
run_ids.append(deleted.info.run_id)

emit({"experiment_ids": [exp_a, exp_b], "run_ids": run_ids})
