"""Reads model registries with MLflow's own MlflowClient and probes them with ops.

stdin: {"targets": [{"uri": <sqlite:/// or http:// URI>, "ops": [{"op", "args"}...]}]}
For each target: the full registry dump, then each op's result or error. Prints a list of
{"dump", "ops"}.
"""

from mlflow import MlflowClient

from _common import emit, read_input
from registry_lib import dump_registry, run_op

args = read_input()
out = []
for target in args["targets"]:
    client = MlflowClient(tracking_uri=target["uri"], registry_uri=target["uri"])
    dump = dump_registry(client)
    ops = [run_op(client, op, dict(target.get("ctx", {}))) for op in target.get("ops", [])]
    out.append({"dump": dump, "ops": ops})
emit(out)
