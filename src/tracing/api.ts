import { pyJsonDumps } from '../internal/python-json.js';
import type { SpanType, TraceState } from '../tracking/entities/index.js';
import {
  isTraceState,
  STREAM_CHUNK_EVENT_PREFIX,
  STREAM_CHUNK_EVENT_VALUE_KEY,
  TraceTagKey,
} from '../tracking/entities/index.js';
import { InvalidParameterError } from '../tracking/errors.js';
import { activeSpan, lastActiveTraceIdValue, type RemoteParent, type StartSpanArgs, TracingEngine } from './engine.js';
import type { ExportStats } from './export/queue.js';
import { captureInputs } from './inputs.js';
import { resolveTracingSettings, type TracingOptions } from './settings.js';
import { type ActiveSpan, LiveSpan, NOOP_SPAN, warn } from './span.js';

// ------------------------------------------------------------------ engine lifecycle

let engine: TracingEngine | undefined;
let exitHooksInstalled = false;

function getEngine(): TracingEngine {
  if (!engine) {
    engine = new TracingEngine(resolveTracingSettings());
    installExitHooks();
  }
  return engine;
}

/**
 * Configure tracing (destination, sampling, export mode, queue bounds, host provider). Replaces the
 * current configuration: traces already finished are flushed to the old destination first.
 * Throws an {@link InvalidParameterError} naming a bad option.
 */
export async function configureTracing(options: TracingOptions = {}): Promise<void> {
  const settings = resolveTracingSettings(options);
  const old = engine;
  engine = new TracingEngine(settings);
  if (settings.flushOnExit) installExitHooks();
  if (old) await old.shutdown();
}

/** Flush and drop the tracing configuration; the next use reads the environment again (tests). */
export async function resetTracing(): Promise<void> {
  const old = engine;
  engine = undefined;
  if (old) await old.shutdown();
}

/** Export every finished trace now; resolves when the export queue is empty. */
export async function flushTraces(): Promise<void> {
  await engine?.flush();
}

