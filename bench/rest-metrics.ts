// Benchmark: 10,000 metrics through a real `mlflow server` (SQLite backend), the SDK's REST store
// against Python MLflow 3.18's own client on the same server, in one run: batches of 1000
// (SDK logBatch vs Python log_batch) and one request per value (SDK logMetric vs Python
// mlflow.log_metric in a loop). Prints metrics/s and the ratios.
// One request per value costs the server ~25 ms here whoever sends it, so the loops log 1,000
// values by default (10,000 take ~4 min per side: pass 10000 as loopCount); rates are per value.
// Usage: npm run bench -- rest-metrics   (or: npx tsx bench/rest-metrics.ts [count] [batchSize] [loopCount])
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MlflowClient, RestTrackingStore } from '../src/index.js';
import { startMlflowServer } from '../test/helpers/mlflow-server.js';

const count = Number(process.argv[2] ?? 10_000);
const size = Number(process.argv[3] ?? 1000);
const loopCount = Number(process.argv[4] ?? 1000);
const keys = 100;
const BASE = 1700000000000;
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bench-rest-metrics-'));

interface Result {
  metrics: number;
  seconds: number;
}

function metric(n: number) {
  return { key: `m${n % keys}`, value: n, timestamp: BASE + n, step: n };
}

async function oursBatch(client: MlflowClient): Promise<Result> {
  const run = await client.createRun('0', { runName: 'ts-log-batch' });
  const batches = [];
  for (let b = 0; b < count; b += size)
    batches.push(Array.from({ length: Math.min(size, count - b) }, (_, i) => metric(b + i)));
  const start = performance.now();
  for (const metrics of batches) await client.logBatch(run.info.runId, { metrics });
  const seconds = (performance.now() - start) / 1000;
  await client.setTerminated(run.info.runId);
  return { metrics: count, seconds };
}

async function oursSingle(client: MlflowClient): Promise<Result> {
  const run = await client.createRun('0', { runName: 'ts-log-metric' });
  const start = performance.now();
  for (let n = 0; n < loopCount; n++) {
    const m = metric(n);
    await client.logMetric(run.info.runId, m.key, m.value, { step: m.step, timestamp: m.timestamp });
  }
  const seconds = (performance.now() - start) / 1000;
  await client.setTerminated(run.info.runId);
  return { metrics: loopCount, seconds };
}

// Asynchronously: the server's log output reaches us through a pipe, and a blocked event loop
// would stop draining it until the server, and with it the Python client, stalls.
async function theirs(url: string, mode: 'batch' | 'single'): Promise<Result> {
  const n = mode === 'batch' ? count : loopCount;
  const { stdout } = await promisify(execFile)(
    join(root, '.venv/bin/python'),
    [join(root, 'bench/py/rest_metrics.py'), url, mode, String(n), String(size), String(keys)],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, MLFLOW_ENABLE_ASYNC_LOGGING: 'false' } },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

function rate(r: Result): number {
  return r.metrics / r.seconds;
}

function line(label: string, r: Result): string {
  return `  ${label.padEnd(34)}: ${rate(r).toFixed(0).padStart(9)} metrics/s  (${r.metrics} in ${r.seconds.toFixed(3)} s)`;
}

const server = await startMlflowServer({
  backendStoreUri: `sqlite:///${join(dir, 'server.db')}`,
  cwd: dir,
  // The job runner's workers would only compete for the CPU with both clients.
  env: { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
  args: ['--default-artifact-root', join(dir, 'mlruns')],
});
try {
  const store = new RestTrackingStore(server.url);
  const client = new MlflowClient({ store });
  // Warm the server (first requests import lazily) before anything is timed.
  await client.searchExperiments();
  console.log(
    `mlflow server (SQLite backend, 1 worker): ${count} metrics in batches, ${loopCount} one per request; ${keys} keys`,
  );
  const pyBatch = await theirs(server.url, 'batch');
  console.log(line(`python client.log_batch (x${size})`, pyBatch));
  const tsBatch = await oursBatch(client);
  console.log(line(`mlflow-genai logBatch (x${size})`, tsBatch));
  const pySingle = await theirs(server.url, 'single');
  console.log(line('python mlflow.log_metric loop', pySingle));
  const tsSingle = await oursSingle(client);
  console.log(line('mlflow-genai logMetric loop', tsSingle));
  await store.close();
  console.log(`  ratio logBatch vs log_batch       : ${(rate(tsBatch) / rate(pyBatch)).toFixed(2)}x`);
  console.log(`  ratio logMetric vs log_metric     : ${(rate(tsSingle) / rate(pySingle)).toFixed(2)}x`);
  console.log(`  ratio logBatch vs log_metric loop : ${(rate(tsBatch) / rate(pySingle)).toFixed(1)}x`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
