"""Python MLflow's own log_dict / log_text into a run of a SQLite store (local artifacts).

stdin: {"tracking_uri": ..., "run_id": ..., "items": [{"dict": ..., "artifact_file": ...}], "texts": [[text, file]]}
Writes with MlflowClient.log_dict / log_text, exactly as mlflow.log_dict does; prints {"artifact_uri": ...}.
"""

from _common import emit, read_input
from mlflow import MlflowClient

req = read_input()
client = MlflowClient(tracking_uri=req["tracking_uri"])
for item in req.get("items", []):
    client.log_dict(req["run_id"], item["dict"], item["artifact_file"])
for text, artifact_file in req.get("texts", []):
    client.log_text(req["run_id"], text, artifact_file)
emit({"artifact_uri": client.get_run(req["run_id"]).info.artifact_uri})
