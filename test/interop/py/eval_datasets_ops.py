"""Evaluation datasets through MLflow's own API, driven by a JSON list of operations on stdin.

Input: {"tracking_uri": ..., "ops": [...]}; an op may carry its own "tracking_uri"; each op is one of
  {"op": "create", "name", "experiment_id", "tags", "merges": [[record, ...], ...]}
  {"op": "merge", "dataset_id", "records": [...]}
  {"op": "read", "dataset_id"} / {"op": "read", "name"}
  {"op": "search", "filter_string", "order_by", "experiment_ids"}
  {"op": "delete", "dataset_id"}
Output (last line): a JSON list with one result per op (a dataset dict, or the search's dataset ids,
or {"error": {"code", "message"}}).
"""

import json
import sys

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.genai.datasets import create_dataset, delete_dataset, get_dataset, search_datasets


def dump(ds):
    entity = ds._mlflow_dataset
    records = sorted((r.to_dict() for r in entity.records), key=lambda r: r["dataset_record_id"])
    return {
        "dataset_id": ds.dataset_id,
        "name": ds.name,
        "digest": ds.digest,
        "tags": ds.tags,
        "schema": ds.schema,
        "profile": ds.profile,
        "created_time": ds.created_time,
        "last_update_time": entity.last_update_time,
        "created_by": entity.created_by,
        "last_updated_by": entity.last_updated_by,
        "experiment_ids": sorted(ds.experiment_ids),
        "records": records,
    }


def run(op):
    kind = op["op"]
    if kind == "create":
        ds = create_dataset(name=op["name"], experiment_id=op.get("experiment_id"), tags=op.get("tags"))
        for batch in op.get("merges", []):
            ds.merge_records(batch)
        return dump(get_dataset(dataset_id=ds.dataset_id))
    if kind == "merge":
        ds = get_dataset(dataset_id=op["dataset_id"])
        ds.merge_records(op["records"])
        return dump(get_dataset(dataset_id=op["dataset_id"]))
    if kind == "read":
        if "name" in op:
            return dump(get_dataset(name=op["name"]))
        return dump(get_dataset(dataset_id=op["dataset_id"]))
    if kind == "search":
        found = search_datasets(
            experiment_ids=op.get("experiment_ids"),
            filter_string=op.get("filter_string"),
            order_by=op.get("order_by"),
        )
        return [d.dataset_id for d in found]
    if kind == "delete":
        delete_dataset(dataset_id=op["dataset_id"])
        return None
    raise ValueError(f"unknown op {kind}")


def main():
    payload = json.load(sys.stdin)
    mlflow.set_tracking_uri(payload["tracking_uri"])
    out = []
    for op in payload["ops"]:
        mlflow.set_tracking_uri(op.get("tracking_uri", payload["tracking_uri"]))
        try:
            out.append(run(op))
        except MlflowException as e:
            out.append({"error": {"code": e.error_code, "message": e.message}})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
