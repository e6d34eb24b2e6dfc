import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  configureTracing,
  getClient,
  getTrace,
  resetFluentState,
  resetTracing,
  searchTraces,
  setExperiment,
  setTrackingUri,
} from '../../src/index.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { type CanonTrace, canonTrace, shape } from '../helpers/traces.js';
import { TRACE_FILTERS as FILTERS, writeTracingScenario as writeScenario } from '../helpers/tracing-scenario.js';

interface PyRead {
  traces: Record<string, CanonTrace>;
  searches: string[][];
  search_all: string[];
}

describe('tracing interop on the embedded store', () => {
  const tmp = makeTempDir('tracing-sqlite-');
  const tsDb = join(tmp.dir, 'ts.db');
  const pyDb = join(tmp.dir, 'py.db');
  let ts: { traceIds: string[]; experimentId: string; runId: string };

  beforeAll(async () => {
    resetFluentState();
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
    setTrackingUri(`sqlite:///${tsDb}`);
    await setExperiment('tracing-interop');
    await configureTracing({ flushOnExit: false });
    ts = await writeScenario();
  });

  afterAll(async () => {
    await resetTracing();
    resetFluentState();
    delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('Python get_trace and search_traces read the SDK traces with the identical span tree', async () => {
    const py = await runPythonJson<PyRead>('tracing_roundtrip.py', {
      op: 'read',
      tracking_uri: `sqlite:///${tsDb}`,
      trace_ids: ts.traceIds,
      experiment_ids: [ts.experimentId],
      filters: FILTERS,
    });
    for (const id of ts.traceIds) {
      const ours = canonTrace(await getTrace(id));
      expect(py.traces[id]).toEqual(ours);
    }
    const [agentTrace, failTrace, streamTrace, runTrace] = ts.traceIds.map((id) => py.traces[id]!);
    expect(shape(agentTrace!)).toEqual([
      ['agent', null, 'AGENT'],
      ['retrieve', 'agent', 'RETRIEVER'],
      ['compose', 'agent', 'CHAIN'],
      ['generate', 'agent', 'LLM'],
    ]);
    expect(agentTrace!.info.trace_metadata).toMatchObject({
      'mlflow.trace.tokenUsage': '{"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}',
      'mlflow.traceInputs': '{"question": "what is mlflow?"}',
      origin: 'python',
      'mlflow.trace_schema.version': '3',
    });
    expect(agentTrace!.info.tags).toMatchObject({ 'mlflow.traceName': 'agent', team: 'py' });
    expect(failTrace!.info.state).toBe('ERROR');
    expect(failTrace!.spans[0]!.status).toEqual(['ERROR', 'TypeError: bad 3']);
    expect(streamTrace!.spans[0]!.outputs).toEqual([0, 1, 2]);
    expect((runTrace!.info.trace_metadata as Record<string, string>)['mlflow.sourceRun']).toBe(ts.runId);

    // Search parity: the same ids in the same order from Python and from us.
    for (const [i, f] of FILTERS.entries()) {
      const ours = await searchTraces({
        experimentIds: [ts.experimentId],
        ...(f.filter ? { filterString: f.filter } : {}),
        ...(f.order_by ? { orderBy: f.order_by } : {}),
        ...(f.max_results ? { maxResults: f.max_results } : {}),
        includeSpans: false,
      });
      expect(
        ours.items.map((t) => t.info.traceId),
        `filter ${f.filter}`,
      ).toEqual(py.searches[i]);
    }
    expect(py.search_all).toEqual([...ts.traceIds].sort());
  });

  it('the SDK reads traces Python wrote identically, and they have the same shape as the SDK ones', async () => {
    const written = await runPythonJson<{ trace_ids: string[]; experiment_id: string; run_id: string }>(
      'tracing_roundtrip.py',
      { op: 'write', tracking_uri: `sqlite:///${pyDb}`, experiment_name: 'tracing-interop' },
      { env: { MLFLOW_DEFAULT_ARTIFACT_ROOT: join(tmp.dir, 'py-mlruns') } },
    );
    const py = await runPythonJson<PyRead>('tracing_roundtrip.py', {
      op: 'read',
      tracking_uri: `sqlite:///${pyDb}`,
      trace_ids: written.trace_ids,
      experiment_ids: [written.experiment_id],
      filters: FILTERS,
    });
    const client = new (getClient().constructor as typeof import('../../src/index.js').MlflowClient)({
      trackingUri: `sqlite:///${pyDb}`,
    });
    const oursOfPy: CanonTrace[] = [];
    for (const id of written.trace_ids) {
      const ours = canonTrace(await client.getTrace(id));
      expect(ours).toEqual(py.traces[id]);
      oursOfPy.push(ours);
    }
    // Same program in both languages: same tree, same attribute keys, same metadata and tag keys.
    const tsTraces = await Promise.all(ts.traceIds.map(async (id) => canonTrace(await getTrace(id))));
    for (const [i, pyTrace] of oursOfPy.entries()) {
      const tsTrace = tsTraces[i]!;
      expect(shape(tsTrace)).toEqual(shape(pyTrace));
      expect(Object.keys(tsTrace.info.trace_metadata as object).sort()).toEqual(
        Object.keys(pyTrace.info.trace_metadata as object)
          .filter((k) => !k.startsWith('mlflow.source.git'))
          .sort(),
      );
      expect(Object.keys(tsTrace.info.tags as object).sort()).toEqual(Object.keys(pyTrace.info.tags as object).sort());
      expect(tsTrace.info.state).toBe(pyTrace.info.state);
      for (const [j, pySpan] of pyTrace.spans.entries()) {
        const tsSpan = tsTrace.spans[j]!;
        expect(Object.keys(tsSpan.attributes as object).sort()).toEqual(
          Object.keys(pySpan.attributes as object).sort(),
        );
        expect([tsSpan.inputs, tsSpan.outputs, tsSpan.span_type]).toEqual([
          pySpan.inputs,
          pySpan.outputs,
          pySpan.span_type,
        ]);
        expect((tsSpan.status as string[])[0]).toBe((pySpan.status as string[])[0]);
        expect((tsSpan.events as Array<{ name: string }>).map((e) => e.name)).toEqual(
          (pySpan.events as Array<{ name: string }>).map((e) => e.name),
        );
      }
    }
    await client.store.close();
  });
});
