/**
 * Python `repr()`/`str()` of request values, for the error messages the scoring server copies from MLflow
 * (`Failed to predict data '...'`, `invalid literal for int() with base 10: 'x'`, `Got {'data', 'extra'}`).
 */
import { Frame, isPlainObject } from '../pyfunc/frame.js';

/** Python's `repr` of a string: single quotes unless the text has one and no double quote. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr` of a float (`1.5`, `1e-05`, `1e+16`, `nan`, `inf`); integers print without a point. */
export function pyNumberRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // Python pads the exponent to two digits: 1e-05, 1.5e+16.
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

/** Python's `str()` of a scalar, as numpy writes it into a string array (`True`, `1.5`, `None`). */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

/** Python's `repr` of a JSON-like value (lists, dicts, strings, numbers, booleans, `None`). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumberRepr(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pyStrRepr(value);
  if (value instanceof Date) return `Timestamp('${value.toISOString().replace('T', ' ').replace('Z', '')}')`;
  if (value instanceof Uint8Array) return `b${pyStrRepr(Buffer.from(value).toString('latin1'))}`;
  if (value instanceof Frame) return frameRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python's `repr` of a set of strings, in the given order (CPython's order depends on the hash seed). */
export function pySetRepr(items: Iterable<string>): string {
  return `{${[...items].map(pyStrRepr).join(', ')}}`;
}

/** A pandas-like rendering of a frame: a header of column names, then one line per row with its index. */
function frameRepr(frame: Frame): string {
  const cell = (v: unknown) => (typeof v === 'string' ? v : Number.isNaN(v) ? 'NaN' : pyRepr(v));
  const rows = [['', ...frame.columns.map(String)], ...frame.data.map((r, i) => [String(i), ...r.map(cell)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '))
    .join('\n');
}
