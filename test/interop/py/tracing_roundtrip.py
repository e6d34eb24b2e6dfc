"""Tracing interop, Python side. Reads a JSON payload on stdin:

{"op": "read", "tracking_uri": ..., "trace_ids": [...], "experiment_ids": [...], "filters": [...]}
    Reads each trace with mlflow.get_trace and MlflowClient.search_traces; prints canonical JSON.
{"op": "write", "tracking_uri": ..., "experiment_name": ...}
    Makes a set of traces with @mlflow.trace / mlflow.start_span (nested spans, an error, token usage,
    a generator, a trace inside a run, tags and metadata), then prints their ids.
"""

import json
import os
import sys

os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import SpanType  # noqa: E402


def canon_span(s):
    return {
        "name": s.name,
        "span_id": s.span_id,
        "parent_id": s.parent_id,
        "trace_id": s.trace_id,
        "span_type": s.span_type,
        "inputs": s.inputs,
        "outputs": s.outputs,
        "status": [s.status.status_code.value, s.status.description],
        "start_time_ns": str(s.start_time_ns),
        "end_time_ns": None if s.end_time_ns is None else str(s.end_time_ns),
        "attributes": {k: v for k, v in sorted(s.attributes.items())},
        "events": [
            {"name": e.name, "time_ns": str(e.timestamp), "attributes": dict(sorted(e.attributes.items()))}
            for e in s.events
        ],
    }


def canon_info(i):
    return {
        "trace_id": i.trace_id,
        "experiment_id": i.experiment_id,
        "request_time": i.request_time,
        "execution_duration": i.execution_duration,
        "state": i.state.value,
        "request_preview": i.request_preview,
        "response_preview": i.response_preview,
        "client_request_id": i.client_request_id,
        "trace_metadata": dict(sorted(i.trace_metadata.items())),
        "tags": dict(sorted(i.tags.items())),
    }


def canon_trace(t):
    return {"info": canon_info(t.info), "spans": [canon_span(s) for s in t.data.spans]}


def read(p):
    mlflow.set_tracking_uri(p["tracking_uri"])
    client = MlflowClient()
    traces = {tid: canon_trace(mlflow.get_trace(tid)) for tid in p["trace_ids"]}
    searches = []
    for f in p.get("filters", []):
        found = client.search_traces(
            locations=p["experiment_ids"],
            filter_string=f.get("filter"),
            order_by=f.get("order_by"),
            max_results=f.get("max_results", 100),
        )
        searches.append([t.info.trace_id for t in found])
    df_ids = list(mlflow.search_traces(locations=p["experiment_ids"], return_type="list"))
    return {"traces": traces, "searches": searches, "search_all": sorted(t.info.trace_id for t in df_ids)}


def write(p):
    mlflow.set_tracking_uri(p["tracking_uri"])
    exp = mlflow.set_experiment(p["experiment_name"])
    ids = []

    @mlflow.trace(span_type=SpanType.RETRIEVER)
    def retrieve(query, k=2):
        return [f"doc-{i} for {query}" for i in range(k)]

    @mlflow.trace(span_type=SpanType.LLM)
    def generate(prompt):
        span = mlflow.get_current_active_span()
        span.set_attribute("mlflow.chat.tokenUsage", {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10})
        span.set_attribute("mlflow.llm.model", "tiny-gpt2")
        return prompt.upper()

    @mlflow.trace(span_type=SpanType.AGENT)
    def agent(question):
        docs = retrieve(question)
        with mlflow.start_span(name="compose", span_type=SpanType.CHAIN) as s:
            s.set_inputs({"docs": docs})
            prompt = " | ".join(docs)
            s.set_outputs(prompt)
        mlflow.update_current_trace(tags={"team": "py"}, metadata={"origin": "python"})
        return generate(prompt)

    agent("what is mlflow?")
    ids.append(mlflow.get_last_active_trace_id())

    @mlflow.trace
    def fails(x):
        raise ValueError(f"bad {x}")

    try:
        fails(3)
    except ValueError:
        pass
    ids.append(mlflow.get_last_active_trace_id())

    @mlflow.trace
    def stream(n):
        for i in range(n):
            yield i

    list(stream(3))
    ids.append(mlflow.get_last_active_trace_id())

    with mlflow.start_run() as run:
        agent("inside a run")
        ids.append(mlflow.get_last_active_trace_id())
    return {"trace_ids": ids, "experiment_id": exp.experiment_id, "run_id": run.info.run_id}


if __name__ == "__main__":
    payload = json.load(sys.stdin)
    out = read(payload) if payload["op"] == "read" else write(payload)
    print(json.dumps(out, default=str))
