import { expect } from 'vitest';
import { type EvaluationResult, evaluate, scorer } from '../../src/eval/index.js';
import { type Assessment, Feedback } from '../../src/tracking/entities/index.js';

/** One assessment as `eval_read.py` dumps it. */
export interface PyAssessment {
  assessment_id: string;
  name: string;
  kind: string;
  value: unknown;
  source_type: string;
  source_id: string | null;
  rationale: string | null;
  error_code: string | null;
  error_message: string | null;
  metadata: Record<string, string> | null;
  span_id: string | null;
  valid: boolean | null;
  overrides: string | null;
  trace_id: string;
}

/** What `eval_read.py` prints. */
export interface PyEvalRead {
  traces: Array<{
    trace_id: string;
    request_id_tag: string | null;
    source_run: string | null;
    state: string;
    inputs: unknown;
    outputs: unknown;
    root_span_id: string | null;
    assessments: PyAssessment[];
  }>;
  run: { metrics: Record<string, number>; tags: Record<string, string>; status: string };
  table: { columns?: string[]; rows?: number; error?: string };
  raw?: Array<Record<string, unknown>>;
  made: { feedback?: string; expectation?: string; override?: string };
  twins: Array<Record<string, unknown>>;
}

/** The evaluation both interop tests run: custom, judge-like, throwing scorers, and expectations. */
export async function runInteropEvaluation(): Promise<EvaluationResult> {
  const exact = scorer(
    { name: 'exact', aggregations: ['mean', 'min', 'p90'] },
    ({ outputs, expectations }) => outputs === expectations.expected_response,
  );
  const judge = scorer(
    { name: 'polite' },
    ({ outputs }) =>
      new Feedback({
        value: String(outputs).includes('!') ? 'no' : 'yes',
        rationale: `Judged "${String(outputs)}" — ok`,
        source: { sourceType: 'LLM_JUDGE', sourceId: 'scripted-judge' },
      }),
  );
  const boom = scorer({ name: 'boom' }, () => {
    throw new Error('scorer failed on purpose');
  });
  const words = scorer(function word_count({ outputs }) {
    return String(outputs).split(/\s+/).length;
  });
  return evaluate({
    data: [
      { inputs: { question: 'capital of France?' }, expectations: { expected_response: 'Paris' } },
      { inputs: { question: 'Grüße aus 東京' }, expectations: { expected_response: 'x', expected_facts: ['ü', 2] } },
      { inputs: { question: 'shout' }, expectations: { expected_response: 'HEY!' } },
    ],
    predictFn: async function answer({ question }) {
      if (question === 'capital of France?') return 'Paris';
      if (question === 'shout') return 'HEY!';
      return `echo: ${String(question)}`;
    },
    scorers: [exact, judge, boom, words],
    runName: 'interop-eval',
    quiet: true,
  });
}

/** Python's view of the evaluation equals the SDK's rows: every assessment with value, source, rationale, error. */
export function expectPythonSeesEvaluation(res: EvaluationResult, py: PyEvalRead): void {
  expect(py.traces.map((t) => t.trace_id).sort()).toEqual(res.rows.map((r) => r.traceId).sort());
  for (const row of res.rows) {
    const t = py.traces.find((x) => x.trace_id === row.traceId)!;
    expect(t.source_run).toBe(res.runId);
    expect(t.state).toBe('OK');
    expect(t.inputs).toEqual(row.inputs);
    expect(t.outputs).toEqual(row.outputs);
    expect(t.request_id_tag).toMatch(/^[0-9a-f-]{36}$/);
    const ours = [...row.assessments].sort((a, b) => (a.name < b.name ? -1 : 1)).map(canon);
    expect(t.assessments.map(stripPy)).toEqual(ours);
    for (const a of t.assessments) {
      expect(a.span_id).toBe(t.root_span_id);
      expect(a.metadata?.['mlflow.assessment.sourceRunId']).toBe(res.runId);
    }
  }
  expect(py.run.status).toBe('FINISHED');
  expect(py.run.tags['mlflow.runType']).toBe('genai_evaluate');
  expect(Object.keys(py.run.metrics).sort()).toEqual(Object.keys(res.metrics).sort());
  for (const [k, v] of Object.entries(res.metrics)) expect(py.run.metrics[k]).toBeCloseTo(v, 12);
  expect(res.metrics).toMatchObject({ 'exact/mean': 2 / 3, 'exact/min': 0, 'polite/mean': 2 / 3 });
  expect(py.table.rows).toBe(3);
  expect(py.table.columns).toEqual(
    expect.arrayContaining(['request_id', 'trace_id', 'exact/value', 'boom/error_message']),
  );
}

function canon(a: Assessment) {
  return {
    assessment_id: a.assessmentId,
    name: a.name,
    kind: a.kind,
    value: a.kind === 'issue' ? null : (a.value ?? null),
    source_type: a.source.sourceType,
    source_id: a.source.sourceId,
    rationale: a.rationale,
    error_code: a.kind === 'feedback' ? (a.error?.errorCode ?? null) : null,
    error_message: a.kind === 'feedback' ? (a.error?.errorMessage ?? null) : null,
  };
}

function stripPy(a: PyAssessment) {
  const { metadata: _m, span_id: _s, valid: _v, overrides: _o, trace_id: _t, ...rest } = a;
  return rest;
}
