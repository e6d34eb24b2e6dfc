import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configureTracing,
  flushTraces,
  getTrace,
  resetFluentState,
  resetTracing,
  SpanType,
  searchTraces,
  setExperiment,
  setTrackingUri,
  trace,
  tracingStats,
} from '../../src/index.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { type CanonTrace, canonTrace, shape } from '../helpers/traces.js';
import { TRACE_FILTERS, writeTracingScenario } from '../helpers/tracing-scenario.js';

interface PyRead {
  traces: Record<string, CanonTrace>;
  searches: string[][];
  search_all: string[];
}

describe('tracing into a real MLflow server', () => {
  const tmp = makeTempDir('tracing-server-');
  let server: MlflowServer;

  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 'server.db')}`,
      args: ['--artifacts-destination', join(tmp.dir, 'artifacts')],
    });
    resetFluentState();
    setTrackingUri(server.url);
    await setExperiment('tracing-server');
    await configureTracing({ flushOnExit: false });
  });

  afterAll(async () => {
    await resetTracing();
    resetFluentState();
    await server?.stop();
    tmp.cleanup();
  });

  it('trace() into the server: Python reads the traces identically, the UI endpoints serve their spans', async () => {
    const ts = await writeTracingScenario();
    const py = await runPythonJson<PyRead>('tracing_roundtrip.py', {
      op: 'read',
      tracking_uri: server.url,
      trace_ids: ts.traceIds,
      experiment_ids: [ts.experimentId],
      filters: TRACE_FILTERS,
    });
    for (const id of ts.traceIds) {
      expect(py.traces[id]).toEqual(canonTrace(await getTrace(id)));
    }
    expect(shape(py.traces[ts.traceIds[0]!]!)).toEqual([
      ['agent', null, 'AGENT'],
      ['retrieve', 'agent', 'RETRIEVER'],
      ['compose', 'agent', 'CHAIN'],
      ['generate', 'agent', 'LLM'],
    ]);
    for (const [i, f] of TRACE_FILTERS.entries()) {
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

    // The MLflow UI's own endpoints.
    const agentId = ts.traceIds[0]!;
    const res = await fetch(`${server.url}/ajax-api/3.0/mlflow/traces/get?trace_id=${agentId}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { trace: { trace_info: { trace_id: string }; spans: Array<{ name: string }> } };
    expect(body.trace.trace_info.trace_id).toBe(agentId);
    expect(body.trace.spans.map((s) => s.name).sort()).toEqual(['agent', 'compose', 'generate', 'retrieve']);
    const search = await fetch(`${server.url}/ajax-api/3.0/mlflow/traces/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: ts.experimentId } }],
        max_results: 100,
      }),
    });
    expect(search.status).toBe(200);
    const found = (await search.json()) as { traces: Array<{ trace_id: string }> };
    expect(found.traces.map((t) => t.trace_id).sort()).toEqual([...ts.traceIds].sort());
  });

  it("the OTLP destination works against any collector: here the server's own /v1/traces endpoint", async () => {
    const experiment = await setExperiment('tracing-otlp');
    await configureTracing({
      destination: {
        type: 'otlp',
        endpoint: server.url,
        headers: { 'x-mlflow-experiment-id': experiment.experimentId },
      },
      mode: 'immediate',
      flushOnExit: false,
    });
    const tracedLookup = trace(function lookup(key: string) {
      return { key, value: 42 };
    });
    const tracedOuter = trace(
      async function outer(key: string) {
        return tracedLookup(key);
      },
      { spanType: SpanType.CHAIN },
    );
    await tracedOuter('answer');
    await flushTraces();
    expect(tracingStats()).toMatchObject({ exported: 1, dropped: 0 });
    const found = await searchTraces({ experimentIds: [experiment.experimentId] });
    expect(found.items).toHaveLength(1);
    const t = found.items[0]!;
    expect(shape(canonTrace(t))).toEqual([
      ['outer', null, 'CHAIN'],
      ['lookup', 'outer', 'UNKNOWN'],
    ]);
    expect(t.data.spans[1]!.outputs).toEqual({ key: 'answer', value: 42 });
    expect(t.data.spans[0]!.inputs).toEqual({ key: 'answer' });
    await configureTracing({ flushOnExit: false });
  });
});
