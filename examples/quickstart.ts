// Quick start: logs a small experiment into MLflow's default store, sqlite:///mlflow.db, with
// artifacts under ./mlruns, exactly as Python MLflow would. Open it afterwards with
//   mlflow ui --backend-store-uri sqlite:///mlflow.db
import {
  flushTraces,
  getTrackingUri,
  logMetric,
  logMetrics,
  logParams,
  MlflowClient,
  SpanType,
  searchTraces,
  setExperiment,
  setTags,
  trace,
  withRun,
} from '../src/index.js';

const questions = ['What is MLflow?', 'What is a tracking URI?', 'Why log params?'];

// A traced "model": each call becomes an MLflow trace (spans, inputs, outputs) in the same database.
const answerQuestion = trace(
  async function answerQuestion(question: string) {
    return `${question.replace('?', '')} is answered here.`;
  },
  { spanType: SpanType.CHAIN },
);

const experiment = await setExperiment('mlflow-genai-quickstart');
const parentId = await withRun({ runName: 'quickstart' }, async (parent) => {
  await logParams({ model: 'tiny-gpt2', temperature: 0.7, max_new_tokens: 32 });
  await setTags({ 'mlflow.note.content': 'Logged by mlflow-genai examples/quickstart.ts', phase: 'quickstart' });
  for (let step = 0; step < 10; step++) {
    await logMetrics({ loss: 1 / (step + 1), accuracy: 1 - 1 / (step + 2) }, { step });
  }
  for (const [i, question] of questions.entries()) {
    await withRun({ runName: `question-${i + 1}`, nested: true }, async () => {
      const started = performance.now();
      const answer = await answerQuestion(question);
      await logParams({ question, answer });
      await logMetric('latency_ms', performance.now() - started);
      await logMetric('answer_chars', answer.length);
    });
  }
  return parent.info.runId;
});

await flushTraces();
const client = new MlflowClient();
const traces = await searchTraces({ experimentIds: [experiment.experimentId], includeSpans: false });
const run = await client.getRun(parentId);
const children = await client.searchRuns({
  experimentIds: [experiment.experimentId],
  filterString: `tags.mlflow.parentRunId = '${parentId}'`,
});
console.log(`tracking URI : ${getTrackingUri()}`);
console.log(`experiment   : ${experiment.name} (id ${experiment.experimentId})`);
console.log(`run          : ${run.info.runName} (${run.info.runId}) ${run.info.status}`);
console.log(`metrics      : ${JSON.stringify(run.data.metrics)}`);
console.log(`nested runs  : ${children.items.length}`);
console.log(`traces       : ${traces.items.length} (e.g. ${traces.items[0]?.info.traceId})`);
console.log('open the UI  : mlflow ui --backend-store-uri sqlite:///mlflow.db');
