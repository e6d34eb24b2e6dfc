import { ENV, readEnv } from './env.js';
import { DEFAULT_ARTIFACT_ROOT, DEFAULT_TRACKING_URI, parseTrackingUri } from './uri.js';

/**
 * The tracking URI in force: the argument, else `MLFLOW_TRACKING_URI`, else MLflow's default
 * `sqlite:///mlflow.db` made absolute against the working directory. Always validated and normalised.
 */
export function resolveTrackingUri(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  const raw = explicit ?? readEnv(ENV.TRACKING_URI, env) ?? DEFAULT_TRACKING_URI;
  return parseTrackingUri(raw).uri;
}

/** The registry URI in force: the argument, else `MLFLOW_REGISTRY_URI`, else the tracking URI. */
export function resolveRegistryUri(
  explicit?: string | null,
  trackingUri?: string | null,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const raw = explicit ?? readEnv(ENV.REGISTRY_URI, env);
  return raw ? parseTrackingUri(raw).uri : resolveTrackingUri(trackingUri, env);
}

/** The default artifact root for the embedded store: `MLFLOW_DEFAULT_ARTIFACT_ROOT` or `./mlruns`. */
export function resolveDefaultArtifactRoot(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? readEnv(ENV.DEFAULT_ARTIFACT_ROOT, env) ?? DEFAULT_ARTIFACT_ROOT;
}

/** The experiment named by the environment, if any (`MLFLOW_EXPERIMENT_ID` wins over the name). */
export function experimentFromEnv(env: NodeJS.ProcessEnv = process.env): { id?: string; name?: string } {
  const id = readEnv(ENV.EXPERIMENT_ID, env);
  if (id !== undefined) return { id };
  const name = readEnv(ENV.EXPERIMENT_NAME, env);
  return name === undefined ? {} : { name };
}
