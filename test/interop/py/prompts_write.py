"""Registers prompts with Python MLflow (mlflow.genai) and prints them as Python sees them.

Input: {tracking_uri, registry_uri?, ops: [...]} where an op is
  {"op": "register", name, template, commit_message?, tags?, response_format?, pydantic?: bool, model_config?}
  {"op": "alias", name, alias, version} | {"op": "delete_alias", name, alias}
  {"op": "load_in_run", uri, experiment?}  (loads inside a run; returns the run id)
  {"op": "model", name}  (an ordinary registered model)
"""

import json
import os
import warnings
from typing import Optional

# Traces are exported synchronously, so the trace read back below is complete.
os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"

from _common import emit, read_input  # noqa: E402
from prompts_lib import dump_prompt_version, setup
from pydantic import BaseModel, Field

import mlflow
from mlflow import MlflowClient
from mlflow.tracing.client import TracingClient

warnings.filterwarnings("ignore")


class Answer(BaseModel):
    answer: str = Field(description="The answer")
    confidence: float
    sources: list[str]
    note: Optional[str] = None


def main():
    payload = read_input()
    setup(payload)
    results = []
    for op in payload["ops"]:
        kind = op["op"]
        if kind == "register":
            rf = Answer if op.get("pydantic") else op.get("response_format")
            pv = mlflow.genai.register_prompt(
                name=op["name"],
                template=op["template"],
                commit_message=op.get("commit_message"),
                tags=op.get("tags"),
                response_format=rf,
                model_config=op.get("model_config"),
            )
            results.append(dump_prompt_version(pv))
        elif kind == "alias":
            mlflow.genai.set_prompt_alias(op["name"], alias=op["alias"], version=op["version"])
            results.append(None)
        elif kind == "delete_alias":
            mlflow.genai.delete_prompt_alias(op["name"], alias=op["alias"])
            results.append(None)
        elif kind == "load_in_run":
            with mlflow.start_run() as run:
                pv = mlflow.genai.load_prompt(op["uri"], cache_ttl_seconds=0)
            tags = MlflowClient().get_run(run.info.run_id).data.tags
            results.append({"run_id": run.info.run_id, "tag": tags.get("mlflow.linkedPrompts"), "version": pv.version})
        elif kind == "trace_load":
            @mlflow.trace
            def f():
                return mlflow.genai.load_prompt(op["uri"], cache_ttl_seconds=0).version

            f()
            trace_id = mlflow.get_last_active_trace_id()
            info = TracingClient().get_trace_info(trace_id)
            results.append({"trace_id": trace_id, "tag": info.tags.get("mlflow.linkedPrompts")})
        elif kind == "model":
            MlflowClient().create_registered_model(op["name"])
            results.append(None)
        elif kind == "schema":
            # The exact text MLflow stores for the pydantic model (emit() would sort the keys).
            results.append(json.dumps(Answer.model_json_schema()))
        else:
            raise ValueError(kind)
    emit(results)


if __name__ == "__main__":
    main()
