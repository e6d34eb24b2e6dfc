/**
 * MLflow spans to and from OTLP spans, as MLflow 3.18 converts them (`Span.to_otel_proto`,
 * `Span.from_otel_proto`, `_set_otel_proto_anyvalue`, `_decode_otel_proto_anyvalue`), and the proto JSON
 * form of OTLP spans an MLflow server answers `GetTrace` with.
 */

import { pythonFloatRepr } from '../../storage/dict-artifact.js';
import {
  hexToBase64,
  Span,
  SpanAttributeKey,
  type SpanDict,
  statusCodeFromProtoName,
  TRACE_ID_PREFIX,
} from '../../tracking/entities/index.js';
import { InvalidParameterError } from '../../tracking/errors.js';
import { isIntegerLiteral, type JsonBuilder, parseJsonWith } from './json.js';
import {
  OTLP_SPAN_KIND_NAMES,
  OTLP_STATUS_CODE_NAMES,
  type OtlpAnyValue,
  type OtlpEvent,
  type OtlpKeyValue,
  type OtlpLink,
  type OtlpSpan,
  OtlpSpanKind,
  OtlpStatusCode,
} from './types.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `_sanitize_otel_string`: what UTF-8 cannot hold (lone surrogates) becomes `?`, as Python's `errors="replace"` does. */
export function sanitizeOtelString(value: string): string {
  return value.replace(LONE_SURROGATE, '?');
}

function intOrDouble(value: bigint): OtlpAnyValue {
  // Python's protobuf refuses ints outside int64 (and with them the whole export); a double keeps the span.
  if (value < INT64_MIN || value > INT64_MAX) return { kind: 'double', value: Number(value) };
  return { kind: 'int', value };
}

/**
 * A JS value as an OTLP `AnyValue` (`_set_otel_proto_anyvalue`): null/undefined unset, integers as
 * `int_value`, other numbers as `double_value`, arrays and plain objects (and Maps) recursively, bytes as
 * `bytes_value`, anything else as its string form.
 */
export function toOtlpAnyValue(value: unknown): OtlpAnyValue {
  if (value === null || value === undefined) return { kind: 'empty' };
  switch (typeof value) {
    case 'boolean':
      return { kind: 'bool', value };
    case 'string':
      return { kind: 'string', value: sanitizeOtelString(value) };
    case 'bigint':
      return intOrDouble(value);
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < 2 ** 63
        ? { kind: 'int', value: BigInt(value) }
        : { kind: 'double', value };
  }
  if (value instanceof Uint8Array) return { kind: 'bytes', value };
  if (Array.isArray(value)) return { kind: 'array', values: value.map(toOtlpAnyValue) };
  if (value instanceof Map) {
    return {
      kind: 'kvlist',
      values: [...value].map(([k, v]) => ({ key: sanitizeOtelString(String(k)), value: toOtlpAnyValue(v) })),
    };
  }
  if (typeof value === 'object' && value.constructor === Object) {
    return {
      kind: 'kvlist',
      values: Object.entries(value).map(([k, v]) => ({ key: sanitizeOtelString(k), value: toOtlpAnyValue(v) })),
    };
  }
  return { kind: 'string', value: sanitizeOtelString(String(value)) };
}

const ANY_VALUE_BUILDER: JsonBuilder<OtlpAnyValue> = {
  null: () => ({ kind: 'empty' }),
  bool: (value) => ({ kind: 'bool', value }),
  number: (raw) => (isIntegerLiteral(raw) ? intOrDouble(BigInt(raw)) : { kind: 'double', value: Number(raw) }),
  string: (value) => ({ kind: 'string', value: sanitizeOtelString(value) }),
  array: (values) => ({ kind: 'array', values }),
  object: (entries) => {
    // A Python dict: a repeated key keeps its first position and takes the last value.
    const byKey = new Map<string, OtlpAnyValue>();
    for (const [k, v] of entries) byKey.set(k, v);
    return { kind: 'kvlist', values: [...byKey].map(([k, v]) => ({ key: sanitizeOtelString(k), value: v })) };
  },
};

