// Python interop calls, made cheap by a fork server ("zygote").
//
// A fresh `.venv/bin/python script.py` spends ~3-4 s of CPU importing MLflow, and the suite makes
// hundreds of calls. test/helpers/py_zygote.py imports MLflow (and what the scripts use) once and
// then forks per call: the child gets the call's environment (replaced entirely), cwd, argv,
// stdin, fds 1/2 on temporary files, and runs the script as `__main__` with the exit code,
// traceback, thread join and atexit handlers of `python script.py`. Its docstring has the details.
//
// - global-setup.ts starts one zygote per vitest run (`startPythonZygote`), on a socket in a fresh
//   temporary folder, and publishes the socket path in MLFLOW_GENAI_PY_ZYGOTE before the workers
//   start (they inherit it). The zygote imports MLflow on its first connection; importing this
//   module sends that first connection, so it warms up while the test file starts its servers. Its
//   stdin is a lifeline: if the vitest process dies, the zygote exits and removes its socket.
// - A call whose interpreter-level environment differs from the zygote's (e.g. PYTHONHASHSEED=0) is
//   redirected to a sub-zygote that the zygote starts with that environment.
// - runPython spawns the interpreter as before when there is no zygote (MLFLOW_GENAI_PY_ZYGOTE unset
//   or `off`), when it cannot be reached or declines the call (nothing ran yet), and for calls made
//   with `{ fresh: true }`. If the zygote dies while a script runs, the call fails with code -1
//   (like a killed process): the script may have had effects, so it is not run twice.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PY_DIR, REPO_ROOT, VENV_PYTHON } from './paths.js';
import { processGroup } from './process.js';

/** Result of a Python run. */
export interface PythonResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options of {@link runPython}. */
export interface RunPythonOptions {
  /** Text fed on stdin. */
  input?: string;
  /** Variables added to the environment (on top of `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean;
  /** Run in a fresh interpreter, not through the zygote (for a script that cannot run forked). */
  fresh?: boolean;
}

/** Environment variable holding the zygote's socket path (`off` disables the zygote). */
export const PY_ZYGOTE_ENV = 'MLFLOW_GENAI_PY_ZYGOTE';
const ZYGOTE_SCRIPT = join(REPO_ROOT, 'test/helpers/py_zygote.py');
const DISABLED = new Set(['', '0', 'off', 'false', 'no']);

/** What every Python run gets on top of `process.env`. */
function pythonEnv(extra: NodeJS.ProcessEnv | undefined): Record<string, string> {
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    MLFLOW_ENABLE_ASYNC_LOGGING: 'false',
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
  // As child_process.spawn does: undefined drops the variable, anything else becomes text.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = `${value}`;
  return env;
}

function zygoteSocket(): string | undefined {
  const value = process.env[PY_ZYGOTE_ENV];
  return value === undefined || DISABLED.has(value.toLowerCase()) ? undefined : value;
}

// Warm-up: the zygote imports MLflow on its first connection, so connect now (a connection that
// sends nothing runs nothing).
const warmSocket = zygoteSocket();
if (warmSocket) {
  const ping = createConnection(warmSocket);
  ping.on('error', () => {});
  ping.on('connect', () => ping.end());
  ping.unref();
}

/**
 * Runs a script from test/interop/py with the reference Python, feeding `input` on stdin.
 * Rejects with stderr when the exit code is not 0 (unless `allowFailure`). Goes through the zygote
 * when there is one (see the comment at the top of this file), else spawns `.venv/bin/python`.
 */
export async function runPython(
  script: string,
  args: string[] = [],
  options: RunPythonOptions = {},
): Promise<PythonResult> {
  const path = join(PY_DIR, script);
  const env = pythonEnv(options.env);
  const socket = options.fresh ? undefined : zygoteSocket();
  let result: PythonResult | undefined;
  if (socket) {
    result = await viaZygote(socket, {
      script: path,
      argv: args,
      stdin: Buffer.from(options.input ?? '', 'utf8').toString('base64'),
      env,
      cwd: resolve(options.cwd ?? '.'),
    });
  }
  result ??= await spawnPython(path, args, env, options);
  if (result.code !== 0 && !options.allowFailure) {
    throw new Error(`python ${script} exited with ${result.code}:\n${result.stderr.slice(-4000)}`);
  }
  return result;
}

