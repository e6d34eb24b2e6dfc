"""Shared helpers of the trace interop scripts: neutral JSON for trace infos and spans, the search
cases runner, and an exact dump of every trace-related table of a SQLite tracking database."""

import json
import logging
import sqlite3

from mlflow.exceptions import MlflowException
from mlflow.tracing.utils import TraceJSONEncoder

logging.getLogger("mlflow").setLevel(logging.ERROR)
logging.getLogger("alembic").setLevel(logging.ERROR)

TRACE_TABLES = [
    "trace_info",
    "trace_tags",
    "trace_request_metadata",
    "trace_metrics",
    "spans",
    "span_metrics",
    "assessments",
    "entity_associations",
    "review_queue_items",
    "sql_trace_rollup_rebuild_queue",
    "sql_trace_metric_daily_rollups",
    "sql_span_cost_daily_rollups",
    "sql_assessment_daily_rollups",
]


def dump_info(info):
    """A TraceInfo in the TypeScript `TraceInfo` shape."""
    return {
        "traceId": info.trace_id,
        "experimentId": info.experiment_id,
        "requestTime": info.request_time,
        "executionDuration": info.execution_duration,
        "state": info.state.value,
        "requestPreview": info.request_preview,
        "responsePreview": info.response_preview,
        "clientRequestId": info.client_request_id,
        "traceMetadata": dict(info.trace_metadata),
        "tags": dict(info.tags),
    }


def span_json(span):
    """A span's dict as JSON text (nanosecond integers stay exact for the TypeScript side)."""
    return json.dumps(span.to_dict(), cls=TraceJSONEncoder, ensure_ascii=False)


def dump_trace(trace):
    return {"info": dump_info(trace.info), "spans": [span_json(s) for s in trace.data.spans]}


def _token_text(token):
    if token is None:
        return None
    return token.decode("ascii") if isinstance(token, bytes) else str(token)


def run_search_cases(client, experiment_ids, cases):
    """Runs each case through MlflowClient.search_traces (all pages, no spans)."""
    out = []
    for case in cases:
        locations = [experiment_ids.get(e, e) for e in case.get("experiment_ids", ["{{E}}"])]
        ids, tokens = [], []
        page_token = case.get("page_token")
        try:
            for _ in range(100):
                page = client.search_traces(
                    locations=locations,
                    filter_string=case.get("filter"),
                    max_results=case.get("max_results", 100),
                    order_by=case.get("order_by"),
                    page_token=page_token,
                    include_spans=False,
                )
                ids.extend(t.info.trace_id for t in page)
                page_token = _token_text(page.token)
                if not page_token:
                    break
                tokens.append(page_token)
            out.append({"ids": ids, "tokens": tokens})
        except MlflowException as e:
            out.append({"error_code": e.error_code, "message": e.message})
        except Exception as e:  # noqa: BLE001 - raw driver errors reach users as INTERNAL_ERROR
            out.append({"error_code": "INTERNAL_ERROR", "message": f"{type(e).__name__}: {e}"})
    return out


def _cell(kind, value):
    if kind == "real":
        return [kind, repr(value)]
    if kind == "integer":
        return [kind, str(value)]
    return [kind, value]


def dump_tables(db_path):
    """Every row of every trace-related table: each cell as [sqlite storage class, exact text]."""
    conn = sqlite3.connect(db_path)
    try:
        out = {}
        for table in TRACE_TABLES:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_xinfo({table})")]
            select = ", ".join(f'typeof("{c}"), "{c}"' for c in columns)
            rows = []
            for raw in conn.execute(f"SELECT {select} FROM {table}"):
                rows.append({c: _cell(raw[2 * i], raw[2 * i + 1]) for i, c in enumerate(columns)})
            rows.sort(key=lambda r: json.dumps(r, sort_keys=True))
            out[table] = rows
        return out
    finally:
        conn.close()


def subst(text, ids, run_id):
    """Fills ``{{RUN}}`` and ``{{<scenario>}}`` placeholders of a filter string."""
    if text is None:
        return None
    text = text.replace("{{RUN}}", run_id)
    for name, tid in ids.items():
        text = text.replace("{{" + name + "}}", tid)
    return text
