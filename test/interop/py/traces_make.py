"""Builds trace database A with MLflow's own fluent tracing API and reports what it did.

Reads ``{"db", "artifact_root", "cases"}`` on stdin. Every call the tracing client makes to the
SQL store's trace write methods (``log_spans``, ``start_trace``, tag and link calls, deletes) is
recorded with its arguments, in order, so the TypeScript store can replay exactly the same calls.
Prints ``{"ops", "ids", "run_id", "experiments", "traces", "search", "tables"}``: the recorded
calls, trace ids by scenario name, each trace as ``MlflowClient.get_trace`` returns it, the search
cases' results and a dump of every trace-related table.
"""

import inspect
import os

os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"

import mlflow  # noqa: E402
from _common import emit, read_input  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import SpanType  # noqa: E402
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # noqa: E402
from traces_lib import dump_info, dump_tables, dump_trace, run_search_cases, span_json, subst  # noqa: E402

OPS = []
RECORDING = [True]
REPLAYED = ["log_spans", "start_trace", "set_trace_tag", "delete_trace_tag", "link_traces_to_run", "delete_traces"]
# Trace writes the replay does not cover: the test fails if MLflow's client made any of them.
NOT_REPLAYED = [
    "create_assessment",
    "update_assessment",
    "delete_assessment",
    "link_prompts_to_trace",
    "deprecated_start_trace_v2",
    "deprecated_end_trace_v2",
]


def _record(name):
    original = getattr(SqlAlchemyStore, name)
    signature = inspect.signature(original)

    def wrapper(self, *args, **kwargs):
        if not RECORDING[0]:
            return original(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        a = dict(bound.arguments)
        a.pop("self")
        if name == "log_spans":
            op = {"experiment_id": a["location"], "spans": [span_json(s) for s in a["spans"]]}
        elif name == "start_trace":
            op = {"info": dump_info(a["trace_info"])}
        elif name in REPLAYED:
            op = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in a.items()}
        else:
            op = {}
        OPS.append({"op": name, **op})
        result = original(self, *args, **kwargs)
        if name == "start_trace":
            OPS[-1]["result"] = dump_info(result)
        return result

    setattr(SqlAlchemyStore, name, wrapper)


for _name in REPLAYED + NOT_REPLAYED:
    _record(_name)


@mlflow.trace(span_type=SpanType.LLM)
def call_llm(messages, model="fake-model-xyz"):
    span = mlflow.get_current_active_span()
    span.set_attribute("mlflow.chat.tokenUsage", {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})
    span.set_attribute("mlflow.llm.cost", {"input_cost": 0.0001, "output_cost": 0.0002, "total_cost": 0.0003})
    return {"choices": [{"message": {"role": "assistant", "content": "Bonjour ✓"}}], "model": model}


@mlflow.trace(span_type=SpanType.TOOL)
def failing_tool(x):
    raise ValueError(f"tool broke on {x}")


@mlflow.trace(span_type=SpanType.AGENT, name="agent")
def agent(question):
    mlflow.update_current_trace(
        tags={"env": "prod", "team": "ml"},
        metadata={"app.version": "1.2"},
        session_id="sess-1",
        user="alice",
        client_request_id="req-1",
    )
    messages = [{"role": "system", "content": "be nice"}, {"role": "user", "content": question}]
    answer = call_llm(messages)
    try:
        failing_tool(1)
    except ValueError:
        pass
    with mlflow.start_span("rollup", span_type=SpanType.LLM) as rollup:
        # A parent carrying cumulative usage: its LLM child must not be counted twice.
        rollup.set_attribute("mlflow.chat.tokenUsage", {"input_tokens": 20, "output_tokens": 8, "total_tokens": 28})
        rollup.set_attribute("mlflow.llm.cost", {"input_cost": 0.001, "output_cost": 0.002, "total_cost": 0.003})
        call_llm(messages)
    return answer


