// SIGTERM under load, in a real process serving a slow model (as `mlflow-genai serve` does): requests in flight
// complete, new ones are refused, the process exits with code 0. Once with one process, once with a cluster of
// two workers (SIGTERM to the primary only: it stops the workers, each drains its own requests).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSignature, paramSpec, saveModel } from '../../src/index.js';
import { freePort } from '../helpers/mlflow-server.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const SCRIPT = join(REPO_ROOT, 'test/serving/fixtures/run-server.ts');
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

interface Served {
  child: ChildProcess;
  port: number;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor: (pattern: RegExp, count?: number) => Promise<void>;
}

async function start(dir: string, workers: number): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', TSX, SCRIPT, dir, String(port), String(workers)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_PATH: '' },
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = async (pattern: RegExp, count = 1) => {
    const deadline = Date.now() + 90_000;
    const global = new RegExp(pattern.source, 'g');
    while ((out.match(global)?.length ?? 0) < count) {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, port, output: () => out, exit, waitFor };
}

async function invoke(port: number, i: number): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: { i: [i] }, params: { seconds: 1.5 } }),
  });
  return { status: res.status, body: await res.text() };
}

/** A request sent after SIGTERM: refused (connection error, or 503 on a connection that was still open). */
async function refused(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs": {"i": [99]}}',
      signal: AbortSignal.timeout(5000),
    });
    return res.status === 503;
  } catch {
    return true;
  }
}

describe('SIGTERM under load', () => {
  const tmp = makeTempDir('serving-shutdown-');
  const dir = join(tmp.dir, 'slow-model');

  beforeAll(async () => {
    await saveModel({
      path: dir,
      code: { path: join(REPO_ROOT, 'test/serving/fixtures/slow-model.mjs'), exportName: 'SlowModel' },
      signature: new ModelSignature({ params: { params: [paramSpec('seconds', 'double', 1.5)] } }),
    });
  }, 120_000);
  afterAll(() => tmp.cleanup());

  for (const workers of [1, 2]) {
    it(`${workers === 1 ? 'one process' : 'a cluster of two workers'}: in-flight requests complete, new ones are refused, exit code 0`, async () => {
      const served = await start(dir, workers);
      try {
        await served.waitFor(/Scoring server for .* running on http:\/\/127\.0\.0\.1:\d+/);
        const inflight = [0, 1, 2, 3].map((i) => invoke(served.port, i));
        await served.waitFor(/predict started/, 4);
        served.child.kill('SIGTERM');
        await served.waitFor(/Shutting down the scoring server/);
        await new Promise((r) => setTimeout(r, 300));
        expect(await refused(served.port)).toBe(true);

        const replies = await Promise.all(inflight);
        expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
        const bodies = replies.map(
          (r) => JSON.parse(r.body) as { predictions: { input: { i: number[] }; pid: number } },
        );
        expect(bodies.map((b) => b.predictions.input.i[0])).toEqual([0, 1, 2, 3]);
        const pids = new Set(bodies.map((b) => b.predictions.pid));
        expect(pids.size).toBe(workers);
        if (workers === 1) expect(pids.has(served.child.pid!)).toBe(true);
        else expect(pids.has(served.child.pid!)).toBe(false);

        expect(await served.exit).toEqual({ code: 0, signal: null });
        expect(served.output()).toContain(`server exited cleanly (pid ${served.child.pid})`);
        expect(served.output()).not.toMatch(/Error|exited \(/);
      } finally {
        if (served.child.exitCode === null) served.child.kill('SIGKILL');
      }
    }, 180_000);
  }
});
