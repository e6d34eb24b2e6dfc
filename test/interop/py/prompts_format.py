"""Formats a table of prompt templates with MLflow's PromptVersion and prints each outcome as JSON.

Input (stdin): [{"id", "template", "values", "allow_partial"}]. Output: one JSON object keyed by id with
the variables (sorted), the single-brace form, and the format result, partial prompt or error.
"""

import re

from _common import emit, read_input

from mlflow.entities.model_registry import PromptVersion
from mlflow.exceptions import MlflowException


def outcome(pv, values, allow_partial):
    try:
        result = pv.format(allow_partial=allow_partial, **values)
    except MlflowException as e:
        missing = re.search(r"Missing variables: \{(.*)\}\.", e.message)
        return {
            "error": {
                "type": "MlflowException",
                "code": e.error_code,
                "missing": sorted(re.findall(r"'([^']*)'", missing.group(1))) if missing else None,
                "message": None if missing else e.message,
            }
        }
    except Exception as e:  # jinja2 errors
        return {"error": {"type": type(e).__name__, "message": str(e)}}
    if isinstance(result, PromptVersion):
        return {"partial": {"template": result.template, "variables": sorted(result.variables)}}
    return {"ok": result}


def main():
    out = {}
    for case in read_input():
        pv = PromptVersion("p", 1, case["template"])
        out[case["id"]] = {
            "variables": sorted(pv.variables),
            "single_brace": pv.to_single_brace_format(),
            "result": outcome(pv, case.get("values", {}), case.get("allow_partial", False)),
        }
    emit(out)


if __name__ == "__main__":
    main()
