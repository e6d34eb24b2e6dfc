"""Python MLflow against a tracking server's artifact proxy, for the artifacts-proxy interop tests.

stdin: {"action": ..., ...}

actions:
  download  {tracking_uri, run_id, path, dst}: mlflow.artifacts.download_artifacts
            -> {local_path, sha256: {relpath: hex}}
  log       {tracking_uri, run_id, local_path, artifact_path}: mlflow.log_artifact(s) inside the run
  list      {tracking_uri, run_id, paths: [...]}: MlflowClient.list_artifacts for each path
  resolve   {cases: [[artifact_uri, tracking_uri], ...]}: MlflowArtifactsRepository.resolve_uri
            -> [resolved | "ERROR: <message>", ...]
"""

import hashlib
import os

import mlflow
from _common import emit, read_input
from mlflow import MlflowClient
from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository


def sha256_tree(root):
    def digest(path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    if os.path.isfile(root):
        return {os.path.basename(root): digest(root)}
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            full = os.path.join(dirpath, f)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = digest(full)
    return out


def main():
    req = read_input()
    action = req["action"]
    if action == "resolve":
        out = []
        for artifact_uri, tracking_uri in req["cases"]:
            try:
                out.append(MlflowArtifactsRepository.resolve_uri(artifact_uri, tracking_uri))
            except Exception as e:  # the message is compared, not the type
                out.append(f"ERROR: {e}")
        emit(out)
    elif action == "download":
        local = mlflow.artifacts.download_artifacts(
            run_id=req["run_id"],
            artifact_path=req["path"],
            dst_path=req["dst"],
            tracking_uri=req["tracking_uri"],
        )
        emit({"local_path": local, "sha256": sha256_tree(local)})
    elif action == "log":
        mlflow.set_tracking_uri(req["tracking_uri"])
        with mlflow.start_run(run_id=req["run_id"]):
            if os.path.isdir(req["local_path"]):
                mlflow.log_artifacts(req["local_path"], req.get("artifact_path"))
            else:
                mlflow.log_artifact(req["local_path"], req.get("artifact_path"))
        emit({"ok": True})
    elif action == "list":
        client = MlflowClient(tracking_uri=req["tracking_uri"])
        emit([
            [[f.path, f.is_dir, f.file_size] for f in client.list_artifacts(req["run_id"], p)]
            for p in req["paths"]
        ])
    else:
        raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    main()
