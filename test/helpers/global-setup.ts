import { existsSync } from 'node:fs';
import { VENV_MLFLOW } from './paths.js';

/** Fails fast with a clear message when the reference Python side is missing. */
export default function setup(): void {
  if (!existsSync(VENV_MLFLOW)) {
    throw new Error('The reference MLflow is missing: run `bash scripts/setup-python.sh` (npm test does it for you).');
  }
}