/** Counters of the export pipeline: exported, dropped (and why lost), pending, queue high-water mark. */
export function tracingStats(): ExportStats & { inProgress: number } {
  return getEngine().stats;
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('beforeExit', () => {
    const e = engine;
    if (e?.settings.flushOnExit && e.stats.pending > 0) void e.flush();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Only when nobody else handles the signal: adding a listener disables Node's default exit, so
    // ours flushes (bounded) and then re-raises the signal to exit as Node would have.
    if (process.listenerCount(signal) > 0) continue;
    const handler = () => {
      const e = engine;
      const done = () => {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      };
      if (!e?.settings.flushOnExit || e.stats.pending === 0) return done();
      const timer = setTimeout(() => {
        e.abandon();
        done();
      }, 5000);
      e.flush().finally(() => {
        clearTimeout(timer);
        done();
      });
    };
    process.on(signal, handler);
  }
}

// ------------------------------------------------------------------ spans

/** Options shared by {@link trace}, {@link withSpan} and {@link startSpan}. */
export interface SpanOptions {
  /** Span name; the function's name for `trace()`. */
  name?: string;
  /** MLflow span type (`SpanType.LLM`, ...); UNKNOWN by default. */
  spanType?: SpanType;
  /** Extra attributes, stored JSON-encoded. */
  attributes?: Record<string, unknown>;
}

/** Options of {@link trace}. */
export interface TraceOptions extends SpanOptions {
  /** For generators: turn the list of yielded chunks into the recorded output (default: the list). */
  outputReducer?: (chunks: unknown[]) => unknown;
}

/** Options of {@link withSpan} and {@link startSpan}. */
export interface StartSpanOptions extends SpanOptions {
  name: string;
  inputs?: unknown;
  /** Parent span; by default the active one. `null` starts a new trace. */
  parent?: ActiveSpan | null;
  /** Nanoseconds since the Unix epoch; now by default. */
  startTimeNs?: bigint;
  /** Root spans only: the experiment to record the trace in. */
  experimentId?: string;
}

function enabled(): boolean {
  return getEngine().settings.enabled;
}

/** @internal Run `fn` with a span of another process as the parent of spans started without one. */
export function runUnderRemoteParent<T>(parent: RemoteParent, fn: () => T): T {
  return getEngine().run(parent, fn);
}

/** @internal Whether spans are recorded now: integrations skip building span data when not. */
export function isTracingEnabled(): boolean {
  return enabled();
}

function safeStart(args: StartSpanArgs): ActiveSpan {
  try {
    return getEngine().startSpan(args);
  } catch (err) {
    warn(`Failed to start span '${args.name}': ${(err as Error).message}`);
    return NOOP_SPAN;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function endOk(span: ActiveSpan, result: unknown, recordOutput: boolean): void {
  try {
    if (recordOutput && !span.hasOutputs && result !== undefined) span.setOutputs(result);
    span.end();
  } catch (err) {
    warn(`Failed to end span: ${(err as Error).message}`);
  }
}

function endError(span: ActiveSpan, error: unknown): void {
  try {
    span.recordException(error);
    span.end();
  } catch (err) {
    warn(`Failed to end span: ${(err as Error).message}`);
  }
}

/**
 * Run `fn` with `span` active and end the span when `fn` finishes (returns, throws, or its promise
 * settles). The result is returned as is: a promise is the same object `fn` returned.
 */
function runAndEnd<T>(span: ActiveSpan, fn: () => T, recordOutput: boolean): T {
  let result: T;
  try {
    result = getEngine().run(span, fn);
  } catch (err) {
    endError(span, err);
    throw err;
  }
  if (isPromiseLike(result)) {
    result.then(
      (v) => endOk(span, v, recordOutput),
      (err) => endError(span, err),
    );
    return result;
  }
  endOk(span, result, recordOutput);
  return result;
}

/** Any function `trace()` can wrap. */
export type AnyFn = (...args: never[]) => unknown;

function kindOf(fn: AnyFn): 'generator' | 'async-generator' | 'plain' {
  const tag = Object.prototype.toString.call(fn);
  if (tag === '[object GeneratorFunction]') return 'generator';
  if (tag === '[object AsyncGeneratorFunction]') return 'async-generator';
  return 'plain';
}

function wrapFunction<F extends AnyFn>(fn: F, options: TraceOptions, defaultName?: string): F {
  const name = options.name ?? defaultName ?? (fn.name || 'function');
  const spanType = options.spanType;
  const attributes = options.attributes;
  const kind = kindOf(fn);
  let wrapped: AnyFn;
  if (kind === 'generator') {
    wrapped = function (this: unknown, ...args: never[]) {
      if (!enabled()) return (fn as AnyFn).apply(this, args);
      const span = safeStart({ name, spanType, attributes });
      recordCall(span, fn, args, false);
      const gen = getEngine().run(span, () => (fn as AnyFn).apply(this, args)) as Generator;
      return tracedGenerator(span, gen, options.outputReducer);
    };
  } else if (kind === 'async-generator') {
    wrapped = function (this: unknown, ...args: never[]) {
      if (!enabled()) return (fn as AnyFn).apply(this, args);
      const span = safeStart({ name, spanType, attributes });
      recordCall(span, fn, args, false);
      const gen = getEngine().run(span, () => (fn as AnyFn).apply(this, args)) as AsyncGenerator;
      return tracedAsyncGenerator(span, gen, options.outputReducer);
    };
  } else {
    wrapped = function (this: unknown, ...args: never[]) {
      if (!enabled()) return (fn as AnyFn).apply(this, args);
      const span = safeStart({ name, spanType, attributes });
      if (!span.isRecording) return getEngine().run(span, () => (fn as AnyFn).apply(this, args));
      recordCall(span, fn, args);
      return runAndEnd(span, () => (fn as AnyFn).apply(this, args), true);
    };
  }
  try {
    Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
    Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  } catch {
    // Non-configurable: keep the wrapper's own.
  }
  return wrapped as F;
}

// MLflow records the function name for plain functions only; its generator spans carry inputs alone.
function recordCall(span: ActiveSpan, fn: AnyFn, args: readonly unknown[], withFunctionName = true): void {
  if (!span.isRecording) return;
  try {
    if (withFunctionName) span.setAttribute('mlflow.spanFunctionName', fn.name || 'anonymous');
    span.setInputs(captureInputs(fn, args));
  } catch (err) {
    warn(`Failed to capture inputs of '${fn.name}': ${(err as Error).message}`);
  }
}

function recordChunk(span: ActiveSpan, chunk: unknown, index: number): void {
  if (!span.isRecording) return;
  try {
    span.addEvent({
      name: `${STREAM_CHUNK_EVENT_PREFIX}${index}`,
      attributes: { [STREAM_CHUNK_EVENT_VALUE_KEY]: pyJsonDumps(chunk) },
    });
  } catch {
    // A chunk that cannot be recorded is skipped; the stream goes on.
  }
}

function reduce(chunks: unknown[], reducer: ((c: unknown[]) => unknown) | undefined): unknown {
  if (!reducer) return chunks;
  try {
    return reducer(chunks);
  } catch (err) {
    warn(`outputReducer failed: ${(err as Error).message}`);
    return chunks;
  }
}

function* tracedGenerator(span: ActiveSpan, gen: Generator, reducer?: (c: unknown[]) => unknown): Generator {
  const chunks: unknown[] = [];
  const engine = getEngine();
  let sent: unknown;
  try {
    for (;;) {
      const step = engine.run(span, () => gen.next(sent as never));
      if (step.done) {
        span.end({ outputs: reduce(chunks, reducer) });
        return step.value;
      }
      recordChunk(span, step.value, chunks.length);
      chunks.push(step.value);
      sent = yield step.value;
    }
  } catch (err) {
    endError(span, err);
    throw err;
  } finally {
    // The consumer stopped early (`break`, `return()`): record what was produced.
    if (!span.isEnded) span.end({ outputs: reduce(chunks, reducer) });
  }
}

async function* tracedAsyncGenerator(
  span: ActiveSpan,
  gen: AsyncGenerator,
  reducer?: (c: unknown[]) => unknown,
): AsyncGenerator {
  const chunks: unknown[] = [];
  const engine = getEngine();
  let sent: unknown;
  try {
    for (;;) {
      const step = await engine.run(span, () => gen.next(sent as never));
      if (step.done) {
        span.end({ outputs: reduce(chunks, reducer) });
        return step.value;
      }
      recordChunk(span, step.value, chunks.length);
      chunks.push(step.value);
      sent = yield step.value;
    }
  } catch (err) {
    endError(span, err);
    throw err;
  } finally {
    if (!span.isEnded) {
      span.end({ outputs: reduce(chunks, reducer) });
      await gen.return?.(undefined);
    }
  }
}

/**
 * Trace a function (MLflow's `@mlflow.trace`): each call becomes a span named after the function, with
 * its arguments as inputs and its result as outputs; a throw or rejection is recorded (status ERROR,
 * an `exception` event) and rethrown unchanged. Sync, async, generator and async-generator functions
 * are supported; a stream's output is recorded when it ends.
 *
 * Without a function, returns a decorator for class methods (TC39 or TypeScript's legacy
 * `experimentalDecorators`), keeping `this`: `@trace({ spanType: SpanType.CHAIN }) run(q) {...}`.
 */
export function trace<F extends AnyFn>(fn: F, options?: TraceOptions): F;
export function trace(
  options?: TraceOptions,
): MethodDecorator & (<F extends AnyFn>(value: F, context: ClassMethodDecoratorContext) => F);
export function trace(first?: AnyFn | TraceOptions, second?: TraceOptions): unknown {
  if (typeof first === 'function') return wrapFunction(first, second ?? {});
  const options = first ?? {};
  if (options !== null && typeof options !== 'object') {
    throw new InvalidParameterError(`trace() expects a function or an options object, got ${typeof options}.`);
  }
  return function decorator(value: unknown, context: unknown, descriptor?: PropertyDescriptor): unknown {
    // Legacy decorators: (prototype, propertyKey, descriptor).
    if (descriptor && typeof descriptor.value === 'function') {
      descriptor.value = wrapFunction(descriptor.value, options, String(context));
      return descriptor;
    }
    const ctx = context as ClassMethodDecoratorContext | undefined;
    if (typeof value === 'function' && ctx && typeof ctx === 'object' && 'kind' in ctx) {
      return wrapFunction(value as AnyFn, options, typeof ctx.name === 'string' ? ctx.name : undefined);
    }
    throw new InvalidParameterError('@trace() decorates methods and functions only.');
  };
}

/**
 * Run `fn` inside a new span (MLflow's `with mlflow.start_span(...)`), active for everything `fn` calls.
 * The span ends when `fn` returns or its promise settles; the return value becomes the outputs unless
 * `fn` set them. Errors are recorded and rethrown unchanged.
 */
export function withSpan<T>(options: StartSpanOptions, fn: (span: ActiveSpan) => T): T {
  if (!options || typeof options.name !== 'string' || !options.name) {
    throw new InvalidParameterError(`withSpan() requires options.name, got ${pyJsonDumps(options?.name ?? null)}.`);
  }
  if (!enabled()) return fn(NOOP_SPAN);
  const span = safeStart(toStartArgs(options));
  return runAndEnd(span, () => fn(span), true);
}

/**
 * Start a span without activating it (MLflow's `start_span_no_context`): pass it as `parent` to child
 * spans and call `end()` yourself. Without `parent`, it is a child of the active span, if any.
 */
export function startSpan(options: StartSpanOptions): ActiveSpan {
  if (!options || typeof options.name !== 'string' || !options.name) {
    throw new InvalidParameterError(`startSpan() requires options.name, got ${pyJsonDumps(options?.name ?? null)}.`);
  }
  if (!enabled()) return NOOP_SPAN;
  return safeStart(toStartArgs(options));
}

function toStartArgs(o: StartSpanOptions): StartSpanArgs {
  return {
    name: o.name,
    spanType: o.spanType,
    parent: o.parent,
    inputs: o.inputs,
    attributes: o.attributes,
    startTimeNs: o.startTimeNs,
    experimentId: o.experimentId,
  };
}

/** Run `fn` with `span` as the active span (for spans from {@link startSpan}). */
export function withActiveSpan<T>(span: ActiveSpan, fn: () => T): T {
  return getEngine().run(span, fn);
}

/** The active span of this async context, or undefined (MLflow's `get_current_active_span`). */
export function getCurrentActiveSpan(): LiveSpan | undefined {
  const span = activeSpan();
  return span instanceof LiveSpan ? span : undefined;
}

/** The id of the trace the active span belongs to (`mlflow.get_active_trace_id`). */
export function getActiveTraceId(): string | undefined {
  return getCurrentActiveSpan()?.traceId;
}

/**
 * The id of the trace whose root span ended last in this process (`mlflow.get_last_active_trace_id()`), or
 * undefined before any. Set when the root span ends, so `getTrace(getLastActiveTraceId()!)` finds a trace
 * still waiting in the export queue. Process-wide, like MLflow's default: a Node process has one event loop,
 * so MLflow's `thread_local` variant has no counterpart (a worker thread has its own).
 */
export function getLastActiveTraceId(): string | undefined {
  return lastActiveTraceIdValue();
}

/** Options of {@link updateCurrentTrace}. */
export interface UpdateTraceOptions {
  /** Mutable tags (string values; others are JSON-encoded). */
  tags?: Record<string, unknown>;
  /** Immutable metadata (string values; others are JSON-encoded). */
  metadata?: Record<string, unknown>;
  clientRequestId?: string;
  requestPreview?: string;
  responsePreview?: string;
  /** Override the final state (OK or ERROR). */
  state?: TraceState;
}

/**
 * Update the trace of the active span (MLflow's `update_current_trace`): tags, metadata, previews,
 * client request id, state. Outside a trace it warns and does nothing.
 */
export function updateCurrentTrace(options: UpdateTraceOptions): void {
  const span = getCurrentActiveSpan();
  if (!span) {
    warn('updateCurrentTrace() was called outside a trace: no active span. Nothing was updated.');
    return;
  }
  const info = engine?.traceOf(span);
  if (!info) {
    warn('updateCurrentTrace(): the active trace has already been exported. Nothing was updated.');
    return;
  }
  if (engine?.isRemote(span)) {
    warn(
      "updateCurrentTrace(): the active trace's root span is in another process (distributed tracing), " +
        'which records its tags and metadata. Nothing was updated.',
    );
    return;
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : pyJsonDumps(v));
  for (const [k, v] of Object.entries(options.tags ?? {})) {
    if (k === TraceTagKey.TRACE_NAME) continue;
    info.tags[k] = str(v);
  }
  for (const [k, v] of Object.entries(options.metadata ?? {})) info.traceMetadata[k] = str(v);
  if (options.clientRequestId !== undefined) info.clientRequestId = String(options.clientRequestId);
  if (options.requestPreview !== undefined) info.requestPreview = String(options.requestPreview);
  if (options.responsePreview !== undefined) info.responsePreview = String(options.responsePreview);
  if (options.state !== undefined) {
    if (!isTraceState(options.state) || (options.state !== 'OK' && options.state !== 'ERROR')) {
      warn(`updateCurrentTrace(): invalid state '${String(options.state)}'; use OK or ERROR.`);
    } else info.state = options.state;
  }
}

/**
 * @internal The in-progress trace of the active span, whose tags may still change until it is exported
 * (the prompt registry records loaded prompts there, as MLflow's trace manager does); undefined outside one.
 */
export function getActiveTraceInfo(): ReturnType<TracingEngine['traceOf']> {
  const span = getCurrentActiveSpan();
  return span ? engine?.traceOf(span) : undefined;
}
