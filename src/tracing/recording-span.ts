/**
 * @internal The span record behind a {@link LiveSpan} when tracing is not attached to a host's
 * OpenTelemetry provider: the part of the OpenTelemetry SDK's span that MLflow's format needs (ids,
 * name, times, attributes, events, status), with the SDK's semantics (span limits from the `OTEL_*`
 * environment, start time from the wall clock in milliseconds and end time from the monotonic clock,
 * status OK final, operations on an ended span ignored), at a fraction of its per-span cost: no tracer,
 * sampler, context or span processor is involved, and ids come from a pooled random buffer.
 */
import { randomFillSync } from 'node:crypto';
import type {
  Attributes,
  AttributeValue,
  Exception,
  HrTime,
  Link,
  Span as OTelSpan,
  SpanContext,
  SpanStatus,
  TimeInput,
} from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';

/** A span event as the OpenTelemetry SDK records it. */
interface RecordedEvent {
  name: string;
  attributes: Attributes;
  time: HrTime;
  droppedAttributesCount: number;
}

/** The OpenTelemetry SDK's span limits; its defaults, overridden by the same environment variables. */
export interface SpanLimits {
  attributeCountLimit: number;
  attributeValueLengthLimit: number;
  eventCountLimit: number;
  attributePerEventCountLimit: number;
}

function envLimit(names: string[], fallback: number): number {
  for (const name of names) {
    const raw = process.env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
  }
  return fallback;
}

/** @internal The span limits, read once per engine (the SDK reads them when its provider is built). */
export function spanLimitsFromEnv(): SpanLimits {
  return {
    attributeCountLimit: envLimit(['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'], 128),
    attributeValueLengthLimit: envLimit(
      ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'],
      Number.POSITIVE_INFINITY,
    ),
    eventCountLimit: envLimit(['OTEL_SPAN_EVENT_COUNT_LIMIT'], 128),
    attributePerEventCountLimit: envLimit(
      ['OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT', 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT'],
      128,
    ),
  };
}

// ------------------------------------------------------------------ ids

// Random bytes are drawn in blocks and hex-encoded once per block; an id is then a substring of that text
// (O(1) in V8), which makes ids nearly free on the per-span path.
const POOL_SIZE = 24 * 256;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolHex = '';
let poolOffset = POOL_SIZE;

/** `bytes` random bytes as lowercase hex, never all zeros (an invalid id in OpenTelemetry). */
function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL_SIZE) {
      randomFillSync(pool);
      poolHex = pool.toString('hex');
      poolOffset = 0;
    }
    const start = poolOffset;
    poolOffset += bytes;
    for (let i = start; i < poolOffset; i++) {
      if (pool[i] !== 0) return poolHex.substring(start * 2, poolOffset * 2);
    }
  }
}

/** @internal A new 32-hex-digit trace id. */
export function newTraceId(): string {
  return randomHex(16);
}

/** @internal A new 16-hex-digit span id. */
export function newSpanId(): string {
  return randomHex(8);
}

// ------------------------------------------------------------------ time (as the SDK computes it)

function millisToHrTime(epochMillis: number): HrTime {
  const seconds = Math.trunc(epochMillis / 1000);
  const nanos = Math.round((epochMillis % 1000) * 1e6);
  return [seconds, nanos];
}

