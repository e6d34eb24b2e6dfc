import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { VENV_MLFLOW } from './paths.js';
import { processGroup } from './process.js';

/** A real `mlflow server` started for a test suite. */
export interface MlflowServer {
  /** e.g. `http://127.0.0.1:54321`. */
  url: string;
  port: number;
  /** The server's combined output so far (for failure messages). */
  output(): string;
  /** Stops the server (SIGTERM to its process group, SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `mlflow server` from .venv on a free loopback port and waits for `/health`.
 * `args` are extra CLI arguments (e.g. `['--artifacts-destination', 's3://bucket']`).
 */
export async function startMlflowServer(options: {
  backendStoreUri: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}): Promise<MlflowServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    VENV_MLFLOW,
    [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--backend-store-uri',
      options.backendStoreUri,
      '--workers',
      '1',
      ...(options.args ?? []),
    ],
    {
      cwd: options.cwd,
      // The server's job runner starts ~10 huey consumer processes, each importing MLflow (tens of seconds of
      // CPU per server); no test uses server-side jobs, so it is off unless a test turns it on.
      env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const group = processGroup(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (group.exited()) throw new Error(`mlflow server exited before becoming healthy:\n${out.slice(-4000)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`mlflow server did not become healthy in time:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    output: () => out,
    stop: () => group.stop(10_000),
  };
}
