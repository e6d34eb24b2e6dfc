/**
 * Predictions as MLflow's scoring server writes them: `json.dump(_get_jsonable_obj(predictions,
 * pandas_orient="records"), cls=NumpyEncoder)`, i.e. Python's `json.dumps` defaults (`", "` and `": "`
 * separators, non-ASCII as `\uXXXX`, `NaN`/`Infinity` for non-finite numbers), a frame as its records,
 * bytes as base64 (`base64.encodebytes`), datetimes in ISO format.
 */
import { pyJsonString } from '../internal/python-json.js';
import { Frame } from '../pyfunc/frame.js';

function isoformat(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'NaT';
  const iso = d.toISOString().replace('Z', '');
  // Python's isoformat prints microseconds only when there are some: 2024-01-02T03:04:05.123000.
  return iso.endsWith('.000') ? iso.slice(0, -4) : `${iso}000`;
}

/** `base64.encodebytes`: lines of 76 characters, each ending with a newline. */
function encodebytes(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += `${b64.slice(i, i + 76)}\n`;
  return out;
}

function dump(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return pyJsonString(value);
    case 'number':
      if (Number.isFinite(value)) return String(value);
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (value === null) return 'null';
  if (depth > 256) throw new TypeError('Circular reference detected');
  const d = depth + 1;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ', ' : '') + dump(value[i], d);
    return `${out}]`;
  }
  if (value instanceof Frame) return dump(value.toRecords(), d);
  if (value instanceof Date) return pyJsonString(isoformat(value));
  if (value instanceof Uint8Array) return pyJsonString(encodebytes(value));
  if (ArrayBuffer.isView(value)) return dump(Array.from(value as unknown as ArrayLike<number>), d);
  if (value instanceof Map) return dump(Object.fromEntries(value), d);
  if (value instanceof Set) return dump([...value], d);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return dump(toJSON.call(value), d);
  let out = '{';
  let first = true;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out += `${first ? '' : ', '}${pyJsonString(k)}: ${dump(v, d)}`;
    first = false;
  }
  return `${out}}`;
}

/** `json.dumps(value, cls=NumpyEncoder)` as the scoring server writes a response body. */
export function dumpPythonJson(value: unknown): string {
  return dump(value, 0);
}

/** The body of a successful `/invocations` response: `{"predictions": ...}` (`predictions_to_json`). */
export function predictionsToJson(predictions: unknown): string {
  return `{"predictions": ${dump(predictions, 0)}}`;
}
