"""MLmodel interop. stdin: {"mode": "read", "path": dir} parses our model directory with MLflow and prints
what it sees; {"mode": "write", "path": dir} saves a Python pyfunc model with a signature and input example
there; {"mode": "signature", "dicts": [...]} round-trips each signature dict through ModelSignature."""

import json
import logging
import sys
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import mlflow  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow.models import Model, ModelSignature, infer_signature  # noqa: E402
from mlflow.models.utils import _read_example, load_serving_example  # noqa: E402

req = json.load(sys.stdin)
mode = req["mode"]

if mode == "read":
    m = Model.load(req["path"])
    ex = _read_example(m, req["path"]) if m.saved_input_example_info else None
    if isinstance(ex, pd.DataFrame):
        ex = {"columns": list(ex.columns), "data": ex.values.tolist()}
    print(
        json.dumps({
            "to_dict": {k: v for k, v in m.to_dict().items()},
            "flavors": m.flavors,
            "signature": m.signature.to_dict() if m.signature else None,
            "model_uuid": m.model_uuid,
            "utc_time_created": m.utc_time_created,
            "saved_input_example_info": m.saved_input_example_info,
            "input_example": ex,
            "serving_example": json.loads(load_serving_example(req["path"]))
            if m.saved_input_example_info
            else None,
        }, default=str)
    )
elif mode == "write":

    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    ex = pd.DataFrame({"question": ["hi", "yo"], "n": [1, 2], "x": [0.5, 1.5], "b": [True, False]})
    sig = infer_signature(ex, ["a", "b"], params={"max_new_tokens": 32, "temperature": 0.7, "stop": ["x"]})
    mlflow.pyfunc.save_model(
        req["path"], python_model=Echo(), signature=sig, input_example=(ex, {"max_new_tokens": 8}),
        metadata={"owner": "py"},
    )
    m = Model.load(req["path"])
    print(json.dumps({"signature": m.signature.to_dict(), "model_uuid": m.model_uuid,
                      "utc_time_created": m.utc_time_created}))
elif mode == "signature":
    out = []
    for d in req["dicts"]:
        out.append(ModelSignature.from_dict(d).to_dict())
    print(json.dumps(out))
