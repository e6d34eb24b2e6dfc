import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  configureTracing,
  deleteTraces,
  deleteTraceTag,
  endRun,
  flushTraces,
  getTrace,
  InMemoryTraceExporter,
  resetFluentState,
  resetTracing,
  searchTraces,
  setTraceTag,
  setTrackingUri,
  startRun,
  trace,
  withSpan,
} from '../../src/index.js';
import { expectMlflowError } from '../helpers/errors.js';
import { makeTempDir } from '../helpers/paths.js';

describe('tracing never breaks user code', () => {
  afterEach(async () => {
    await resetTracing();
  });

  it('records what it can of inputs and outputs JSON cannot hold, and returns values untouched', async () => {
    const sink = new InMemoryTraceExporter();
    await configureTracing({ destination: { type: 'custom', exporter: sink }, mode: 'immediate', flushOnExit: false });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const hostile = {
      get boom(): string {
        throw new Error('getter exploded');
      },
    };
    const result = { big: 10n ** 20n, when: new Date(0), tags: new Set(['a']), map: new Map([['k', 1]]) };
    const f = trace(function odd(_a: unknown, _b: unknown) {
      return result;
    });
    expect(f(circular, hostile)).toBe(result);
    await flushTraces();
    const span = sink.traces[0]!.data.spans[0]!;
    expect(span.outputs).toEqual({
      big: 100000000000000000000,
      when: '1970-01-01T00:00:00.000Z',
      tags: ['a'],
      map: { k: 1 },
    });
    // The circular input is recorded with the cycle cut; the hostile one is skipped, not thrown.
    expect(span.status.statusCode).toBe('OK');
  });

  it('an exporter that throws synchronously or hangs never reaches user code', async () => {
    await configureTracing({
      destination: {
        type: 'custom',
        exporter: {
          export() {
            throw new Error('sync failure');
          },
        },
      },
      mode: 'immediate',
      retryTimeoutMs: 50,
      flushOnExit: false,
    });
    expect(withSpan({ name: 'ok' }, () => 7)).toBe(7);
    await flushTraces();
  });
});

describe('reading and managing traces on the embedded store', () => {
  const tmp = makeTempDir('tracing-read-');
  beforeAll(async () => {
    resetFluentState();
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
    setTrackingUri(`sqlite:///${join(tmp.dir, 'read.db')}`);
    await configureTracing({ flushOnExit: false });
  });
  afterAll(async () => {
    await resetTracing();
    resetFluentState();
    delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('getTrace, searchTraces by run, tags, and deleteTraces', async () => {
    const tracedStep = trace(function step(x: number) {
      return x + 1;
    });
    tracedStep(1);
    const run = await startRun();
    tracedStep(2);
    tracedStep(3);
    await endRun();
    await flushTraces();
    const all = await searchTraces({ experimentIds: ['0'], orderBy: ['timestamp_ms ASC'] });
    expect(all.items).toHaveLength(3);
    const inRun = await searchTraces({ runId: run.info.runId });
    expect(inRun.items.map((t) => t.data.spans[0]!.inputs)).toEqual(expect.arrayContaining([{ x: 2 }, { x: 3 }]));
    expect(inRun.items).toHaveLength(2);
    const id = all.items[0]!.info.traceId;
    await setTraceTag(id, 'reviewed', 'yes');
    expect((await getTrace(id)).info.tags.reviewed).toBe('yes');
    await deleteTraceTag(id, 'reviewed');
    expect((await getTrace(id)).info.tags.reviewed).toBeUndefined();
    await expectMlflowError(getTrace('tr-00000000000000000000000000000000'), 'RESOURCE_DOES_NOT_EXIST', 'tr-0000');
    expect(await deleteTraces({ experimentId: '0', traceIds: [id] })).toBe(1);
    expect((await searchTraces({ experimentIds: ['0'] })).items).toHaveLength(2);
    expect(await deleteTraces({ experimentId: '0', maxTimestampMillis: Date.now() })).toBe(2);
  });

  it('rejects contradictory delete arguments with the argument named', async () => {
    await expect(deleteTraces({ experimentId: '0' })).rejects.toThrow(/traceIds and maxTimestampMillis/);
    await expect(deleteTraces({ experimentId: '0', traceIds: ['tr-1'], maxTimestampMillis: 1 })).rejects.toThrow(
      /traceIds and maxTimestampMillis/,
    );
  });
});
