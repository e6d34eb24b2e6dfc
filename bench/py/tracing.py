"""Python side of bench/tracing.ts: MLflow 3.18's @mlflow.trace, spans exported to an in-memory list.

MLflow's own exporter runs unchanged up to the I/O: its two calls that write to the tracking store
(`_log_spans`, `_log_trace`) are replaced by appends to a list, so every span is created, recorded,
finalised into an MLflow Trace and handed to the sink, and nothing is written anywhere.
Prints JSON: {"spans": n, "seconds": s}.
"""

import json
import os
import sys
import tempfile
import time

os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"
tmp = tempfile.mkdtemp()
os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp}/bench.db"

import mlflow  # noqa: E402
from mlflow.tracing.export.mlflow_v3 import MlflowV3SpanExporter  # noqa: E402

sink = []
MlflowV3SpanExporter._log_spans = lambda self, *a, **k: None
MlflowV3SpanExporter._log_trace = lambda self, trace, prompts=None, workspace=None: sink.append(trace)

traces = int(sys.argv[1])
children = int(sys.argv[2])


@mlflow.trace
def child(x):
    return x + 1


@mlflow.trace
def root(x):
    total = 0
    for i in range(children):
        total += child(i)
    return total


# Warm up: experiment creation, imports, caches.
for i in range(50):
    root(i)
sink.clear()

start = time.perf_counter()
for i in range(traces):
    root(i)
seconds = time.perf_counter() - start
assert len(sink) == traces, (len(sink), traces)
assert len(sink[-1].data.spans) == children + 1
print(json.dumps({"spans": traces * (children + 1), "seconds": seconds}))
