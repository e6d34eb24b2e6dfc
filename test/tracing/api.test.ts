import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  configureTracing,
  flushTraces,
  getActiveTraceId,
  getCurrentActiveSpan,
  getLastActiveTraceId,
  resetTracing,
  SpanType,
  startSpan,
  type Trace,
  trace,
  tracingStats,
  updateCurrentTrace,
  withSpan,
} from '../../src/index.js';
import { useTracingSink } from '../helpers/tracing-sink.js';

const tracing = useTracingSink();
const traces = () => tracing.traces();

function tree(t: Trace): Array<[string, string | null]> {
  const byId = new Map(t.data.spans.map((s) => [s.spanId, s.name]));
  return t.data.spans.map((s) => [s.name, s.parentId ? (byId.get(s.parentId) ?? '?') : null]);
}

describe('trace()', () => {
  it('records a sync function: name, inputs by parameter name, outputs, type, status and function name', async () => {
    const tracedAdd = trace(
      function add(x: number, y: number) {
        return x + y;
      },
      { spanType: SpanType.TOOL, attributes: { unit: 'apples' } },
    );
    expect(tracedAdd(2, 3)).toBe(5);
    const [t] = await traces();
    expect(t).toBeDefined();
    const [span] = t!.data.spans;
    expect(span!.name).toBe('add');
    expect(span!.spanType).toBe('TOOL');
    expect(span!.inputs).toEqual({ x: 2, y: 3 });
    expect(span!.outputs).toBe(5);
    expect(span!.status.statusCode).toBe('OK');
    expect(span!.getAttribute('unit')).toBe('apples');
    expect(span!.getAttribute('mlflow.spanFunctionName')).toBe('add');
    expect(span!.getAttribute('mlflow.spanLogLevel')).toBe(20);
    expect(span!.toDict().attributes['mlflow.spanInputs']).toBe('{"x": 2, "y": 3}');
    expect(t!.info.traceId).toMatch(/^tr-[0-9a-f]{32}$/);
    expect(t!.info.state).toBe('OK');
    expect(t!.info.tags['mlflow.traceName']).toBe('add');
    expect(t!.info.traceMetadata['mlflow.traceInputs']).toBe('{"x": 2, "y": 3}');
    expect(t!.info.traceMetadata['mlflow.traceOutputs']).toBe('5');
    expect(t!.info.traceMetadata['mlflow.trace_schema.version']).toBe('3');
    expect(t!.info.requestPreview).toBe('{"x": 2, "y": 3}');
  });

  it('returns the very promise an async function returned, and records its resolved value', async () => {
    let inner: Promise<string> | undefined;
    const fn = async (q: string) => `answer to ${q}`;
    const wrapped = trace(
      (q: string) => {
        inner = fn(q);
        return inner;
      },
      { name: 'ask' },
    );
    const p = wrapped('life');
    expect(p).toBe(inner);
    expect(await p).toBe('answer to life');
    const [t] = await traces();
    expect(t!.data.spans[0]!.outputs).toBe('answer to life');
    expect(t!.data.spans[0]!.inputs).toEqual({ q: 'life' });
  });

  it('records an exception as an event with status ERROR and rethrows the same error', async () => {
    class BoomError extends Error {}
    const err = new BoomError('boom');
    const fail = trace(async function fail() {
      await sleep(1);
      throw err;
    });
    await expect(fail()).rejects.toBe(err);
    const syncFail = trace(function syncFail() {
      throw err;
    });
    expect(() => syncFail()).toThrow(err);
    const ts = await traces();
    expect(ts).toHaveLength(2);
    for (const t of ts) {
      const span = t.data.spans[0]!;
      expect(span.status).toEqual({ statusCode: 'ERROR', description: 'BoomError: boom' });
      expect(t.info.state).toBe('ERROR');
      const ev = span.events[0]!;
      expect(ev.name).toBe('exception');
      expect(ev.attributes['exception.type']).toBe('BoomError');
      expect(ev.attributes['exception.message']).toBe('boom');
      expect(String(ev.attributes['exception.stacktrace'])).toContain('boom');
      expect(span.getAttribute('mlflow.spanLogLevel')).toBe(40);
    }
  });

  it('nests withSpan inside trace() and trace() inside withSpan', async () => {
    const tracedLeaf = trace(function leaf(n: number) {
      return n * 2;
    });
    const tracedRoot = trace(async function root(n: number) {
      return withSpan({ name: 'middle', spanType: SpanType.CHAIN, inputs: { n } }, async (span) => {
        span.setAttribute('k', 'v');
        await sleep(1);
        return tracedLeaf(n) + tracedLeaf(n + 1);
      });
    });
    expect(await tracedRoot(1)).toBe(6);
    const [t] = await traces();
    expect(tree(t!)).toEqual([
      ['root', null],
      ['middle', 'root'],
      ['leaf', 'middle'],
      ['leaf', 'middle'],
    ]);
    expect(t!.data.spans[1]!.outputs).toBe(6);
    expect(new Set(t!.data.spans.map((s) => s.traceId))).toEqual(new Set([t!.info.traceId]));
  });

  it('keeps 1,000 concurrent async traces with interleaved awaits apart', async () => {
    const child = trace(async function child(i: number, j: number) {
      await sleep((i * 7 + j) % 5);
      return `${i}.${j}`;
    });
    const parent = trace(async function parent(i: number) {
      await sleep(i % 3);
      const a = await child(i, 0);
      const [b, c] = await Promise.all([child(i, 1), child(i, 2)]);
      return [a, b, c];
    });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => parent(i)));
    const ts = await traces();
    expect(ts).toHaveLength(1000);
    const seen = new Set<number>();
    for (const t of ts) {
      const root = t.data.spans.find((s) => s.parentId === null)!;
      const i = (root.inputs as { i: number }).i;
      seen.add(i);
      expect(t.data.spans).toHaveLength(4);
      for (const s of t.data.spans) {
        expect(s.traceId).toBe(t.info.traceId);
        if (s !== root) {
          expect(s.parentId).toBe(root.spanId);
          expect((s.inputs as { i: number }).i).toBe(i);
        }
      }
    }
    expect(seen.size).toBe(1000);
  });

  it('traces generators: output recorded when the stream ends, one event per chunk', async () => {
    const gen = trace(function* count(n: number) {
      for (let i = 0; i < n; i++) yield i;
    });
    expect([...gen(3)]).toEqual([0, 1, 2]);
    const agen = trace(
      async function* stream(words: string[]) {
        for (const w of words) {
          await sleep(1);
          yield w;
        }
      },
      { outputReducer: (chunks) => (chunks as string[]).join(' ') },
    );
    const got: string[] = [];
    for await (const w of agen(['a', 'b'])) got.push(w as string);
    expect(got).toEqual(['a', 'b']);
    const ts = await traces();
    expect(ts.map((t) => t.data.spans[0]!.outputs)).toEqual([[0, 1, 2], 'a b']);
    expect(ts[0]!.data.spans[0]!.events.map((e) => e.name)).toEqual([
      'mlflow.chunk.item.0',
      'mlflow.chunk.item.1',
      'mlflow.chunk.item.2',
    ]);
    expect(ts[0]!.data.spans[0]!.events[1]!.attributes['mlflow.chunk.value']).toBe('1');
  });

  it('records a generator that throws mid-stream and an early break', async () => {
    const gen = trace(function* broken() {
      yield 1;
      throw new RangeError('bad chunk');
    });
    expect(() => [...gen()]).toThrow('bad chunk');
    const early = trace(function* many() {
      for (let i = 0; ; i++) yield i;
    });
    for (const v of early()) if ((v as number) >= 2) break;
    const ts = await traces();
    expect(ts[0]!.data.spans[0]!.status.statusCode).toBe('ERROR');
    expect(ts[1]!.data.spans[0]!.outputs).toEqual([0, 1, 2]);
    expect(ts[1]!.data.spans[0]!.status.statusCode).toBe('OK');
  });

  it('decorates class methods (TC39 decorators) and keeps `this`', async () => {
    class Agent {
      prefix = 'Q:';
      @trace({ spanType: SpanType.AGENT })
      async answer(question: string) {
        return `${this.prefix} ${question}`;
      }
      @trace({ name: 'custom-name' })
      shout(text: string) {
        return text.toUpperCase();
      }
    }
    const a = new Agent();
    expect(await a.answer('why')).toBe('Q: why');
    expect(a.shout('hi')).toBe('HI');
    const ts = await traces();
    expect(ts.map((t) => [t.data.spans[0]!.name, t.data.spans[0]!.spanType])).toEqual([
      ['answer', 'AGENT'],
      ['custom-name', 'UNKNOWN'],
    ]);
    expect(ts[0]!.data.spans[0]!.inputs).toEqual({ question: 'why' });
  });

  it('startSpan gives manual spans under the active span or an explicit parent', async () => {
    const root = startSpan({ name: 'root', inputs: { q: 1 } });
    const child = startSpan({ name: 'child', parent: root, spanType: SpanType.RETRIEVER });
    child.addEvent({ name: 'fetched', attributes: { n: 3 } });
    child.end({ outputs: ['doc'] });
    expect(getCurrentActiveSpan()).toBeUndefined();
    root.end({ outputs: 'done' });
    const [t] = await traces();
    expect(tree(t!)).toEqual([
      ['root', null],
      ['child', 'root'],
    ]);
    expect(t!.data.spans[1]!.events[0]).toMatchObject({ name: 'fetched', attributes: { n: 3 } });
  });

  it('updateCurrentTrace sets tags, metadata, previews and state', async () => {
    await withSpan({ name: 'root' }, () => {
      updateCurrentTrace({ tags: { env: 'test' }, metadata: { 'mlflow.trace.session': 's1' }, requestPreview: 'hi' });
    });
    const [t] = await traces();
    expect(t!.info.tags.env).toBe('test');
    expect(t!.info.traceMetadata['mlflow.trace.session']).toBe('s1');
    expect(t!.info.requestPreview).toBe('hi');
  });

  it('aggregates token usage over the trace without double counting', async () => {
    await withSpan({ name: 'agent', spanType: SpanType.AGENT }, async () => {
      await withSpan({ name: 'llm1', spanType: SpanType.LLM }, (s) => {
        s.setAttribute('mlflow.chat.tokenUsage', { input_tokens: 3, output_tokens: 4, total_tokens: 7 });
      });
      await withSpan({ name: 'llm2', spanType: SpanType.LLM }, (s) => {
        s.setAttribute('mlflow.chat.tokenUsage', { input_tokens: 1, output_tokens: 1, total_tokens: 2 });
      });
    });
    const [t] = await traces();
    expect(t!.info.traceMetadata['mlflow.trace.tokenUsage']).toBe(
      '{"input_tokens": 4, "output_tokens": 5, "total_tokens": 9}',
    );
  });
});