@mlflow.trace
def broken(n):
    raise RuntimeError(f"boom {n}")


@mlflow.trace(name="small")
def small(x):
    mlflow.update_current_trace(tags={"env": "dev"}, metadata={"app.version": "1.3"})
    return x * 2


def main():
    inp = read_input()
    mlflow.set_tracking_uri(f"sqlite:///{inp['db']}")
    client = MlflowClient()
    exp = client.create_experiment("traces-interop", artifact_location=inp["artifact_root"] + "/e1")
    exp2 = client.create_experiment("traces-interop-2", artifact_location=inp["artifact_root"] + "/e2")
    mlflow.set_experiment(experiment_id=exp)
    ids = {}

    with mlflow.start_run() as run:
        agent("Quelle heure est-il ?")
        ids["agent"] = mlflow.get_last_active_trace_id()

    try:
        broken(3)
    except RuntimeError:
        pass
    ids["broken"] = mlflow.get_last_active_trace_id()

    with mlflow.start_span("manual", span_type=SpanType.CHAIN) as root:
        root.set_inputs({"text": "é" * 1200})
        root.set_attribute("session.id", "sess-2")
        root.set_attribute("user.id", "bob")
        root.set_attribute("mlflow.traceTag.color", "blue")
        with mlflow.start_span("otel-child") as child:
            child.set_attributes({
                "gen_ai.operation.name": "chat",
                "gen_ai.usage.input_tokens": 7,
                "gen_ai.usage.output_tokens": 3,
                "gen_ai.request.model": "fake-model-xyz",
                "gen_ai.provider.name": "fakeprovider",
                # Set so that MLflow does not price the span from its (remote) model catalog.
                "mlflow.llm.cost": {"input_cost": 1e-05, "output_cost": 2e-05, "total_cost": 3.0000000000000004e-05},
            })
        root.set_outputs(["a", "b"])
    ids["manual"] = mlflow.get_last_active_trace_id()

    small(21)
    ids["small"] = mlflow.get_last_active_trace_id()
    small(4)
    ids["doomed"] = mlflow.get_last_active_trace_id()

    mlflow.set_experiment(experiment_id=exp2)
    small(5)
    ids["other"] = mlflow.get_last_active_trace_id()

    client.set_trace_tag(ids["broken"], "reviewed", "yes")
    client.delete_trace_tag(ids["agent"], "team")
    client.set_trace_tag(ids["manual"], "mlflow.traceName", "renamed")
    client.link_traces_to_run([ids["broken"], ids["manual"]], run.info.run_id)
    client.link_traces_to_run([ids["broken"]], run.info.run_id)
    client.delete_traces(exp, trace_ids=[ids["doomed"]])

    experiments = {"{{E}}": exp, "{{E2}}": exp2}
    traces = {name: dump_trace(client.get_trace(tid)) for name, tid in ids.items() if name != "doomed"}
    tables = dump_tables(inp["db"])

    # Assessments only for the search cases on A (the replay into B does not cover them).
    RECORDING[0] = False
    mlflow.log_feedback(trace_id=ids["agent"], name="quality", value="good")
    mlflow.log_feedback(trace_id=ids["small"], name="score", value=0.8)
    mlflow.log_feedback(trace_id=ids["broken"], name="score", value=0.2)
    mlflow.log_expectation(trace_id=ids["broken"], name="answer", value="42")
    mlflow.log_feedback(
        trace_id=ids["manual"], name="session_ok", value=True, metadata={"mlflow.trace.session": "sess-2"}
    )
    cases = [
        {**c, "filter": subst(c.get("filter"), ids, run.info.run_id)} for c in inp.get("cases", [])
    ]
    emit({
        "ops": OPS,
        "ids": ids,
        "run_id": run.info.run_id,
        "experiments": experiments,
        "traces": traces,
        "search": run_search_cases(client, experiments, cases),
        "tables": tables,
    })


if __name__ == "__main__":
    main()
