import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeAggregatedMetrics,
  type EvaluationRow,
  evaluate,
  exactMatch,
  parseCsv,
  scorer,
  standardizeScorerValue,
} from '../../src/eval/index.js';
import { EvaluationProgress } from '../../src/eval/progress.js';
import {
  closeAllTrackingStores,
  configureTracing,
  flushTraces,
  getClient,
  resetFluentState,
  resetTracing,
  saveModel,
  setExperiment,
  setTrackingUri,
  trace,
  updateCurrentTrace,
  withRun,
  withSpan,
} from '../../src/index.js';
import { Feedback } from '../../src/tracking/entities/index.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

/** A progress stream that records what is written (TTY or not). */
function captureStream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(w, { isTTY, text: () => text });
  return w;
}

const quiet = { quiet: true } as const;

const exact = scorer(
  { name: 'exact', aggregations: ['mean', 'min', 'max', 'median', 'variance', 'p90'] },
  (i) => String(i.outputs) === i.expectations.expected_response,
);
const len = scorer(function answer_length({ outputs }) {
  return String(outputs ?? '').length;
});
const judge = scorer(
  { name: 'judge' },
  ({ outputs }) =>
    new Feedback({
      value: String(outputs).length > 1 ? 'yes' : 'no',
      rationale: `length ${String(outputs).length}`,
      source: { sourceType: 'LLM_JUDGE', sourceId: 'scripted' },
    }),
);
const boom = scorer({ name: 'boom' }, () => {
  throw new RangeError('scorer exploded');
});
const weird = scorer({ name: 'weird' }, () => ({ not: 'supported' }) as never);

const DATA = [
  { inputs: { question: 'a' }, expectations: { expected_response: 'A' } },
  { inputs: { question: 'bb' }, expectations: { expected_response: 'BB', expected_facts: ['b'] } },
  { inputs: { question: 'ccc' }, expectations: { expected_response: 'nope' } },
  { inputs: { question: 'dddd' }, expectations: { expected_response: 'DDDD' } },
];

async function upper({ question }: Record<string, unknown>): Promise<string> {
  await sleep(Math.random() * 5);
  return String(question).toUpperCase();
}