describe('getLastActiveTraceId()', () => {
  it('is the trace whose root span ended last, set when the root ends (before export), kept by untraced calls', async () => {
    await configureTracing({
      destination: { type: 'custom', exporter: tracing.sink },
      mode: 'batch',
      flushOnExit: false,
    });
    let inside: string | undefined;
    const f = trace(async function handle(x: number) {
      inside = getActiveTraceId();
      return withSpan({ name: 'child' }, () => x + 1);
    });
    expect(await f(1)).toBe(2);
    expect(inside).toMatch(/^tr-[0-9a-f]{32}$/);
    expect(getLastActiveTraceId()).toBe(inside);
    // Batch mode: the trace is still queued, and the id is already there.
    expect(tracing.sink.traces).toHaveLength(0);
    expect((await traces()).map((t) => t.info.traceId)).toEqual([inside]);

    // A root that ends while a child is still open sets it at once.
    const root = startSpan({ name: 'root' });
    const open = startSpan({ name: 'open', parent: root });
    root.end();
    expect(getLastActiveTraceId()).toBe((root as { traceId?: string }).traceId);
    open.end();
    const second = getLastActiveTraceId();
    expect(second).not.toBe(inside);

    // Disabled or sampled out: nothing recorded, the last id stays.
    await configureTracing({
      enabled: false,
      destination: { type: 'custom', exporter: tracing.sink },
      flushOnExit: false,
    });
    await f(2);
    await configureTracing({
      samplingRatio: 0,
      destination: { type: 'custom', exporter: tracing.sink },
      flushOnExit: false,
    });
    await f(3);
    expect(getLastActiveTraceId()).toBe(second);
    // Process-wide, as MLflow's: resetting tracing does not forget it.
    await resetTracing();
    expect(getLastActiveTraceId()).toBe(second);
  });
});

