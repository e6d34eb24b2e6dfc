/**
 * Tracing for transformers.js pipelines. Nothing here imports @huggingface/transformers: the pipeline
 * is given, and is only looked at (its class name, `model`, `tokenizer`).
 */
import { SpanAttributeKey, SpanType, TokenUsageKey } from '../../tracking/entities/index.js';
import { InvalidParameterError } from '../../tracking/errors.js';
import { isTracingEnabled, withSpan } from '../api.js';
import { activeSpanStorage } from '../engine.js';
import { type ActiveSpan, warn } from '../span.js';

/** Options of {@link traceTransformersPipeline}. */
export interface TraceTransformersPipelineOptions {
  /** The model id the pipeline was loaded from, recorded as `mlflow.llm.model`. */
  modelId?: string;
  /** Span name; the pipeline's class name (`TextGenerationPipeline`) by default. */
  name?: string;
  /** Span type; LLM by default. */
  spanType?: SpanType;
}

type Dict = Record<string, unknown>;
type AnyCallable = (...args: never[]) => unknown;

/** Token counts collected from the model's `generate` calls made by one pipeline call. */
interface GenerateCapture {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

// The capture of a pipeline call, found from its LLM span (the active span while the pipeline runs): no
// AsyncLocalStorage of its own, whose promise hook every promise of the process would pay for.
const captures = new WeakMap<object, GenerateCapture>();
const HOOKED = Symbol('mlflow-genai.transformers.generate');

function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Trace a transformers.js pipeline (a text-generation pipeline, or any callable one): each call records
 * an LLM span with the prompt(s) as inputs, what the pipeline returned as outputs, the model id as
 * `mlflow.llm.model`, the call's generation options (`max_new_tokens`, `temperature`, `do_sample`, ...)
 * as attributes, and the prompt and generated token counts as `mlflow.chat.tokenUsage`. The counts come
 * from the token ids the model's `generate` saw and produced, else from the pipeline's tokenizer.
 *
 * Returns a proxy of `pipe`: calls return exactly what the pipeline returns (the same promise) and throw
 * exactly what it throws; properties (`tokenizer`, `model`, `dispose()`, ...) are the pipeline's own. To
 * observe `generate`, the pipeline's model gets a pass-through wrapper of that one method.
 */
export function traceTransformersPipeline<P extends (...args: never[]) => unknown>(
  pipe: P,
  options: TraceTransformersPipelineOptions = {},
): NoInfer<P> {
  if (typeof pipe !== 'function') {
    throw new InvalidParameterError(
      `traceTransformersPipeline() expects a callable pipeline, got ${pipe === null ? 'null' : typeof pipe}.`,
    );
  }
  const name = options.name ?? defaultName(pipe);
  const spanType = options.spanType ?? SpanType.LLM;
  const modelId = options.modelId ?? configuredModelId(pipe);
  return new Proxy(pipe, {
    apply(target, thisArg, args: unknown[]) {
      // Tracing off: the pipeline call and nothing else.
      if (!isTracingEnabled()) return Reflect.apply(target, thisArg, args);
      const attributes: Dict = {};
      if (modelId) attributes[SpanAttributeKey.MODEL] = modelId;
      addGenerationParams(attributes, args[1]);
      return withSpan({ name, spanType, inputs: args[0], attributes }, (span) => {
        if (!span.isRecording) return Reflect.apply(target, thisArg, args);
        hookGenerate(target);
        const capture: GenerateCapture = { calls: 0, inputTokens: 0, outputTokens: 0 };
        captures.set(span, capture);
        const result = Reflect.apply(target, thisArg, args);
        // Registered before withSpan's own handler, so the usage is set before the span ends.
        if (isPromiseLike(result)) {
          result.then(
            (value) => recordUsage(span, capture, target, args[0], value),
            () => {},
          );
        } else recordUsage(span, capture, target, args[0], result);
        return result;
      });
    },
  });
}

function defaultName(pipe: AnyCallable): string {
  const ctor = (pipe as unknown as { constructor?: { name?: string } }).constructor;
  if (ctor && ctor !== Function && ctor.name && ctor.name !== 'AsyncFunction') return ctor.name;
  return pipe.name || 'pipeline';
}

function configuredModelId(pipe: AnyCallable): string | undefined {
  const config = (pipe as unknown as { model?: { config?: Dict } }).model?.config;
  const id = config?._name_or_path ?? config?.name_or_path;
  return typeof id === 'string' && id ? id : undefined;
}

function isJsonLike(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return true;
  if (depth > 4) return false;
  if (Array.isArray(value)) return value.every((v) => isJsonLike(v, depth + 1));
  if (isDict(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((v) => isJsonLike(v, depth + 1));
  }
  return false;
}

/** Adds the call options that are plain values (`max_new_tokens`, `temperature`, ...) to `out`; streamers, callbacks and other objects are left out. */
function addGenerationParams(out: Dict, options: unknown): void {
  if (!isDict(options)) return;
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (value !== undefined && isJsonLike(value)) out[key] = value;
  }
}

// ------------------------------------------------------------------ token counts

/** Wrap the model's `generate` once: same arguments, same result, and token counts for the current capture. */
function hookGenerate(pipe: AnyCallable): void {
  const model = (pipe as unknown as { model?: unknown }).model as Dict | undefined;
  if (!model || typeof model.generate !== 'function' || model[HOOKED as unknown as string]) return;
  const original = model.generate as (this: unknown, ...args: unknown[]) => unknown;
  function generate(this: unknown, ...args: unknown[]): unknown {
    const span = activeSpanStorage.getStore();
    const capture = span ? captures.get(span) : undefined;
    const result = original.apply(this, args);
    if (capture && isPromiseLike(result)) {
      result.then(
        (out) => countGenerated(capture, model as Dict, args[0], out),
        () => {},
      );
    } else if (capture) countGenerated(capture, model as Dict, args[0], result);
    return result;
  }
  try {
    Object.defineProperty(model, 'generate', {
      value: generate,
      configurable: true,
      writable: true,
      enumerable: false,
    });
    Object.defineProperty(model, HOOKED, { value: true });
  } catch {
    // A frozen model: token counts fall back to the tokenizer.
  }
}

interface TensorLike {
  dims: number[];
  data: ArrayLike<number | bigint>;
}

function isTensor(value: unknown): value is TensorLike {
  return (
    isDict(value) &&
    Array.isArray(value.dims) &&
    isDict(value.data) &&
    typeof (value.data as { length?: unknown }).length === 'number'
  );
}

function eosIds(model: Dict, inputs: Dict): Set<number> {
  const generationConfig = isDict(model.generation_config) ? model.generation_config : {};
  const config = isDict(model.config) ? model.config : {};
  const raw = inputs.eos_token_id ?? generationConfig.eos_token_id ?? config.eos_token_id;
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return new Set(list.map(Number).filter(Number.isFinite));
}

/**
 * Prompt tokens: the attention mask's ones (padding excluded). Generated tokens: per returned sequence,
 * the tokens after the prompt (decoder-only) or after the decoder start token (encoder-decoder), up to
 * and including the first end-of-sequence token; the padding after it is not counted.
 */
function countGenerated(capture: GenerateCapture, model: Dict, inputs: unknown, output: unknown): void {
  try {
    if (!isDict(inputs) || !isTensor(inputs.input_ids)) return;
    const sequences = isTensor(output)
      ? output
      : isDict(output) && isTensor(output.sequences)
        ? output.sequences
        : undefined;
    if (sequences?.dims.length !== 2) return;
    const mask = isTensor(inputs.attention_mask) ? inputs.attention_mask : undefined;
    let promptTokens = 0;
    if (mask) for (let i = 0; i < mask.data.length; i++) promptTokens += Number(mask.data[i]);
    else promptTokens = inputs.input_ids.dims.reduce((a, b) => a * b, 1);
    const encoderDecoder = isDict(model.config) && model.config.is_encoder_decoder === true;
    const [rows, width] = sequences.dims as [number, number];
    const start = encoderDecoder ? 1 : (inputs.input_ids.dims.at(-1) ?? 0);
    const eos = eosIds(model, inputs);
    let generated = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = start; j < width; j++) {
        generated++;
        if (eos.has(Number(sequences.data[r * width + j]))) break;
      }
    }
    capture.calls++;
    capture.inputTokens += promptTokens;
    capture.outputTokens += generated;
  } catch {
    // Counting is best effort; the call itself is untouched.
  }
}

