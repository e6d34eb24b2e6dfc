"""Python MLflow logging metrics to an MLflow server over REST: prints {"metrics": N, "seconds": S}.

argv: tracking_uri mode count batch_size keys
mode "batch": MlflowClient.log_batch in batches of batch_size; mode "single": mlflow.log_metric in a loop.
"""

import json
import sys
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric

uri, mode, count, size, keys = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
BASE = 1700000000000
mlflow.set_tracking_uri(uri)
client = MlflowClient(tracking_uri=uri)

if mode == "batch":
    run = client.create_run("0", run_name="py-log-batch")
    data = [
        [Metric(f"m{n % keys}", float(n), BASE + n, n) for n in range(b, min(b + size, count))]
        for b in range(0, count, size)
    ]
    start = time.perf_counter()
    for metrics in data:
        client.log_batch(run.info.run_id, metrics=metrics, synchronous=True)
    elapsed = time.perf_counter() - start
    client.set_terminated(run.info.run_id)
else:
    with mlflow.start_run(run_name="py-log-metric"):
        start = time.perf_counter()
        for n in range(count):
            mlflow.log_metric(f"m{n % keys}", float(n), step=n, timestamp=BASE + n, synchronous=True)
        elapsed = time.perf_counter() - start

print(json.dumps({"metrics": count, "seconds": elapsed}))
