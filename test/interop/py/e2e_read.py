"""Reads what the e2e pipeline left in a store with MLflow's own APIs.

stdin: {"uri", "experiment_name", "prompt_name", "model_name", "alias"}
Prints: experiment, runs (name, status, parent, metrics keys), traces (per run, with assessments), the
prompt's template, and the registered model version behind the alias.
"""

import mlflow
from mlflow import MlflowClient

from _common import emit, read_input

args = read_input()
mlflow.set_tracking_uri(args["uri"])
mlflow.set_registry_uri(args["uri"])
client = MlflowClient()
out = {}
exp = client.get_experiment_by_name(args["experiment_name"])
out["experiment_id"] = exp.experiment_id
runs = client.search_runs([exp.experiment_id], max_results=1000)
out["runs"] = sorted(
    (
        {
            "run_id": r.info.run_id,
            "name": r.info.run_name,
            "status": r.info.status,
            "parent": r.data.tags.get("mlflow.parentRunId"),
            "metrics": dict(r.data.metrics),
            "tags": {k: v for k, v in r.data.tags.items() if k.startswith("mlflow-genai") or k == "mlflow.runType"},
        }
        for r in runs
    ),
    key=lambda r: r["name"] or "",
)
traces = mlflow.search_traces(locations=[exp.experiment_id], return_type="list", max_results=1000)
out["traces"] = [
    {
        "trace_id": t.info.trace_id,
        "state": str(t.info.state),
        "run_id": t.info.request_metadata.get("mlflow.sourceRun"),
        "root": t.data.spans[0].name if t.data.spans else None,
        "span_count": len(t.data.spans),
        "assessments": sorted(
            [
                {
                    "name": a.name,
                    "source_type": a.source.source_type,
                    "kind": type(a).__name__,
                }
                for a in (t.info.assessments or [])
            ],
            key=lambda a: (a["name"], a["kind"]),
        ),
    }
    for t in traces
]
if args.get("prompt_name"):
    p = mlflow.genai.load_prompt(f"prompts:/{args['prompt_name']}@latest")
    out["prompt"] = {"version": p.version, "template": p.template}
if args.get("model_name"):
    mv = client.get_model_version_by_alias(args["model_name"], args["alias"])
    out["model_version"] = {"version": str(mv.version), "source": mv.source, "run_id": mv.run_id, "aliases": sorted(mv.aliases)}
    out["logged_model_flavors"] = sorted(mlflow.models.Model.load(f"models:/{args['model_name']}@{args['alias']}").flavors)
emit(out)
