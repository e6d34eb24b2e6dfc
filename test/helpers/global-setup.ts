import { existsSync } from 'node:fs';
import { VENV_MLFLOW } from './paths.js';
import { PY_ZYGOTE_ENV, type PythonZygote, startPythonZygote } from './python.js';

// Vitest runs this setup once for the root project and once per project of the run, in the same
// process (each with its own module instance): one zygote is shared through globalThis.
const SHARED = Symbol.for('mlflow-genai.test.py-zygote');

interface SharedZygote {
  users: number;
  zygote: Promise<PythonZygote | undefined>;
}

/**
 * Fails fast with a clear message when the reference Python side is missing, then starts the
 * Python fork server that test/helpers/python.ts uses (see the comment there). `MLFLOW_GENAI_PY_ZYGOTE=off`
 * disables it: every call then spawns Python.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (!existsSync(VENV_MLFLOW)) {
    throw new Error('The reference MLflow is missing: run `bash scripts/setup-python.sh` (npm test does it for you).');
  }
  const registry = globalThis as typeof globalThis & { [SHARED]?: SharedZygote };
  let shared = registry[SHARED];
  if (!shared) {
    const disabled = ['0', 'off', 'false', 'no'].includes((process.env[PY_ZYGOTE_ENV] ?? '').toLowerCase());
    // A path inherited from elsewhere is not ours: replaced by the one started here.
    delete process.env[PY_ZYGOTE_ENV];
    const zygote = disabled ? Promise.resolve(undefined) : startPythonZygote();
    shared = { users: 0, zygote };
    registry[SHARED] = shared;
    const started = await zygote;
    // Workers are created after the global setup, with a copy of process.env.
    process.env[PY_ZYGOTE_ENV] = started?.socket ?? 'off';
  }
  shared.users += 1;
  const current = shared;
  return async () => {
    current.users -= 1;
    if (current.users > 0) return;
    delete registry[SHARED];
    delete process.env[PY_ZYGOTE_ENV];
    await (await current.zygote)?.stop();
  };
}
