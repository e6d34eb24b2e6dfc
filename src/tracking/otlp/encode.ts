/**
 * OTLP trace exports in the protobuf encoding (OTLP/HTTP `application/x-protobuf`), written and read by
 * hand. Fields are written in field-number order and defaults are left out, so the bytes are those
 * Python's `ExportTraceServiceRequest.SerializeToString()` gives for the same message.
 */

import {
  asInt64,
  ProtoReader,
  ProtoWriter,
  readDouble,
  readFixed32,
  readFixed64,
  readString,
  WireType,
} from '../../internal/protobuf.js';
import type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpExportRequest,
  OtlpExportResponse,
  OtlpKeyValue,
  OtlpLink,
  OtlpResource,
  OtlpResourceSpans,
  OtlpScope,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpStatus,
} from './types.js';

// ------------------------------------------------------------------------------------------ encoding

function writeAnyValue(w: ProtoWriter, v: OtlpAnyValue): void {
  // A oneof member is written even when it holds its type's default, so `0`, `""` and `[]` survive.
  switch (v.kind) {
    case 'string':
      w.string(1, v.value);
      break;
    case 'bool':
      w.bool(2, v.value);
      break;
    case 'int':
      w.varint(3, v.value);
      break;
    case 'double':
      w.double(4, v.value);
      break;
    case 'array':
      w.message(5, (a) => {
        for (const item of v.values) a.message(1, (x) => writeAnyValue(x, item));
      });
      break;
    case 'kvlist':
      w.message(6, (l) => writeKeyValues(l, 1, v.values));
      break;
    case 'bytes':
      w.bytes(7, v.value);
      break;
    case 'empty':
      break;
  }
}

function writeKeyValues(w: ProtoWriter, field: number, kvs: readonly OtlpKeyValue[]): void {
  for (const kv of kvs) {
    w.message(field, (m) => {
      if (kv.key) m.string(1, kv.key);
      // An unset value (Python's None) leaves the field out, as MLflow's conversion does.
      if (kv.value.kind !== 'empty') m.message(2, (x) => writeAnyValue(x, kv.value));
    });
  }
}

function writeUint(w: ProtoWriter, field: number, value: number | undefined): void {
  if (value) w.varint(field, value);
}

function writeStr(w: ProtoWriter, field: number, value: string | undefined): void {
  if (value) w.string(field, value);
}

function writeBytes(w: ProtoWriter, field: number, value: Uint8Array | undefined): void {
  if (value && value.length > 0) w.bytes(field, value);
}

function writeStatus(w: ProtoWriter, s: OtlpStatus): void {
  writeStr(w, 2, s.message);
  writeUint(w, 3, s.code);
}

function writeEvent(w: ProtoWriter, e: OtlpEvent): void {
  if (e.timeUnixNano) w.fixed64(1, e.timeUnixNano);
  writeStr(w, 2, e.name);
  writeKeyValues(w, 3, e.attributes);
  writeUint(w, 4, e.droppedAttributesCount);
}

function writeLink(w: ProtoWriter, l: OtlpLink): void {
  writeBytes(w, 1, l.traceId);
  writeBytes(w, 2, l.spanId);
  writeStr(w, 3, l.traceState);
  writeKeyValues(w, 4, l.attributes);
  writeUint(w, 5, l.droppedAttributesCount);
  if (l.flags) w.fixed32(6, l.flags);
}

function writeSpan(w: ProtoWriter, s: OtlpSpan): void {
  writeBytes(w, 1, s.traceId);
  writeBytes(w, 2, s.spanId);
  writeStr(w, 3, s.traceState);
  writeBytes(w, 4, s.parentSpanId);
  writeStr(w, 5, s.name);
  writeUint(w, 6, s.kind);
  if (s.startTimeUnixNano) w.fixed64(7, s.startTimeUnixNano);
  if (s.endTimeUnixNano) w.fixed64(8, s.endTimeUnixNano);
  writeKeyValues(w, 9, s.attributes);
  writeUint(w, 10, s.droppedAttributesCount);
  for (const e of s.events) w.message(11, (m) => writeEvent(m, e));
  writeUint(w, 12, s.droppedEventsCount);
  for (const l of s.links) w.message(13, (m) => writeLink(m, l));
  writeUint(w, 14, s.droppedLinksCount);
  if (s.status) {
    const status = s.status;
    w.message(15, (m) => writeStatus(m, status));
  }
  if (s.flags) w.fixed32(16, s.flags);
}

