/** Names of the MLflow environment variables the SDK reads, as MLflow spells them. */
export const ENV = {
  TRACKING_URI: 'MLFLOW_TRACKING_URI',
  REGISTRY_URI: 'MLFLOW_REGISTRY_URI',
  EXPERIMENT_NAME: 'MLFLOW_EXPERIMENT_NAME',
  EXPERIMENT_ID: 'MLFLOW_EXPERIMENT_ID',
  RUN_ID: 'MLFLOW_RUN_ID',
  DEFAULT_ARTIFACT_ROOT: 'MLFLOW_DEFAULT_ARTIFACT_ROOT',
  TRACKING_USERNAME: 'MLFLOW_TRACKING_USERNAME',
  TRUNCATE_LONG_VALUES: 'MLFLOW_TRUNCATE_LONG_VALUES',
  SQLITE_BUSY_TIMEOUT_MS: 'MLFLOW_GENAI_SQLITE_BUSY_TIMEOUT_MS',
} as const;

/** Reads an environment variable; empty strings count as unset, as in MLflow. */
export function readEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Reads a boolean environment variable the way MLflow does (`true`/`1` vs `false`/`0`). */
export function readBoolEnv(name: string, fallback: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = readEnv(name, env);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return fallback;
}
