"""Makes bad trace calls with Python's MlflowClient and prints the error code of each.

stdin: {"tracking_uri": ..., "trace_id": <an existing trace>, "run_id": <an existing run>}
stdout: {case: error_code | "ok"}
"""

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from _common import emit, read_input

args = read_input()
store = MlflowClient(tracking_uri=args["tracking_uri"])._tracking_client.store
missing = "tr-" + "0" * 31 + "1"
cases = {
    "get_info_missing": lambda: store.get_trace_info(missing),
    "get_trace_missing": lambda: store.get_trace(missing),
    "set_tag_missing_trace": lambda: store.set_trace_tag(missing, "k", "v"),
    "set_tag_blocked": lambda: store.set_trace_tag(args["trace_id"], "mlflow.artifactLocation", "x"),
    "set_tag_empty_key": lambda: store.set_trace_tag(args["trace_id"], "", "v"),
    "delete_tag_missing": lambda: store.delete_trace_tag(args["trace_id"], "no-such-tag"),
    "link_missing_run": lambda: store.link_traces_to_run([args["trace_id"]], "f" * 32),
    "link_too_many": lambda: store.link_traces_to_run(
        ["tr-%032x" % i for i in range(101)], args["run_id"]
    ),
    "search_bad_filter": lambda: store.search_traces(["0"], filter_string="foo bar baz"),
    "search_too_many": lambda: store.search_traces(["0"], max_results=501),
}
out = {}
for name, call in cases.items():
    try:
        call()
        out[name] = "ok"
    except MlflowException as e:
        out[name] = e.error_code
emit(out)