function addHrTimes(a: HrTime, b: HrTime): HrTime {
  let seconds = a[0] + b[0];
  let nanos = a[1] + b[1];
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

function isHrTime(value: unknown): value is HrTime {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number';
}

function isTimeInput(value: unknown): value is TimeInput {
  return isHrTime(value) || typeof value === 'number' || value instanceof Date;
}

function isPrimitiveType(type: string): boolean {
  return type === 'string' || type === 'number' || type === 'boolean';
}

/** OpenTelemetry's attribute value rule: a primitive, null/undefined, or a homogeneous array of primitives. */
function isAttributeValue(value: unknown): boolean {
  if (value == null) return true;
  if (!Array.isArray(value)) return isPrimitiveType(typeof value);
  let type: string | undefined;
  for (const element of value) {
    if (element == null) continue;
    const t = typeof element;
    if (type === undefined) {
      if (!isPrimitiveType(t)) return false;
      type = t;
    } else if (t !== type) return false;
  }
  return true;
}

/**
 * @internal A span recorded in memory: OpenTelemetry's `Span` interface plus the `ReadableSpan` fields
 * that {@link toSpanDict} and the trace finaliser read.
 */
export class RecordingSpan implements OTelSpan {
  name: string;
  readonly kind = SpanKind.INTERNAL;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes = {};
  readonly events: RecordedEvent[] = [];
  readonly links: Link[] = [];
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  readonly #context: SpanContext;
  readonly #limits: SpanLimits;
  readonly #startPerf: number;
  readonly #startProvided: boolean;
  #attributeCount = 0;

  constructor(
    name: string,
    traceId: string,
    parent: { traceId: string; spanId: string } | undefined,
    limits: SpanLimits,
    startTime?: HrTime,
  ) {
    this.name = name;
    this.#context = { traceId, spanId: newSpanId(), traceFlags: 1 };
    this.parentSpanContext = parent ? { traceId: parent.traceId, spanId: parent.spanId, traceFlags: 1 } : undefined;
    this.#limits = limits;
    this.#startPerf = performance.now();
    this.#startProvided = startTime !== undefined;
    this.startTime = startTime ?? millisToHrTime(Date.now());
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (value == null || this.ended || key.length === 0 || !isAttributeValue(value)) return this;
    const isNew = !Object.hasOwn(this.attributes, key);
    if (isNew && this.#attributeCount >= this.#limits.attributeCountLimit) {
      this.droppedAttributesCount++;
      return this;
    }
    this.attributes[key] = this.#truncate(value);
    if (isNew) this.#attributeCount++;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key] as AttributeValue);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const limit = this.#limits.eventCountLimit;
    if (limit === 0) {
      this.droppedEventsCount++;
      return this;
    }
    if (this.events.length >= limit) {
      // The SDK keeps the newest events.
      this.events.shift();
      this.droppedEventsCount++;
    }
    let given: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime;
    } else given = attributesOrTime;
    const attributes: Attributes = {};
    let count = 0;
    let dropped = 0;
    if (given && typeof given === 'object') {
      for (const key of Object.keys(given)) {
        const value = given[key];
        if (!key || !isAttributeValue(value)) continue;
        if (count >= this.#limits.attributePerEventCountLimit) {
          dropped++;
          continue;
        }
        // As the SDK: null and undefined values pass its sanitiser and are kept.
        attributes[key] =
          value == null ? value : this.#truncate(Array.isArray(value) ? (value.slice() as AttributeValue) : value);
        count++;
      }
    }
    this.events.push({ name, attributes, time: this.#time(time), droppedAttributesCount: dropped });
    return this;
  }

  addLink(_link: Link): this {
    // MLflow does not record links (its span dicts always carry an empty list).
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    this.status =
      status.code === SpanStatusCode.ERROR && typeof status.message === 'string'
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    let end = this.#time(endTime);
    if (end[0] < this.startTime[0] || (end[0] === this.startTime[0] && end[1] < this.startTime[1])) {
      // The SDK's rule for an end before the start: a zero-length span.
      end = [this.startTime[0], this.startTime[1]];
    }
    this.endTime = end;
    this.ended = true;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = String(exception.code);
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
  }

  /** The SDK's `_getTime`: epoch milliseconds, a Date or an HrTime as given; now (monotonic) otherwise. */
  #time(input: TimeInput | undefined): HrTime {
    if (typeof input === 'number') {
      return input <= performance.now()
        ? addHrTimes(this.startTime, millisToHrTime(input - this.#startPerf))
        : millisToHrTime(input);
    }
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (isHrTime(input)) return input;
    if (this.#startProvided) return millisToHrTime(Date.now());
    return addHrTimes(this.startTime, millisToHrTime(performance.now() - this.#startPerf));
  }

  #truncate(value: AttributeValue): AttributeValue {
    const limit = this.#limits.attributeValueLengthLimit;
    if (!Number.isFinite(limit)) return value;
    if (typeof value === 'string') return value.length <= limit ? value : value.substring(0, limit);
    if (Array.isArray(value)) {
      return value.map((v) =>
        typeof v === 'string' && v.length > limit ? v.substring(0, limit) : v,
      ) as AttributeValue;
    }
    return value;
  }
}
