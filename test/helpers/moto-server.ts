import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './mlflow-server.js';
import { REPO_ROOT } from './paths.js';
import { processGroup } from './process.js';

/** The moto S3 (and IAM) mock server from .venv, started for one test file or bench. */
export interface MotoServer {
  /** e.g. `http://127.0.0.1:54321`: pass it as `MLFLOW_S3_ENDPOINT_URL`. */
  endpoint: string;
  /** The server's combined output so far (for failure messages). */
  output(): string;
  /**
   * Turns IAM request authentication on (every request must be signed with a key moto's IAM knows,
   * and be allowed by that user's policies) or off (moto's default: any key works), through
   * moto's `/moto-api/reset-auth` (the runtime form of `INITIAL_NO_AUTH_ACTION_COUNT`).
   */
  setAuthEnforced(enforced: boolean): Promise<void>;
  /** Stops the server (SIGTERM to its process group, SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Credentials tests use against moto when auth is not enforced (moto accepts any key then). */
export const MOTO_TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_DEFAULT_REGION: 'us-east-1',
} as const;

/**
 * Starts `.venv/bin/moto_server` on a free loopback port and waits until it answers. Nothing is set
 * in this process's environment: callers pass the endpoint and credentials explicitly. `env` goes to
 * the moto process only (e.g. `{INITIAL_NO_AUTH_ACTION_COUNT: '4'}`).
 */
export async function startMotoServer(
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(`${REPO_ROOT}/.venv/bin/moto_server`, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const keep = (d: Buffer) => {
    // moto logs one line per request: keep only the tail so a long suite does not grow memory.
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const group = processGroup(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (group.exited()) throw new Error(`moto_server exited before answering:\n${out.slice(-4000)}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`moto_server did not answer in time:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    output: () => out,
    setAuthEnforced: async (enforced) => {
      const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: enforced ? '0' : 'inf' });
      if (!res.ok) throw new Error(`moto reset-auth failed: ${res.status} ${await res.text()}`);
    },
    stop: () => group.stop(5_000),
  };
}
