"""Python MLflow's own log_batch into a fresh SQLite store: prints {"metrics": N, "seconds": S}.

argv: db_path batches batch_size keys
"""

import json
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric

db, batches, size, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
client = MlflowClient(tracking_uri=f"sqlite:///{db}")
run = client.create_run("0")
data = [
    [Metric(f"m{i % keys}", float(b * size + i), 1700000000000 + b * size + i, b * size + i) for i in range(size)]
    for b in range(batches)
]
start = time.perf_counter()
for metrics in data:
    client.log_batch(run.info.run_id, metrics=metrics, synchronous=True)
elapsed = time.perf_counter() - start
print(json.dumps({"metrics": batches * size, "seconds": elapsed}))
