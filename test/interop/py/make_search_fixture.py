"""Build a SQLite tracking database for the run/experiment search parity test.

Usage: ``make_search_fixture.py <db path>`` (run with the working directory set to a temporary
folder: the default artifact root ``./mlruns`` is created there). Creates experiments and ~25 runs
with a varied mix of metrics (NaN, infinities, negatives, missing), params, tags (keys with spaces
and dots, values with LIKE/GLOB metacharacters), run names, statuses, start/end times, users,
datasets, a deleted run and nested runs. Prints one JSON document: the ids the test refers to.
"""

import json
import math
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag

BASE = 1_700_000_000_000


def main() -> None:
    db_path = sys.argv[1]
    client = MlflowClient(tracking_uri=f"sqlite:///{db_path}")

    exp_a = client.create_experiment("search-A", tags={"team": "ml", "env": "prod"})
    time.sleep(0.01)
    exp_b = client.create_experiment("search-b", tags={"team": "Data"})
    time.sleep(0.01)
    exp_c = client.create_experiment("Search-C deleted", tags={"team": "ml"})
    time.sleep(0.01)
    exp_d = client.create_experiment("other_exp", tags={"note": "50% [beta]"})
    run_c = client.create_run(exp_c, start_time=BASE, run_name="in-deleted-exp")
    client.delete_experiment(exp_c)

    statuses = ["FINISHED", "FAILED", "RUNNING", "KILLED", "SCHEDULED"]
    users = ["alice", "bob", "Carol", "dave"]
    acc_values = [
        0.5, 0.9, float("nan"), -1.25, None, 0.5, 0.75, 1.0, -0.5, None,
        0.1, float("nan"), 2.0, 0.5, float("inf"), 0.0, None, 0.33, 0.9, -2.0,
        0.6, None, 0.8, float("-inf"), 0.25,
    ]
    optimizers = ["adam", "Adam", "SGD", "sgd_momentum", "sgdXmomentum", "ADAM", None, "adamw", "rmsprop"]
    layers = ["10", "9", "100", "2", None]
    teams = ["ml", "ML", "data", None, "Ml"]
    notes = ["100% [done]", "50%_half", "plain", "star*q?", None, "Ünïcode", "under_score"]
    names = [
        "alpha-0", "Alpha-1", "beta_2", "gamma 3", "ALPHA-4", "50%_done", "delta", "alpha_7",
        "epsilon", "zeta-9",
    ]

    runs = {}
    artifact_uris = {}
    for i in range(25):
        exp = exp_a if i < 18 else exp_b
        name = names[i % len(names)] + ("" if i < len(names) else f"-{i}")
        tags = {"mlflow.user": users[i % len(users)], "idx": str(i)}
        team = teams[i % len(teams)]
        if team is not None:
            tags["team"] = team
        note = notes[i % len(notes)]
        if note is not None:
            tags["note"] = note
        if i % 3 == 0:
            tags["my tag"] = "x y" if i % 2 == 0 else "X Y"
        if i % 4 == 1:
            tags["a.b"] = "dotted" if i % 8 == 1 else "Dotted"
        # Pairs of runs share a start time, so the run_uuid tie-breaker matters.
        start = BASE + (i // 2) * 60_000
        run = client.create_run(exp, start_time=start, tags=tags, run_name=name)
        run_id = run.info.run_id
        runs[f"r{i}"] = run_id
        artifact_uris[f"r{i}"] = run.info.artifact_uri

        metrics = []
        acc = acc_values[i]
        if acc is not None:
            metrics.append(Metric("acc", acc, start + 1, 0))
        if i % 2 == 0:
            metrics.append(Metric("loss", 2.0 - i * 0.1, start + 1, 0))
        if i % 5 == 0:
            metrics.append(Metric("my metric", float(i), start + 1, 0))
        params = []
        opt = optimizers[i % len(optimizers)]
        if opt is not None:
            params.append(Param("optimizer", opt))
        lay = layers[i % len(layers)]
        if lay is not None:
            params.append(Param("layers", lay))
        if i % 3 != 2:
            params.append(Param("lr", ["0.1", "0.01", "1e-3"][i % 3]))
        client.log_batch(run_id, metrics=metrics, params=params, tags=[])

        if i in (1, 4, 7, 10):
            ds = Dataset(
                name="train-ds" if i < 7 else "eval-ds",
                digest=f"d{i % 3}",
                source_type="local",
                source=json.dumps({"uri": f"/data/{i}"}),
            )
            context = "training" if i != 7 else "Eval"
            client.log_inputs(
                run_id, datasets=[DatasetInput(ds, tags=[InputTag("mlflow.data.context", context)])]
            )

        status = statuses[i % len(statuses)]
        if status in ("FINISHED", "FAILED", "KILLED"):
            client.set_terminated(run_id, status=status, end_time=start + 1000 * (i + 1))
        elif status == "SCHEDULED":
            client.update_run(run_id, status="SCHEDULED")

    # Nested runs: children of r0 and r12.
    for parent, count in (("r0", 2), ("r12", 1)):
        for j in range(count):
            child = client.create_run(
                exp_a,
                start_time=BASE + 30_000 + j,
                tags={"mlflow.parentRunId": runs[parent], "mlflow.user": "alice"},
                run_name=f"child-{parent}-{j}",
            )
            runs[f"child_{parent}_{j}"] = child.info.run_id
            client.log_metric(child.info.run_id, "acc", 0.42 + j, timestamp=BASE, step=0)
            client.set_terminated(child.info.run_id, "FINISHED", end_time=BASE + 40_000)

    # A run in the (deleted) experiment C and a deleted run in experiment A.
    runs["rc"] = run_c.info.run_id
    client.delete_run(runs["r5"])

    client.set_experiment_tag(exp_d, "team", "ml")

    print(
        json.dumps({
            "experiments": {"a": exp_a, "b": exp_b, "c": exp_c, "d": exp_d},
            "runs": runs,
            "artifact_uris": artifact_uris,
        })
    )


if __name__ == "__main__":
    main()
