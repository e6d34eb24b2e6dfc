// Tracing: wrap functions with trace(), open spans with withSpan(), tag the trace, and read it back.
// Traces go to the tracking store (sqlite:///mlflow.db here), where MLflow's UI shows them.
//   npx tsx examples/tracing.ts
import {
  flushTraces,
  getActiveTraceId,
  MlflowClient,
  SpanType,
  setExperiment,
  trace,
  updateCurrentTrace,
  withSpan,
} from '../src/index.js';

const retrieve = trace(
  async function retrieve(query: string) {
    return [`doc about ${query}`, 'another doc'];
  },
  { spanType: SpanType.RETRIEVER },
);

const answer = trace(
  async function answer(question: string) {
    const docs = await retrieve(question);
    updateCurrentTrace({ tags: { feature: 'qa' } });
    return withSpan({ name: 'generate', spanType: SpanType.LLM, inputs: { question, docs } }, async (span) => {
      const text = `Based on ${docs.length} documents: ${question} is explained.`;
      span.setOutputs(text);
      span.setAttributes({ 'mlflow.llm.model': 'example-llm' });
      return text;
    });
  },
  { spanType: SpanType.CHAIN },
);

const experiment = await setExperiment('tracing-example');
let traceId: string | undefined;
const withId = trace(async function handle(q: string) {
  traceId = getActiveTraceId();
  return answer(q);
});
console.log(await withId('What is tracing?'));
await flushTraces();

const client = new MlflowClient();
const t = await client.getTrace(traceId!);
console.log(`trace ${t.info.traceId} in experiment ${experiment.experimentId}: ${t.data.spans.length} spans`);
for (const s of t.data.spans) console.log(`  ${s.name} (${s.spanType})`);
console.log('tags:', t.info.tags.feature);
