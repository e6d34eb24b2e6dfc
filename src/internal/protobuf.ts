// A hand-written protobuf wire-format writer and reader: enough for the few messages the SDK encodes
// (ONNX models for the tiny test model, OTLP trace exports), so none of them needs a protobuf dependency.
// Field numbers and types belong to each caller; this file only knows the wire format.

/** Wire types of the protobuf encoding. */
export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LEN: 2,
  FIXED32: 5,
} as const;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const UINT64_MAX = (1n << 64n) - 1n;

/** Appends protobuf fields to a growing list of chunks; `finish()` concatenates them. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private tag(field: number, wire: number): void {
    this.push(encodeVarint(field * 8 + wire));
  }

  /**
   * A varint field (int32/int64/uint64/enum/bool); negative values take ten bytes, as protobuf's
   * int64 does. Bigints carry 64-bit values exactly.
   */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WireType.VARINT);
    this.push(encodeVarint(value));
    return this;
  }

  /** A bool field. */
  bool(field: number, value: boolean): this {
    return this.varint(field, value ? 1 : 0);
  }

  /** A `fixed64` field (e.g. OTLP's nanosecond times), unsigned. */
  fixed64(field: number, value: bigint): this {
    this.tag(field, WireType.FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.push(bytes);
    return this;
  }

  /** A `fixed32` field, unsigned. */
  fixed32(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    this.push(bytes);
    return this;
  }

  /** A 64-bit float field (`double`). */
  double(field: number, value: number): this {
    this.tag(field, WireType.FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.push(bytes);
    return this;
  }

  /** A 32-bit float field (`float`, `fixed32` wire type). */
  float(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  /** A length-delimited field holding raw bytes (or an already-encoded sub-message). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LEN);
    this.push(encodeVarint(value.length));
    this.push(value);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8Encoder.encode(value));
  }

  /** A sub-message field, written by `build` into a fresh writer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated varint field; parsers must accept packed encoding even for proto2 `repeated int64`. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.push(encodeVarint(v));
    return this.bytes(field, inner.finish());
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** Base-128 varint of an integer; negatives are sign-extended to 64 bits like protobuf's int64. */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`varint needs a safe integer, got ${value}`);
  }
  const big = BigInt(value);
  if (big > UINT64_MAX || big < -(1n << 63n)) throw new RangeError(`varint out of 64-bit range: ${big}`);
  let v = BigInt.asUintN(64, big);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** One field read from the wire: its number, wire type and raw value. */
export type ProtoField =
  | { field: number; wire: typeof WireType.VARINT; value: bigint }
  | { field: number; wire: typeof WireType.FIXED64; value: Uint8Array }
  | { field: number; wire: typeof WireType.LEN; value: Uint8Array }
  | { field: number; wire: typeof WireType.FIXED32; value: Uint8Array };

/** Reads the fields of one message in wire order. Throws a RangeError on truncated or malformed input. */
export class ProtoReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  /** True while fields remain. */
  get more(): boolean {
    return this.pos < this.buf.length;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
      if (shift > 63n) throw new RangeError('varint too long');
    }
  }

  private take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new RangeError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The next field. */
  next(): ProtoField {
    const key = this.varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new RangeError('field number 0');
    switch (wire) {
      case WireType.VARINT:
        return { field, wire, value: this.varint() };
      case WireType.FIXED64:
        return { field, wire, value: this.take(8) };
      case WireType.LEN:
        return { field, wire, value: this.take(Number(this.varint())) };
      case WireType.FIXED32:
        return { field, wire, value: this.take(4) };
      default:
        throw new RangeError(`unsupported wire type ${wire}`);
    }
  }
}

/** A varint field's value as a signed 64-bit integer (`int64`, `int32`, enums). */
export function asInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** A `fixed64` field's bytes as an unsigned integer. */
export function readFixed64(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

/** A `fixed32` field's bytes as an unsigned integer. */
export function readFixed32(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
}

/** A `double` field's bytes. */
export function readDouble(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}

/** A string field's bytes (invalid UTF-8 becomes U+FFFD, as most protobuf runtimes do). */
export function readString(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
