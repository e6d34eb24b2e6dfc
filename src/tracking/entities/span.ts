import { pyJsonLoads } from '../../internal/python-json.js';
import { InvalidParameterError } from '../errors.js';
import { SpanAttributeKey, TRACE_ID_PREFIX } from './trace-keys.js';

/** A span's status code as MLflow names it (`SpanStatusCode`). */
export type SpanStatusCode = 'UNSET' | 'OK' | 'ERROR';

/** A span's status: code and, for errors, a description such as `TypeError: boom`. */
export interface SpanStatus {
  statusCode: SpanStatusCode;
  description: string;
}

/** An event recorded on a span (an exception, a stream chunk, a user event). */
export interface SpanEvent {
  name: string;
  /** Nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** OpenTelemetry attribute values: strings, numbers, booleans or arrays of them. */
  attributes: Record<string, unknown>;
}

/**
 * A span exactly as MLflow 3.18 serialises it (`Span.to_dict()`): ids base64 of the OpenTelemetry
 * bytes, times in nanoseconds (bigint: they exceed 2^53), every attribute value JSON-encoded. This is
 * what the `spans.content` column and `traces.json` hold.
 */
export interface SpanDict {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind?: string;
  start_time_unix_nano: bigint;
  end_time_unix_nano: bigint | null;
  events: Array<{ name: string; time_unix_nano: bigint; attributes: Record<string, unknown> }>;
  status: { code: string; message: string };
  attributes: Record<string, unknown>;
  links?: Array<{ trace_id: string; span_id: string; attributes?: Record<string, unknown> | null }>;
}

const STATUS_TO_PROTO: Record<SpanStatusCode, string> = {
  UNSET: 'STATUS_CODE_UNSET',
  OK: 'STATUS_CODE_OK',
  ERROR: 'STATUS_CODE_ERROR',
};

/** `STATUS_CODE_OK` and friends; `OK`/`ERROR`/`UNSET` (MLflow 3.5's form) are accepted too. */
export function statusCodeFromProtoName(name: string): SpanStatusCode {
  switch (name) {
    case 'STATUS_CODE_OK':
    case 'OK':
      return 'OK';
    case 'STATUS_CODE_ERROR':
    case 'ERROR':
      return 'ERROR';
    case 'STATUS_CODE_UNSET':
    case 'UNSET':
    case '':
      return 'UNSET';
    default:
      throw new InvalidParameterError(`Invalid status code name: '${name}'`);
  }
}

/** `SpanStatusCode.to_otel_proto_status_code_name`. */
export function statusCodeToProtoName(code: SpanStatusCode): string {
  return STATUS_TO_PROTO[code];
}

/** Hex of an id given as base64 bytes (MLflow's v3 span dict) or already as hex. */
export function idToHex(id: string, bytes: 8 | 16): string {
  if (id.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(id)) return id.toLowerCase();
  const buf = Buffer.from(id, 'base64');
  if (buf.length !== bytes) throw new InvalidParameterError(`Invalid ${bytes === 8 ? 'span' : 'trace'} id: '${id}'`);
  return buf.toString('hex');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Base64 of the bytes of a hex id, as `Span.to_dict` writes ids (hot path: no Buffer allocation). */
export function hexToBase64(hex: string): string {
  const n = hex.length >> 1;
  if (hex.length !== n * 2) return Buffer.from(hex, 'hex').toString('base64');
  let out = '';
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const b0 = (hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1));
    const b1 = (hexNibble(hex.charCodeAt(2 * i + 2)) << 4) | hexNibble(hex.charCodeAt(2 * i + 3));
    const b2 = (hexNibble(hex.charCodeAt(2 * i + 4)) << 4) | hexNibble(hex.charCodeAt(2 * i + 5));
    if (b0 < 0 || b1 < 0 || b2 < 0) return Buffer.from(hex, 'hex').toString('base64');
    out += B64[b0 >> 2]! + B64[((b0 & 3) << 4) | (b1 >> 4)]! + B64[((b1 & 15) << 2) | (b2 >> 6)]! + B64[b2 & 63]!;
  }
  const rest = n - i;
  if (rest === 0) return out;
  return out + Buffer.from(hex.slice(2 * i), 'hex').toString('base64');
}

/** Decode one stored attribute value the way MLflow does: JSON when it parses, else the raw value. */
export function decodeAttribute(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return pyJsonLoads(raw);
  } catch {
    return raw;
  }
}

