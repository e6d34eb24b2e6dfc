"""Reads traces from a tracking server with Python MLflow and prints canonical JSON.

stdin: {"tracking_uri": ..., "trace_ids": [...], "experiment_ids": [...], "filter": str | null,
        "run_id": str | null}
stdout: {"traces": {id: dump}, "search_fluent": [ids], "search_client": [ids],
         "search_filter": [ids] | null, "search_run": [ids] | null, "infos": {id: info dump}}
"""

import mlflow
from mlflow import MlflowClient
from mlflow.tracing.client import TracingClient

from _common import emit, read_input
from traces_rest_common import dump_info, dump_trace

args = read_input()
mlflow.set_tracking_uri(args["tracking_uri"])
client = MlflowClient(tracking_uri=args["tracking_uri"])
tracing_client = TracingClient(args["tracking_uri"])
out = {"traces": {}, "infos": {}}
for trace_id in args.get("trace_ids", []):
    out["traces"][trace_id] = dump_trace(mlflow.get_trace(trace_id))
    out["infos"][trace_id] = dump_info(tracing_client.get_trace_info(trace_id))
exp_ids = args.get("experiment_ids") or []
if exp_ids:
    out["search_fluent"] = [
        t.info.trace_id for t in mlflow.search_traces(locations=exp_ids, return_type="list")
    ]
    found = client.search_traces(locations=exp_ids)
    out["search_client"] = [t.info.trace_id for t in found]
    out["search_client_dumps"] = {t.info.trace_id: dump_trace(t) for t in found}
    if args.get("filter"):
        out["search_filter"] = [
            t.info.trace_id
            for t in client.search_traces(locations=exp_ids, filter_string=args["filter"])
        ]
    if args.get("run_id"):
        out["search_run"] = [
            t.info.trace_id
            for t in mlflow.search_traces(
                locations=exp_ids, run_id=args["run_id"], return_type="list"
            )
        ]
emit(out)
