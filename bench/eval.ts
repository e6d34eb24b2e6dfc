// Benchmark: evaluate() against mlflow.genai.evaluate on the same rows with the same five code scorers.
// Each side: a fresh SQLite store, one evaluation run, 4 rows at a time (MLFLOW_GENAI_EVAL_MAX_WORKERS=4
// for Python, whose default 10+10 threads starve its SQLite connection pool; concurrency: 4 for us), a
// trace per row from the predict function, five
// custom scorers, each score logged as an assessment on the row's trace, and the expectation logged
// too; the aggregates logged as run metrics. Both compute the same metrics (checked).
// Prints seconds per side and the ratio. Target: ours >= 10x faster.
// Usage: npm run bench -- eval   (or: npx tsx bench/eval.ts [rows])
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { evaluate, scorer } from '../src/eval/index.js';
import {
  closeAllTrackingStores,
  configureTracing,
  getClient,
  resetFluentState,
  resetTracing,
  setExperiment,
  setTrackingUri,
} from '../src/index.js';

const rows = Number(process.argv[2] ?? 1000);
const root = resolve(import.meta.dirname, '..');
const CONCURRENCY = 4;

function makeData(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    inputs: { question: `question ${i} about topic ${i % 7}` },
    expectations: { expected_response: i % 3 ? `ANSWER ${i} ABOUT TOPIC ${i % 7}` : 'something else' },
  }));
}

function predict({ question }: Record<string, unknown>): string {
  return String(question).toUpperCase().replaceAll('QUESTION', 'ANSWER');
}

const expected = (e: Record<string, unknown>) => String(e.expected_response);
const SCORERS = [
  scorer(function exact_match({ outputs, expectations }) {
    return outputs === expected(expectations);
  }),
  scorer(function contains_topic({ outputs }) {
    return String(outputs).includes('TOPIC');
  }),
  scorer(function answer_length({ outputs }) {
    return String(outputs).length;
  }),
  scorer(function word_overlap({ outputs, expectations }) {
    const a = new Set(String(outputs).split(/\s+/).filter(Boolean));
    const b = new Set(expected(expectations).split(/\s+/).filter(Boolean));
    const inter = [...a].filter((w) => b.has(w)).length;
    return inter / Math.max(new Set([...a, ...b]).size, 1);
  }),
  scorer(function non_empty({ outputs }) {
    return String(outputs ?? '').trim() !== '';
  }),
];

async function ours(n: number): Promise<{ seconds: number; metrics: Record<string, number>; assessments: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-eval-'));
  try {
    resetFluentState();
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(dir, 'mlruns');
    setTrackingUri(`sqlite:///${join(dir, 'bench.db')}`);
    await configureTracing({ flushOnExit: false });
    await setExperiment('warmup');
    await evaluate({ data: makeData(5), predictFn: predict, scorers: SCORERS, quiet: true, concurrency: CONCURRENCY });
    const { experimentId } = await setExperiment('bench');
    const data = makeData(n);
    const start = performance.now();
    const result = await evaluate({
      data,
      predictFn: predict,
      scorers: SCORERS,
      quiet: true,
      concurrency: CONCURRENCY,
    });
    const seconds = (performance.now() - start) / 1000;
    let assessments = 0;
    let pageToken: string | undefined;
    do {
      const page = await getClient().searchTraces({
        experimentIds: [experimentId],
        runId: result.runId,
        includeSpans: false,
        maxResults: 500,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const t of page.items) assessments += t.info.assessments?.length ?? 0;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return { seconds, metrics: result.metrics, assessments };
  } finally {
    await resetTracing();
    resetFluentState();
    await closeAllTrackingStores();
    delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
    rmSync(dir, { recursive: true, force: true });
  }
}

function python(n: number): { seconds: number; metrics: Record<string, number>; assessments: number } {
  const out = execFileSync(join(root, '.venv/bin/python'), [join(root, 'bench/py/eval_genai.py'), String(n)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, MLFLOW_GENAI_EVAL_MAX_WORKERS: String(CONCURRENCY) },
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string);
}

const mine = await ours(rows);
const theirs = python(rows);
const expectedAssessments = rows * (SCORERS.length + 1);
if (mine.assessments !== expectedAssessments) {
  throw new Error(`expected ${expectedAssessments} assessments, found ${mine.assessments}`);
}
for (const [k, v] of Object.entries(theirs.metrics)) {
  if (Math.abs((mine.metrics[k] ?? Number.NaN) - v) > 1e-9)
    throw new Error(`metric ${k}: ours ${mine.metrics[k]}, python ${v}`);
}
console.log(`eval: ${rows} rows x ${SCORERS.length} code scorers, each into a fresh SQLite store, one run`);
console.log(`  ours    ${mine.seconds.toFixed(2)} s  (${((mine.seconds * 1000) / rows).toFixed(2)} ms/row)`);
console.log(`  python  ${theirs.seconds.toFixed(2)} s  (${((theirs.seconds * 1000) / rows).toFixed(2)} ms/row)`);
// Under load MLflow may not find a row's trace in time and skips logging that row's assessments.
console.log(`  stored assessments: ours ${mine.assessments}, python ${theirs.assessments} (of ${expectedAssessments})`);
console.log(`  ratio   ${(theirs.seconds / mine.seconds).toFixed(1)}x faster (target >= 10x)`);
