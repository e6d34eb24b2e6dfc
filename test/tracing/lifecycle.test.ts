import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { trace as otelTrace, ROOT_CONTEXT } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  configureTracing,
  flushTraces,
  InMemoryTraceExporter,
  MlflowClient,
  resetTracing,
  trace,
  withSpan,
  withTracingContextFromHttpRequestHeaders,
} from '../../src/index.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

afterEach(async () => {
  await resetTracing();
});

describe('host OpenTelemetry setup', () => {
  it('is isolated by default: the host provider sees none of our spans', async () => {
    const hostExporter = new InMemorySpanExporter();
    const host = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(hostExporter)] });
    otelTrace.setGlobalTracerProvider(host);
    try {
      const sink = new InMemoryTraceExporter();
      await configureTracing({
        destination: { type: 'custom', exporter: sink },
        mode: 'immediate',
        flushOnExit: false,
      });
      trace(function isolated() {
        return 1;
      })();
      await flushTraces();
      expect(sink.traces).toHaveLength(1);
      expect(hostExporter.getFinishedSpans()).toHaveLength(0);
    } finally {
      otelTrace.disable();
    }
  });

  it('with tracerProvider, the host pipeline sees our spans and host spans nest under ours', async () => {
    const { hostExporter, host, sink } = await attachToHostProvider();
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager());
    try {
      await withSpan({ name: 'ours' }, async () => {
        const hostSpan = host.getTracer('host').startSpan('host-child');
        hostSpan.end();
      });
      await flushTraces();
      const finished = hostExporter.getFinishedSpans();
      const ours = finished.find((s) => s.name === 'ours')!;
      const child = finished.find((s) => s.name === 'host-child')!;
      expect(ours).toBeDefined();
      expect(child.parentSpanContext?.spanId).toBe(ours.spanContext().spanId);
      expect(ours.attributes['mlflow.spanType']).toBe('"UNKNOWN"');
      expect(sink.traces).toHaveLength(1);
      expect(sink.traces[0]!.data.spans.map((s) => s.name)).toEqual(['ours']);
    } finally {
      context.disable();
    }
    void ROOT_CONTEXT;
  });

  it("with tracerProvider, spans under a caller's traceparent are the host's spans of that trace too", async () => {
    const { hostExporter, sink } = await attachToHostProvider();
    const remoteTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const remoteSpan = '00f067aa0ba902b7';
    await withTracingContextFromHttpRequestHeaders({ traceparent: `00-${remoteTrace}-${remoteSpan}-01` }, () =>
      withSpan({ name: 'handler' }, () => withSpan({ name: 'step' }, () => 1)),
    );
    await flushTraces();
    const finished = hostExporter.getFinishedSpans();
    const handler = finished.find((s) => s.name === 'handler')!;
    const step = finished.find((s) => s.name === 'step')!;
    expect(handler.spanContext().traceId).toBe(remoteTrace);
    expect(handler.parentSpanContext?.spanId).toBe(remoteSpan);
    expect(step.parentSpanContext?.spanId).toBe(handler.spanContext().spanId);
    expect(sink.traces.map((t) => [t.info.traceId, t.data.spans.map((s) => s.parentId)])).toEqual([
      [`tr-${remoteTrace}`, [remoteSpan, handler.spanContext().spanId]],
    ]);
  });
});

/** Tracing attached to a host's OpenTelemetry provider (which records into `hostExporter`), exporting to `sink`. */
async function attachToHostProvider() {
  const hostExporter = new InMemorySpanExporter();
  const host = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(hostExporter)] });
  const sink = new InMemoryTraceExporter();
  await configureTracing({
    destination: { type: 'custom', exporter: sink },
    mode: 'immediate',
    tracerProvider: host,
    flushOnExit: false,
  });
  return { hostExporter, host, sink };
}

function runChild(
  mode: 'natural' | 'sigterm',
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(REPO_ROOT, 'node_modules/.bin/tsx'),
      [join(REPO_ROOT, 'test/tracing/fixtures/exit-script.ts'), mode],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d) => {
      if (String(d).includes('ready')) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // tsx relays the signal to its node child and exits 128 + 15 when that child dies of SIGTERM.
      if (code !== 0 && code !== 143 && signal === null) reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ code, signal });
    });
  });
}

describe('flush on exit', () => {
  for (const mode of ['natural', 'sigterm'] as const) {
    it(`exports queued traces when the process ends (${mode})`, async () => {
      const tmp = makeTempDir('tracing-exit-');
      const uri = `sqlite:///${join(tmp.dir, 'exit.db')}`;
      try {
        const result = await runChild(mode, {
          MLFLOW_TRACKING_URI: uri,
          MLFLOW_DEFAULT_ARTIFACT_ROOT: join(tmp.dir, 'mlruns'),
        });
        if (mode === 'sigterm') expect(result.signal === 'SIGTERM' || result.code === 143).toBe(true);
        else expect(result.code).toBe(0);
        const client = new MlflowClient({ trackingUri: uri });
        const found = await client.searchTraces({ experimentIds: ['0'], includeSpans: false });
        expect(found.items).toHaveLength(5);
        expect(found.items.every((t) => t.info.state === 'OK')).toBe(true);
      } finally {
        await closeAllTrackingStores();
        tmp.cleanup();
      }
    }, 60_000);
  }
});
