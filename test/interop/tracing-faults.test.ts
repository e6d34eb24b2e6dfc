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

  it('10,000 traces with the server down 5 s in the middle: every trace arrives or is counted as dropped', async () => {
    const direct = new MlflowClient({ trackingUri: server.url });
    const experimentId = await direct.createExperiment('faults');
    const maxQueueSize = 1000;
    await configureTracing({
      destination: { type: 'mlflow', trackingUri: proxy.url, experimentId },
      maxQueueSize,
      maxBatchSize: 200,
      scheduleDelayMs: 50,
      flushOnExit: false,
    });
    const step = trace(function step(i: number) {
      return i * 2;
    });
    const job = trace(function job(i: number) {
      return step(i) + 1;
    });
    const total = 10_000;
    let outage: Promise<void> | undefined;
    for (let i = 0; i < total; i++) {
      job(i);
      if (i % 100 === 99) await sleep(5);
      if (i === 3000) outage = proxy.outage(5000);
    }
    await outage;
    await flushTraces();
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
      `faults: exported ${stats.exported}, dropped ${stats.dropped}, failed attempts ${stats.failedAttempts}`,
    );
  });
});
