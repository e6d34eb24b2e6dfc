"""Reads what the SDK logged and registered (LoggedModel, run outputs, model versions, aliases, MLmodel) with
MLflow's own client, and registers an SDK-logged model from Python.

stdin: {"uri": tracking URI, "model_id", "run_id", "name", "version", "alias", "register_as": name|null,
        "python_model": {"name", "registered_model_name"}|null}
Prints one JSON document.
"""

import json

import mlflow
from mlflow import MlflowClient
from mlflow.models import Model
from mlflow.models.signature import ModelSignature

from _common import emit, read_input

args = read_input()
mlflow.set_tracking_uri(args["uri"])
mlflow.set_registry_uri(args["uri"])
client = MlflowClient()


def dump_mv(mv):
    return {
        "name": mv.name,
        "version": str(mv.version),
        "source": mv.source,
        "run_id": mv.run_id,
        "model_id": mv.model_id,
        "status": mv.status,
        "tags": dict(mv.tags),
        "aliases": sorted(mv.aliases),
        "download_uri": client.get_model_version_download_uri(mv.name, mv.version),
    }


out = {}
lm = client.get_logged_model(args["model_id"])
out["logged_model"] = {
    "model_id": lm.model_id,
    "name": lm.name,
    "experiment_id": lm.experiment_id,
    "source_run_id": lm.source_run_id,
    "status": str(lm.status),
    "artifact_location": lm.artifact_location,
    "tags": dict(lm.tags),
    "params": dict(lm.params),
    "metrics": sorted([m.key, m.value, m.step] for m in (lm.metrics or [])),
}
run = client.get_run(args["run_id"])
out["run_outputs"] = [
    {"model_id": o.model_id, "step": o.step} for o in (run.outputs.model_outputs if run.outputs else [])
]
out["run_params"] = dict(run.data.params)
mv = client.get_model_version(args["name"], args["version"])
out["version"] = dump_mv(mv)
out["by_alias"] = dump_mv(client.get_model_version_by_alias(args["name"], args["alias"]))
model = Model.load(f"models:/{args['model_id']}")
out["mlmodel"] = {
    "model_id": model.model_id,
    "run_id": model.run_id,
    "artifact_path": model.artifact_path,
    "flavors": sorted(model.flavors),
    "signature": model.signature.to_dict() if model.signature else None,
}
if model.signature:
    out["signature_roundtrip"] = ModelSignature.from_dict(model.signature.to_dict()).to_dict()
out["mlmodel_by_alias_model_id"] = Model.load(f"models:/{args['name']}@{args['alias']}").model_id
out["mlmodel_by_runs_uri_model_id"] = Model.load(f"runs:/{args['run_id']}/{lm.name}").model_id

if args.get("register_as"):
    reg = mlflow.register_model(f"models:/{args['model_id']}", args["register_as"])
    out["py_registered"] = dump_mv(client.get_model_version(reg.name, reg.version))
    out["logged_model_tags_after"] = dict(client.get_logged_model(args["model_id"]).tags)

if args.get("python_model"):
    spec = args["python_model"]

    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    with mlflow.start_run() as r:
        info = mlflow.pyfunc.log_model(
            name=spec["name"],
            python_model=Echo(),
            pip_requirements=["mlflow==3.18.0"],
            registered_model_name=spec["registered_model_name"],
        )
    out["python_model"] = {
        "model_id": info.model_id,
        "run_id": r.info.run_id,
        "version": dump_mv(client.get_model_version(spec["registered_model_name"], info.registered_model_version)),
        "logged_model_tags": dict(client.get_logged_model(info.model_id).tags),
    }
emit(out)
