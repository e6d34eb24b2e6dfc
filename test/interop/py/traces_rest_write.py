"""Writes traces into a tracking server with Python MLflow's own tracing and prints their dumps.

stdin: {"tracking_uri": ..., "experiment_name": ..., "artifact_only": bool}
With artifact_only, the client behaves as one that cannot log spans to the store (an older
client, or a server without OTLP span logging): its exporter uploads the spans to traces.json.
stdout: {"experiment_id": ..., "trace_ids": [...], "traces": {id: dump}}
"""

import os

os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"

import mlflow
from mlflow.store.tracking.rest_store import RestStore

from _common import emit, read_input
from traces_rest_common import dump_trace

args = read_input()
if args.get("artifact_only"):

    def _no_log_spans(self, location, spans, tracking_uri=None):
        raise NotImplementedError("log_spans disabled for this test")

    RestStore.log_spans = _no_log_spans

mlflow.set_tracking_uri(args["tracking_uri"])
exp = mlflow.set_experiment(args["experiment_name"])
ids = []


@mlflow.trace(span_type="RETRIEVER")
def retrieve(query):
    return [{"page_content": "MLflow is an open source platform", "metadata": {"doc_uri": "a.md"}}]


@mlflow.trace(span_type="CHAT_MODEL")
def chat(messages):
    span = mlflow.get_current_active_span()
    span.set_attribute("mlflow.chat.tokenUsage", {"input_tokens": 12, "output_tokens": 7, "total_tokens": 19})
    span.set_attribute("temperature", 0.5)
    span.set_attribute("ratio", 1.0)
    span.set_attribute("seed", 42)
    return {"choices": [{"message": {"role": "assistant", "content": "Héllo ✓"}}]}


@mlflow.trace(name="agent", span_type="AGENT")
def agent(question):
    mlflow.update_current_trace(tags={"env": "prod", "team": "ml"}, metadata={"custom.key": "v1"})
    docs = retrieve(question)
    return chat([{"role": "user", "content": question}, {"role": "system", "content": str(len(docs))}])


agent("What is MLflow?")
ids.append(mlflow.get_last_active_trace_id())


@mlflow.trace
def failing(x):
    with mlflow.start_span("inner-tool", span_type="TOOL") as s:
        s.set_inputs({"x": x})
        raise ValueError("boom")


try:
    failing(3)
except ValueError:
    pass
ids.append(mlflow.get_last_active_trace_id())

with mlflow.start_span("manual", span_type="CHAIN") as root:
    root.set_inputs("plain text input")
    root.add_event(mlflow.entities.SpanEvent("checkpoint", attributes={"step": 2, "ok": True}))
    root.set_outputs(None)
ids.append(mlflow.get_last_active_trace_id())

emit({
    "experiment_id": exp.experiment_id,
    "trace_ids": ids,
    "traces": {tid: dump_trace(mlflow.get_trace(tid)) for tid in ids},
})
