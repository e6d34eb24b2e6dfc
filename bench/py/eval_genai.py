"""Python side of bench/eval.ts: mlflow.genai.evaluate on the same rows with the same five code scorers.

A fresh SQLite store (a temporary directory), one evaluation run, traces made by predict_fn, five
custom @scorer functions, 4 workers (see below). Prints JSON: {"rows", "seconds", "metrics",
"assessments"} (seconds of the evaluate call alone, after a small warm-up evaluation).
"""

import json
import os
import sys
import tempfile
import time

tmp = tempfile.mkdtemp()
os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp}/bench.db"
# The same worker count as the SDK side (bench/eval.ts). MLflow's default (10 predict + 10 scoring
# threads) exhausts SQLAlchemy's connection pool on SQLite (py-spy shows the workers queued in
# QueuePool checkout, each waiting out its timeout) and rows lose their assessments; with 4 it completes.
os.environ.setdefault("MLFLOW_GENAI_EVAL_MAX_WORKERS", "4")

import logging  # noqa: E402

import mlflow  # noqa: E402
from mlflow.genai.scorers import scorer  # noqa: E402

logging.getLogger("mlflow").setLevel(logging.ERROR)

rows = int(sys.argv[1])


def make_data(n):
    return [
        {
            "inputs": {"question": f"question {i} about topic {i % 7}"},
            "expectations": {"expected_response": f"ANSWER {i} ABOUT TOPIC {i % 7}" if i % 3 else "something else"},
        }
        for i in range(n)
    ]


def predict(question):
    return question.upper().replace("QUESTION", "ANSWER")


@scorer
def exact_match(outputs, expectations):
    return outputs == expectations["expected_response"]


@scorer
def contains_topic(outputs):
    return "TOPIC" in outputs


@scorer
def answer_length(outputs):
    return len(outputs)


@scorer
def word_overlap(outputs, expectations):
    a = set(outputs.split())
    b = set(expectations["expected_response"].split())
    return len(a & b) / max(len(a | b), 1)


@scorer
def non_empty(outputs):
    return bool(outputs and outputs.strip())


SCORERS = [exact_match, contains_topic, answer_length, word_overlap, non_empty]

mlflow.set_experiment("warmup")
mlflow.genai.evaluate(data=make_data(5), predict_fn=predict, scorers=SCORERS)
mlflow.set_experiment("bench")
data = make_data(rows)
start = time.perf_counter()
result = mlflow.genai.evaluate(data=data, predict_fn=predict, scorers=SCORERS)
seconds = time.perf_counter() - start
traces = mlflow.search_traces(run_id=result.run_id, return_type="list", max_results=rows + 10)
assessments = sum(len(t.info.assessments) for t in traces)
print(json.dumps({"rows": rows, "seconds": seconds, "metrics": result.metrics, "assessments": assessments}))
