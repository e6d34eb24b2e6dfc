// Benchmark: cost per span of tracing. Each trace is a root span calling `children` traced functions,
// each span with small inputs and outputs, exported to an in-memory sink. Three sides in one run:
//   ours   - trace() from this SDK (spans JSON-encoded as MLflow stores them, traces finalised, queued, exported)
//   otel   - a bare OpenTelemetry BasicTracerProvider + BatchSpanProcessor + InMemorySpanExporter doing the
//            same span work (start under the parent, two attributes, end)
//   python - MLflow 3.18's @mlflow.trace with its exporter's store writes replaced by appends to a list
// Prints µs/span for each and the ratios. Targets: ours <= 2x otel, and >= 10x cheaper than python.
// Usage: npm run bench -- tracing   (or: npx tsx bench/tracing.ts [traces] [children])
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { trace as otelTrace, ROOT_CONTEXT } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  configureTracing,
  flushTraces,
  InMemoryTraceExporter,
  resetTracing,
  trace,
  tracingStats,
} from '../src/index.js';

const traces = Number(process.argv[2] ?? 20_000);
const children = Number(process.argv[3] ?? 9);
const spansPerTrace = children + 1;
const root = resolve(import.meta.dirname, '..');

async function ours(n: number): Promise<number> {
  const sink = new InMemoryTraceExporter();
  await configureTracing({
    destination: { type: 'custom', exporter: sink },
    maxQueueSize: n + 100,
    maxBatchSize: 1000,
    flushOnExit: false,
  });
  const child = trace(function child(x: number) {
    return x + 1;
  });
  const rootFn = trace(function root(x: number) {
    let total = x;
    for (let i = 0; i < children; i++) total += child(i);
    return total;
  });
  const start = performance.now();
  for (let i = 0; i < n; i++) rootFn(i);
  await flushTraces();
  const ms = performance.now() - start;
  const stats = tracingStats();
  if (sink.traces.length !== n || stats.dropped !== 0) throw new Error(`ours exported ${sink.traces.length}/${n}`);
  await resetTracing();
  return ms;
}

async function otel(n: number): Promise<number> {
  const exporter = new InMemorySpanExporter();
  // The cheapest standard pipeline: batched, so export calls are amortised as ours are.
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        maxQueueSize: n * spansPerTrace + 100,
        maxExportBatchSize: 1000,
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  const tracer = provider.getTracer('bench');
  const start = performance.now();
  for (let t = 0; t < n; t++) {
    const rootSpan = tracer.startSpan('root', { root: true }, ROOT_CONTEXT);
    rootSpan.setAttribute('inputs', JSON.stringify({ x: t }));
    const ctx = otelTrace.setSpan(ROOT_CONTEXT, rootSpan);
    let total = t;
    for (let i = 0; i < children; i++) {
      const s = tracer.startSpan('child', {}, ctx);
      s.setAttribute('inputs', JSON.stringify({ x: i }));
      s.setAttribute('outputs', JSON.stringify(i + 1));
      s.end();
      total += i + 1;
    }
    rootSpan.setAttribute('outputs', JSON.stringify(total));
    rootSpan.end();
  }
  await provider.forceFlush();
  const ms = performance.now() - start;
  if (exporter.getFinishedSpans().length !== n * spansPerTrace) throw new Error('otel span count');
  await provider.shutdown();
  return ms;
}

function python(n: number): number {
  const out = execFileSync(
    join(root, '.venv/bin/python'),
    [join(root, 'bench/py/tracing.py'), String(n), String(children)],
    {
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_TRACKING_URI: '' },
    },
  );
  return JSON.parse(out.trim().split('\n').pop() as string).seconds * 1000;
}

function join(...parts: string[]): string {
  return resolve(...parts);
}

const perSpan = (ms: number, n: number) => (ms * 1000) / (n * spansPerTrace);

// Warm up both JS sides (JIT), then alternate rounds and take each side's median: single rounds swing
// by a third with GC timing on a small machine.
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
await ours(2000);
await otel(2000);
const oursRounds: number[] = [];
const otelRounds: number[] = [];
for (let r = 0; r < rounds; r++) {
  oursRounds.push(perSpan(await ours(traces), traces));
  otelRounds.push(perSpan(await otel(traces), traces));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const oursUs = median(oursRounds);
const otelUs = median(otelRounds);
const pyTraces = Math.max(500, Math.floor(traces / 10));
const pyUs = perSpan(python(pyTraces), pyTraces);

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' ');
console.log(
  `tracing: ${traces} traces x ${spansPerTrace} spans, median of ${rounds} rounds (python: ${pyTraces} traces)`,
);
console.log(`  ours   ${oursUs.toFixed(2)} µs/span   (rounds: ${fmt(oursRounds)})`);
console.log(`  otel   ${otelUs.toFixed(2)} µs/span   (rounds: ${fmt(otelRounds)}; bare BasicTracerProvider)`);
console.log(`  python ${pyUs.toFixed(2)} µs/span (MLflow 3.18 @mlflow.trace)`);
console.log(`  ours / otel   = ${(oursUs / otelUs).toFixed(2)}x   (target <= 2x)`);
console.log(`  python / ours = ${(pyUs / oursUs).toFixed(1)}x   (target >= 10x)`);
