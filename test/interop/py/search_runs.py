"""Run search cases through MLflow's own ``MlflowClient`` and print the results as JSON.

Reads ``{"db": <path>, "cases": [...]}`` on stdin. A case is ``{"kind": "runs", "experiment_ids",
"filter", "order_by", "view_type", "max_results", "page_token"?}`` or ``{"kind": "experiments",
"filter", "order_by", "view_type", "max_results"}``. Every page is fetched (starting from
``page_token`` when given) and the ids concatenated. Prints a JSON array with, per case,
``{"ids": [...], "tokens": [...]}`` (tokens: the page tokens MLflow produced, as text) or
``{"error_code": ..., "message": ...}``.
"""

import json
import logging
import sys

from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

logging.getLogger("mlflow").setLevel(logging.ERROR)
logging.getLogger("alembic").setLevel(logging.ERROR)

VIEW_TYPES = {
    "ACTIVE_ONLY": ViewType.ACTIVE_ONLY,
    "DELETED_ONLY": ViewType.DELETED_ONLY,
    "ALL": ViewType.ALL,
}


def _text(token):
    if token is None:
        return None
    return token.decode("ascii") if isinstance(token, bytes) else str(token)


def _run_case(client, case):
    ids = []
    tokens = []
    page_token = case.get("page_token")
    view_type = VIEW_TYPES[case.get("view_type") or "ACTIVE_ONLY"]
    max_results = case.get("max_results", 1000)
    for _ in range(1000):
        if case["kind"] == "runs":
            page = client.search_runs(
                case["experiment_ids"],
                filter_string=case.get("filter") or "",
                run_view_type=view_type,
                max_results=max_results,
                order_by=case.get("order_by"),
                page_token=page_token,
            )
            ids.extend(r.info.run_id for r in page)
        else:
            page = client.search_experiments(
                view_type=view_type,
                max_results=max_results,
                filter_string=case.get("filter"),
                order_by=case.get("order_by"),
                page_token=page_token,
            )
            ids.extend(e.experiment_id for e in page)
        if not page.token:
            break
        page_token = _text(page.token)
        tokens.append(page_token)
    return {"ids": ids, "tokens": tokens}


def main() -> None:
    payload = json.load(sys.stdin)
    client = MlflowClient(tracking_uri=f"sqlite:///{payload['db']}")
    results = []
    for case in payload["cases"]:
        try:
            results.append(_run_case(client, case))
        except MlflowException as e:
            results.append({"error_code": e.error_code, "message": e.message})
        except Exception as e:  # noqa: BLE001 - reported to the test as a distinct outcome
            results.append({"error_code": f"PYTHON_{type(e).__name__}", "message": str(e)})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
