import { expect } from 'vitest';
import {
  endRun,
  flushTraces,
  getCurrentActiveSpan,
  SpanType,
  startRun,
  trace,
  updateCurrentTrace,
  withSpan,
} from '../../src/index.js';

/** The scenario of test/interop/py/tracing_roundtrip.py, written with this SDK. */
export async function writeTracingScenario(): Promise<{ traceIds: string[]; experimentId: string; runId: string }> {
  const ids: string[] = [];
  const tracedRetrieve = trace(
    function retrieve(query: string, k = 2) {
      return Array.from({ length: k }, (_, i) => `doc-${i} for ${query}`);
    },
    { spanType: SpanType.RETRIEVER },
  );
  const tracedGenerate = trace(
    async function generate(prompt: string) {
      const span = getCurrentActiveSpan()!;
      span.setAttribute('mlflow.chat.tokenUsage', { input_tokens: 7, output_tokens: 3, total_tokens: 10 });
      span.setAttribute('mlflow.llm.model', 'tiny-gpt2');
      return prompt.toUpperCase();
    },
    { spanType: SpanType.LLM },
  );
  const tracedAgent = trace(
    async function agent(question: string) {
      ids.push(getCurrentActiveSpan()!.traceId);
      const docs = tracedRetrieve(question, 2);
      const prompt = withSpan({ name: 'compose', spanType: SpanType.CHAIN }, (s) => {
        s.setInputs({ docs });
        const p = docs.join(' | ');
        s.setOutputs(p);
        return p;
      });
      updateCurrentTrace({ tags: { team: 'py' }, metadata: { origin: 'python' } });
      return tracedGenerate(prompt);
    },
    { spanType: SpanType.AGENT },
  );
  await tracedAgent('what is mlflow?');
  const tracedFails = trace(function fails(x: number) {
    ids.push(getCurrentActiveSpan()!.traceId);
    throw new TypeError(`bad ${x}`);
  });
  expect(() => tracedFails(3)).toThrow('bad 3');
  const tracedStream = trace(function* stream(n: number) {
    ids.push(getCurrentActiveSpan()!.traceId);
    for (let i = 0; i < n; i++) yield i;
  });
  expect([...tracedStream(3)]).toEqual([0, 1, 2]);
  const run = await startRun();
  await tracedAgent('inside a run');
  await endRun();
  await flushTraces();
  return { traceIds: ids, experimentId: run.info.experimentId, runId: run.info.runId };
}

/** Searches run by both sides in the tracing interop tests. */
export const TRACE_FILTERS = [
  { filter: null, order_by: null },
  { filter: "tags.team = 'py'", order_by: ['timestamp_ms ASC'] },
  { filter: "attributes.status = 'ERROR'", order_by: null },
  { filter: "trace.name = 'agent'", order_by: ['timestamp_ms DESC'] },
  { filter: "metadata.origin = 'python'", order_by: ['timestamp_ms ASC'] },
  { filter: 'execution_time_ms >= 0', order_by: ['timestamp_ms ASC'], max_results: 2 },
];
