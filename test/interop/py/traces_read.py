"""Reads a trace database with MLflow's own client: the given traces, search cases and tables.

Reads ``{"db", "ids", "experiments", "run_id", "cases"}`` on stdin (``ids``: trace ids by scenario
name; ``experiments``: placeholder → experiment id). Prints ``{"traces", "missing", "search",
"tables"}`` in the same forms as ``traces_make.py``.
"""

import mlflow
from _common import emit, read_input
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from traces_lib import dump_tables, dump_trace, run_search_cases, subst


def main():
    inp = read_input()
    mlflow.set_tracking_uri(f"sqlite:///{inp['db']}")
    client = MlflowClient()
    traces, missing = {}, {}
    for name, tid in inp["ids"].items():
        try:
            traces[name] = dump_trace(client.get_trace(tid))
        except MlflowException as e:
            missing[name] = e.error_code
        if name not in traces and name not in missing:
            missing[name] = "NONE"
    cases = [{**c, "filter": subst(c.get("filter"), inp["ids"], inp["run_id"])} for c in inp.get("cases", [])]
    emit({
        "traces": traces,
        "missing": missing,
        "search": run_search_cases(client, inp["experiments"], cases),
        "tables": dump_tables(inp["db"]),
    })


if __name__ == "__main__":
    main()