type TokenizerLike = { encode?: (text: string, options?: Dict) => ArrayLike<unknown> };

/** Counts from the tokenizer, when `generate` could not be observed: string prompts and generated strings only. */
function tokenizerUsage(pipe: AnyCallable, input: unknown, output: unknown): Dict | null {
  const tokenizer = (pipe as unknown as { tokenizer?: TokenizerLike }).tokenizer;
  if (!tokenizer || typeof tokenizer.encode !== 'function') return null;
  const prompts =
    typeof input === 'string'
      ? [input]
      : Array.isArray(input) && input.every((p) => typeof p === 'string')
        ? input
        : null;
  if (!prompts) return null;
  const encode = (text: string) => tokenizer.encode?.(text, { add_special_tokens: false }).length ?? 0;
  const rows = (Array.isArray(output) ? output : [output]).flat(2);
  const texts = rows.map((r) => (isDict(r) ? r.generated_text : undefined));
  if (texts.length === 0 || !texts.every((t) => typeof t === 'string')) return null;
  const promptTokens = prompts.reduce((n, p) => n + encode(p), 0);
  const perPrompt = texts.length / prompts.length;
  let generated = 0;
  texts.forEach((text, i) => {
    const prompt = prompts[Math.floor(i / perPrompt)] ?? '';
    generated += encode(text.startsWith(prompt) ? text.slice(prompt.length) : text);
  });
  return usageDict(promptTokens, generated);
}

function usageDict(input: number, output: number): Dict {
  return {
    [TokenUsageKey.INPUT_TOKENS]: input,
    [TokenUsageKey.OUTPUT_TOKENS]: output,
    [TokenUsageKey.TOTAL_TOKENS]: input + output,
  };
}

function recordUsage(
  span: ActiveSpan,
  capture: GenerateCapture,
  pipe: AnyCallable,
  input: unknown,
  output: unknown,
): void {
  try {
    const usage =
      capture.calls > 0 ? usageDict(capture.inputTokens, capture.outputTokens) : tokenizerUsage(pipe, input, output);
    if (usage) span.setAttribute(SpanAttributeKey.CHAT_USAGE, usage);
  } catch (err) {
    warn(`traceTransformersPipeline(): failed to record token usage: ${(err as Error).message}`);
  }
}
