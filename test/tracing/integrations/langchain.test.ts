import type { TextGenerationPipeline } from '@huggingface/transformers';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { LLM } from '@langchain/core/language_models/llms';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { type ChatResult, GenerationChunk, type LLMResult } from '@langchain/core/outputs';
import { ChatPromptTemplate, PromptTemplate } from '@langchain/core/prompts';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  autologLangChain,
  configureTracing,
  createLangChainTracer,
  createTransformersLLM,
  flushTraces,
  getCurrentActiveSpan,
  getLangChainRunSpan,
  InMemoryTraceExporter,
  type LiveSpan,
  type MlflowLangChainTracer,
  resetTracing,
  type Trace,
  trace,
  traceTransformersPipeline,
  withActiveSpan,
  withSpan,
  withTracingContextFromHttpRequestHeaders,
} from '../../../src/index.js';
import { loadTinyPipeline, promptTokens, spanNamed, spanTree, TINY_MODEL_ID } from './tiny-pipeline.js';

const MAX_NEW_TOKENS = 12;

let generator: TextGenerationPipeline;
let cleanup: () => Promise<void>;
let sink: InMemoryTraceExporter;
let tracer: MlflowLangChainTracer;

beforeAll(async () => {
  ({ generator, cleanup } = await loadTinyPipeline());
  tracer = await createLangChainTracer();
});

afterAll(async () => {
  await cleanup?.();
});

beforeEach(async () => {
  sink = new InMemoryTraceExporter();
  await configureTracing({ destination: { type: 'custom', exporter: sink }, mode: 'immediate', flushOnExit: false });
});

afterEach(async () => {
  await resetTracing();
});

async function traces(): Promise<Trace[]> {
  await flushTraces();
  return sink.traces;
}

/** Greedy new text of the tiny GPT-2: exactly `MAX_NEW_TOKENS` printable characters (docs/tiny-model.md). */
async function complete(prompt: string): Promise<string> {
  const [out] = await generator(prompt, { max_new_tokens: MAX_NEW_TOKENS, do_sample: false, return_full_text: false });
  return (out as { generated_text: string }).generated_text;
}

class ModelFailure extends Error {}

/**
 * A LangChain LLM over the tiny GPT-2 pipeline. It reports token usage the way LangChain.js LLMs do
 * (`llmOutput.tokenUsage`), streams one character per token, and can fail on demand.
 */
class TinyTransformersLLM extends LLM {
  constructor(private readonly behaviour: { failWith?: Error; nestedPipeline?: TextGenerationPipeline } = {}) {
    super({});
  }

  override _llmType(): string {
    return 'transformers.js';
  }

  override invocationParams(): Record<string, unknown> {
    return { model: TINY_MODEL_ID, max_new_tokens: MAX_NEW_TOKENS, do_sample: false };
  }

  override async _call(prompt: string, _options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun) {
    if (this.behaviour.failWith) throw this.behaviour.failWith;
    const nested = this.behaviour.nestedPipeline;
    if (nested) {
      // The run's span is not active inside the LLM: make it so, to nest the pipeline's own span.
      const span = getLangChainRunSpan(runManager?.runId);
      const call = () => nested(prompt, { max_new_tokens: MAX_NEW_TOKENS, do_sample: false, return_full_text: false });
      const [out] = await (span ? withActiveSpan(span, call) : call());
      return (out as { generated_text: string }).generated_text;
    }
    return complete(prompt);
  }