describe('evaluate() on the embedded store', () => {
  const tmp = makeTempDir('evaluate-');
  let experimentId: string;

  beforeAll(async () => {
    resetFluentState();
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
    setTrackingUri(`sqlite:///${join(tmp.dir, 'mlflow.db')}`);
    experimentId = (await setExperiment('eval-unit')).experimentId;
    await configureTracing({ flushOnExit: false });
  });

  afterAll(async () => {
    await resetTracing();
    resetFluentState();
    delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('runs predictFn per row under a root span and logs every score on the row trace', async () => {
    const res = await evaluate({
      data: DATA,
      predictFn: upper,
      scorers: [exact, len, judge, boom, weird],
      concurrency: 3,
      runName: 'eval-1',
      ...quiet,
    });
    expect(res.rows.map((r) => r.outputs)).toEqual(['A', 'BB', 'CCC', 'DDDD']);
    expect(res.rows.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(res.metrics).toEqual({
      'exact/mean': 0.75,
      'exact/min': 0,
      'exact/max': 1,
      'exact/median': 1,
      'exact/variance': 0.1875,
      'exact/p90': 1,
      'answer_length/mean': 2.5,
      'judge/mean': 0.75,
    });
    const client = getClient();
    const run = await client.getRun(res.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.runName).toBe('eval-1');
    expect(run.data.tags['mlflow.runType']).toBe('genai_evaluate');
    expect(run.data.tags['mlflow.genaiEvaluate.agent.function']).toBe('upper');
    expect(JSON.parse(run.data.tags['mlflow.genaiEvaluate.scorersDigest']!)).toMatchObject({ hashed: 5, total: 5 });
    expect(run.data.metrics['exact/mean']).toBe(0.75);

    const row = res.rows[1] as EvaluationRow;
    const traceObj = await client.getTrace(row.traceId!);
    expect(traceObj.info.experimentId).toBe(experimentId);
    expect(traceObj.info.traceMetadata['mlflow.sourceRun']).toBe(res.runId);
    expect(traceObj.info.tags['mlflow.eval.requestId']).toMatch(/^[0-9a-f-]{36}$/);
    const root = traceObj.data.spans.find((s) => s.parentId === null)!;
    expect(root.name).toBe('upper');
    expect(root.inputs).toEqual({ question: 'bb' });
    expect(root.outputs).toBe('BB');
    const stored = Object.fromEntries(traceObj.info.assessments!.map((a) => [a.name, a]));
    expect(Object.keys(stored).sort()).toEqual([
      'answer_length',
      'boom',
      'exact',
      'expected_facts',
      'expected_response',
      'judge',
      'weird',
    ]);
    expect(stored.exact).toMatchObject({
      kind: 'feedback',
      value: true,
      source: { sourceType: 'CODE', sourceId: 'exact' },
    });
    expect(stored.judge).toMatchObject({ value: 'yes', rationale: 'length 2', source: { sourceType: 'LLM_JUDGE' } });
    expect(stored.boom).toMatchObject({
      value: null,
      error: { errorCode: 'SCORER_ERROR', errorMessage: 'scorer exploded' },
    });
    expect((stored.weird as Feedback).error?.errorMessage).toMatch(/^Got unsupported result from scorer 'weird'/);
    expect(stored.expected_facts).toMatchObject({ kind: 'expectation', value: ['b'], source: { sourceType: 'HUMAN' } });
    for (const a of Object.values(stored)) {
      expect(a.metadata?.['mlflow.assessment.sourceRunId']).toBe(res.runId);
      expect(a.spanId).toBe(root.spanId);
      expect(a.assessmentId).toMatch(/^a-/);
    }
    // The row carries the stored assessments (ids included).
    expect(row.assessments.map((a) => a.assessmentId).sort()).toEqual(
      traceObj.info.assessments!.map((a) => a.assessmentId).sort(),
    );

    const linked = await client.searchTraces({ experimentIds: [experimentId], runId: res.runId, includeSpans: false });
    expect(linked.items.map((t) => t.info.traceId).sort()).toEqual(res.rows.map((r) => r.traceId).sort());
    const table = await client.downloadArtifacts(res.runId, 'eval_results_table.json', join(tmp.dir, 'dl'));
    expect(run.data.tags['mlflow.loggedArtifacts']).toBe('[{"path": "eval_results_table.json", "type": "table"}]');
    expect(table).toMatch(/eval_results_table\.json$/);
    expect((await client.listArtifacts(res.runId)).map((f) => f.path).sort()).toEqual([
      'eval_report.html',
      'eval_results_table.json',
    ]);
  });

  it('records a failing predictFn on its row and trace and keeps going', async () => {
    const res = await evaluate({
      data: DATA.slice(0, 2),
      predictFn: async ({ question }) => {
        if (question === 'a') throw new Error('model down');
        return 'fine';
      },
      scorers: [len],
      ...quiet,
    });
    const [bad, good] = res.rows as [EvaluationRow, EvaluationRow];
    expect(bad.error).toBe('Failed to invoke the predict_fn with {"question":"a"}: model down');
    expect(bad.outputs).toBeNull();
    expect(good.error).toBeNull();
    const t = await getClient().getTrace(bad.traceId!);
    expect(t.info.state).toBe('ERROR');
    expect(res.metrics['answer_length/mean']).toBe(2);
  });

  it('evaluates recorded outputs on minimal root_span traces, and given traces without new ones', async () => {
    const res = await evaluate({
      data: [
        { inputs: { q: 'x' }, outputs: 'X', expectations: { expected_response: 'X' }, tags: { team: 'a' } },
        { inputs: { q: 'y' }, outputs: { text: 'nope' }, expectations: { expected_response: 'Y' } },
      ],
      scorers: [exactMatch()],
      ...quiet,
    });
    expect(res.metrics['exact_match/mean']).toBe(0.5);
    const client = getClient();
    const t = await client.getTrace(res.rows[0]!.traceId!);
    expect(t.data.spans.map((s) => [s.name, s.spanType])).toEqual([['root_span', 'CHAIN']]);
    expect(t.info.tags.team).toBe('a');

    // Re-evaluate those traces: no new trace, the recorded expectations are reused, not duplicated.
    const page = await client.searchTraces({ experimentIds: [experimentId], runId: res.runId });
    const again = await evaluate({ data: page, scorers: [exactMatch({ name: 'exact_again' })], ...quiet });
    expect(again.rows.map((r) => r.traceId).sort()).toEqual(res.rows.map((r) => r.traceId).sort());
    expect(again.metrics['exact_again/mean']).toBe(0.5);
    const t2 = await client.getTrace(res.rows[0]!.traceId!);
    expect(t2.info.assessments!.filter((a) => a.name === 'expected_response')).toHaveLength(1);
    expect(t2.info.assessments!.map((a) => a.name)).toContain('exact_again');
    await expect(evaluate({ data: page, predictFn: upper, scorers: [], ...quiet })).rejects.toThrow(
      /predictFn cannot be used with trace rows/,
    );
  });

  it('copies traces of another experiment into the run experiment, spans and user tags included', async () => {
    const client = getClient();
    const otherId = await client.createExperiment('eval-unit-other');
    const child = trace(function lookup(term: string) {
      return `found ${term}`;
    });
    for (const q of ['p', 'q']) {
      await withSpan({ name: 'agent', parent: null, experimentId: otherId, inputs: { q } }, async () => {
        updateCurrentTrace({ tags: { owner: 'team-x' } });
        return child(q);
      });
    }
    await flushTraces();
    const page = await client.searchTraces({ experimentIds: [otherId] });
    const original = page.items.map((t) => t.info.traceId).sort();
    const res = await evaluate({ data: page, scorers: [len], ...quiet });
    expect(res.rows.every((r) => r.traceId && !original.includes(r.traceId))).toBe(true);
    const copy = await client.getTrace(res.rows[0]!.traceId!);
    expect(copy.info.experimentId).toBe(experimentId);
    expect(copy.info.tags.owner).toBe('team-x');
    expect(copy.data.spans.map((s) => [s.name, s.parentId === null])).toEqual([
      ['agent', true],
      ['lookup', false],
    ]);
    const q = (copy.data.spans[0]!.inputs as { q: string }).q;
    expect(copy.data.spans[1]!.inputs).toEqual({ term: q });
    expect(copy.data.spans[1]!.outputs).toBe(`found ${q}`);
    expect(copy.info.assessments!.map((a) => a.name)).toEqual(['answer_length']);
    expect(res.metrics['answer_length/mean']).toBe(7);
    // The originals are untouched.
    expect((await client.getTraceInfo(original[0]!)).assessments).toBeUndefined();
  });

  it('modelUri: loads a saved model and predicts each row with it', async () => {
    const dir = join(tmp.dir, 'echo-model');
    const suffix = join(tmp.dir, 'suffix.txt');
    writeFileSync(suffix, '!\n');
    await saveModel({
      path: dir,
      code: { path: join(REPO_ROOT, 'test/fixtures/pyfunc/wrapper/echo-model.mjs'), exportName: 'EchoModel' },
      artifacts: { suffix },
      modelConfig: { mark: '?' },
      // With a signature the row's inputs reach the model as a one-row frame.
      inputExample: [{ question: 'hi' }],
    });
    const res = await evaluate({
      data: [{ inputs: { question: 'hi' }, expectations: { expected_response: 'HI!?' } }],
      modelUri: dir,
      scorers: [exactMatch()],
      ...quiet,
    });
    expect(res.rows[0]!.error).toBe(null);
    expect(res.rows[0]!.outputs).toBe('HI!?');
    expect(res.metrics['exact_match/mean']).toBe(1);
    const run = await getClient().getRun(res.runId);
    expect(run.data.tags['mlflow.genaiEvaluate.agent.uri']).toBe(dir);
  }, 60_000);

  it('reads JSONL and CSV files', async () => {
    const jsonl = join(tmp.dir, 'data.jsonl');
    writeFileSync(jsonl, `${DATA.map((d) => JSON.stringify(d)).join('\n')}\n`);
    const csv = join(tmp.dir, 'data.csv');
    writeFileSync(
      csv,
      'inputs,outputs,expectations\n' +
        '"{""question"": ""Grüße""}",GRÜSSE,"{""expected_response"": ""GRÜSSE""}"\n' +
        '"{""question"": ""x""}","multi\nline","{""expected_response"": ""y""}"\n',
    );
    const a = await evaluate({ data: jsonl, predictFn: upper, scorers: [exact], ...quiet });
    expect(a.metrics['exact/mean']).toBe(0.75);
    const b = await evaluate({ data: csv, scorers: [exactMatch()], ...quiet });
    expect(b.rows.map((r) => [r.inputs, r.outputs])).toEqual([
      [{ question: 'Grüße' }, 'GRÜSSE'],
      [{ question: 'x' }, 'multi\nline'],
    ]);
    expect(b.metrics['exact_match/mean']).toBe(0.5);
    expect(parseCsv('a,b\r\n"x,""y""",\r\n')).toEqual([
      ['a', 'b'],
      ['x,"y"', ''],
    ]);
    await expect(evaluate({ data: join(tmp.dir, 'data.txt'), scorers: [], ...quiet })).rejects.toThrow(
      /Cannot read the evaluation data file/,
    );
    await expect(evaluate({ data: [], scorers: [], ...quiet })).rejects.toThrow('The dataset is empty');
  });

  it('perRowRuns: a nested run per row with its metrics and row.json', async () => {
    const res = await evaluate({
      data: DATA.slice(0, 3),
      predictFn: upper,
      scorers: [exact, len],
      perRowRuns: true,
      ...quiet,
    });
    const client = getClient();
    const children = await client.searchRuns({
      experimentIds: [experimentId],
      filterString: `tags.mlflow.parentRunId = '${res.runId}'`,
    });
    expect(children.items).toHaveLength(3);
    const byName = Object.fromEntries(children.items.map((r) => [r.info.runName, r]));
    expect(Object.keys(byName).sort()).toEqual(['row-0', 'row-1', 'row-2']);
    expect(byName['row-2']!.data.metrics).toMatchObject({ exact: 0, answer_length: 3 });
    expect(byName['row-2']!.data.metrics.latency_ms).toBeGreaterThanOrEqual(0);
    expect(res.rows[2]!.runId).toBe(byName['row-2']!.info.runId);
    const files = await client.listArtifacts(byName['row-0']!.info.runId);
    expect(files.map((f) => f.path)).toEqual(['row.json']);
    expect(byName['row-0']!.info.status).toBe('FINISHED');
    // Each row trace is found from its row run and from the evaluation run.
    const fromRow = await client.searchTraces({ experimentIds: [experimentId], runId: byName['row-0']!.info.runId });
    expect(fromRow.items.map((t) => t.info.traceId)).toEqual([res.rows[0]!.traceId]);
  });

  it('uses the active run, honours concurrency and keeps the input order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const predict = trace(async function slow({ question }: Record<string, unknown>) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(5 + Math.random() * 10);
      inFlight--;
      return String(question);
    });
    const data = Array.from({ length: 12 }, (_, i) => ({ inputs: { question: `q${i}` } }));
    const res = await withRun({ runName: 'outer' }, async (run) => {
      const r = await evaluate({ data, predictFn: predict, scorers: [len], concurrency: 2, ...quiet });
      expect(r.runId).toBe(run.info.runId);
      return r;
    });
    expect(maxInFlight).toBe(2);
    expect(res.rows.map((r) => r.outputs)).toEqual(data.map((d) => d.inputs.question));
    // A traced predictFn becomes a child of the row's root span.
    const t = await getClient().getTrace(res.rows[0]!.traceId!);
    expect(t.data.spans.map((s) => s.name)).toEqual(['slow', 'slow']);
  });

  it('cancellation: no new row starts, evaluate rejects and the run ends KILLED', async () => {
    const controller = new AbortController();
    let started = 0;
    const data = Array.from({ length: 50 }, (_, i) => ({ inputs: { i } }));
    const promise = evaluate({
      data,
      predictFn: async (_inputs, ctx) => {
        started++;
        if (started === 3) controller.abort(new Error('stop now'));
        await sleep(2);
        expect(ctx.signal).toBe(controller.signal);
        return 'x';
      },
      scorers: [len],
      concurrency: 2,
      signal: controller.signal,
      runName: 'cancelled',
      ...quiet,
    });
    await expect(promise).rejects.toThrow('stop now');
    expect(started).toBeLessThan(6);
    const runs = await getClient().searchRuns({
      experimentIds: [experimentId],
      filterString: "attributes.run_name = 'cancelled'",
    });
    expect(runs.items[0]!.info.status).toBe('KILLED');
  });

  it('with tracing disabled, still scores every row and logs the metrics (no traces, no assessments)', async () => {
    await configureTracing({ enabled: false, flushOnExit: false });
    try {
      const res = await evaluate({ data: DATA, predictFn: upper, scorers: [exact], ...quiet });
      expect(res.rows.map((r) => r.traceId)).toEqual([null, null, null, null]);
      expect(res.rows.every((r) => r.feedbacks.length === 1 && r.feedbacks[0]!.assessmentId === null)).toBe(true);
      expect(res.metrics['exact/mean']).toBe(0.75);
      expect((await getClient().getRun(res.runId)).data.metrics['exact/mean']).toBe(0.75);
    } finally {
      await configureTracing({ flushOnExit: false });
    }
  });

  it('rejects bad options with messages naming them', async () => {
    await expect(evaluate({ data: DATA, scorers: 'x' as never })).rejects.toThrow(/`scorers` argument must be a list/);
    await expect(evaluate({ data: DATA, scorers: [{} as never] })).rejects.toThrow(/scorer at index 0 is not a scorer/);
    await expect(evaluate({ data: DATA, scorers: [], concurrency: 0 })).rejects.toThrow(
      'Invalid value 0 for concurrency: must be an integer >= 1.',
    );
    await expect(evaluate({ data: DATA, scorers: [], predictFn: upper, modelUri: 'runs:/x/m' })).rejects.toThrow(
      'Pass either `predictFn` or `modelUri`, not both.',
    );
    await expect(evaluate({ data: [{ inputs: 5 } as never], scorers: [], ...quiet })).rejects.toThrow(
      /The 'inputs' column must be a dictionary/,
    );
    await expect(evaluate({ data: [{ inputs: 'text' } as never], scorers: [], ...quiet })).rejects.toThrow(
      /Failed to parse `inputs` column of row 0/,
    );
    expect(() =>
      scorer({ aggregations: ['avg' as never] }, function s() {
        return 1;
      }),
    ).toThrow(/Invalid aggregation "avg" for scorer 's'/);
  });
});

