"""Shared helpers of the model registry interop scripts: neutral JSON for registered models and
model versions (the TypeScript dump in test/interop/registry.test.ts has the same shape), an op
runner that replays a JSON list of MlflowClient registry calls, search cases, and a full dump of a
registry through MLflow's own client."""

import logging
import warnings

from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag
from mlflow.exceptions import MlflowException

logging.getLogger("mlflow").setLevel(logging.ERROR)
logging.getLogger("alembic").setLevel(logging.ERROR)
warnings.filterwarnings("ignore")

IS_PROMPT = "mlflow.prompt.is_prompt"


def _opt(v):
    """'' and None read the same on both sides (MLflow's REST entities give '' where SQL gives None)."""
    return v if v not in ("", None) else None


def dump_version(mv, download_uri=None):
    d = {
        "name": mv.name,
        "version": str(mv.version),
        "creation_timestamp": mv.creation_timestamp,
        "last_updated_timestamp": mv.last_updated_timestamp,
        "description": mv.description,
        "user_id": _opt(mv.user_id),
        "current_stage": mv.current_stage,
        "source": mv.source,
        "run_id": _opt(mv.run_id),
        "status": mv.status,
        "status_message": _opt(mv.status_message),
        "tags": dict(sorted(mv.tags.items())),
        "run_link": _opt(mv.run_link),
        "aliases": sorted(mv.aliases),
    }
    if download_uri is not None:
        d["download_uri"] = download_uri
    return d


def dump_model(rm):
    # `_tags` holds every tag (the public `tags` hides the prompt marker on prompts). Over REST,
    # MLflow reads a model without description as '' (proto2 default); the SDK reads it as null.
    return {
        "name": rm.name,
        "creation_timestamp": rm.creation_timestamp,
        "last_updated_timestamp": rm.last_updated_timestamp,
        "description": _opt(rm.description),
        "tags": dict(sorted(rm._tags.items())),
        "aliases": {k: str(v) for k, v in sorted(rm.aliases.items())},
        "latest_versions": [dump_version(mv) for mv in rm.latest_versions],
    }


def error(e):
    return {"error_code": e.error_code, "message": e.message}


def subst(value, ctx):
    if isinstance(value, str):
        for k, v in ctx.items():
            value = value.replace("{{" + k + "}}", v)
        return value
    if isinstance(value, list):
        return [subst(v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: subst(v, ctx) for k, v in value.items()}
    return value


def run_op(client, op, ctx):
    """Runs one op ({"op", "args"}) and returns {"ok": result} or {"error_code", "message"}."""
    name = op["op"]
    a = subst(op.get("args", {}), ctx)
    store = client._get_registry_client().store
    try:
        if name == "create_run":
            run = client.create_run("0")
            ctx["run_id"] = run.info.run_id
            return {"ok": run.info.run_id}
        if name == "create_logged_model":
            model = client.create_logged_model(experiment_id="0", source_run_id=ctx["run_id"])
            ctx["model_id"] = model.model_id
            return {"ok": {"model_id": model.model_id, "artifact_location": model.artifact_location}}
        if name == "store_create_registered_model":
            tags = [RegisteredModelTag(k, v) for k, v in (a.get("tags") or {}).items()]
            return {"ok": dump_model(store.create_registered_model(a["name"], tags, a.get("description")))}
        if name == "store_create_model_version":
            tags = [ModelVersionTag(k, v) for k, v in (a.get("tags") or {}).items()]
            mv = store.create_model_version(
                a["name"], a["source"], tags=tags, description=a.get("description")
            )
            return {"ok": dump_version(mv)}
        fn = getattr(client, name)
        result = fn(**a)
        if name in ("search_registered_models", "search_model_versions"):
            items = [dump_model(x) if name == "search_registered_models" else dump_version(x) for x in result]
            token = result.token
            token = token.decode("ascii") if isinstance(token, bytes) else token
            return {"ok": {"items": items, "token": token}}
        if result is None or isinstance(result, str):
            return {"ok": result}
        if isinstance(result, list):
            return {"ok": [dump_version(x) for x in result]}
        if hasattr(result, "latest_versions"):
            return {"ok": dump_model(result)}
        return {"ok": dump_version(result)}
    except MlflowException as e:
        return error(e)


def _token_text(token):
    if token is None:
        return None
    return token.decode("ascii") if isinstance(token, bytes) else str(token)


def run_search_case(client, case, ctx):
    """All pages of one search case: {"ids": [...], "tokens": [...]} or an error."""
    case = subst(case, ctx)
    target = client if case.get("via", "client") == "client" else client._get_registry_client().store
    ids = []
    tokens = []
    page_token = case.get("page_token")
    try:
        for _ in range(1000):
            kwargs = {
                "filter_string": case.get("filter"),
                "order_by": case.get("order_by"),
                "page_token": page_token,
            }
            if case["kind"] == "models":
                kwargs["max_results"] = case.get("max_results", 100)
                page = target.search_registered_models(**kwargs)
                ids.extend(m.name for m in page)
            else:
                kwargs["max_results"] = case.get("max_results", 10000)
                page = target.search_model_versions(**kwargs)
                ids.extend(f"{v.name}/{v.version}" for v in page)
            token = _token_text(page.token)
            if not token:
                break
            tokens.append(token)
            page_token = token
    except MlflowException as e:
        return error(e)
    return {"ids": ids, "tokens": tokens}


def dump_registry(client):
    """Every registered model (prompts included) and every live version, through MLflow's client."""
    store = client._get_registry_client().store
    models = []
    for flt in (None, f"tags.`{IS_PROMPT}` = 'true'"):
        token = None
        while True:
            page = store.search_registered_models(filter_string=flt, max_results=1000, page_token=token)
            models.extend(page)
            token = page.token
            if not token:
                break
    versions = []
    for flt in (None, f"tags.`{IS_PROMPT}` = 'true'"):
        versions.extend(store.search_model_versions(filter_string=flt, max_results=200000))
    out_versions = []
    for v in versions:
        full = store.get_model_version(v.name, v.version)
        uri = store.get_model_version_download_uri(v.name, v.version)
        out_versions.append(dump_version(full, uri))
    models_out = sorted((dump_model(store.get_registered_model(m.name)) for m in models), key=lambda d: d["name"])
    out_versions.sort(key=lambda d: (d["name"], int(d["version"])))
    return {"models": models_out, "versions": out_versions}
