// Evaluation with custom scorers (`mlflow.genai.evaluate`): a trace per row, each score an assessment on it,
// aggregates as run metrics. A scorer may return a boolean, a number, a string or Feedback(s); one that throws
// records its error on the row and the evaluation goes on.
//   npx tsx examples/custom-scorer.ts
import { evaluate, exactMatch, Feedback, rougeL, scorer, setExperiment } from '../src/index.js';

const conciseness = scorer({ name: 'concise', aggregations: ['mean', 'min', 'max'] }, ({ outputs }) => {
  const words = String(outputs).split(/\s+/).length;
  return new Feedback({ value: words <= 8, rationale: `${words} words` });
});

const mentionsMlflow = scorer({ name: 'mentions_mlflow' }, ({ outputs }) => /mlflow/i.test(String(outputs)));

const flaky = scorer({ name: 'flaky' }, () => {
  throw new Error('this scorer always fails');
});

await setExperiment('custom-scorer-example');
const result = await evaluate({
  data: [
    { inputs: { question: 'What is MLflow?' }, expectations: { expected_response: 'MLflow is an ML platform.' } },
    { inputs: { question: 'What is a run?' }, expectations: { expected_response: 'A run records one execution.' } },
  ],
  predictFn: async ({ question }) =>
    question === 'What is MLflow?' ? 'MLflow is an ML platform.' : 'A run records parameters, metrics and artifacts.',
  scorers: [conciseness, mentionsMlflow, exactMatch(), rougeL(), flaky],
  runName: 'custom-scorers',
  quiet: true,
});

console.log(`run ${result.runId}`);
for (const [name, value] of Object.entries(result.metrics).sort()) console.log(`  ${name} = ${value}`);
for (const row of result.rows) {
  const scores = row.feedbacks.map((f) => `${f.name}=${f.error ? 'error' : JSON.stringify(f.value)}`).join(' ');
  console.log(`  ${String(row.inputs.question)} -> ${scores}`);
}