/**
 * A finished span, immutable: what `getTrace` and `searchTraces` return and exporters receive. The
 * accessors decode MLflow's serialised form; {@link Span.toDict} gives that form back unchanged.
 */
export class Span {
  #dict: SpanDict | undefined;
  #source: (() => SpanDict) | undefined;
  #attributes: Record<string, unknown> | undefined;
  #spanId: string | undefined;
  #parentId: string | null | undefined;

  /** @param ids hex ids when the caller already has them (saves decoding the base64 ones). */
  constructor(dict: SpanDict | (() => SpanDict), ids?: { spanId: string; parentId: string | null }) {
    // A function defers building the dict until something reads the span (exporters that never do
    // pay nothing for it).
    if (typeof dict === 'function') this.#source = dict;
    else this.#dict = dict;
    if (ids) {
      this.#spanId = ids.spanId;
      this.#parentId = ids.parentId;
    }
  }

  /** Build from a dict in MLflow's v3 form (ids base64 or hex) or the older v2 form (`context`). */
  static fromDict(data: Record<string, unknown>): Span {
    try {
      return new Span(normalizeSpanDict(data));
    } catch (err) {
      if (err instanceof InvalidParameterError) throw err;
      throw new InvalidParameterError(
        `Failed to create a Span object from the given dictionary: ${(err as Error).message}`,
      );
    }
  }

  /** The MLflow trace id (`tr-...`) this span belongs to. */
  get traceId(): string {
    const fromAttr = this.getAttribute(SpanAttributeKey.REQUEST_ID);
    if (typeof fromAttr === 'string' && fromAttr) return fromAttr;
    return TRACE_ID_PREFIX + idToHex(this.#d().trace_id, 16);
  }
  /** 16 lowercase hex digits. */
  get spanId(): string {
    this.#spanId ??= idToHex(this.#d().span_id, 8);
    return this.#spanId;
  }
  /** The parent's span id, or null for the root span. */
  get parentId(): string | null {
    if (this.#parentId === undefined) {
      const parent = this.#d().parent_span_id;
      this.#parentId = parent ? idToHex(parent, 8) : null;
    }
    return this.#parentId;
  }
  get name(): string {
    return this.#d().name;
  }
  /** `mlflow.spanType`, e.g. `LLM`; null when the span has none (e.g. from a plain OTel client). */
  get spanType(): string | null {
    const t = this.getAttribute(SpanAttributeKey.SPAN_TYPE);
    return typeof t === 'string' ? t : null;
  }
  /** Nanoseconds since the Unix epoch. */
  get startTimeNs(): bigint {
    return this.#d().start_time_unix_nano;
  }
  /** Nanoseconds since the Unix epoch; null while the span is open. */
  get endTimeNs(): bigint | null {
    return this.#d().end_time_unix_nano;
  }
  get status(): SpanStatus {
    return {
      statusCode: statusCodeFromProtoName(this.#d().status.code),
      description: this.#d().status.message ?? '',
    };
  }
  /** Decoded `mlflow.spanInputs`. */
  get inputs(): unknown {
    return this.getAttribute(SpanAttributeKey.INPUTS);
  }
  /** Decoded `mlflow.spanOutputs`. */
  get outputs(): unknown {
    return this.getAttribute(SpanAttributeKey.OUTPUTS);
  }
  /** Every attribute, decoded from its JSON form. */
  get attributes(): Record<string, unknown> {
    if (!this.#attributes) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(this.#d().attributes)) out[k] = decodeAttribute(v);
      this.#attributes = out;
    }
    return this.#attributes;
  }
  getAttribute(key: string): unknown {
    const raw = this.#d().attributes[key];
    return raw === undefined || raw === '' ? undefined : decodeAttribute(raw);
  }
  get events(): SpanEvent[] {
    return this.#d().events.map((e) => ({
      name: e.name,
      timestampNs: e.time_unix_nano,
      attributes: { ...(e.attributes ?? {}) },
    }));
  }
  /** MLflow's serialised form (`Span.to_dict()`). */
  toDict(): SpanDict {
    return this.#d();
  }

  #d(): SpanDict {
    if (!this.#dict) {
      this.#dict = (this.#source as () => SpanDict)();
      this.#source = undefined;
    }
    return this.#dict;
  }
}

function toBigInt(value: unknown, field: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new InvalidParameterError(`Invalid ${field}: '${String(value)}'`);
}

