import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { ENV, readEnv } from '../config/env.js';
import { MLFLOW_SOURCE_NAME, MLFLOW_SOURCE_TYPE, MLFLOW_USER } from './tags.js';

/** The user MLflow records: `MLFLOW_TRACKING_USERNAME`, else the OS user, else `unknown`. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = readEnv(ENV.TRACKING_USERNAME, env);
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The entry script, as MLflow's `_get_source_name` gives Python's main file; `<console>` in a REPL. */
export function sourceName(): string {
  const main = process.argv[1];
  return main ? resolve(main) : '<console>';
}

/** System tags MLflow's default run context adds to every fluent run. */
export function defaultRunContextTags(): Record<string, string> {
  return {
    [MLFLOW_USER]: currentUser(),
    [MLFLOW_SOURCE_NAME]: sourceName(),
    [MLFLOW_SOURCE_TYPE]: 'LOCAL',
  };
}