function writeResource(w: ProtoWriter, r: OtlpResource): void {
  writeKeyValues(w, 1, r.attributes);
  writeUint(w, 2, r.droppedAttributesCount);
}

function writeScope(w: ProtoWriter, s: OtlpScope): void {
  writeStr(w, 1, s.name);
  writeStr(w, 2, s.version);
  writeKeyValues(w, 3, s.attributes ?? []);
  writeUint(w, 4, s.droppedAttributesCount);
}

function writeScopeSpans(w: ProtoWriter, ss: OtlpScopeSpans): void {
  if (ss.scope) {
    const scope = ss.scope;
    w.message(1, (m) => writeScope(m, scope));
  }
  for (const s of ss.spans) w.message(2, (m) => writeSpan(m, s));
  writeStr(w, 3, ss.schemaUrl);
}

function writeResourceSpans(w: ProtoWriter, rs: OtlpResourceSpans): void {
  if (rs.resource) {
    const resource = rs.resource;
    w.message(1, (m) => writeResource(m, resource));
  }
  for (const ss of rs.scopeSpans) w.message(2, (m) => writeScopeSpans(m, ss));
  writeStr(w, 3, rs.schemaUrl);
}

/** The protobuf bytes of an `ExportTraceServiceRequest`. */
export function encodeExportTraceServiceRequest(request: OtlpExportRequest): Uint8Array {
  const w = new ProtoWriter();
  for (const rs of request.resourceSpans) w.message(1, (m) => writeResourceSpans(m, rs));
  return w.finish();
}

// ------------------------------------------------------------------------------------------ decoding

/** Calls `onField` for each field of a message; unknown fields are skipped, as protobuf parsers do. */
function eachField(
  bytes: Uint8Array,
  onField: (field: number, wire: number, value: bigint | Uint8Array) => void,
): void {
  const r = new ProtoReader(bytes);
  while (r.more) {
    const f = r.next();
    onField(f.field, f.wire, f.value);
  }
}

function lenField(wire: number, value: bigint | Uint8Array, what: string): Uint8Array {
  if (wire !== WireType.LEN || typeof value === 'bigint')
    throw new RangeError(`${what}: expected a length-delimited field`);
  return value;
}

function varintField(wire: number, value: bigint | Uint8Array, what: string): bigint {
  if (wire !== WireType.VARINT || typeof value !== 'bigint') throw new RangeError(`${what}: expected a varint field`);
  return value;
}

function fixedField(wire: number, value: bigint | Uint8Array, size: 4 | 8, what: string): Uint8Array {
  const expected = size === 8 ? WireType.FIXED64 : WireType.FIXED32;
  if (wire !== expected || typeof value === 'bigint')
    throw new RangeError(`${what}: expected a fixed${size * 8} field`);
  return value;
}

function readAnyValue(bytes: Uint8Array): OtlpAnyValue {
  let out: OtlpAnyValue = { kind: 'empty' };
  eachField(bytes, (field, wire, value) => {
    switch (field) {
      case 1:
        out = { kind: 'string', value: readString(lenField(wire, value, 'string_value')) };
        break;
      case 2:
        out = { kind: 'bool', value: varintField(wire, value, 'bool_value') !== 0n };
        break;
      case 3:
        out = { kind: 'int', value: asInt64(varintField(wire, value, 'int_value')) };
        break;
      case 4:
        out = { kind: 'double', value: readDouble(fixedField(wire, value, 8, 'double_value')) };
        break;
      case 5: {
        const values: OtlpAnyValue[] = [];
        eachField(lenField(wire, value, 'array_value'), (f, w, v) => {
          if (f === 1) values.push(readAnyValue(lenField(w, v, 'values')));
        });
        out = { kind: 'array', values };
        break;
      }
      case 6: {
        const values: OtlpKeyValue[] = [];
        eachField(lenField(wire, value, 'kvlist_value'), (f, w, v) => {
          if (f === 1) values.push(readKeyValue(lenField(w, v, 'values')));
        });
        out = { kind: 'kvlist', values };
        break;
      }
      case 7:
        out = { kind: 'bytes', value: Uint8Array.from(lenField(wire, value, 'bytes_value')) };
        break;
    }
  });
  return out;
}

