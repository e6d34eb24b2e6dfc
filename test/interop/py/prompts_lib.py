"""Shared helpers of the prompt interop scripts: a canonical JSON form of MLflow prompt entities."""

import mlflow


def dump_prompt_version(pv):
    return {
        "name": pv.name,
        "version": pv.version,
        "template": pv.template,
        "is_text": pv.is_text_prompt,
        "commit_message": pv.commit_message,
        "tags": dict(sorted(pv.tags.items())),
        "aliases": sorted(pv.aliases),
        "response_format": pv.response_format,
        "model_config": pv.model_config,
        "variables": sorted(pv.variables),
        "uri": pv.uri,
    }


def dump_stored_version(client, name, version):
    """The model version as stored: every tag, the source and the description."""
    mv = client._get_registry_client().get_model_version(name, str(version))
    return {
        "tags": dict(sorted(mv.tags.items())),
        "source": mv.source,
        "description": mv.description,
        "aliases": sorted(mv.aliases),
    }


def dump_prompt(p):
    return {"name": p.name, "description": p.description, "tags": dict(sorted(p.tags.items()))}


def setup(payload):
    mlflow.set_tracking_uri(payload["tracking_uri"])
    if payload.get("registry_uri"):
        mlflow.set_registry_uri(payload["registry_uri"])
