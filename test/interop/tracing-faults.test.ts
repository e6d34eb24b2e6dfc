import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureTracing, flushTraces, MlflowClient, resetTracing, trace, tracingStats } from '../../src/index.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';

describe('tracing export when the server goes down', () => {
  const tmp = makeTempDir('tracing-faults-');
  let server: MlflowServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 'server.db')}`,
      args: ['--default-artifact-root', join(tmp.dir, 'artifacts')],
    });
    proxy = await startFaultProxy(server.port);
  });

  afterAll(async () => {
    await resetTracing();
    await proxy?.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('an outage mid-export loses nothing the queue holds: all traces arrive after the server is back', async () => {
    const direct = new MlflowClient({ trackingUri: server.url });
    const experimentId = await direct.createExperiment('outage-no-loss');
    await configureTracing({
      destination: { type: 'mlflow', trackingUri: proxy.url, experimentId },
      maxQueueSize: 1000,
      maxBatchSize: 20,
      scheduleDelayMs: 10,
      flushOnExit: false,
    });
    const tracedTask = trace(function task(i: number) {
      return i;
    });
    const total = 120;
    for (let i = 0; i < total; i++) tracedTask(i);
    while (tracingStats().exported < 40) await sleep(20);
    await proxy.outage(5000);
    await flushTraces();
    const stats = tracingStats();
    expect(stats).toMatchObject({ exported: total, dropped: 0, pending: 0 });
    expect(stats.failedAttempts).toBeGreaterThan(0);
    const found = await direct.store.searchTraces({ experimentIds: [experimentId], maxResults: 500 });
    expect(found.items).toHaveLength(total);
    expect(new Set(found.items.map((t) => t.traceId)).size).toBe(total);
  });

  it('10,000 traces with the server down 5 s in the middle: every trace arrives or is counted as dropped', async () => {
    const direct = new MlflowClient({ trackingUri: server.url });
    const experimentId = await direct.createExperiment('faults');
    const maxQueueSize = 100;
    await configureTracing({
      destination: { type: 'mlflow', trackingUri: proxy.url, experimentId },
      maxQueueSize,
      maxBatchSize: 200,
      scheduleDelayMs: 50,
      flushOnExit: false,
    });
    const tracedStep = trace(function step(i: number) {
      return i * 2;
    });
    const tracedJob = trace(function job(i: number) {
      return tracedStep(i) + 1;
    });
    const total = 10_000;
    // Paced well above what one SQLite-backed server worker absorbs (~17 traces/s), so the bounded
    // queue must drop and count, and the outage hits exports in flight.
    const perSecond = Number(process.env.TRACING_FAULTS_RATE ?? 1000);
    let outage: Promise<void> | undefined;
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      tracedJob(i);
      if (i % 50 === 49) {
        const due = started + ((i + 1) / perSecond) * 1000;
        await sleep(Math.max(0, due - Date.now()));
      }
      if (i === 3000) outage = proxy.outage(5000);
    }
    const generatedMs = Date.now() - started;
    await outage;
    await flushTraces();
    const flushedMs = Date.now() - started;
    const stats = tracingStats();
    expect(stats.highWaterMark).toBeLessThanOrEqual(maxQueueSize);
    expect(stats.pending).toBe(0);

    let count = 0;
    let pageToken: string | undefined;
    const seen = new Set<string>();
    do {
      const page = await direct.store.searchTraces({
        experimentIds: [experimentId],
        maxResults: 500,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const info of page.items) seen.add(info.traceId);
      count += page.items.length;
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(count).toBe(seen.size);
    expect(stats.exported).toBe(count);
    expect(stats.exported + stats.dropped).toBe(total);
    // Every stored trace is whole: spot-check a sample for its two spans.
    for (const id of [...seen].slice(0, 20)) {
      const t = await direct.getTrace(id);
      expect(t.data.spans.map((s) => s.name).sort()).toEqual(['job', 'step']);
    }
    console.log(
      `faults: exported ${stats.exported}, dropped ${stats.dropped}, failed attempts ${stats.failedAttempts}, ` +
        `generated in ${generatedMs} ms, all exported or dropped after ${flushedMs} ms`,
    );
  });
});
