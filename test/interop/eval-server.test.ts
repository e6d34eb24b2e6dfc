import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationResult } from '../../src/eval/index.js';
import {
  deleteAssessment,
  getAssessment,
  logExpectation,
  logFeedback,
  updateAssessment,
} from '../../src/eval/index.js';
import {
  configureTracing,
  flushTraces,
  getClient,
  resetFluentState,
  resetTracing,
  setExperiment,
  setTrackingUri,
  withSpan,
} from '../../src/index.js';
import { type Expectation, Feedback } from '../../src/tracking/entities/index.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { expectPythonSeesEvaluation, type PyEvalRead, runInteropEvaluation } from './eval-common.js';

describe('evaluation through a real MLflow server', () => {
  const tmp = makeTempDir('eval-server-');
  let server: MlflowServer;
  let res: EvaluationResult;
  let experimentId: string;
  let py: PyEvalRead;
  let inlineTraceId = '';
  let inlineId = '';

  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 'server.db')}`,
      args: ['--artifacts-destination', join(tmp.dir, 'artifacts')],
    });
    resetFluentState();
    setTrackingUri(server.url);
    experimentId = (await setExperiment('eval-server')).experimentId;
    await configureTracing({ flushOnExit: false });
    res = await runInteropEvaluation();
    // A feedback logged inside a trace travels with the trace (StartTraceV3 with assessments).
    await withSpan({ name: 'inline', parent: null, experimentId }, async (span) => {
      inlineTraceId = span.traceId;
      const f = await logFeedback({ traceId: span.traceId, name: 'inline_fb', value: 3, rationale: 'in trace' });
      inlineId = f.assessmentId!;
    });
    // The server links only traces it has: export first.
    await flushTraces();
    await getClient().linkTracesToRun([inlineTraceId], res.runId);
    const row0 = res.rows[0]!;
    py = await runPythonJson<PyEvalRead>('eval_read.py', {
      tracking_uri: server.url,
      run_id: res.runId,
      experiment_id: experimentId,
      make: { trace_id: row0.traceId, override: row0.feedbacks.find((f) => f.name === 'exact')!.assessmentId },
    });
  });

  afterAll(async () => {
    await resetTracing();
    resetFluentState();
    await server?.stop();
    tmp.cleanup();
  });

  it('Python search_traces(run_id) against the server returns the traces with their assessments; metrics match', () => {
    const rowTraces = new Set(res.rows.map((r) => r.traceId));
    expectPythonSeesEvaluation(
      { ...res, rows: res.rows.slice(1) },
      {
        ...py,
        traces: py.traces.filter((t) => rowTraces.has(t.trace_id) && t.trace_id !== res.rows[0]!.traceId),
      },
    );
    const inline = py.traces.find((t) => t.trace_id === inlineTraceId)!;
    expect(inline.assessments).toEqual([
      expect.objectContaining({ assessment_id: inlineId, name: 'inline_fb', value: 3, rationale: 'in trace' }),
    ]);
  });

  it('the SDK reads Python-made assessments over REST, and the override invalidated the SDK feedback', async () => {
    const traceId = res.rows[0]!.traceId!;
    const fb = (await getAssessment(traceId, py.made.feedback!)) as Feedback;
    expect(fb).toMatchObject({
      name: 'py_quality',
      value: 0.75,
      rationale: 'made in Python',
      source: { sourceType: 'HUMAN', sourceId: 'reviewer@example.com' },
    });
    const ex = (await getAssessment(traceId, py.made.expectation!)) as Expectation;
    expect(ex.value).toEqual({ facts: ['a', 'ü'] });
    const exact = res.rows[0]!.feedbacks.find((f) => f.name === 'exact')!;
    expect((await getAssessment(traceId, exact.assessmentId!)).valid).toBe(false);
    const info = await getClient().getTraceInfo(traceId);
    expect(info.assessments!.find((a) => a.assessmentId === py.made.override)).toMatchObject({
      value: false,
      overrides: exact.assessmentId,
    });
  });

  it('creates, updates and deletes assessments over REST as the embedded store does', async () => {
    const traceId = res.rows[2]!.traceId!;
    const created = (await logFeedback({
      traceId,
      name: 'rest_fb',
      value: 'yes',
      rationale: 'first',
      metadata: { a: '1' },
      error: undefined,
    })) as Feedback;
    expect(created.assessmentId).toMatch(/^a-/);
    const updated = (await updateAssessment(traceId, created.assessmentId!, {
      feedback: { value: 0.5 },
      rationale: 'second',
      metadata: { b: '2' },
    })) as Feedback;
    expect(updated).toMatchObject({ value: 0.5, rationale: 'second', metadata: { a: '1', b: '2' } });
    const renamed = await updateAssessment(
      traceId,
      created.assessmentId!,
      new Feedback({ name: 'rest_fb2', value: true }),
    );
    expect(renamed).toMatchObject({ name: 'rest_fb2', value: true });
    const exp = (await logExpectation({ traceId, name: 'gold', value: { answer: 'ü' } })) as Expectation;
    expect((await getAssessment(traceId, exp.assessmentId!)) as Expectation).toMatchObject({ value: { answer: 'ü' } });
    await deleteAssessment(traceId, created.assessmentId!);
    await expect(getAssessment(traceId, created.assessmentId!)).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(
      getClient().logAssessment('tr-ffffffffffffffffffffffffffffffff', new Feedback({ value: 1 })),
    ).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});
