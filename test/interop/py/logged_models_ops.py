"""LoggedModel interop: read, write and search logged models with MLflow's own client.

stdin: {"uri": tracking URI, "op": "read" | "write" | "search", ...}; prints one JSON document.
"""

import json
import math
import sys

from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.exceptions import MlflowException


def num(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return str(v)
    return v


def dump(m):
    return {
        "model_id": m.model_id,
        "experiment_id": m.experiment_id,
        "name": m.name,
        "artifact_location": m.artifact_location,
        "creation_timestamp": m.creation_timestamp,
        "last_updated_timestamp": m.last_updated_timestamp,
        "model_type": m.model_type or None,
        "source_run_id": m.source_run_id or None,
        "status": str(m.status),
        "status_message": m.status_message or None,
        "tags": dict(sorted(m.tags.items())),
        "params": dict(sorted(m.params.items())),
        "metrics": sorted(
            (
                {
                    "key": x.key,
                    "value": num(x.value),
                    "timestamp": x.timestamp,
                    "step": x.step,
                    "run_id": x.run_id,
                    "model_id": x.model_id,
                    "dataset_name": x.dataset_name,
                    "dataset_digest": x.dataset_digest,
                }
                for x in (m.metrics or [])
            ),
            key=lambda d: (d["key"], d["step"], d["timestamp"]),
        ),
    }


def error(e):
    return {"error_code": e.error_code, "message": e.message}


def main():
    req = json.load(sys.stdin)
    client = MlflowClient(tracking_uri=req["uri"])
    op = req["op"]
    if op == "read":
        out = {"models": {}, "runs": {}}
        for mid in req["model_ids"]:
            out["models"][mid] = dump(client.get_logged_model(mid))
        for rid in req.get("run_ids", []):
            run = client.get_run(rid)
            out["runs"][rid] = [
                {"model_id": o.model_id, "step": o.step} for o in run.outputs.model_outputs
            ]
        print(json.dumps(out))
    elif op == "write":
        exp = req["experiment_id"]
        run = client.create_run(exp)
        rid = run.info.run_id
        m = client.create_logged_model(
            exp,
            name="py-model",
            source_run_id=rid,
            tags={"owner": "py", "k": "v"},
            params={"alpha": "0.5"},
            model_type="agent",
        )
        client.log_model_params(m.model_id, {"beta": "2"})
        client.set_logged_model_tags(m.model_id, {"stage": "dev"})
        client.delete_logged_model_tag(m.model_id, "k")
        client.log_outputs(rid, [__import__("mlflow").entities.LoggedModelOutput(m.model_id, 4)])
        client.log_batch(
            rid,
            metrics=[
                Metric("acc", 0.75, 1000, 2, model_id=m.model_id, dataset_name="ds", dataset_digest="dg"),
                Metric("loss", 1.5, 1001, 3, model_id=m.model_id),
            ],
        )
        client.finalize_logged_model(m.model_id, "READY")
        print(json.dumps({"model_id": m.model_id, "run_id": rid}))
    elif op == "search":
        results = []
        for case in req["cases"]:
            try:
                page = client.search_logged_models(
                    experiment_ids=case["experiment_ids"],
                    filter_string=case.get("filter_string"),
                    datasets=case.get("datasets"),
                    max_results=case.get("max_results"),
                    order_by=case.get("order_by"),
                )
                results.append({"ids": [m.model_id for m in page], "token": page.token})
            except MlflowException as e:
                results.append(error(e))
        print(json.dumps(results))
    elif op == "errors":
        results = []
        try:
            client.get_logged_model("m-" + "0" * 32)
        except MlflowException as e:
            results.append(error(e))
        print(json.dumps(results))


if __name__ == "__main__":
    main()
