"""Checks OTLP protobuf bytes made by the TypeScript encoder against MLflow's own conversion.

stdin: {"spans": [<Span.to_dict() form>...], "ours": "<base64 ExportTraceServiceRequest>",
        "resource": {"key": value, ...} | null}
stdout: {"python": <MessageToDict of MLflow's request>, "ours": <MessageToDict of ours>,
         "same_bytes": bool, "from_otel_proto": [<Span.from_otel_proto(ours).to_dict(), times as text>]}
"""

import base64

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource

from mlflow.entities.span import Span
from mlflow.tracing.utils.otlp import resource_to_otel_proto

from _common import emit, read_input

args = read_input()
spans = [Span.from_dict(d) for d in args["spans"]]
request = ExportTraceServiceRequest()
resource_spans = request.resource_spans.add()
resource = Resource(args["resource"]) if args.get("resource") is not None else None
resource_spans.resource.CopyFrom(resource_to_otel_proto(resource))
scope_spans = resource_spans.scope_spans.add()
scope_spans.spans.extend(span.to_otel_proto() for span in spans)
python_bytes = request.SerializeToString()

ours_bytes = base64.b64decode(args["ours"])
ours = ExportTraceServiceRequest()
ours.ParseFromString(ours_bytes)


def from_otel_proto(otel_span):
    # What MLflow's client makes of each span of a GetTrace answer (Trace.from_proto).
    d = Span.from_otel_proto(otel_span).to_dict()
    d["start_time_unix_nano"] = str(d["start_time_unix_nano"])
    d["end_time_unix_nano"] = str(d["end_time_unix_nano"])
    for e in d["events"]:
        e["time_unix_nano"] = str(e["time_unix_nano"])
    return d


emit({
    "python": MessageToDict(request),
    "ours": MessageToDict(ours),
    "same_bytes": python_bytes == ours_bytes,
    "python_b64": base64.b64encode(python_bytes).decode(),
    "from_otel_proto": [from_otel_proto(s) for rs in ours.resource_spans for ss in rs.scope_spans for s in ss.spans],
})
