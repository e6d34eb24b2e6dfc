"""Reads prompts with Python MLflow and prints what it sees.

Input: {tracking_uri, registry_uri?, load: [{uri, version?}], stored: [[name, version]],
        prompt_tags: [name], run_ids: [id], trace_ids: [id]}.
"""

import warnings

from _common import emit, read_input
from prompts_lib import dump_prompt, dump_prompt_version, dump_stored_version, setup

import mlflow
from mlflow import MlflowClient
from mlflow.tracing.client import TracingClient

warnings.filterwarnings("ignore")


def main():
    payload = read_input()
    setup(payload)
    client = MlflowClient()
    out = {"load": [], "stored": [], "prompt_tags": {}, "run_tags": {}, "trace_tags": {}}
    for item in payload.get("load", []):
        try:
            pv = mlflow.genai.load_prompt(item["uri"], version=item.get("version"), cache_ttl_seconds=0)
            out["load"].append({"uri": item["uri"], "prompt": dump_prompt_version(pv)})
        except Exception as e:
            out["load"].append({"uri": item["uri"], "error": {"code": getattr(e, "error_code", None), "message": str(e)}})
    for name, version in payload.get("stored", []):
        out["stored"].append(dump_stored_version(client, name, version))
    for name in payload.get("prompt_tags", []):
        out["prompt_tags"][name] = dict(sorted(mlflow.genai.get_prompt_tags(name).items()))
    out["search_prompts"] = sorted(
        (dump_prompt(p) for p in mlflow.genai.search_prompts()), key=lambda p: p["name"]
    )
    out["search_registered_models"] = sorted(m.name for m in client.search_registered_models())
    for run_id in payload.get("run_ids", []):
        out["run_tags"][run_id] = client.get_run(run_id).data.tags.get("mlflow.linkedPrompts")
    for trace_id in payload.get("trace_ids", []):
        info = TracingClient().get_trace_info(trace_id)
        out["trace_tags"][trace_id] = info.tags.get("mlflow.linkedPrompts")
    emit(out)


if __name__ == "__main__":
    main()