/**
 * `json.loads(text)` put into an `AnyValue`, with Python's reading of numbers (`1` an int, `1.0` a float);
 * undefined when the text is not JSON.
 */
export function jsonToOtlpAnyValue(text: string): OtlpAnyValue | undefined {
  try {
    return parseJsonWith(text, ANY_VALUE_BUILDER);
  } catch {
    return undefined;
  }
}

/**
 * A stored MLflow attribute value (JSON text) as the `AnyValue` MLflow exports: the decoded value, or the
 * raw string when it is not JSON, or unset when it is empty (`Span.attributes` then `_set_otel_proto_anyvalue`).
 */
export function mlflowAttributeToOtlp(raw: unknown): OtlpAnyValue {
  // MLflow reads a falsy stored value ('', 0, False, an empty list) as None.
  if (raw === null || raw === undefined || raw === '' || raw === 0 || raw === 0n || raw === false) {
    return { kind: 'empty' };
  }
  if (Array.isArray(raw) && raw.length === 0) return { kind: 'empty' };
  if (typeof raw === 'string') return jsonToOtlpAnyValue(raw) ?? { kind: 'string', value: sanitizeOtelString(raw) };
  return toOtlpAnyValue(raw);
}

/** `_decode_otel_proto_anyvalue` as a JS value: int64 beyond 2^53 as bigint, bytes as a Uint8Array. */
export function otlpAnyValueToJs(v: OtlpAnyValue): unknown {
  switch (v.kind) {
    case 'empty':
      return null;
    case 'int':
      return v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v.value)
        : v.value;
    case 'array':
      return v.values.map(otlpAnyValueToJs);
    case 'kvlist':
      return Object.fromEntries(v.values.map((kv) => [kv.key, otlpAnyValueToJs(kv.value)]));
    default:
      return v.value;
  }
}

function pyBytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${out}${quote}`;
}

/**
 * `dump_span_attribute_value(_decode_otel_proto_anyvalue(v))`: the JSON text MLflow stores for an
 * attribute received over OTLP (`json.dumps(..., ensure_ascii=False)`, Python's separators and float repr).
 */
export function otlpAnyValueToPyJson(v: OtlpAnyValue): string {
  switch (v.kind) {
    case 'empty':
      return 'null';
    case 'string':
      return JSON.stringify(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      return v.value.toString();
    case 'double':
      if (Number.isNaN(v.value)) return 'NaN';
      if (!Number.isFinite(v.value)) return v.value > 0 ? 'Infinity' : '-Infinity';
      return pythonFloatRepr(v.value);
    case 'bytes':
      // TraceJSONEncoder falls back to str(bytes).
      return JSON.stringify(pyBytesRepr(v.value));
    case 'array':
      return `[${v.values.map(otlpAnyValueToPyJson).join(', ')}]`;
    case 'kvlist': {
      const byKey = new Map<string, OtlpAnyValue>();
      for (const kv of v.values) byKey.set(kv.key, kv.value);
      return `{${[...byKey].map(([k, x]) => `${JSON.stringify(k)}: ${otlpAnyValueToPyJson(x)}`).join(', ')}}`;
    }
  }
}

// ------------------------------------------------------------------------------------------ ids

function bytesOfBase64Id(id: string, size: 8 | 16): Uint8Array {
  // SpanDict ids are base64 of the OTel bytes (Span.fromDict normalises hex input to that form).
  const buf = Buffer.from(id, 'base64');
  if (buf.length !== size) throw new InvalidParameterError(`Invalid ${size === 8 ? 'span' : 'trace'} id: '${id}'`);
  return new Uint8Array(buf);
}

/** The hex of id bytes read as a big-endian integer, zero-padded to `size` bytes (Python's `int.from_bytes` then `format`). */
function idBytesToHex(bytes: Uint8Array, size: 8 | 16): string {
  const hex = Buffer.from(bytes).toString('hex').replace(/^0+/, '');
  if (hex.length > size * 2) throw new InvalidParameterError(`id of ${bytes.length} bytes does not fit in ${size}`);
  return hex.padStart(size * 2, '0');
}

/** Bytes of a hex id as a big-endian integer in `size` bytes, or undefined when it does not fit. */
function hexIdToBytes(hex: string, size: 8 | 16): Uint8Array | undefined {
  const clean = hex.replace(/^0x/i, '').replace(/^0+/, '');
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length > size * 2) return undefined;
  return new Uint8Array(Buffer.from(clean.padStart(size * 2, '0'), 'hex'));
}

// ------------------------------------------------------------------------------------------ to OTLP

/** How attribute values go into OTLP. */
export type OtlpAttributeMode =
  /** Decoded from MLflow's JSON form, as MLflow's own OTLP export to its server does (`Span.to_otel_proto`). */
  | 'decoded'
  /** As stored (JSON text), as MLflow's spans reach a generic OpenTelemetry collector. */
  | 'raw';

/**
 * An MLflow span as an OTLP span (`Span.to_otel_proto`): ids from the span's OTel bytes, kind, times,
 * status (a message only for errors, as OpenTelemetry keeps it), attributes, events and links.
 */
export function spanToOtlp(span: Span | SpanDict, mode: OtlpAttributeMode = 'decoded'): OtlpSpan {
  const d = span instanceof Span ? span.toDict() : span;
  const attr = mode === 'decoded' ? mlflowAttributeToOtlp : toOtlpAnyValue;
  const kind = d.kind ? OTLP_SPAN_KIND_NAMES.indexOf(d.kind) : -1;
  const code = statusCodeFromProtoName(d.status.code);
  const out: OtlpSpan = {
    traceId: bytesOfBase64Id(d.trace_id, 16),
    spanId: bytesOfBase64Id(d.span_id, 8),
    name: d.name,
    // Spans without a kind (older MLflow, other SDKs) are INTERNAL, OpenTelemetry's default.
    kind: kind > 0 ? kind : OtlpSpanKind.INTERNAL,
    startTimeUnixNano: d.start_time_unix_nano,
    endTimeUnixNano: d.end_time_unix_nano ?? 0n,
    attributes: Object.entries(d.attributes).map(([key, value]) => ({ key, value: attr(value) })),
    events: d.events.map(
      (e): OtlpEvent => ({
        name: e.name,
        timeUnixNano: e.time_unix_nano,
        attributes: Object.entries(e.attributes ?? {}).map(([key, value]) => ({ key, value: toOtlpAnyValue(value) })),
      }),
    ),
    links: [],
    status: {
      code: code === 'OK' ? OtlpStatusCode.OK : code === 'ERROR' ? OtlpStatusCode.ERROR : OtlpStatusCode.UNSET,
      message: code === 'ERROR' ? d.status.message : '',
    },
  };
  if (d.parent_span_id) out.parentSpanId = bytesOfBase64Id(d.parent_span_id, 8);
  for (const link of d.links ?? []) {
    const tid = String(link.trace_id);
    const hex = tid.startsWith('trace:/') ? (tid.split('/').pop() ?? '') : tid;
    const traceId = hexIdToBytes(hex.startsWith(TRACE_ID_PREFIX) ? hex.slice(TRACE_ID_PREFIX.length) : hex, 16);
    const spanId = hexIdToBytes(String(link.span_id), 8);
    // MLflow drops links whose ids do not fit OTLP's 16/8 bytes rather than failing the span.
    if (!traceId || !spanId) continue;
    const l: OtlpLink = {
      traceId,
      spanId,
      attributes: Object.entries(link.attributes ?? {}).map(([key, value]) => ({ key, value: toOtlpAnyValue(value) })),
    };
    out.links.push(l);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ from OTLP

/**
 * An OTLP span as the MLflow span a server stores (`Span.from_otel_proto`): attribute values JSON-encoded
 * as MLflow writes them, `mlflow.traceRequestId` derived from the OTel trace id (unless
 * `preserveRequestId` and the span has one), status message kept only for errors.
 */
export function spanFromOtlp(s: OtlpSpan, options: { preserveRequestId?: boolean } = {}): Span {
  if (!s.traceId.length) throw new InvalidParameterError('trace_id is required but was empty');
  if (!s.spanId.length) throw new InvalidParameterError('span_id is required but was empty');
  const traceHex = idBytesToHex(s.traceId, 16);
  const attributes: Record<string, unknown> = {};
  for (const kv of s.attributes) attributes[kv.key] = otlpAnyValueToPyJson(kv.value);
  const derived = JSON.stringify(TRACE_ID_PREFIX + traceHex);
  const requestId = options.preserveRequestId ? (attributes[SpanAttributeKey.REQUEST_ID] ?? derived) : derived;
  attributes[SpanAttributeKey.REQUEST_ID] = requestId;
  const code = s.status?.code ?? OtlpStatusCode.UNSET;
  const kindName = OTLP_SPAN_KIND_NAMES[s.kind] ?? 'SPAN_KIND_INTERNAL';
  const dict: SpanDict = {
    trace_id: hexToBase64(traceHex),
    span_id: hexToBase64(idBytesToHex(s.spanId, 8)),
    parent_span_id: s.parentSpanId?.length ? hexToBase64(idBytesToHex(s.parentSpanId, 8)) : null,
    name: s.name,
    kind: kindName === 'SPAN_KIND_UNSPECIFIED' ? 'SPAN_KIND_INTERNAL' : kindName,
    start_time_unix_nano: s.startTimeUnixNano,
    end_time_unix_nano: s.endTimeUnixNano ? s.endTimeUnixNano : null,
    events: s.events.map((e) => ({
      name: e.name,
      time_unix_nano: e.timeUnixNano,
      attributes: Object.fromEntries(e.attributes.map((kv) => [kv.key, otlpAnyValueToJs(kv.value)])),
    })),
    status: {
      code: OTLP_STATUS_CODE_NAMES[code] ?? 'STATUS_CODE_UNSET',
      // OpenTelemetry drops a description unless the status is an error.
      message: code === OtlpStatusCode.ERROR ? (s.status?.message ?? '') : '',
    },
    attributes,
    links: s.links.map((l) => {
      const attrs = Object.fromEntries(
        l.attributes.map((kv) => [
          kv.key,
          kv.value.kind === 'bytes' ? Buffer.from(kv.value.value).toString('base64') : otlpAnyValueToJs(kv.value),
        ]),
      );
      return {
        trace_id: TRACE_ID_PREFIX + idBytesToHex(l.traceId, 16),
        span_id: idBytesToHex(l.spanId, 8),
        attributes: Object.keys(attrs).length ? attrs : null,
      };
    }),
  };
  return new Span(dict);
}

// ------------------------------------------------------------------------------------------ proto JSON

type Json = Record<string, unknown>;

function field(obj: Json, snake: string, camel: string): unknown {
  return obj[snake] ?? obj[camel];
}

function jsonBytes(value: unknown, what: string): Uint8Array {
  if (value === undefined || value === null || value === '') return new Uint8Array();
  if (typeof value !== 'string') throw new InvalidParameterError(`${what}: expected base64 text`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function jsonUint64(value: unknown, what: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  throw new InvalidParameterError(`${what}: expected an integer, got ${JSON.stringify(String(value))}`);
}

function jsonInt64(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new InvalidParameterError(`${what}: expected an integer, got ${JSON.stringify(String(value))}`);
}

function jsonEnum(value: unknown, names: readonly string[], what: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const i = names.indexOf(String(value));
  if (i < 0) throw new InvalidParameterError(`${what}: unknown value ${JSON.stringify(value)}`);
  return i;
}

function jsonDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return Number(value);
}

/** An `AnyValue` from its proto JSON (`{"string_value": ...}`, int64 as number, string or bigint). */
export function otlpAnyValueFromJson(json: unknown): OtlpAnyValue {
  if (typeof json !== 'object' || json === null) return { kind: 'empty' };
  const o = json as Json;
  const string = field(o, 'string_value', 'stringValue');
  if (string !== undefined) return { kind: 'string', value: String(string) };
  const bool = field(o, 'bool_value', 'boolValue');
  if (bool !== undefined) return { kind: 'bool', value: bool === true };
  const int = field(o, 'int_value', 'intValue');
  if (int !== undefined) return { kind: 'int', value: jsonInt64(int, 'int_value') };
  const double = field(o, 'double_value', 'doubleValue');
  if (double !== undefined) return { kind: 'double', value: jsonDouble(double) };
  const bytes = field(o, 'bytes_value', 'bytesValue');
  if (bytes !== undefined) return { kind: 'bytes', value: jsonBytes(bytes, 'bytes_value') };
  const array = field(o, 'array_value', 'arrayValue') as Json | null | undefined;
  if (array !== undefined) return { kind: 'array', values: listOf(array).map(otlpAnyValueFromJson) };
  const kvlist = field(o, 'kvlist_value', 'kvlistValue') as Json | null | undefined;
  if (kvlist !== undefined) return { kind: 'kvlist', values: listOf(kvlist).map(keyValueFromJson) };
  return { kind: 'empty' };
}

function listOf(container: Json | null): unknown[] {
  const values = container?.values;
  return Array.isArray(values) ? values : [];
}

function keyValueFromJson(json: unknown): OtlpKeyValue {
  const o = (json ?? {}) as Json;
  return { key: String(o.key ?? ''), value: otlpAnyValueFromJson(o.value) };
}

function keyValuesFromJson(json: unknown): OtlpKeyValue[] {
  return Array.isArray(json) ? json.map(keyValueFromJson) : [];
}

/**
 * An OTLP span from the proto JSON an MLflow server writes in `GetTrace` / `BatchGetTraces` responses
 * (snake_case field names, base64 ids, enum names, int64 as JSON numbers); camelCase names are read too.
 */
export function otlpSpanFromJson(json: unknown): OtlpSpan {
  if (typeof json !== 'object' || json === null) throw new InvalidParameterError('span: expected an object');
  const o = json as Json;
  const status = field(o, 'status', 'status') as Json | undefined;
  const span: OtlpSpan = {
    traceId: jsonBytes(field(o, 'trace_id', 'traceId'), 'trace_id'),
    spanId: jsonBytes(field(o, 'span_id', 'spanId'), 'span_id'),
    name: String(o.name ?? ''),
    kind: jsonEnum(o.kind, OTLP_SPAN_KIND_NAMES, 'kind'),
    startTimeUnixNano: jsonUint64(field(o, 'start_time_unix_nano', 'startTimeUnixNano'), 'start_time_unix_nano'),
    endTimeUnixNano: jsonUint64(field(o, 'end_time_unix_nano', 'endTimeUnixNano'), 'end_time_unix_nano'),
    attributes: keyValuesFromJson(o.attributes),
    events: (Array.isArray(o.events) ? (o.events as Json[]) : []).map((e) => ({
      timeUnixNano: jsonUint64(field(e, 'time_unix_nano', 'timeUnixNano'), 'time_unix_nano'),
      name: String(e.name ?? ''),
      attributes: keyValuesFromJson(e.attributes),
    })),
    links: (Array.isArray(o.links) ? (o.links as Json[]) : []).map((l) => ({
      traceId: jsonBytes(field(l, 'trace_id', 'traceId'), 'link trace_id'),
      spanId: jsonBytes(field(l, 'span_id', 'spanId'), 'link span_id'),
      attributes: keyValuesFromJson(l.attributes),
    })),
  };
  const parent = jsonBytes(field(o, 'parent_span_id', 'parentSpanId'), 'parent_span_id');
  if (parent.length) span.parentSpanId = parent;
  const traceState = field(o, 'trace_state', 'traceState');
  if (typeof traceState === 'string' && traceState) span.traceState = traceState;
  if (status) {
    span.status = {
      code: jsonEnum(status.code, OTLP_STATUS_CODE_NAMES, 'status.code'),
      message: String(status.message ?? ''),
    };
  }
  return span;
}