describe('disabled and sampled tracing', () => {
  it('disabled: calls through, records nothing', async () => {
    await configureTracing({
      enabled: false,
      destination: { type: 'custom', exporter: tracing.sink },
      flushOnExit: false,
    });
    const f = trace((x: number) => x + 1);
    expect(f(1)).toBe(2);
    expect(withSpan({ name: 's' }, () => 3)).toBe(3);
    expect(await traces()).toHaveLength(0);
  });

  it('sampling ratio 0 drops whole traces, children included; 0.5 keeps about half', async () => {
    await configureTracing({
      samplingRatio: 0,
      destination: { type: 'custom', exporter: tracing.sink },
      mode: 'immediate',
      flushOnExit: false,
    });
    const inner = trace((x: number) => x);
    const outer = trace((x: number) => inner(x) + 1);
    expect(outer(1)).toBe(2);
    expect(await traces()).toHaveLength(0);
    await configureTracing({
      samplingRatio: 0.5,
      destination: { type: 'custom', exporter: tracing.sink },
      mode: 'immediate',
      flushOnExit: false,
    });
    for (let i = 0; i < 400; i++) outer(i);
    const ts = await traces();
    expect(ts.length).toBeGreaterThan(120);
    expect(ts.length).toBeLessThan(280);
    for (const t of ts) expect(t.data.spans).toHaveLength(2);
  });

  it('rejects bad options with the option named', async () => {
    await expect(configureTracing({ samplingRatio: 2 })).rejects.toThrow(/samplingRatio/);
    await expect(configureTracing({ maxQueueSize: 0 })).rejects.toThrow(/maxQueueSize/);
    await expect(configureTracing({ mode: 'later' as never })).rejects.toThrow(/mode/);
  });
});

