// The whole lifecycle in one call, with an explicit configuration: load the offline tiny GPT-2 with
// transformers.js, register the prompt, build the LangChain.js chain, test and evaluate it in nested runs, log
// and register the model, point the `champion` alias at it and test it by alias.
//   npx tsx examples/e2e.ts [data-dir]
import { runE2E } from '../src/index.js';

const dataDir = process.argv[2] ?? './e2e-data';
const summary = await runE2E(
  {
    dataDir, // sqlite:///<dataDir>/mlflow.db, artifacts in <dataDir>/mlruns
    experimentName: 'e2e-example',
    maxNewTokens: 16,
    testQuestions: [
      'What is MLflow?',
      { question: 'What does a model registry do?', expectations: { expected_facts: ['versions'] } },
    ],
    scorers: ['non_empty', 'latency', 'token_count'],
    registeredModelName: 'e2e-example-model',
    alias: 'champion',
  },
  { mode: 'all', onProgress: (e) => e.status !== 'start' && console.log(`${e.phase}: ${e.step} ${e.status}`) },
);

for (const phase of summary.phases) console.log(`${phase.status.padEnd(7)} ${phase.name} ${phase.error ?? ''}`);
console.log('metrics:', summary.metrics);
console.log('model:', summary.registeredModel?.modelUri, '| serve with:', summary.servingCommand);
console.log('UI:', summary.ui);
if (!summary.ok) process.exitCode = 1;
