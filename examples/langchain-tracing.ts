// LangChain.js tracing (mlflow.langchain.autolog()): every run of a chain is a span, and the code a lambda
// or a tool runs (trace(), withSpan()) nests under the run that called it. The LLM is a transformers.js
// model through TransformersLLM: here the repo's offline tiny GPT-2 (any local text-generation model
// directory works, e.g. one saved with saveTransformersModel).
//   npx tsx examples/langchain-tracing.ts
import { StringOutputParser } from '@langchain/core/output_parsers';
import { PromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import {
  autologLangChain,
  createTransformersLLM,
  getLastActiveTraceId,
  getTrace,
  SpanType,
  setExperiment,
  type Trace,
  trace,
} from '../src/index.js';
import { writeTinyGpt2Model } from '../src/internal/tiny-model/index.js';

await setExperiment('langchain-tracing-example');
await autologLangChain();

const GLOSSARY: Record<string, string> = {
  mlflow: 'MLflow is an open source platform for the machine learning lifecycle.',
  tracing: 'Tracing records the steps of a request as spans.',
};

// A plain function, traced: called from the tool below, its span nests under the tool's.
const searchGlossary = trace(
  async function searchGlossary(term: string) {
    return GLOSSARY[term.toLowerCase()] ?? 'No entry.';
  },
  { spanType: SpanType.RETRIEVER },
);

const lookup = tool(async ({ term }: { term: string }) => searchGlossary(term), {
  name: 'lookup',
  description: 'Looks a term up in the glossary',
  schema: z.object({ term: z.string() }),
});

const modelDir = './tiny-model';
await writeTinyGpt2Model(modelDir);
const llm = await createTransformersLLM({
  model: modelDir,
  modelName: 'tiny-gpt2',
  generation: { max_new_tokens: 12, do_sample: false },
});

// The lambda invokes the tool without passing its config on: the tool run is still its child.
const chain = RunnableLambda.from(async (question: string) => ({
  question,
  context: await lookup.invoke({ term: question.replace(/[^a-z]/gi, '') }),
}))
  .withConfig({ runName: 'retrieve' })
  .pipe(PromptTemplate.fromTemplate('Context: {context}\nQuestion: What is {question}?\nAnswer:'))
  .pipe(llm)
  .pipe(new StringOutputParser());

console.log('answer:', JSON.stringify(await chain.invoke('MLflow')));

const t: Trace = await getTrace(getLastActiveTraceId()!);
const depth = (id: string | null): number => {
  const parent = t.data.spans.find((s) => s.spanId === id);
  return parent ? 1 + depth(parent.parentId) : 0;
};
console.log(`trace ${t.info.traceId}: ${t.data.spans.length} spans`);
for (const s of t.data.spans) console.log(`${'  '.repeat(depth(s.parentId) + 1)}${s.name} (${s.spanType})`);
