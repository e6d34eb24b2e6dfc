import type { TextGenerationPipeline } from '@huggingface/transformers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  configureTracing,
  flushTraces,
  InMemoryTraceExporter,
  InvalidParameterError,
  resetTracing,
  type Trace,
  traceTransformersPipeline,
  withSpan,
} from '../../../src/index.js';
import { loadTinyPipeline, promptTokens, spanTree, TINY_MODEL_ID } from './tiny-pipeline.js';

let generator: TextGenerationPipeline;
let cleanup: () => Promise<void>;
let sink: InMemoryTraceExporter;

beforeAll(async () => {
  ({ generator, cleanup } = await loadTinyPipeline());
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

const GREEDY = { max_new_tokens: 8, do_sample: false, return_full_text: false };

describe('traceTransformersPipeline() with the real tiny GPT-2', () => {
  it('records an LLM span: prompt in, pipeline output out, model id, generation options and exact token usage', async () => {
    const untraced = await generator('Hello MLflow', GREEDY);
    const traced = traceTransformersPipeline(generator, { modelId: TINY_MODEL_ID });
    const out = await traced('Hello MLflow', GREEDY);
    expect(out).toEqual(untraced);
    const text = (out as Array<{ generated_text: string }>)[0]!.generated_text;
    expect(text).toHaveLength(8);

    const [t] = await traces();
    expect(spanTree(t!)).toEqual([['TextGenerationPipeline', null, 'LLM']]);
    const span = t!.data.spans[0]!;
    expect(span.inputs).toBe('Hello MLflow');
    expect(span.outputs).toEqual([{ generated_text: text }]);
    expect(span.status).toEqual({ statusCode: 'OK', description: '' });
    expect(span.getAttribute('mlflow.llm.model')).toBe(TINY_MODEL_ID);
    expect(span.getAttribute('max_new_tokens')).toBe(8);
    expect(span.getAttribute('do_sample')).toBe(false);
    expect(span.getAttribute('return_full_text')).toBe(false);
    const inputTokens = promptTokens(generator, 'Hello MLflow');
    expect(inputTokens).toBeGreaterThan(0);
    expect(span.getAttribute('mlflow.chat.tokenUsage')).toEqual({
      input_tokens: inputTokens,
      output_tokens: 8,
      total_tokens: inputTokens + 8,
    });
    expect(t!.info.traceMetadata['mlflow.trace.tokenUsage']).toBe(
      `{"input_tokens": ${inputTokens}, "output_tokens": 8, "total_tokens": ${inputTokens + 8}}`,
    );
    expect(t!.info.state).toBe('OK');
    // MLflow's preview of a string input is its JSON text.
    expect(t!.info.requestPreview).toBe('"Hello MLflow"');
  });

  it('counts a left-padded batch without its padding, and every returned sequence', async () => {
    const prompts = ['Hi', 'The answer is'];
    const traced = traceTransformersPipeline(generator, { modelId: TINY_MODEL_ID });
    const out = await traced(prompts, { max_new_tokens: 5, do_sample: false });
    expect(out).toEqual(await generator(prompts, { max_new_tokens: 5, do_sample: false }));
    const [t] = await traces();
    const inputTokens = promptTokens(generator, 'Hi') + promptTokens(generator, 'The answer is');
    expect(t!.data.spans[0]!.inputs).toEqual(prompts);
    expect(t!.data.spans[0]!.getAttribute('mlflow.chat.tokenUsage')).toEqual({
      input_tokens: inputTokens,
      output_tokens: 10,
      total_tokens: inputTokens + 10,
    });
  });

  it('keeps the pipeline itself: same properties, same disposal, a name of its own when asked', async () => {
    const traced = traceTransformersPipeline(generator, { name: 'generate answer' });
    expect(traced.tokenizer).toBe(generator.tokenizer);
    expect(traced.model).toBe(generator.model);
    expect(traced.task).toBe('text-generation');
    expect(typeof traced.dispose).toBe('function');
    await traced('x', { max_new_tokens: 1, do_sample: false });
    const [t] = await traces();
    expect(t!.data.spans[0]!.name).toBe('generate answer');
    // No model id given, and transformers.js keeps none on the pipeline.
    expect(t!.data.spans[0]!.getAttribute('mlflow.llm.model')).toBeUndefined();
  });

  it('nests under the active span, and concurrent calls keep their own token counts', async () => {
    const traced = traceTransformersPipeline(generator, { modelId: TINY_MODEL_ID });
    const ask = (prompt: string, n: number) =>
      withSpan({ name: `ask ${n}` }, () => traced(prompt, { max_new_tokens: n, do_sample: false }));
    await Promise.all([ask('a', 3), ask('a much longer prompt than the other', 6), ask('mid prompt', 9)]);
    const ts = await traces();
    expect(ts).toHaveLength(3);
    const byRoot = new Map(ts.map((t) => [t.data.spans[0]!.name, t]));
    for (const [name, prompt, n] of [
      ['ask 3', 'a', 3],
      ['ask 6', 'a much longer prompt than the other', 6],
      ['ask 9', 'mid prompt', 9],
    ] as const) {
      const t = byRoot.get(name)!;
      expect(spanTree(t)).toEqual([
        [name, null, 'UNKNOWN'],
        ['TextGenerationPipeline', name, 'LLM'],
      ]);
      const p = promptTokens(generator, prompt);
      expect(t.data.spans[1]!.getAttribute('mlflow.chat.tokenUsage')).toEqual({
        input_tokens: p,
        output_tokens: n,
        total_tokens: p + n,
      });
    }
  });

  it('rethrows the pipeline error unchanged and records it on an ERROR span', async () => {
    const traced = traceTransformersPipeline(generator, { modelId: TINY_MODEL_ID });
    let direct: unknown;
    try {
      await generator(42 as unknown as string);
    } catch (err) {
      direct = err;
    }
    expect(direct).toBeInstanceOf(Error);
    const rejected = await traced(42 as unknown as string).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(rejected).toBeInstanceOf((direct as Error).constructor);
    expect((rejected as Error).message).toBe((direct as Error).message);
    const [t] = await traces();
    const span = t!.data.spans[0]!;
    expect(span.status.statusCode).toBe('ERROR');
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.events[0]!.attributes['exception.message']).toBe((direct as Error).message);
    expect(span.getAttribute('mlflow.chat.tokenUsage')).toBeUndefined();
    expect(t!.info.state).toBe('ERROR');
  });
});

describe('traceTransformersPipeline() with any callable pipeline', () => {
  it('returns the very promise the pipeline returned and rejects with the very error it threw', async () => {
    const promise = Promise.resolve([{ generated_text: 'ok' }]);
    const pipe = traceTransformersPipeline((_text: string) => promise, { modelId: 'fake' });
    expect(pipe('q')).toBe(promise);
    const boom = new RangeError('boom');
    const failing = traceTransformersPipeline(async (_text: string) => {
      throw boom;
    });
    await expect(failing('q')).rejects.toBe(boom);
    const syncFailing = traceTransformersPipeline((_text: string) => {
      throw boom;
    });
    expect(() => syncFailing('q')).toThrow(boom);
    const ts = await traces();
    expect(ts.map((t) => [t.data.spans[0]!.name, t.data.spans[0]!.status.statusCode])).toEqual([
      ['pipeline', 'OK'],
      ['pipeline', 'ERROR'],
      ['pipeline', 'ERROR'],
    ]);
    expect(ts[1]!.data.spans[0]!.status.description).toBe('RangeError: boom');
  });

  it("falls back to the pipeline's tokenizer for token counts when generate cannot be observed", async () => {
    const tokenizer = { encode: (text: string) => text.split(' ').filter(Boolean) };
    const pipe = Object.assign(async (text: string) => [{ generated_text: `${text} one two three` }], { tokenizer });
    const traced = traceTransformersPipeline(pipe, { name: 'words' });
    await traced('a b');
    const [t] = await traces();
    expect(t!.data.spans[0]!.getAttribute('mlflow.chat.tokenUsage')).toEqual({
      input_tokens: 2,
      output_tokens: 3,
      total_tokens: 5,
    });
  });

  it('records only plain generation options as attributes, and nothing at all when tracing is off', async () => {
    const streamer = { put() {}, end() {} };
    const pipe = traceTransformersPipeline(async (_t: string, _o?: object) => [{ generated_text: 'x' }], { name: 'p' });
    await pipe('q', { temperature: 0.7, top_k: 5, streamer, stop_strings: ['\n'] } as object);
    const [t] = await traces();
    const attrs = t!.data.spans[0]!.attributes;
    expect(attrs.temperature).toBe(0.7);
    expect(attrs.top_k).toBe(5);
    expect(attrs.stop_strings).toEqual(['\n']);
    expect('streamer' in attrs).toBe(false);

    await configureTracing({ enabled: false, destination: { type: 'custom', exporter: sink }, flushOnExit: false });
    expect(await pipe('q')).toEqual([{ generated_text: 'x' }]);
    await flushTraces();
    expect(sink.traces).toHaveLength(1);
  });

  it('rejects what is not callable', () => {
    expect(() => traceTransformersPipeline({} as never)).toThrow(InvalidParameterError);
  });
});
