"""Reads a tracking store with Python MLflow and prints a canonical JSON dump.

stdin: {"tracking_uri": ..., "experiment_ids": [...] | null (all, deleted included)}
"""

from mlflow import MlflowClient
from mlflow.entities import ViewType

from _common import dump_experiment, dump_run, emit, read_input

args = read_input()
client = MlflowClient(tracking_uri=args["tracking_uri"])
experiments = client.search_experiments(view_type=ViewType.ALL, max_results=50000)
wanted = args.get("experiment_ids")
experiments = [e for e in experiments if wanted is None or e.experiment_id in wanted]
experiments.sort(key=lambda e: int(e.experiment_id))
runs = []
if experiments:
    runs = client.search_runs(
        [e.experiment_id for e in experiments], run_view_type=ViewType.ALL, max_results=50000
    )
out = {
    "experiments": [dump_experiment(e) for e in experiments],
    "runs": sorted((dump_run(client, r) for r in runs), key=lambda d: d["run_id"]),
}
emit(out)
