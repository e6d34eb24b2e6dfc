import { readBoolEnv, readEnv } from '../config/env.js';
import { InvalidParameterError } from '../tracking/errors.js';

/** Environment variables the storage backends read, spelled as MLflow spells them. */
export const STORAGE_ENV = {
  S3_ENDPOINT_URL: 'MLFLOW_S3_ENDPOINT_URL',
  S3_IGNORE_TLS: 'MLFLOW_S3_IGNORE_TLS',
  S3_UPLOAD_EXTRA_ARGS: 'MLFLOW_S3_UPLOAD_EXTRA_ARGS',
  S3_EXPECTED_BUCKET_OWNER: 'MLFLOW_S3_EXPECTED_BUCKET_OWNER',
  BOTO_CLIENT_ADDRESSING_STYLE: 'MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE',
  TRACKING_USERNAME: 'MLFLOW_TRACKING_USERNAME',
  TRACKING_PASSWORD: 'MLFLOW_TRACKING_PASSWORD',
  TRACKING_TOKEN: 'MLFLOW_TRACKING_TOKEN',
  TRACKING_INSECURE_TLS: 'MLFLOW_TRACKING_INSECURE_TLS',
  TRACKING_SERVER_CERT_PATH: 'MLFLOW_TRACKING_SERVER_CERT_PATH',
  TRACKING_CLIENT_CERT_PATH: 'MLFLOW_TRACKING_CLIENT_CERT_PATH',
  HTTP_REQUEST_MAX_RETRIES: 'MLFLOW_HTTP_REQUEST_MAX_RETRIES',
  HTTP_REQUEST_BACKOFF_FACTOR: 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR',
  HTTP_REQUEST_TIMEOUT: 'MLFLOW_HTTP_REQUEST_TIMEOUT',
  ENABLE_PROXY_MULTIPART_UPLOAD: 'MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD',
  MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: 'MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE',
  MULTIPART_UPLOAD_CHUNK_SIZE: 'MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE',
} as const;

/** Reads an integer setting, with MLflow's default when unset; a non-integer is a configuration error. */
export function readIntEnv(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = readEnv(name, env);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new InvalidParameterError(`${name} must be a number, got '${raw}'.`);
  return n;
}

/** `MLFLOW_S3_UPLOAD_EXTRA_ARGS`: a JSON object of extra PutObject arguments (boto3's ExtraArgs names). */
export function s3UploadExtraArgs(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw = readEnv(STORAGE_ENV.S3_UPLOAD_EXTRA_ARGS, env);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidParameterError(
      `${STORAGE_ENV.S3_UPLOAD_EXTRA_ARGS} must be a JSON object, e.g. '{"ServerSideEncryption": "AES256"}'.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidParameterError(`${STORAGE_ENV.S3_UPLOAD_EXTRA_ARGS} must be a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

/** `true` when the boolean setting is on; MLflow's spelling rules (`true`/`1`). */
export function envFlag(name: string, env: NodeJS.ProcessEnv): boolean {
  return readBoolEnv(name, false, env);
}

/** `undefined` when a boolean setting is unset, else its value (MLflow's `is_set()` then `get()`). */
export function optionalEnvFlag(name: string, env: NodeJS.ProcessEnv): boolean | undefined {
  return readEnv(name, env) === undefined ? undefined : readBoolEnv(name, false, env);
}
