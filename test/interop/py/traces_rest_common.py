"""Canonical JSON of MLflow traces, shared by the traces_rest_* interop scripts."""


def dump_info(info):
    return {
        "trace_id": info.trace_id,
        "experiment_id": info.experiment_id,
        "request_time": info.request_time,
        "execution_duration": info.execution_duration,
        "state": info.state.value if hasattr(info.state, "value") else str(info.state),
        "request_preview": info.request_preview,
        "response_preview": info.response_preview,
        "client_request_id": info.client_request_id,
        "trace_metadata": dict(info.trace_metadata),
        "tags": dict(info.tags),
    }


def dump_span(span):
    d = span.to_dict()
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "name": span.name,
        "kind": d.get("kind"),
        "span_type": span.span_type,
        "start_time_ns": str(span.start_time_ns),
        "end_time_ns": None if span.end_time_ns is None else str(span.end_time_ns),
        "status_code": span.status.status_code.value,
        "status_description": span.status.description,
        "inputs": span.inputs,
        "outputs": span.outputs,
        "attributes": d["attributes"],
        "events": [
            {"name": e.name, "timestamp": str(e.timestamp), "attributes": dict(e.attributes)}
            for e in span.events
        ],
    }


def dump_trace(trace):
    spans = sorted(trace.data.spans, key=lambda s: (s.start_time_ns, s.span_id))
    return {"info": dump_info(trace.info), "spans": [dump_span(s) for s in spans]}
