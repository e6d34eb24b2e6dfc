import type { Attributes, Context, Span as OTelSpan } from '@opentelemetry/api';
import { SpanStatusCode as OTelStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pyJsonDumps } from '../internal/python-json.js';
import {
  decodeAttribute,
  hexToBase64,
  Span,
  SpanAttributeKey,
  type SpanDict,
  SpanLogLevel,
  type SpanStatusCode,
  SpanType,
} from '../tracking/entities/index.js';

/** What {@link LiveSpan.addEvent} takes. */
export interface SpanEventInput {
  name: string;
  /** Attribute values: strings, numbers, booleans or arrays of them (as OpenTelemetry allows). */
  attributes?: Attributes;
  /** Nanoseconds since the Unix epoch; now by default. */
  timestampNs?: bigint;
}

/** A status to set: a code, or a code with a description. */
export type SpanStatusInput = SpanStatusCode | { statusCode: SpanStatusCode; description?: string };

/** Options of {@link LiveSpan.end}. */
export interface EndSpanOptions {
  outputs?: unknown;
  attributes?: Record<string, unknown>;
  status?: SpanStatusInput;
  /** Nanoseconds since the Unix epoch; now by default. */
  endTimeNs?: bigint;
}

const SPAN_TYPE_JSON = new Map<string, string>();
function jsonOfSpanType(spanType: string): string {
  let json = SPAN_TYPE_JSON.get(spanType);
  if (json === undefined) {
    json = JSON.stringify(spanType);
    if (SPAN_TYPE_JSON.size < 256) SPAN_TYPE_JSON.set(spanType, json);
  }
  return json;
}

/** Span types whose default log level is INFO (MLflow's `_INFO_SPAN_TYPES`); DEBUG otherwise. */
const INFO_SPAN_TYPES = new Set<string>(['LLM', 'CHAT_MODEL', 'TOOL', 'RETRIEVER', 'AGENT', 'EMBEDDING']);

/** @internal What a live span reports to when it ends. */
export interface SpanOwner {
  onSpanEnd(span: LiveSpan): void;
}

/**
 * A span being recorded (MLflow's `LiveSpan`): set inputs, outputs, attributes, events and status, then
 * `end()` it. Values are stored as MLflow stores them: every attribute JSON-encoded. Methods never
 * throw into user code: a value that cannot be recorded is logged and skipped.
 */
export class LiveSpan {
  /** The MLflow trace id, `tr-` + 32 hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** The parent's span id; null for a trace's root span. */
  readonly parentId: string | null;
  /** @internal */
  readonly otelSpan: OTelSpan;
  /** @internal */
  readonly otelTraceId: string;
  readonly #owner: SpanOwner;
  #name: string;
  #ended = false;
  #status: SpanStatusCode = 'UNSET';
  #inputs: unknown;
  #outputs: unknown;
  #hasOutputs = false;
  #spanType: string;
  #hasLogLevel = false;
  /** @internal The last `mlflow.chat.tokenUsage` set, kept to aggregate without re-parsing. */
  tokenUsage: unknown;
  /** @internal The OpenTelemetry context holding this span, built once when it first parents a span. */
  otelContext: Context | undefined;

  /** @internal */
  constructor(args: {
    otelSpan: OTelSpan;
    traceId: string;
    parentId: string | null;
    name: string;
    spanType: string;
    owner: SpanOwner;
    /** `JSON.stringify(traceId)`, when the caller has it already. */
    traceIdJson?: string;
  }) {
    this.otelSpan = args.otelSpan;
    const ctx = args.otelSpan.spanContext();
    this.otelTraceId = ctx.traceId;
    this.spanId = ctx.spanId;
    this.traceId = args.traceId;
    this.parentId = args.parentId;
    this.#name = args.name;
    this.#owner = args.owner;
    this.#spanType = args.spanType;
    // Same first two attributes, in the same order, as MLflow's LiveSpan.__init__.
    args.otelSpan.setAttribute(SpanAttributeKey.REQUEST_ID, args.traceIdJson ?? JSON.stringify(args.traceId));
    args.otelSpan.setAttribute(SpanAttributeKey.SPAN_TYPE, jsonOfSpanType(args.spanType));
  }

  get name(): string {
    return this.#name;
  }
  /** `mlflow.spanType`. */
  get spanType(): string {
    return this.#spanType;
  }
  get inputs(): unknown {
    return this.#inputs;
  }
  get outputs(): unknown {
    return this.#outputs;
  }
  /** @internal True once `setOutputs` was called (even with undefined). */
  get hasOutputs(): boolean {
    return this.#hasOutputs;
  }
  /** @internal The engine recording this span. */
  get owner(): SpanOwner {
    return this.#owner;
  }
  get isEnded(): boolean {
    return this.#ended;
  }
  get status(): SpanStatusCode {
    return this.#status;
  }
  /** True: this span records. {@link NoOpSpan} says false. */
  get isRecording(): boolean {
    return !this.#ended;
  }

