"""Python MLflow's own S3 artifact repository, for the S3 interop tests.

stdin: {"action": ..., ...}; the endpoint and credentials come from the environment
(MLFLOW_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...), exactly as MLflow reads them.

actions:
  upload    {artifact_uri, local_path, artifact_path}: log_artifact (file) or log_artifacts (folder)
  list      {artifact_uri, path}: list_artifacts -> [[path, is_dir, file_size], ...]
            ({artifact_uri, paths: [...]} lists each -> [[[path, is_dir, file_size], ...], ...])
  download  {artifact_uri, path, dst}: download_artifacts -> {local_path, sha256: {relpath: hex}}
  iam_user  {name}: creates an IAM user with full S3 access in moto -> {access_key_id, secret_access_key}
"""

import hashlib
import json
import os

import boto3

from _common import emit, read_input
from mlflow.store.artifact.s3_artifact_repo import S3ArtifactRepository


def sha256_tree(root):
    if os.path.isfile(root):
        return {os.path.basename(root): sha256_file(root)}
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            full = os.path.join(dirpath, f)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = sha256_file(full)
    return out


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    req = read_input()
    action = req["action"]
    if action == "iam_user":
        iam = boto3.client("iam", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"], region_name="us-east-1")
        iam.create_user(UserName=req["name"])
        iam.put_user_policy(
            UserName=req["name"],
            PolicyName="s3-all",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
            ),
        )
        key = iam.create_access_key(UserName=req["name"])["AccessKey"]
        emit({"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]})
        return
    repo = S3ArtifactRepository(req["artifact_uri"])
    if action == "upload":
        if os.path.isdir(req["local_path"]):
            repo.log_artifacts(req["local_path"], req.get("artifact_path"))
        else:
            repo.log_artifact(req["local_path"], req.get("artifact_path"))
        emit({"ok": True})
    elif action == "list":
        def listing(path):
            return [[f.path, f.is_dir, f.file_size] for f in repo.list_artifacts(path)]

        if "paths" in req:
            emit([listing(p) for p in req["paths"]])
        else:
            emit(listing(req.get("path")))
    elif action == "download":
        local = repo.download_artifacts(req["path"], dst_path=req["dst"])
        emit({"local_path": local, "sha256": sha256_tree(local)})
    else:
        raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    main()