describe('harness pieces', () => {
  it('aggregates as numpy and MLflow: yes/no as 1/0, other strings skipped, custom functions by name', () => {
    const fb = (name: string, value: unknown) => new Feedback({ name, value: value as never });
    const s = scorer(
      {
        name: 's',
        aggregations: [
          'median',
          'variance',
          'p90',
          function spread(v: number[]) {
            return Math.max(...v) - Math.min(...v);
          },
        ],
      },
      () => 1,
    );
    const m = computeAggregatedMetrics(
      [fb('s', 1), fb('s', 'YES'), fb('s', 'no'), fb('s', 4), fb('s', 'maybe'), fb('s', null), fb('other', true)],
      [s],
    );
    expect(m).toEqual({
      's/median': 1,
      's/variance': 2.25,
      's/p90': 3.1000000000000005,
      's/spread': 4,
      'other/mean': 1,
    });
  });

  it('standardises scorer values as MLflow does', () => {
    expect(standardizeScorerValue('x', null)).toEqual([]);
    const [a] = standardizeScorerValue('x', 0.5);
    expect(a).toMatchObject({ name: 'x', value: 0.5, source: { sourceType: 'CODE', sourceId: 'x' } });
    const named = standardizeScorerValue('x', [
      new Feedback({ name: 'custom', value: 1 }),
      new Feedback({ value: 2 }),
      3,
    ]);
    expect(named.map((f) => [f.name, f.value])).toEqual([
      ['custom', 1],
      ['x', 2],
      ['x', 3],
    ]);
  });

  it('shows a bar on a TTY and plain lines otherwise', () => {
    const tty = captureStream(true);
    const p = new EvaluationProgress(4, { stream: tty });
    for (let i = 0; i < 4; i++) p.tick();
    p.close();
    expect(tty.text()).toContain(
      '\rEvaluating: 100%|█████████████████████████| 4/4 [Elapsed: 00:00, Remaining: 00:00]',
    );
    const plain = captureStream(false);
    const q = new EvaluationProgress(20, { stream: plain });
    for (let i = 0; i < 20; i++) q.tick();
    q.close();
    expect(plain.text().trim().split('\n')).toHaveLength(11);
    expect(plain.text()).not.toContain('\r');
    const none = captureStream(true);
    new EvaluationProgress(3, { stream: none, quiet: true }).close();
    expect(none.text()).toBe('');
    expect(EvaluationProgress.line('Evaluating', 1, 4, 2000)).toBe(
      'Evaluating:  25%|██████                   | 1/4 [Elapsed: 00:02, Remaining: 00:06]',
    );
  });
});