function readKeyValue(bytes: Uint8Array): OtlpKeyValue {
  const kv: OtlpKeyValue = { key: '', value: { kind: 'empty' } };
  eachField(bytes, (field, wire, value) => {
    if (field === 1) kv.key = readString(lenField(wire, value, 'key'));
    else if (field === 2) kv.value = readAnyValue(lenField(wire, value, 'value'));
  });
  return kv;
}

function readEvent(bytes: Uint8Array): OtlpEvent {
  const e: OtlpEvent = { timeUnixNano: 0n, name: '', attributes: [] };
  eachField(bytes, (field, wire, value) => {
    if (field === 1) e.timeUnixNano = readFixed64(fixedField(wire, value, 8, 'time_unix_nano'));
    else if (field === 2) e.name = readString(lenField(wire, value, 'name'));
    else if (field === 3) e.attributes.push(readKeyValue(lenField(wire, value, 'attributes')));
    else if (field === 4) e.droppedAttributesCount = Number(varintField(wire, value, 'dropped_attributes_count'));
  });
  return e;
}

function readLink(bytes: Uint8Array): OtlpLink {
  const l: OtlpLink = { traceId: new Uint8Array(), spanId: new Uint8Array(), attributes: [] };
  eachField(bytes, (field, wire, value) => {
    if (field === 1) l.traceId = Uint8Array.from(lenField(wire, value, 'trace_id'));
    else if (field === 2) l.spanId = Uint8Array.from(lenField(wire, value, 'span_id'));
    else if (field === 3) l.traceState = readString(lenField(wire, value, 'trace_state'));
    else if (field === 4) l.attributes.push(readKeyValue(lenField(wire, value, 'attributes')));
    else if (field === 5) l.droppedAttributesCount = Number(varintField(wire, value, 'dropped_attributes_count'));
    else if (field === 6) l.flags = readFixed32(fixedField(wire, value, 4, 'flags'));
  });
  return l;
}

function readStatus(bytes: Uint8Array): OtlpStatus {
  const s: OtlpStatus = { code: 0, message: '' };
  eachField(bytes, (field, wire, value) => {
    if (field === 2) s.message = readString(lenField(wire, value, 'message'));
    else if (field === 3) s.code = Number(asInt64(varintField(wire, value, 'code')));
  });
  return s;
}

/** Decodes one `Span` message. */
export function decodeSpan(bytes: Uint8Array): OtlpSpan {
  const s: OtlpSpan = {
    traceId: new Uint8Array(),
    spanId: new Uint8Array(),
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    events: [],
    links: [],
  };
  eachField(bytes, (field, wire, value) => {
    switch (field) {
      case 1:
        s.traceId = Uint8Array.from(lenField(wire, value, 'trace_id'));
        break;
      case 2:
        s.spanId = Uint8Array.from(lenField(wire, value, 'span_id'));
        break;
      case 3:
        s.traceState = readString(lenField(wire, value, 'trace_state'));
        break;
      case 4:
        s.parentSpanId = Uint8Array.from(lenField(wire, value, 'parent_span_id'));
        break;
      case 5:
        s.name = readString(lenField(wire, value, 'name'));
        break;
      case 6:
        s.kind = Number(asInt64(varintField(wire, value, 'kind')));
        break;
      case 7:
        s.startTimeUnixNano = readFixed64(fixedField(wire, value, 8, 'start_time_unix_nano'));
        break;
      case 8:
        s.endTimeUnixNano = readFixed64(fixedField(wire, value, 8, 'end_time_unix_nano'));
        break;
      case 9:
        s.attributes.push(readKeyValue(lenField(wire, value, 'attributes')));
        break;
      case 10:
        s.droppedAttributesCount = Number(varintField(wire, value, 'dropped_attributes_count'));
        break;
      case 11:
        s.events.push(readEvent(lenField(wire, value, 'events')));
        break;
      case 12:
        s.droppedEventsCount = Number(varintField(wire, value, 'dropped_events_count'));
        break;
      case 13:
        s.links.push(readLink(lenField(wire, value, 'links')));
        break;
      case 14:
        s.droppedLinksCount = Number(varintField(wire, value, 'dropped_links_count'));
        break;
      case 15:
        s.status = readStatus(lenField(wire, value, 'status'));
        break;
      case 16:
        s.flags = readFixed32(fixedField(wire, value, 4, 'flags'));
        break;
    }
  });
  return s;
}