describe('export queue', () => {
  it('drops and counts traces beyond the queue bound while the exporter is stuck, then recovers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const got: Trace[] = [];
    await configureTracing({
      destination: {
        type: 'custom',
        exporter: {
          async export(ts) {
            await gate;
            got.push(...ts);
          },
        },
      },
      maxQueueSize: 10,
      maxBatchSize: 5,
      scheduleDelayMs: 1,
      flushOnExit: false,
    });
    const f = trace((i: number) => i);
    for (let i = 0; i < 50; i++) f(i);
    await sleep(5);
    const mid = tracingStats();
    expect(mid.highWaterMark).toBeLessThanOrEqual(10);
    release();
    await flushTraces();
    const stats = tracingStats();
    expect(stats.exported + stats.dropped).toBe(50);
    expect(got).toHaveLength(stats.exported);
    expect(stats.dropped).toBe(40);
  });

  it('retries a failing exporter and counts a batch lost after the retry timeout', async () => {
    let failures = 2;
    const got: Trace[] = [];
    await configureTracing({
      destination: {
        type: 'custom',
        exporter: {
          async export(ts) {
            if (failures-- > 0) throw new Error('server down');
            got.push(...ts);
          },
        },
      },
      mode: 'immediate',
      flushOnExit: false,
    });
    trace((x: number) => x)(1);
    await flushTraces();
    expect(got).toHaveLength(1);
    expect(tracingStats()).toMatchObject({ exported: 1, dropped: 0, failedAttempts: 2 });

    await configureTracing({
      destination: {
        type: 'custom',
        exporter: {
          async export() {
            throw new Error('never');
          },
        },
      },
      mode: 'immediate',
      retryTimeoutMs: 300,
      flushOnExit: false,
    });
    trace((x: number) => x)(1);
    await flushTraces();
    expect(tracingStats()).toMatchObject({ exported: 0, dropped: 1 });
  });
});
