import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PY_DIR, VENV_PYTHON } from './paths.js';

/** Result of a Python run. */
export interface PythonResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs a script from test/interop/py with the reference Python, feeding `input` on stdin.
 * Rejects with stderr when the exit code is not 0 (unless `allowFailure`).
 */
export function runPython(
  script: string,
  args: string[] = [],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; allowFailure?: boolean } = {},
): Promise<PythonResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(VENV_PYTHON, [join(PY_DIR, script), ...args], {
      cwd: options.cwd,
      env: { ...process.env, MLFLOW_ENABLE_ASYNC_LOGGING: 'false', PYTHONUNBUFFERED: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { stdout, stderr, code: code ?? -1 };
      if (code !== 0 && !options.allowFailure) {
        reject(new Error(`python ${script} exited with ${code}:\n${stderr.slice(-4000)}`));
      } else {
        resolvePromise(result);
      }
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a script that prints one JSON document on its last stdout line, and parses it. */
export async function runPythonJson<T = unknown>(
  script: string,
  payload: unknown,
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<T> {
  const { stdout } = await runPython(script, [], { ...options, input: JSON.stringify(payload) });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
}
