// Quick start: logs a small experiment into MLflow's default store, sqlite:///mlflow.db, with
// artifacts under ./mlruns, exactly as Python MLflow would. Open it afterwards with
//   mlflow ui --backend-store-uri sqlite:///mlflow.db
import {
  getTrackingUri,
  logMetric,
  logMetrics,
  logParams,
  MlflowClient,
  setExperiment,
  setTags,
  withRun,
} from '../src/index.js';

const questions = ['What is MLflow?', 'What is a tracking URI?', 'Why log params?'];

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
      const answer = `${question.replace('?', '')} is answered here.`;
      await logParams({ question, answer });
      await logMetric('latency_ms', performance.now() - started);
      await logMetric('answer_chars', answer.length);
    });
  }
  return parent.info.runId;
});

const client = new MlflowClient();
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
console.log('open the UI  : mlflow ui --backend-store-uri sqlite:///mlflow.db');