  override async _generate(
    prompts: string[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ) {
    const result: LLMResult = { generations: [] };
    let promptTokenCount = 0;
    for (const prompt of prompts) {
      result.generations.push([{ text: await this._call(prompt, options, runManager) }]);
      promptTokenCount += promptTokens(generator, prompt);
    }
    const completionTokens = MAX_NEW_TOKENS * prompts.length;
    result.llmOutput = {
      tokenUsage: {
        promptTokens: promptTokenCount,
        completionTokens,
        totalTokens: promptTokenCount + completionTokens,
      },
    };
    return result;
  }

  override async *_streamResponseChunks(
    prompt: string,
    _options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<GenerationChunk> {
    for (const char of await complete(prompt)) {
      const chunk = new GenerationChunk({ text: char });
      await runManager?.handleLLMNewToken(char, undefined, undefined, undefined, undefined, { chunk });
      yield chunk;
    }
  }
}

const TEMPLATE = 'Question: {question}\nAnswer:';

function makeChain(llm = new TinyTransformersLLM()) {
  return PromptTemplate.fromTemplate(TEMPLATE).pipe(llm).pipe(new StringOutputParser());
}

function promptFor(question: string): string {
  return `Question: ${question}\nAnswer:`;
}

/** The span tree of prompt -> LLM -> parser, under `root` when given. */
function chainTree(root?: string): Array<[string, string | null, string]> {
  const head: Array<[string, string | null, string]> = root ? [[root, null, 'UNKNOWN']] : [];
  return [
    ...head,
    ['RunnableSequence', root ?? null, 'CHAIN'],
    ['PromptTemplate', 'RunnableSequence', 'CHAIN'],
    ['TinyTransformersLLM', 'RunnableSequence', 'LLM'],
    ['StrOutputParser', 'RunnableSequence', 'CHAIN'],
  ];
}

describe('MlflowLangChainTracer on prompt -> tiny GPT-2 LLM -> StringOutputParser', () => {
  it('records the chain as a CHAIN span with PromptTemplate CHAIN, LLM and StrOutputParser CHAIN children (as MLflow types parsers)', async () => {
    const question = 'What is MLflow?';
    const expected = await complete(promptFor(question));
    const answer = await makeChain().invoke({ question }, { callbacks: [tracer] });
    expect(answer).toBe(expected);
    expect(answer).toHaveLength(MAX_NEW_TOKENS);

    const ts = await traces();
    expect(ts).toHaveLength(1);
    const t = ts[0]!;
    expect(spanTree(t)).toEqual(chainTree());
    for (const span of t.data.spans) expect(span.status).toEqual({ statusCode: 'OK', description: '' });
    expect(t.info.state).toBe('OK');
    expect(t.info.tags['mlflow.traceName']).toBe('RunnableSequence');

    const [sequence, prompt, llm, parser] = t.data.spans;
    expect(sequence!.inputs).toEqual({ question });
    expect(sequence!.outputs).toEqual({ output: answer });
    expect(prompt!.inputs).toEqual({ question });
    expect(prompt!.outputs).toEqual({ text: promptFor(question), type: 'StringPromptValue' });
    expect(parser!.inputs).toEqual({ input: answer });
    expect(parser!.outputs).toEqual({ output: answer });

    expect(llm!.inputs).toEqual([promptFor(question)]);
    expect(llm!.outputs).toEqual({
      choices: [{ message: { role: 'assistant', content: answer }, finish_reason: null }],
    });
    const inputTokens = promptTokens(generator, promptFor(question));
    const usage = {
      input_tokens: inputTokens,
      output_tokens: MAX_NEW_TOKENS,
      total_tokens: inputTokens + MAX_NEW_TOKENS,
    };
    expect(llm!.getAttribute('mlflow.chat.tokenUsage')).toEqual(usage);
    expect(llm!.getAttribute('mlflow.llm.model')).toBe(TINY_MODEL_ID);
    expect(llm!.getAttribute('mlflow.message.format')).toBe('langchain');
    expect(llm!.getAttribute('invocation_params')).toEqual({
      model: TINY_MODEL_ID,
      max_new_tokens: MAX_NEW_TOKENS,
      do_sample: false,
    });
    expect(llm!.getAttribute('batch_size')).toBe(1);
    expect(llm!.getAttribute('mlflow.spanLogLevel')).toBe(20);
    expect(sequence!.getAttribute('mlflow.spanLogLevel')).toBe(10);
    expect(t.info.traceMetadata['mlflow.trace.tokenUsage']).toBe(
      `{"input_tokens": ${usage.input_tokens}, "output_tokens": ${usage.output_tokens}, "total_tokens": ${usage.total_tokens}}`,
    );
    expect(t.info.traceMetadata['mlflow.traceInputs']).toBe(`{"question": "${question}"}`);
  });

  it('records a failing LLM as ERROR spans up the chain and rethrows the very error', async () => {
    const failure = new ModelFailure('the model is out of memory');
    const chain = makeChain(new TinyTransformersLLM({ failWith: failure }));
    await expect(chain.invoke({ question: 'q' }, { callbacks: [tracer] })).rejects.toBe(failure);

    const [t] = await traces();
    expect(spanTree(t!)).toEqual(chainTree().slice(0, 3));
    const [sequence, prompt, llm] = t!.data.spans;
    expect(prompt!.status).toEqual({ statusCode: 'OK', description: '' });
    for (const span of [sequence!, llm!]) {
      expect(span.status).toEqual({ statusCode: 'ERROR', description: 'the model is out of memory' });
      expect(span.events.map((e) => e.name)).toEqual(['exception']);
      expect(span.events[0]!.attributes['exception.type']).toBe('ModelFailure');
      expect(span.events[0]!.attributes['exception.message']).toBe('the model is out of memory');
      expect(span.getAttribute('mlflow.spanLogLevel')).toBe(40);
    }
    expect(llm!.getAttribute('mlflow.chat.tokenUsage')).toBeUndefined();
    expect(t!.info.state).toBe('ERROR');
  });

  it('nests the chain under the active MLflow span when invoked inside withSpan', async () => {
    const answer = await withSpan({ name: 'handle request', inputs: { user: 'u1' } }, () =>
      makeChain().invoke({ question: 'nested?' }, { callbacks: [tracer] }),
    );
    const ts = await traces();
    expect(ts).toHaveLength(1);
    expect(spanTree(ts[0]!)).toEqual(chainTree('handle request'));
    expect(ts[0]!.data.spans[0]!.outputs).toBe(answer);
    expect(ts[0]!.info.tags['mlflow.traceName']).toBe('handle request');
  });

  it('keeps concurrent invocations in separate traces, each with its own spans', async () => {
    const chain = makeChain();
    const questions = ['first question', 'second, longer question', 'third'];
    const answers = await Promise.all([
      chain.invoke({ question: questions[0] }, { callbacks: [tracer] }),
      withSpan({ name: 'request 2' }, () => chain.invoke({ question: questions[1] }, { callbacks: [tracer] })),
      chain.invoke({ question: questions[2] }, { callbacks: [tracer] }),
    ]);
    const ts = await traces();
    expect(ts).toHaveLength(3);
    for (const [i, question] of questions.entries()) {
      const t = ts.find(
        (x) => JSON.stringify(spanNamed(x, 'RunnableSequence').inputs) === JSON.stringify({ question }),
      );
      expect(t, question).toBeDefined();
      expect(spanTree(t!)).toEqual(chainTree(i === 1 ? 'request 2' : undefined));
      expect(new Set(t!.data.spans.map((s) => s.traceId))).toEqual(new Set([t!.info.traceId]));
      expect(spanNamed(t!, 'TinyTransformersLLM').inputs).toEqual([promptFor(question)]);
      expect(spanNamed(t!, 'StrOutputParser').outputs).toEqual({ output: answers[i] });
    }
  });

  it('records streamed tokens as new_token events and the streamed chain inputs at the end', async () => {
    const question = 'stream it';
    const chunks: string[] = [];
    for await (const chunk of await makeChain().stream({ question }, { callbacks: [tracer] })) chunks.push(chunk);
    const answer = chunks.join('');
    expect(answer).toBe(await complete(promptFor(question)));

    const [t] = await traces();
    expect(spanTree(t!)).toEqual(chainTree());
    const llm = spanNamed(t!, 'TinyTransformersLLM');
    expect(llm.events.map((e) => e.name)).toEqual(Array(MAX_NEW_TOKENS).fill('new_token'));
    expect(llm.events.map((e) => e.attributes.token).join('')).toBe(answer);
    expect(JSON.parse(String(llm.events[0]!.attributes.chunk))).toEqual({ text: answer[0] });
    expect(llm.outputs).toEqual({
      choices: [{ message: { role: 'assistant', content: answer }, finish_reason: null }],
    });
    expect(spanNamed(t!, 'RunnableSequence').inputs).toEqual({ question });
  });

  it("nests the pipeline's own span under the LLM span through getLangChainRunSpan", async () => {
    const traced = traceTransformersPipeline(generator, { modelId: TINY_MODEL_ID });
    const answer = await makeChain(new TinyTransformersLLM({ nestedPipeline: traced })).invoke(
      { question: 'deep?' },
      { callbacks: [tracer] },
    );
    expect(answer).toBe(await complete(promptFor('deep?')));
    const [t] = await traces();
    expect(spanTree(t!)).toEqual([
      ...chainTree().slice(0, 3),
      ['TextGenerationPipeline', 'TinyTransformersLLM', 'LLM'],
      ['StrOutputParser', 'RunnableSequence', 'CHAIN'],
    ]);
    // Both LLM spans carry usage; the trace counts it once.
    const inputTokens = promptTokens(generator, promptFor('deep?'));
    expect(spanNamed(t!, 'TextGenerationPipeline').getAttribute('mlflow.chat.tokenUsage')).toEqual(
      spanNamed(t!, 'TinyTransformersLLM').getAttribute('mlflow.chat.tokenUsage'),
    );
    expect(JSON.parse(t!.info.traceMetadata['mlflow.trace.tokenUsage']!)).toEqual({
      input_tokens: inputTokens,
      output_tokens: MAX_NEW_TOKENS,
      total_tokens: inputTokens + MAX_NEW_TOKENS,
    });
    expect(getLangChainRunSpan('no-such-run')).toBeUndefined();
  });
});

/** A chat model over the tiny GPT-2 that reports usage in `usage_metadata`, as LangChain chat models do. */
class TinyChatModel extends BaseChatModel {
  override _llmType(): string {
    return 'tiny-chat';
  }

  override invocationParams(): Record<string, unknown> {
    return { model_name: TINY_MODEL_ID, tools: [{ name: 'lookup', description: 'Look a word up' }] };
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const prompt = messages.map((m) => `${m.type}: ${m.content}`).join('\n');
    const text = await complete(prompt);
    const input = promptTokens(generator, prompt);
    const message = new AIMessage({
      content: text,
      usage_metadata: { input_tokens: input, output_tokens: MAX_NEW_TOKENS, total_tokens: input + MAX_NEW_TOKENS },
    });
    return { generations: [{ text, message }] };
  }
}

describe('MlflowLangChainTracer on chat models, tools and retrievers', () => {
  it('records a chat model as CHAT_MODEL with MLflow chat messages, usage_metadata, model, provider and tools', async () => {
    const chain = ChatPromptTemplate.fromMessages([
      ['system', 'You answer briefly.'],
      ['human', '{question}'],
    ]).pipe(new TinyChatModel({}));
    const reply = await chain.invoke({ question: 'Why?' }, { callbacks: [tracer] });
    const [t] = await traces();
    expect(spanTree(t!)).toEqual([
      ['RunnableSequence', null, 'CHAIN'],
      ['ChatPromptTemplate', 'RunnableSequence', 'CHAIN'],
      ['TinyChatModel', 'RunnableSequence', 'CHAT_MODEL'],
    ]);
    const chat = t!.data.spans[2]!;
    const none = { tool_calls: null, refusal: null, tool_call_id: null };
    expect(chat.inputs).toEqual({
      messages: [
        { role: 'system', content: 'You answer briefly.', ...none },
        { role: 'user', content: 'Why?', ...none },
      ],
    });
    expect(chat.outputs).toEqual({
      choices: [{ message: { role: 'assistant', content: reply.content, ...none }, finish_reason: null }],
    });
    const input = promptTokens(generator, 'system: You answer briefly.\nhuman: Why?');
    expect(chat.getAttribute('mlflow.chat.tokenUsage')).toEqual({
      input_tokens: input,
      output_tokens: MAX_NEW_TOKENS,
      total_tokens: input + MAX_NEW_TOKENS,
    });
    expect(chat.getAttribute('mlflow.llm.model')).toBe(TINY_MODEL_ID);
    expect(chat.getAttribute('mlflow.llm.provider')).toBe(
      (chat.getAttribute('metadata') as { ls_provider: string }).ls_provider,
    );
    expect(chat.getAttribute('mlflow.chat.tools')).toEqual([
      { type: 'function', function: { name: 'lookup', description: 'Look a word up' } },
    ]);
    // The prompt's output: a ChatPromptValue as Python's pydantic dump writes it.
    expect(t!.data.spans[1]!.outputs).toMatchObject({
      type: 'ChatPromptValue',
      messages: [
        { content: 'You answer briefly.', type: 'system', additional_kwargs: {}, response_metadata: {} },
        { content: 'Why?', type: 'human' },
      ],
    });
  });

  it('records tools as TOOL and retrievers as RETRIEVER spans with MLflow documents', async () => {
    const lookup = tool(async ({ word }: { word: string }) => `${word}: a word`, {
      name: 'lookup',
      description: 'Look a word up',
      schema: z.object({ word: z.string() }),
    });
    class WordRetriever extends BaseRetriever {
      lc_namespace = ['test'];
      override async _getRelevantDocuments(query: string): Promise<Document[]> {
        return [new Document({ pageContent: `about ${query}`, metadata: { source: 'dict' }, id: 'd1' })];
      }
    }
    const pipeline = RunnableLambda.from(async (word: string, config) => {
      const docs = await new WordRetriever().invoke(word, config);
      return lookup.invoke({ word: docs[0]!.pageContent }, config);
    }).withConfig({ runName: 'define' });
    const out = await pipeline.invoke('mlflow', { callbacks: [tracer] });
    expect(out).toBe('about mlflow: a word');
    const [t] = await traces();
    expect(spanTree(t!)).toEqual([
      ['define', null, 'CHAIN'],
      ['WordRetriever', 'define', 'RETRIEVER'],
      ['lookup', 'define', 'TOOL'],
    ]);
    const [, retriever, toolSpan] = t!.data.spans;
    expect(retriever!.inputs).toBe('mlflow');
    expect(retriever!.outputs).toEqual([{ page_content: 'about mlflow', metadata: { source: 'dict' }, id: 'd1' }]);
    expect(retriever!.getAttribute('mlflow.spanLogLevel')).toBe(20);
    expect(toolSpan!.inputs).toEqual({ word: 'about mlflow' });
    expect(toolSpan!.outputs).toBe('about mlflow: a word');
  });
});

describe("the code a LangChain run calls sees the run's span as the active one (as MLflow's tracer attaches it)", () => {
  const inner = trace(async (x: string) => x.toUpperCase(), { name: 'inner' });
  const helper = trace(async (x: string) => `${await inner(x)}!`, { name: 'helper' });

  it('spans started in a lambda nest under its span, and getCurrentActiveSpan() there is that span', async () => {
    let seen: LiveSpan | undefined;
    const lambda = RunnableLambda.from(async (x: string) => {
      seen = getCurrentActiveSpan();
      return helper(x);
    }).withConfig({ runName: 'shout' });
    expect(await lambda.invoke('hi', { callbacks: [tracer] })).toBe('HI!');
    const [t] = await traces();
    expect(spanTree(t!)).toEqual([
      ['shout', null, 'CHAIN'],
      ['helper', 'shout', 'UNKNOWN'],
      ['inner', 'helper', 'UNKNOWN'],
    ]);
    expect(seen?.spanId).toBe(t!.data.spans[0]!.spanId);
    // Outside any run, nothing is active.
    expect(getCurrentActiveSpan()).toBeUndefined();
  });

  it("a runnable invoked in a lambda without passing its config is a child run, traced by the caller's tracer", async () => {
    const outer = RunnableLambda.from(async (question: string) => makeChain().invoke({ question })).withConfig({
      runName: 'ask',
    });
    const answer = await outer.invoke('nested?', { callbacks: [tracer] });
    expect(answer).toBe(await complete(promptFor('nested?')));
    const ts = await traces();
    expect(ts).toHaveLength(1);
    expect(spanTree(ts[0]!)).toEqual([['ask', null, 'CHAIN'], ...chainTree('ask').slice(1)]);
  });

  it("a tool's function runs under the TOOL span, and all of it under the caller's withSpan", async () => {
    const lookup = tool(async ({ word }: { word: string }) => helper(word), {
      name: 'lookup',
      description: 'Look a word up',
      schema: z.object({ word: z.string() }),
    });
    const out = await withSpan({ name: 'request' }, () => lookup.invoke({ word: 'ml' }, { callbacks: [tracer] }));
    expect(out).toBe('ML!');
    const [t] = await traces();
    expect(spanTree(t!)).toEqual([
      ['request', null, 'UNKNOWN'],
      ['lookup', 'request', 'TOOL'],
      ['helper', 'lookup', 'UNKNOWN'],
      ['inner', 'helper', 'UNKNOWN'],
    ]);
  });

  it('a span of ours opened inside the run keeps priority for the code under it, concurrent runs stay apart', async () => {
    const lambda = RunnableLambda.from(async (x: string) =>
      withSpan({ name: `step ${x}` }, async () => {
        await new Promise((r) => setTimeout(r, 5));
        return helper(x);
      }),
    ).withConfig({ runName: 'work' });
    const outs = await Promise.all(['a', 'b', 'c'].map((x) => lambda.invoke(x, { callbacks: [tracer] })));
    expect(outs).toEqual(['A!', 'B!', 'C!']);
    const ts = await traces();
    expect(ts).toHaveLength(3);
    expect(ts.map((t) => t.data.spans[1]!.name).sort()).toEqual(['step a', 'step b', 'step c']);
    for (const t of ts) {
      const x = t.data.spans[1]!.name.slice('step '.length);
      expect(['a', 'b', 'c']).toContain(x);
      expect(spanTree(t)).toEqual([
        ['work', null, 'CHAIN'],
        [`step ${x}`, 'work', 'UNKNOWN'],
        ['helper', `step ${x}`, 'UNKNOWN'],
        ['inner', 'helper', 'UNKNOWN'],
      ]);
    }
  });

  it("a chain run under a caller's traceparent joins the caller's trace (distributed tracing)", async () => {
    const remoteTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const lambda = RunnableLambda.from(async (x: string) => helper(x)).withConfig({ runName: 'remote-work' });
    await withTracingContextFromHttpRequestHeaders({ traceparent: `00-${remoteTrace}-00f067aa0ba902b7-01` }, () =>
      lambda.invoke('hi', { callbacks: [tracer] }),
    );
    const [t] = await traces();
    expect(t!.info.traceId).toBe(`tr-${remoteTrace}`);
    expect(t!.data.spans.map((s) => [s.name, s.parentId === '00f067aa0ba902b7' ? 'caller' : s.parentId])).toEqual([
      ['remote-work', 'caller'],
      ['helper', t!.data.spans[0]!.spanId],
      ['inner', t!.data.spans[1]!.spanId],
    ]);
    // The other way round, a caller's context entered inside a lambda wins there: its spans go to that trace.
    sink.clear();
    const relay = RunnableLambda.from(async (x: string) =>
      withTracingContextFromHttpRequestHeaders({ traceparent: `00-${remoteTrace}-00f067aa0ba902b7-01` }, () =>
        helper(x),
      ),
    ).withConfig({ runName: 'relay' });
    await relay.invoke('yo', { callbacks: [tracer] });
    const relayed = await traces();
    expect(relayed.map((r) => [r.info.traceId === `tr-${remoteTrace}`, r.data.spans.map((s) => s.name)])).toEqual([
      [true, ['helper', 'inner']],
      [false, ['relay']],
    ]);
  });

  it("TransformersLLM runs a traced pipeline under its own LLM run's span", async () => {
    const llm = await createTransformersLLM({
      pipeline: traceTransformersPipeline(generator, {
        modelId: TINY_MODEL_ID,
      }),
      modelName: TINY_MODEL_ID,
      generation: { max_new_tokens: MAX_NEW_TOKENS, do_sample: false },
    });
    const chain = PromptTemplate.fromTemplate(TEMPLATE).pipe(llm).pipe(new StringOutputParser());
    expect(await chain.invoke({ question: 'deep?' }, { callbacks: [tracer] })).toBe(await complete(promptFor('deep?')));
    const [t] = await traces();
    expect(spanTree(t!)).toEqual([
      ['RunnableSequence', null, 'CHAIN'],
      ['PromptTemplate', 'RunnableSequence', 'CHAIN'],
      ['TransformersLLM', 'RunnableSequence', 'LLM'],
      ['TextGenerationPipeline', 'TransformersLLM', 'LLM'],
      ['StrOutputParser', 'RunnableSequence', 'CHAIN'],
    ]);
  });
});

describe('MlflowLangChainTracer bookkeeping', () => {
  it("records LangChain's thread_id metadata as the trace's session, as MLflow does for LangGraph threads", async () => {
    await makeChain().invoke({ question: 'q' }, { callbacks: [tracer], metadata: { thread_id: 'thread-7' } });
    const [t] = await traces();
    expect(t!.info.traceMetadata['mlflow.trace.session']).toBe('thread-7');
    expect(t!.data.spans[0]!.getAttribute('metadata')).toEqual({ thread_id: 'thread-7' });
  });

  it('records nothing and changes nothing when tracing is disabled', async () => {
    await configureTracing({ enabled: false, destination: { type: 'custom', exporter: sink }, flushOnExit: false });
    const answer = await makeChain().invoke({ question: 'off' }, { callbacks: [tracer] });
    expect(answer).toBe(await complete(promptFor('off')));
    expect(await traces()).toHaveLength(0);
  });

  it('flush() ends the spans of runs LangChain never ended, so their trace is exported', async () => {
    const serialized = { lc: 1, type: 'not_implemented', id: ['test', 'Leaky'] };
    await tracer.handleChainStart(serialized, { a: 1 }, 'run-leaky');
    await tracer.handleChainStart(
      serialized,
      { b: 2 },
      'run-leaky-child',
      'run-leaky',
      undefined,
      undefined,
      undefined,
      'child',
    );
    expect(tracer.spanOfRun('run-leaky-child')?.name).toBe('child');
    expect(await traces()).toHaveLength(0);
    tracer.flush();
    expect(tracer.spanOfRun('run-leaky')).toBeUndefined();
    const [t] = await traces();
    expect(spanTree(t!)).toEqual([
      ['Leaky', null, 'CHAIN'],
      ['child', 'Leaky', 'CHAIN'],
    ]);
  });
});

describe('autologLangChain()', () => {
  afterAll(async () => {
    await autologLangChain({ disable: true });
  });

  it('traces every LangChain run without callbacks, adds no second tracer, and turns off with disable', async () => {
    await autologLangChain();
    const chain = makeChain();
    const answer = await chain.invoke({ question: 'auto' });
    expect(answer).toBe(await complete(promptFor('auto')));
    await chain.invoke({ question: 'explicit too' }, { callbacks: [tracer] });
    await withSpan({ name: 'outer' }, () => chain.invoke({ question: 'inside' }));
    let ts = await traces();
    expect(ts).toHaveLength(3);
    expect(spanTree(ts[0]!)).toEqual(chainTree());
    expect(spanTree(ts[1]!)).toEqual(chainTree());
    expect(spanTree(ts[2]!)).toEqual(chainTree('outer'));

    await autologLangChain({ disable: true });
    await chain.invoke({ question: 'off' });
    ts = await traces();
    expect(ts).toHaveLength(3);
  });
});
