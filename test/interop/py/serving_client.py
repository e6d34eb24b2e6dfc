"""A Python client of a scoring server: `requests` calls (JSON, CSV, params, a bad payload) and MLflow's own
`ScoringServerClient` (ping, version, invoke with a DataFrame, an ndarray, params).

stdin: {"urls": [url, ...]}, each serving the echo model without input schema. Prints, per URL, what the
client got, so the caller can check the answers and compare servers.
"""

import json
import logging
import sys
import warnings
from urllib.parse import urlparse

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import requests  # noqa: E402
from mlflow.pyfunc.scoring_server.client import ScoringServerClient  # noqa: E402


def nan_to_none(value):
    return json.loads(json.dumps(value).replace("NaN", "null"))


def run(url):
    out = {}
    r = requests.post(f"{url}/invocations", json={"inputs": ["hello", "world"]}, timeout=60)
    out["json"] = [r.status_code, r.headers["content-type"], r.json()]
    r = requests.post(
        f"{url}/invocations", data="question,n\nhi,1\nyo,2\n", headers={"Content-Type": "text/csv"}, timeout=60
    )
    out["csv"] = [r.status_code, r.json()]
    r = requests.post(
        f"{url}/invocations", json={"inputs": ["a"], "params": {"mode": "params", "times": 2}}, timeout=60
    )
    out["params"] = [r.status_code, r.json()]
    r = requests.post(f"{url}/invocations", json=[1, 2], timeout=60)
    body = r.json()
    out["bad"] = [r.status_code, body["error_code"], body["message"]]

    parsed = urlparse(url)
    client = ScoringServerClient(parsed.hostname, parsed.port)
    client.wait_server_ready(timeout=30)
    out["version"] = client.get_version()
    frame = pd.DataFrame({"question": ["df-1", "df-2"], "n": [1, 2]})
    out["client_frame"] = client.invoke(frame).get_predictions().to_dict(orient="records")
    out["client_ndarray"] = client.invoke(np.array([[1, 2], [3, 4]])).get_predictions(
        predictions_format="ndarray"
    ).tolist()
    out["client_params"] = dict(client.invoke(frame, params={"mode": "params", "times": 3}))
    return nan_to_none(out)


req = json.load(sys.stdin)
print(json.dumps({url: run(url) for url in req["urls"]}))
