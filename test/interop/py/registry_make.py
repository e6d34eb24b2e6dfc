"""Writes a model registry with MLflow's own MlflowClient, then searches and dumps it.

stdin: {"db": <sqlite path>, "ops": [{"op", "args"}...], "cases": [search cases]}
Runs the ops in order against sqlite:///<db> (each op's result or error is recorded; `{{run_id}}`
and `{{model_id}}` in args are the run and LoggedModel the ops created), answers every search
case (all pages), and dumps the whole registry. Prints {"ctx", "ops", "cases", "dump"}.
"""

import mlflow
from mlflow import MlflowClient

from _common import emit, read_input
from registry_lib import dump_registry, run_op, run_search_case

args = read_input()
uri = f"sqlite:///{args['db']}"
# create_model_version resolves `models:/<model_id>` through the global tracking URI.
mlflow.set_tracking_uri(uri)
mlflow.set_registry_uri(uri)
client = MlflowClient(tracking_uri=uri, registry_uri=uri)
ctx = {}
results = [run_op(client, op, ctx) for op in args.get("ops", [])]
cases = [run_search_case(client, case, ctx) for case in args.get("cases", [])]
emit({"ctx": ctx, "ops": results, "cases": cases, "dump": dump_registry(client)})
