import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The reference Python (MLflow 3.18.0, moto) provisioned by scripts/setup-python.sh. */
export const VENV_PYTHON = join(REPO_ROOT, '.venv/bin/python');
/** The reference `mlflow` CLI. */
export const VENV_MLFLOW = join(REPO_ROOT, '.venv/bin/mlflow');
/** Folder of the interop Python scripts. */
export const PY_DIR = join(REPO_ROOT, 'test/interop/py');

/** A fresh temporary directory and a function that removes it. */
export function makeTempDir(prefix = 'mlflow-genai-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