function readResource(bytes: Uint8Array): OtlpResource {
  const r: OtlpResource = { attributes: [] };
  eachField(bytes, (field, wire, value) => {
    if (field === 1) r.attributes.push(readKeyValue(lenField(wire, value, 'attributes')));
    else if (field === 2) r.droppedAttributesCount = Number(varintField(wire, value, 'dropped_attributes_count'));
  });
  return r;
}

function readScope(bytes: Uint8Array): OtlpScope {
  const s: OtlpScope = { name: '' };
  const attributes: OtlpKeyValue[] = [];
  eachField(bytes, (field, wire, value) => {
    if (field === 1) s.name = readString(lenField(wire, value, 'name'));
    else if (field === 2) s.version = readString(lenField(wire, value, 'version'));
    else if (field === 3) attributes.push(readKeyValue(lenField(wire, value, 'attributes')));
    else if (field === 4) s.droppedAttributesCount = Number(varintField(wire, value, 'dropped_attributes_count'));
  });
  if (attributes.length) s.attributes = attributes;
  return s;
}

/** Decodes the protobuf bytes of an `ExportTraceServiceRequest`. Throws a RangeError on malformed input. */
export function decodeExportTraceServiceRequest(bytes: Uint8Array): OtlpExportRequest {
  const request: OtlpExportRequest = { resourceSpans: [] };
  eachField(bytes, (field, wire, value) => {
    if (field !== 1) return;
    const rs: OtlpResourceSpans = { scopeSpans: [] };
    eachField(lenField(wire, value, 'resource_spans'), (f, w, v) => {
      if (f === 1) rs.resource = readResource(lenField(w, v, 'resource'));
      else if (f === 3) rs.schemaUrl = readString(lenField(w, v, 'schema_url'));
      else if (f === 2) {
        const ss: OtlpScopeSpans = { spans: [] };
        eachField(lenField(w, v, 'scope_spans'), (f2, w2, v2) => {
          if (f2 === 1) ss.scope = readScope(lenField(w2, v2, 'scope'));
          else if (f2 === 2) ss.spans.push(decodeSpan(lenField(w2, v2, 'spans')));
          else if (f2 === 3) ss.schemaUrl = readString(lenField(w2, v2, 'schema_url'));
        });
        rs.scopeSpans.push(ss);
      }
    });
    request.resourceSpans.push(rs);
  });
  return request;
}

/** Decodes a collector's `ExportTraceServiceResponse` (an empty body is a full success). */
export function decodeExportTraceServiceResponse(bytes: Uint8Array): OtlpExportResponse {
  const response: OtlpExportResponse = {};
  eachField(bytes, (field, wire, value) => {
    if (field !== 1) return;
    const partial = { rejectedSpans: 0n, errorMessage: '' };
    eachField(lenField(wire, value, 'partial_success'), (f, w, v) => {
      if (f === 1) partial.rejectedSpans = asInt64(varintField(w, v, 'rejected_spans'));
      else if (f === 2) partial.errorMessage = readString(lenField(w, v, 'error_message'));
    });
    response.partialSuccess = partial;
  });
  return response;
}
