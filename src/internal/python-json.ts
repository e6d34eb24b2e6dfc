/**
 * A string as Python's `json.dumps` writes it with the default `ensure_ascii=True`: short escapes for
 * quote, backslash and the usual controls, `\uXXXX` for every other character outside printable ASCII
 * (UTF-16 code units, so astral characters become surrogate pairs, as in Python).
 */
export function pyJsonString(s: string): string {
  // JSON.stringify already writes the short escapes and `\u00XX` for the other controls, as Python does;
  // what is left is every character from DEL up, which Python escapes and JSON.stringify does not.
  const out = JSON.stringify(s);
  if (!HAS_NON_ASCII.test(out)) return out;
  return out.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const NON_ASCII = /[\u007f-\uffff]/g;
const HAS_NON_ASCII = /[\u007f-\uffff]/;

/**
 * `json.dumps(value, ensure_ascii=False)` as MLflow's `TraceJSONEncoder` writes span attributes: Python's
 * `", "` and `": "` separators, `NaN`/`Infinity` for non-finite numbers, and a best-effort rendering of
 * what JSON cannot hold (bigint as digits, `Date` as ISO text, `Map`/`Set` as object/array, a cycle or
 * a function as its string form) instead of throwing. Strings match Python's output exactly.
 */
export function pyJsonDumps(value: unknown): string {
  // Fast paths for the common small values: no cycle bookkeeping needed.
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (Number.isFinite(value)) return JSON.stringify(value);
      break;
    case 'boolean':
      return value ? 'true' : 'false';
  }
  return dumpValue(value, null, 0);
}

// Cycle detection starts only past this depth: shallow values (nearly all) skip the bookkeeping, and a
// cycle still ends up detected because it recurses past the limit.
const CHECK_CYCLES_AFTER = 64;

function dumpValue(value: unknown, seen: object[] | null, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (Number.isFinite(value)) return JSON.stringify(value);
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
      return 'null';
    case 'function':
      return JSON.stringify(`[Function ${value.name || 'anonymous'}]`);
    case 'symbol':
      return JSON.stringify(value.toString());
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (depth >= CHECK_CYCLES_AFTER) {
    seen ??= [];
    if (seen.includes(obj)) return JSON.stringify('[Circular]');
  }
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'null' : JSON.stringify(obj.toISOString());
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    try {
      return dumpValue(toJSON.call(obj), seen, depth + 1);
    } catch {
      return JSON.stringify(String(obj));
    }
  }
  seen?.push(obj);
  const d = depth + 1;
  try {
    if (Array.isArray(obj)) {
      let out = '[';
      for (let i = 0; i < obj.length; i++) out += (i ? ', ' : '') + dumpValue(obj[i], seen, d);
      return `${out}]`;
    }
    if (obj instanceof Set) return `[${[...obj].map((v) => dumpValue(v, seen, d)).join(', ')}]`;
    if (ArrayBuffer.isView(obj)) return JSON.stringify(String(obj));
    if (obj instanceof Error) {
      return `{"name": ${JSON.stringify(obj.name)}, "message": ${JSON.stringify(obj.message)}}`;
    }
    let out = '{';
    let first = true;
    if (obj instanceof Map) {
      for (const [k, v] of obj) {
        out += `${first ? '' : ', '}${JSON.stringify(String(k))}: ${dumpValue(v, seen, d)}`;
        first = false;
      }
    } else {
      const keys = Object.keys(obj);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        const v = (obj as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        out += `${first ? '' : ', '}${JSON.stringify(k)}: ${dumpValue(v, seen, d)}`;
        first = false;
      }
    }
    return `${out}}`;
  } finally {
    seen?.pop();
  }
}

/**
 * `JSON.parse` for text Python's `json` wrote: also accepts `NaN`, `Infinity` and `-Infinity` outside
 * strings, as `json.loads` does. Throws a `SyntaxError` like `JSON.parse` otherwise.
 */
export function pyJsonLoads(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
    const sentinel = '\u0000pyjson:';
    const replaced = replaceOutsideStrings(text, (token) => JSON.stringify(sentinel + token));
    return JSON.parse(replaced, (_k, v) =>
      typeof v === 'string' && v.startsWith(sentinel) ? Number(v.slice(sentinel.length)) : v,
    );
  }
}

function replaceOutsideStrings(text: string, replace: (token: string) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (m) {
      out += replace(m[1] as string);
      i += (m[1] as string).length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
