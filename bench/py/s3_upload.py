"""boto3's own upload_file (the call MLflow's S3ArtifactRepository makes) of one file: prints {"bytes": N, "seconds": S}.

argv: file bucket key; endpoint and credentials from the environment (MLFLOW_S3_ENDPOINT_URL, AWS_*).
"""

import json
import os
import sys
import time

import boto3

path, bucket, key = sys.argv[1], sys.argv[2], sys.argv[3]
client = boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"])
client.head_bucket(Bucket=bucket)  # connect and warm up outside the timing, as the SDK side does
start = time.perf_counter()
client.upload_file(Filename=path, Bucket=bucket, Key=key)
elapsed = time.perf_counter() - start
print(json.dumps({"bytes": os.path.getsize(path), "seconds": elapsed}))