function normalizeSpanDict(data: Record<string, unknown>): SpanDict {
  const attributes = (data.attributes ?? {}) as Record<string, unknown>;
  if ('context' in data) {
    // MLflow 2.x layout: hex ids under `context`, times in ns, flat status.
    const ctx = data.context as { trace_id: string; span_id: string };
    const traceHex = idToHex(String(ctx.trace_id).replace(/^0x/, '').padStart(32, '0'), 16);
    const parent = data.parent_id as string | null;
    return {
      trace_id: hexToBase64(traceHex),
      span_id: hexToBase64(idToHex(String(ctx.span_id).replace(/^0x/, '').padStart(16, '0'), 8)),
      parent_span_id: parent ? hexToBase64(idToHex(parent.replace(/^0x/, '').padStart(16, '0'), 8)) : null,
      name: String(data.name),
      start_time_unix_nano: toBigInt(data.start_time, 'start_time'),
      end_time_unix_nano: data.end_time == null ? null : toBigInt(data.end_time, 'end_time'),
      events: ((data.events ?? []) as Array<Record<string, unknown>>).map((e) => ({
        name: String(e.name),
        time_unix_nano: toBigInt(e.timestamp, 'event timestamp'),
        attributes: (e.attributes ?? {}) as Record<string, unknown>,
      })),
      status: {
        code: statusCodeToProtoName(statusCodeFromProtoName(String(data.status_code ?? 'UNSET'))),
        message: String(data.status_message ?? ''),
      },
      attributes,
    };
  }
  const traceIdRaw = String(data.trace_id);
  const traceHex = idToHex(traceIdRaw.replace(/^tr-/, ''), 16);
  const status = (data.status ?? {}) as { code?: string; message?: string };
  const out: SpanDict = {
    trace_id: hexToBase64(traceHex),
    span_id: hexToBase64(idToHex(String(data.span_id), 8)),
    parent_span_id: data.parent_span_id ? hexToBase64(idToHex(String(data.parent_span_id), 8)) : null,
    name: String(data.name),
    start_time_unix_nano: toBigInt(data.start_time_unix_nano, 'start_time_unix_nano'),
    end_time_unix_nano:
      data.end_time_unix_nano == null || data.end_time_unix_nano === 0
        ? null
        : toBigInt(data.end_time_unix_nano, 'end_time_unix_nano'),
    events: ((data.events ?? []) as Array<Record<string, unknown>>).map((e) => ({
      name: String(e.name),
      time_unix_nano: toBigInt(e.time_unix_nano ?? 0, 'event time_unix_nano'),
      attributes: (e.attributes ?? {}) as Record<string, unknown>,
    })),
    status: {
      code: statusCodeToProtoName(statusCodeFromProtoName(String(status.code ?? 'STATUS_CODE_UNSET'))),
      message: status.message ?? '',
    },
    attributes,
  };
  if (typeof data.kind === 'string') out.kind = data.kind;
  if (Array.isArray(data.links)) out.links = data.links as SpanDict['links'];
  return out;
}

const BIG_INT_KEYS =
  /("(?:start_time_unix_nano|end_time_unix_nano|time_unix_nano|start_time|end_time|timestamp)"\s*:\s*)(-?\d{16,})/g;

/**
 * Parse span JSON (a `spans.content` value or a `traces.json` file) keeping nanosecond times exact:
 * integers that large are not representable as JS numbers, so they are read as bigint.
 */
export function parseSpanJson(text: string): unknown {
  return pyJsonLoads(text.replace(BIG_INT_KEYS, '$1"$2"'));
}

/**
 * A span dict as Python's `json.dumps(span.to_dict(), cls=TraceJSONEncoder, ensure_ascii=...)` writes
 * it: `", "`/`": "` separators, key order of `to_dict`, bigint times as integers.
 */
export function spanDictToJson(dict: SpanDict, ensureAscii = false): string {
  return pyDump(dict, ensureAscii);
}

function pyDump(value: unknown, ensureAscii: boolean): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return ensureAscii ? asciiJson(value) : JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value)
        ? JSON.stringify(value)
        : Number.isNaN(value)
          ? 'NaN'
          : value > 0
            ? 'Infinity'
            : '-Infinity';
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (Array.isArray(value)) return `[${value.map((v) => pyDump(v, ensureAscii)).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    parts.push(`${ensureAscii ? asciiJson(k) : JSON.stringify(k)}: ${pyDump(v, ensureAscii)}`);
  }
  return `{${parts.join(', ')}}`;
}

function asciiJson(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
