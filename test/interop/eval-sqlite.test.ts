import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationResult } from '../../src/eval/index.js';
import { getAssessment } from '../../src/eval/index.js';
import {
  closeAllTrackingStores,
  configureTracing,
  getClient,
  resetFluentState,
  resetTracing,
  setExperiment,
  setTrackingUri,
} from '../../src/index.js';
import type { Expectation, Feedback } from '../../src/tracking/entities/index.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { expectPythonSeesEvaluation, type PyEvalRead, runInteropEvaluation } from './eval-common.js';

/** Feedbacks logged by both sides with the same content: their stored columns must be identical. */
const TWINS = [
  { name: 'twin_num', value: 0.25, rationale: 'Grüße 東京 🐍', metadata: { k: 'é', n: '1' } },
  { name: 'twin_bool', value: true },
  { name: 'twin_text', value: 'yes' },
  { name: 'twin_list', value: [1, 'ü', false] },
  {
    name: 'twin_error',
    value: null,
    error: { error_code: 'RATE_LIMIT', error_message: 'slow "down"', stack_trace: 'line 1\nline 2' },
  },
];
const COMPARED = [
  'value',
  'error',
  'rationale',
  'assessment_metadata',
  'aggregate_value',
  'is_numeric_value',
  'source_type',
];

describe('evaluation interop on the embedded store', () => {
  const tmp = makeTempDir('eval-sqlite-');
  const db = join(tmp.dir, 'mlflow.db');
  let res: EvaluationResult;
  let experimentId: string;
  let py: PyEvalRead;

  beforeAll(async () => {
    resetFluentState();
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
    setTrackingUri(`sqlite:///${db}`);
    experimentId = (await setExperiment('eval-interop')).experimentId;
    await configureTracing({ flushOnExit: false });
    res = await runInteropEvaluation();
    const client = getClient();
    const row0 = res.rows[0]!;
    for (const t of TWINS) {
      await client.logFeedback({
        traceId: res.rows[1]!.traceId!,
        name: `ts_${t.name}`,
        value: t.value as never,
        rationale: t.rationale ?? null,
        metadata: t.metadata ?? null,
        source: { sourceType: 'CODE', sourceId: t.name },
        ...(t.error
          ? {
              error: {
                errorCode: t.error.error_code,
                errorMessage: t.error.error_message,
                stackTrace: t.error.stack_trace,
              },
            }
          : {}),
      });
    }
    // One Python run: read everything back, then add Python-made assessments for the SDK to read.
    py = await runPythonJson<PyEvalRead>('eval_read.py', {
      tracking_uri: `sqlite:///${db}`,
      run_id: res.runId,
      experiment_id: experimentId,
      db,
      make: {
        trace_id: row0.traceId,
        override: row0.feedbacks.find((f) => f.name === 'exact')!.assessmentId,
        twins: TWINS.map((t) => ({ ...t, name: `py_${t.name}` })),
      },
    });
  });

  afterAll(async () => {
    await resetTracing();
    resetFluentState();
    delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('Python search_traces(run_id) returns every row trace with its assessments, and the run metrics match', () => {
    // Python read before logging its own assessments only on row 0's trace; compare the untouched rows.
    const untouched = { ...res, rows: res.rows.slice(2) };
    const pyUntouched = { ...py, traces: py.traces.filter((t) => t.trace_id === res.rows[2]!.traceId) };
    expectPythonSeesEvaluation(untouched, pyUntouched);
    expectPythonSeesEvaluation(
      { ...res, rows: res.rows.slice(0, 1) },
      {
        ...py,
        traces: py.traces
          .filter((t) => t.trace_id === res.rows[0]!.traceId)
          .map((t) => ({
            ...t,
            assessments: t.assessments.filter((a) => !a.name.startsWith('py_') && a.assessment_id !== py.made.override),
          })),
      },
    );
    const boom = py.traces.flatMap((t) => t.assessments).filter((a) => a.name === 'boom');
    expect(boom).toHaveLength(3);
    expect(boom[0]).toMatchObject({
      value: null,
      error_code: 'SCORER_ERROR',
      error_message: 'scorer failed on purpose',
    });
  });

  it('stores the same columns Python stores for the same feedback (values, errors, metadata, aggregates)', () => {
    const raw = py.raw!;
    for (const t of TWINS) {
      const ours = raw.find((r) => r.name === `ts_${t.name}`)!;
      const theirs = py.twins.find((r) => r.name === `py_${t.name}`)!;
      expect(ours).toBeDefined();
      expect(theirs).toBeDefined();
      for (const c of COMPARED) expect([t.name, c, ours[c]]).toEqual([t.name, c, theirs[c]]);
    }
    // Rows the evaluation wrote carry the trace's experiment and timestamp, as Python's store writes them.
    const evalRow = raw.find((r) => r.name === 'exact')!;
    expect(evalRow.experiment_id).toBe(Number(experimentId));
    expect(evalRow.trace_timestamp_ms).toEqual(expect.any(Number));
  });

  it('the SDK reads assessments made in Python: feedback, expectation and an override', async () => {
    const traceId = res.rows[0]!.traceId!;
    const fb = (await getAssessment(traceId, py.made.feedback!)) as Feedback;
    expect(fb).toMatchObject({
      kind: 'feedback',
      name: 'py_quality',
      value: 0.75,
      rationale: 'made in Python',
      source: { sourceType: 'HUMAN', sourceId: 'reviewer@example.com' },
      metadata: { origin: 'python' },
    });
    const ex = (await getAssessment(traceId, py.made.expectation!)) as Expectation;
    expect(ex).toMatchObject({ kind: 'expectation', value: { facts: ['a', 'ü'] }, source: { sourceType: 'HUMAN' } });
    const info = await getClient().getTraceInfo(traceId);
    const exact = res.rows[0]!.feedbacks.find((f) => f.name === 'exact')!;
    const byId = Object.fromEntries(info.assessments!.map((a) => [a.assessmentId, a]));
    expect(byId[exact.assessmentId!]!.valid).toBe(false);
    expect(byId[py.made.override!]).toMatchObject({ value: false, overrides: exact.assessmentId, valid: true });
  });
});
