"""Distributed tracing interop, Python side. Reads a JSON payload on stdin:

{"op": "client", "tracking_uri": ..., "experiment_name": ..., "url": ..., "body"?: ...}
    Opens a span 'py-client', sends a POST of `body` to `url` with get_tracing_context_headers_for_http_request()'s
    headers (the SDK's server answers it), closes the span; prints {"trace_id", "answer", "headers"}.
{"op": "server", "tracking_uri": ..., "experiment_name": ..., "headers": {...}}
    Handles a request the SDK sent: within set_tracing_context_from_http_request_headers(headers), spans
    'py-handler' > 'py-step'; prints {"ok": true}.
{"op": "read", "tracking_uri": ..., "trace_id": ...}
    mlflow.get_trace(trace_id): prints {"info": ..., "spans": [[name, span_id, parent_id, span_type, inputs, outputs]]}.
"""

import json
import os
import sys

os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"

import mlflow  # noqa: E402
import requests  # noqa: E402
from mlflow.tracing import (  # noqa: E402
    get_tracing_context_headers_for_http_request,
    set_tracing_context_from_http_request_headers,
)


def main():
    payload = json.load(sys.stdin)
    mlflow.set_tracking_uri(payload["tracking_uri"])
    op = payload["op"]
    if op == "client":
        mlflow.set_experiment(payload["experiment_name"])
        with mlflow.start_span("py-client", span_type="AGENT") as span:
            span.set_inputs({"question": "from python"})
            headers = get_tracing_context_headers_for_http_request()
            body = payload.get("body", {"question": "from python"})
            resp = requests.post(payload["url"], json=body, headers=headers, timeout=30)
            resp.raise_for_status()
            answer = resp.json()
            span.set_outputs(answer)
            trace_id = span.trace_id
        mlflow.flush_trace_async_logging()
        print(json.dumps({"trace_id": trace_id, "answer": answer, "headers": headers}))
    elif op == "server":
        mlflow.set_experiment(payload["experiment_name"])
        with set_tracing_context_from_http_request_headers(payload["headers"]):
            with mlflow.start_span("py-handler", span_type="CHAIN") as handler:
                handler.set_inputs({"from": "typescript"})
                with mlflow.start_span("py-step", span_type="TOOL") as step:
                    step.set_outputs("looked up")
                handler.set_outputs("handled in python")
        mlflow.flush_trace_async_logging()
        print(json.dumps({"ok": True}))
    elif op == "read":
        trace = mlflow.get_trace(payload["trace_id"])
        info = trace.info
        print(
            json.dumps(
                {
                    "info": {
                        "trace_id": info.trace_id,
                        "experiment_id": info.experiment_id,
                        "state": str(info.state.value if hasattr(info.state, "value") else info.state),
                        "request_preview": info.request_preview,
                        "response_preview": info.response_preview,
                    },
                    "spans": [
                        [s.name, s.span_id, s.parent_id, s.span_type, s.inputs, s.outputs]
                        for s in trace.data.spans
                    ],
                }
            )
        )
    else:
        raise ValueError(f"unknown op {op}")


if __name__ == "__main__":
    main()