/** Runs a script that prints one JSON document on its last stdout line, and parses it. */
export async function runPythonJson<T = unknown>(
  script: string,
  payload: unknown,
  options: { env?: NodeJS.ProcessEnv; cwd?: string; fresh?: boolean } = {},
): Promise<T> {
  const { stdout } = await runPython(script, [], { ...options, input: JSON.stringify(payload) });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
}

function spawnPython(
  path: string,
  args: string[],
  env: Record<string, string>,
  options: RunPythonOptions,
): Promise<PythonResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(VENV_PYTHON, [path, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ stdout, stderr, code: code ?? -1 }));
    child.stdin.end(options.input ?? '');
  });
}

interface ZygoteRequest {
  script: string;
  argv: string[];
  /** base64 of the stdin bytes. */
  stdin: string;
  env: Record<string, string>;
  cwd: string;
}

type ZygoteEvent =
  | { event: 'started' }
  | { event: 'exit'; code: number; signal: number | null; stdout: string; stderr: string }
  | { event: 'redirect'; socket: string }
  | { event: 'fallback'; reason: string };

let warnedUnreachable = false;

/** One call through the zygote; `undefined` when nothing ran and the caller should spawn instead. */
function viaZygote(socket: string, request: ZygoteRequest, redirects = 1): Promise<PythonResult | undefined> {
  return new Promise((resolvePromise) => {
    const conn = createConnection(socket);
    const chunks: Buffer[] = [];
    let failure: NodeJS.ErrnoException | undefined;
    conn.on('connect', () => conn.end(JSON.stringify(request)));
    conn.on('data', (d: Buffer) => chunks.push(d));
    conn.on('error', (err) => {
      failure = err;
    });
    conn.on('close', () => {
      const events: ZygoteEvent[] = [];
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          events.push(JSON.parse(line) as ZygoteEvent);
        } catch {
          // a truncated last line: the zygote died while answering
        }
      }
      const last = events[events.length - 1];
      if (last?.event === 'exit') {
        resolvePromise({
          stdout: Buffer.from(last.stdout, 'base64').toString('utf8'),
          stderr: Buffer.from(last.stderr, 'base64').toString('utf8'),
          code: last.code,
        });
      } else if (last?.event === 'redirect' && redirects > 0) {
        resolvePromise(viaZygote(last.socket, request, redirects - 1));
      } else if (events.some((e) => e.event === 'started')) {
        resolvePromise({
          stdout: '',
          stderr: `python zygote: the process running ${request.script} died without reporting (${failure?.code ?? 'connection closed'})`,
          code: -1,
        });
      } else {
        if (failure && !warnedUnreachable) {
          warnedUnreachable = true;
          console.warn(`python zygote at ${socket} unreachable (${failure.code}); spawning python per call`);
        }
        resolvePromise(undefined);
      }
    });
  });
}

/** A running zygote, as started by {@link startPythonZygote}. */
export interface PythonZygote {
  /** Its Unix socket. */
  socket: string;
  /** Stops it (and its sub-zygotes and running scripts) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a zygote on a socket in a fresh temporary folder and waits until it listens (it imports
 * MLflow on its first connection). The vitest global setup calls it and publishes `socket` in
 * {@link PY_ZYGOTE_ENV}. Resolves with `undefined` (calls then spawn Python) if it cannot start.
 */
export async function startPythonZygote(timeoutMs = 30_000): Promise<PythonZygote | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-genai-zygote-'));
  const socket = join(dir, 'zygote.sock');
  const log = openSync(join(dir, 'zygote.log'), 'a');
  let child: ChildProcess;
  try {
    // Same base environment as every call, so the calls match its interpreter-level signature.
    child = spawn(VENV_PYTHON, [ZYGOTE_SCRIPT, socket], {
      cwd: dir,
      env: pythonEnv(undefined),
      stdio: ['pipe', 'pipe', log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  const group = processGroup(child);
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await group.stop(5_000);
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = await new Promise<boolean>((resolveReady) => {
    let out = '';
    const timer = setTimeout(() => resolveReady(false), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolveReady(out.startsWith('READY'));
      }
    });
    child.on('error', () => resolveReady(false));
    child.on('exit', () => resolveReady(false));
  });
  if (!ready) {
    console.warn(`python zygote did not start; spawning python per call (log: ${join(dir, 'zygote.log')})`);
    await group.stop(1_000);
    return undefined;
  }
  // Do not keep the vitest process alive for it; its stdin stays open as the lifeline.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  (child.stdout as Socket | null)?.unref();
  return { socket, stop };
}