  setInputs(inputs: unknown): this {
    this.#inputs = inputs;
    return this.setAttribute(SpanAttributeKey.INPUTS, inputs);
  }
  setOutputs(outputs: unknown): this {
    this.#outputs = outputs;
    this.#hasOutputs = true;
    return this.setAttribute(SpanAttributeKey.OUTPUTS, outputs);
  }
  setSpanType(spanType: string): this {
    this.#spanType = spanType;
    if (this.#ended) return this;
    this.otelSpan.setAttribute(SpanAttributeKey.SPAN_TYPE, jsonOfSpanType(spanType));
    return this;
  }
  /** Rename the span (before it ends). */
  updateName(name: string): this {
    this.#name = name;
    this.otelSpan.updateName(name);
    return this;
  }
  /** Severity shown by MLflow's UI filter; resolved from the span type at end when never set. */
  setLogLevel(level: SpanLogLevel | number): this {
    const value = typeof level === 'number' ? level : SpanLogLevel[level];
    if (value === undefined) {
      warn(`Invalid span log level '${String(level)}'; expected one of ${Object.keys(SpanLogLevel).join(', ')}.`);
      return this;
    }
    this.#hasLogLevel = true;
    return this.setAttribute(SpanAttributeKey.LOG_LEVEL, value);
  }
  /** Set one attribute; the value is stored JSON-encoded, as MLflow does. */
  setAttribute(key: string, value: unknown): this {
    if (this.#ended) return this;
    if (typeof key !== 'string') {
      warn(`Attribute key must be a string, but got ${typeof key}. Skipping.`);
      return this;
    }
    try {
      this.otelSpan.setAttribute(key, pyJsonDumps(value));
      if (key === SpanAttributeKey.CHAT_USAGE) this.tokenUsage = value;
    } catch (err) {
      warn(`Failed to record attribute '${key}': ${(err as Error).message}`);
    }
    return this;
  }
  setAttributes(attributes: Record<string, unknown>): this {
    if (attributes === null || typeof attributes !== 'object') {
      warn(`Attributes must be an object, but got ${typeof attributes}. Skipping.`);
      return this;
    }
    for (const k of Object.keys(attributes)) this.setAttribute(k, attributes[k]);
    return this;
  }
  /** The decoded value of an attribute. */
  getAttribute(key: string): unknown {
    const raw = (this.otelSpan as unknown as ReadableSpan).attributes?.[key];
    return raw === undefined ? undefined : decodeAttribute(raw);
  }
  addEvent(event: SpanEventInput): this {
    if (this.#ended) return this;
    try {
      const time = event.timestampNs === undefined ? undefined : nsToHrTime(event.timestampNs);
      this.otelSpan.addEvent(event.name, event.attributes ?? {}, time);
      if (event.name === 'exception') this.#bumpLogLevel(SpanLogLevel.ERROR);
    } catch (err) {
      warn(`Failed to add event '${event?.name}': ${(err as Error).message}`);
    }
    return this;
  }
  /** Record an exception event (`exception.message`, `.type`, `.stacktrace`) and set status ERROR. */
  recordException(error: unknown): this {
    if (this.#ended) return this;
    const { type, message, stack } = describeError(error);
    this.addEvent({
      name: 'exception',
      attributes: { 'exception.message': message, 'exception.type': type, 'exception.stacktrace': stack },
    });
    return this.setStatus({ statusCode: 'ERROR', description: `${type}: ${message}` });
  }
  setStatus(status: SpanStatusInput): this {
    if (this.#ended) return this;
    const code = typeof status === 'string' ? status : status?.statusCode;
    const description = typeof status === 'string' ? undefined : status?.description;
    if (code !== 'OK' && code !== 'ERROR' && code !== 'UNSET') {
      warn(`Invalid span status '${String(code)}'; expected OK, ERROR or UNSET.`);
      return this;
    }
    this.#status = code;
    const otelCode = code === 'OK' ? OTelStatusCode.OK : code === 'ERROR' ? OTelStatusCode.ERROR : OTelStatusCode.UNSET;
    this.otelSpan.setStatus(description ? { code: otelCode, message: description } : { code: otelCode });
    return this;
  }
  /**
   * End the span: optional outputs, attributes and status first; status becomes OK unless it is
   * ERROR; the log level is resolved from the span type. Ending twice is a no-op.
   */
  end(options: EndSpanOptions = {}): void {
    if (this.#ended) return;
    try {
      if (options.attributes) this.setAttributes(options.attributes);
      if (options.outputs !== undefined) this.setOutputs(options.outputs);
      if (options.status !== undefined) this.setStatus(options.status);
      if (this.#status !== 'ERROR') this.setStatus('OK');
      if (!this.#hasLogLevel) {
        this.otelSpan.setAttribute(SpanAttributeKey.LOG_LEVEL, INFO_SPAN_TYPES.has(this.#spanType) ? '20' : '10');
      }
    } catch (err) {
      warn(`Failed to finalise span ${this.spanId}: ${(err as Error).message}`);
    }
    this.#ended = true;
    try {
      this.otelSpan.end(options.endTimeNs === undefined ? undefined : nsToHrTime(options.endTimeNs));
    } finally {
      this.#owner.onSpanEnd(this);
    }
  }

  #bumpLogLevel(level: number): void {
    const current = this.getAttribute(SpanAttributeKey.LOG_LEVEL);
    if (typeof current !== 'number' || current < level) {
      this.#hasLogLevel = true;
      this.otelSpan.setAttribute(SpanAttributeKey.LOG_LEVEL, String(level));
    }
  }

  /** An immutable snapshot in MLflow's serialised form. */
  toImmutableSpan(): Span {
    const known = { traceIdBase64: hexToBase64(this.otelTraceId), spanId: this.spanId, parentId: this.parentId };
    return new Span(toSpanDict(this.otelSpan as unknown as ReadableSpan, known), known);
  }
}

/**
 * The span handed out when tracing is disabled or the trace was sampled out: every method is a no-op,
 * so instrumented code runs unchanged at almost no cost.
 */
export class NoOpSpan {
  readonly traceId = '';
  readonly spanId = '';
  readonly parentId = null;
  readonly name = '';
  readonly spanType = SpanType.UNKNOWN as string;
  readonly inputs = undefined;
  readonly outputs = undefined;
  readonly isEnded = false;
  readonly status: SpanStatusCode = 'UNSET';
  readonly isRecording = false;
  /** @internal */
  get hasOutputs(): boolean {
    return false;
  }
  setInputs(_inputs: unknown): this {
    return this;
  }
  setOutputs(_outputs: unknown): this {
    return this;
  }
  setSpanType(_spanType: string): this {
    return this;
  }
  updateName(_name: string): this {
    return this;
  }
  setLogLevel(_level: SpanLogLevel | number): this {
    return this;
  }
  setAttribute(_key: string, _value: unknown): this {
    return this;
  }
  setAttributes(_attributes: Record<string, unknown>): this {
    return this;
  }
  getAttribute(_key: string): unknown {
    return undefined;
  }
  addEvent(_event: SpanEventInput): this {
    return this;
  }
  recordException(_error: unknown): this {
    return this;
  }
  setStatus(_status: SpanStatusInput): this {
    return this;
  }
  end(_options: EndSpanOptions = {}): void {}
}

/** The shared no-op span. */
export const NOOP_SPAN = new NoOpSpan();

/** A span as user code sees it: recording, or a no-op when disabled or sampled out. */
export type ActiveSpan = LiveSpan | NoOpSpan;

/** @internal MLflow's `Span.to_dict()` of a finished OpenTelemetry span. */
export function toSpanDict(
  span: ReadableSpan,
  known?: { traceIdBase64: string; spanId: string; parentId: string | null },
): SpanDict {
  const ctx = span.spanContext();
  const status = span.status;
  let parentId: string | null;
  if (known) parentId = known.parentId;
  else parentId = span.parentSpanContext?.spanId ?? null;
  return {
    trace_id: known ? known.traceIdBase64 : hexToBase64(ctx.traceId),
    span_id: hexToBase64(known ? known.spanId : ctx.spanId),
    parent_span_id: parentId ? hexToBase64(parentId) : null,
    name: span.name,
    kind: SPAN_KINDS[span.kind] ?? 'SPAN_KIND_INTERNAL',
    start_time_unix_nano: hrTimeToNs(span.startTime),
    end_time_unix_nano: span.ended ? hrTimeToNs(span.endTime) : null,
    events: span.events.map((e) => ({
      name: e.name,
      time_unix_nano: hrTimeToNs(e.time),
      attributes: { ...(e.attributes ?? {}) },
    })),
    status: {
      code:
        status.code === OTelStatusCode.OK
          ? 'STATUS_CODE_OK'
          : status.code === OTelStatusCode.ERROR
            ? 'STATUS_CODE_ERROR'
            : 'STATUS_CODE_UNSET',
      message: status.message ?? '',
    },
    attributes: { ...span.attributes },
    links: [],
  };
}

const SPAN_KINDS = [
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;

/** @internal */
export function hrTimeToNs(t: readonly [number, number]): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/** @internal */
export function nsToHrTime(ns: bigint): [number, number] {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

/** @internal Type, message and stack of anything thrown, as MLflow's exception event records them. */
export function describeError(error: unknown): { type: string; message: string; stack: string } {
  if (error instanceof Error) {
    const type = error.constructor?.name && error.constructor.name !== 'Object' ? error.constructor.name : error.name;
    return { type: type || 'Error', message: error.message, stack: error.stack ?? `${type}: ${error.message}` };
  }
  const message = typeof error === 'string' ? error : safeString(error);
  return { type: typeof error === 'string' ? 'Error' : typeof error, message, stack: message };
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

let warnedKeys: Set<string> | undefined;
/** @internal One warning per distinct message: tracing reports problems without flooding logs. */
export function warn(message: string): void {
  warnedKeys ??= new Set();
  if (warnedKeys.has(message) || warnedKeys.size > 1000) return;
  warnedKeys.add(message);
  process.emitWarning(message, { type: 'MlflowTracingWarning' });
}
