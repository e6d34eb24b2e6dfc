// Internal: Python's text forms of values, so a prompt formats and stores exactly what Python MLflow
// would for the same data (`str(value)`, `repr(value)`, `json.dumps(value)`).
import { pyJsonString } from '../../internal/python-json.js';

/** A number Python holds as a `float` (e.g. pydantic coerced it): `1` is written `1.0`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 0) {
    const intLen = exp + 1;
    out =
      digits.length <= intLen
        ? `${digits.padEnd(intLen, '0')}.0`
        : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return negative ? `-${out}` : out;
}

/**
 * Python's text of a JS number: a safe integer as `int`, anything else as `float` (an integer beyond
 * 2^53 cannot have been exact, so it came from a float).
 */
function pyNumber(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : pyFloatRepr(n);
}

// Characters `str.isprintable()` rejects: controls, format characters, surrogates, unassigned, and
// separators other than the ASCII space.
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/** `repr(str)`: single quotes unless the text has one and no double quote; escapes as Python writes them. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0) as number;
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** `repr(value)` for JSON-like values (a JS object reads as a dict, an array as a list). */
export function pyRepr(value: unknown): string {
  return typeof value === 'string' ? pyStrRepr(value) : pyStr(value);
}

/** `str(value)` for JSON-like values: what `PromptVersion.format` inserts for a variable. */
export function pyStr(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return pyNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'True' : 'False';
    case 'undefined':
      return 'None';
    case 'function':
    case 'symbol':
      return String(value);
  }
  if (value === null) return 'None';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value instanceof Set) return value.size === 0 ? 'set()' : `{${[...value].map(pyRepr).join(', ')}}`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  const own = (value as { toString?: unknown }).toString;
  if (typeof own === 'function' && own !== Object.prototype.toString) return String(value);
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
    .join(', ')}}`;
}

/**
 * `json.dumps(value)` with Python's defaults: `", "`/`": "` separators, `ensure_ascii=True`, `NaN` and
 * `Infinity` for non-finite numbers, {@link PyFloat} as a float. This is how MLflow writes the chat
 * template, response format and model config tags.
 */
export function pyJsonDumpsAscii(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return pyJsonString(value);
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
      return pyNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
  }
  if (value === null) return 'null';
  if (value instanceof PyFloat) {
    const v = value.value;
    return Number.isFinite(v) ? pyFloatRepr(v) : pyJsonDumpsAscii(v);
  }
  if (Array.isArray(value)) return `[${value.map(pyJsonDumpsAscii).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pyJsonString(k)}: ${pyJsonDumpsAscii(v)}`).join(', ')}}`;
}
