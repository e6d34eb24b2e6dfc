"""Reads an SDK evaluation back with MLflow's own client, and makes assessments for the SDK to read.

Reads ``{"tracking_uri", "run_id", "experiment_id", "db"?, "make"?}`` on stdin.

- ``search_traces(run_id=...)``: every trace of the run with its assessments (name, kind, value, source,
  rationale, error, metadata, span, validity), its eval request tag and root span inputs/outputs;
- the run's metrics, tags and status, and ``load_table("eval_results_table.json")``'s columns and rows;
- with ``db`` (a SQLite path): the raw ``assessments`` rows, for byte-level comparisons;
- with ``make`` = ``{"trace_id", "twins": [...]}``: Python logs a feedback, an expectation and an
  override on that trace (ids returned as ``made``), plus one feedback per twin spec (name, value,
  rationale, metadata, error) whose raw row is returned as ``twins`` (SQLite only).
"""

import sqlite3

import mlflow
from _common import emit, num, read_input
from mlflow import MlflowClient
from mlflow.entities import AssessmentError, AssessmentSource, Feedback


def dump_assessment(a):
    kind = "feedback" if a.feedback is not None else "expectation" if a.expectation is not None else "issue"
    value = a.feedback.value if kind == "feedback" else a.expectation.value if kind == "expectation" else None
    err = a.feedback.error if kind == "feedback" and a.feedback.error else None
    return {
        "assessment_id": a.assessment_id,
        "name": a.name,
        "kind": kind,
        "value": num(value),
        "source_type": a.source.source_type,
        "source_id": a.source.source_id,
        "rationale": a.rationale,
        "error_code": err.error_code if err else None,
        "error_message": err.error_message if err else None,
        "metadata": a.metadata,
        "span_id": a.span_id,
        "valid": a.valid,
        "overrides": a.overrides,
        "trace_id": a.trace_id,
    }


def raw_rows(db, where="1=1", params=()):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        cols = (
            "assessment_id, trace_id, name, assessment_type, value, error, source_type, source_id, run_id, "
            "span_id, rationale, overrides, valid, assessment_metadata, experiment_id, trace_timestamp_ms, "
            "aggregate_value, is_numeric_value"
        )
        return [dict(r) for r in con.execute(f"SELECT {cols} FROM assessments WHERE {where}", params)]
    finally:
        con.close()


def main():
    inp = read_input()
    mlflow.set_tracking_uri(inp["tracking_uri"])
    client = MlflowClient()
    out = {}
    made = {}
    twins = []
    if make := inp.get("make"):
        tid = make["trace_id"]
        fb = mlflow.log_feedback(
            trace_id=tid,
            name="py_quality",
            value=0.75,
            rationale="made in Python",
            source=AssessmentSource(source_type="HUMAN", source_id="reviewer@example.com"),
            metadata={"origin": "python"},
        )
        ex = mlflow.log_expectation(trace_id=tid, name="py_expected", value={"facts": ["a", "ü"]})
        made = {"feedback": fb.assessment_id, "expectation": ex.assessment_id}
        if over := make.get("override"):
            o = mlflow.override_feedback(trace_id=tid, assessment_id=over, value=False, rationale="human says no")
            made["override"] = o.assessment_id
        for spec in make.get("twins", []):
            err = spec.get("error")
            f = Feedback(
                name=spec["name"],
                value=spec.get("value"),
                rationale=spec.get("rationale"),
                metadata=spec.get("metadata"),
                error=AssessmentError(**err) if err else None,
                source=AssessmentSource(source_type="CODE", source_id=spec["name"]),
            )
            created = mlflow.log_assessment(trace_id=tid, assessment=f)
            if inp.get("db"):
                twins.append(raw_rows(inp["db"], "assessment_id = ?", (created.assessment_id,))[0])
    traces = mlflow.search_traces(
        locations=[inp["experiment_id"]], run_id=inp["run_id"], return_type="list", max_results=1000
    )
    out["traces"] = [
        {
            "trace_id": t.info.trace_id,
            "request_id_tag": t.info.tags.get("mlflow.eval.requestId"),
            "source_run": t.info.trace_metadata.get("mlflow.sourceRun"),
            "state": str(t.info.state),
            "inputs": t.data.spans[0].inputs if t.data.spans else None,
            "outputs": t.data.spans[0].outputs if t.data.spans else None,
            "root_span_id": next((s.span_id for s in t.data.spans if s.parent_id is None), None),
            "assessments": sorted((dump_assessment(a) for a in t.info.assessments), key=lambda d: d["name"]),
        }
        for t in traces
    ]
    run = client.get_run(inp["run_id"])
    out["run"] = {
        "metrics": {k: num(v) for k, v in run.data.metrics.items()},
        "tags": run.data.tags,
        "status": run.info.status,
    }
    try:
        table = client.load_table(inp["experiment_id"], "eval_results_table.json", run_ids=[inp["run_id"]])
        out["table"] = {"columns": list(table.columns), "rows": len(table)}
    except Exception as e:  # noqa: BLE001
        out["table"] = {"error": str(e)}
    if inp.get("db"):
        out["raw"] = raw_rows(inp["db"])
    out["made"] = made
    out["twins"] = twins
    emit(out)


if __name__ == "__main__":
    main()
