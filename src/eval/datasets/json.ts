/**
 * JSON as Python's `json.dumps` writes it with its defaults (`ensure_ascii=True`, `", "` and `": "`
 * separators), optionally with `sort_keys=True`. MLflow stores evaluation-dataset columns this way
 * (SQLAlchemy's JSON type) and hashes record inputs this way, so the same text gives the same hash.
 */

import { createHash } from 'node:crypto';
import { pyJsonString } from '../../internal/python-json.js';

/**
 * Python's `repr(float)`: the shortest round-trip digits, in fixed notation for exponents from -4
 * to 15 and in `1e+16` / `1e-05` form outside. Safe integers are written as Python ints, since a
 * JavaScript number does not say whether it came from an int or a float.
 */
export function pyNumberRepr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  // Past 2^53 a JSON number cannot have been an exact int, so it is written as the float it is.
  if (Number.isSafeInteger(n)) return String(n);
  const [mantissa = '', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const head = digits.slice(0, 1);
    const tail = digits.slice(1);
    const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${sign}${head}${tail ? `.${tail}` : ''}e${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || '0'}`;
}

// Python sorts str keys by code point; JavaScript's default sort compares UTF-16 units.
function codePointCompare(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx - cy;
  }
}

/**
 * `json.dumps(value)` (or `json.dumps(value, sort_keys=True)`) for JSON-like values: objects,
 * arrays, strings, numbers, booleans and null. `undefined` object members are skipped, as
 * `JSON.stringify` does; other values (bigint, Date, ...) go through their JSON form.
 */
export function pyJsonDumpsAscii(value: unknown, sortKeys = false): string {
  switch (typeof value) {
    case 'string':
      return pyJsonString(value);
    case 'number':
      return pyNumberRepr(value);
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
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumpsAscii(v, sortKeys)).join(', ')}]`;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return pyJsonDumpsAscii(toJSON.call(value), sortKeys);
  const record = value as Record<string, unknown>;
  let keys = Object.keys(record).filter((k) => record[k] !== undefined);
  if (sortKeys) keys = keys.sort(codePointCompare);
  return `{${keys.map((k) => `${pyJsonString(k)}: ${pyJsonDumpsAscii(record[k], sortKeys)}`).join(', ')}}`;
}

/** MLflow's record key: sha256 of `json.dumps(inputs, sort_keys=True)` (`upsert_dataset_records`). */
export function recordInputHash(inputs: Record<string, unknown>): string {
  return createHash('sha256').update(pyJsonDumpsAscii(inputs, true), 'utf8').digest('hex');
}

/** MLflow's dataset digest: the first 8 hex digits of sha256(`<name>:<last_update_time>`). */
export function datasetDigest(name: string, lastUpdateTime: number): string {
  return createHash('sha256').update(`${name}:${lastUpdateTime}`, 'utf8').digest('hex').slice(0, 8);
}
