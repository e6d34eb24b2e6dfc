// JSON read the way Python's `json.loads` reads it, keeping what `JSON.parse` throws away: whether a number
// was written as an int or a float, integers beyond 2^53, object key order (JS objects move integer-like keys
// first) and NaN/Infinity. MLflow's span attributes and its servers' int64 fields depend on all of these.

/** How {@link parseJsonWith} builds each JSON value. */
export interface JsonBuilder<T> {
  null(): T;
  bool(value: boolean): T;
  /** `raw` is the number's text: `-12`, `1.0`, `1e5`, `NaN`, `Infinity` or `-Infinity`. */
  number(raw: string): T;
  string(value: string): T;
  array(items: T[]): T;
  /** Entries in document order, duplicates included. */
  object(entries: Array<[string, T]>): T;
}

/** True when a number's text is an integer literal (Python's `json.loads` gives an `int`). */
export function isIntegerLiteral(raw: string): boolean {
  return /^-?\d+$/.test(raw);
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Parses JSON text as Python's `json.loads` accepts it (also `NaN`, `Infinity`, `-Infinity`; no control
 * characters inside strings), building values with `build`. Throws a SyntaxError on anything else.
 */
export function parseJsonWith<T>(text: string, build: JsonBuilder<T>): T {
  let i = 0;
  const n = text.length;

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const skipWs = (): void => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };

  const parseString = (): string => {
    // text[i] is the opening quote.
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('Unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('Invalid control character');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          i -= 1;
          fail('Invalid \\escape');
      }
      start = i;
    }
  };

  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

  const parseValue = (depth: number): T => {
    if (depth > 10_000) fail('Too deeply nested');
    skipWs();
    if (i >= n) fail('Expecting value');
    const c = text[i]!;
    switch (c) {
      case '{': {
        i++;
        const entries: Array<[string, T]> = [];
        skipWs();
        if (text[i] === '}') {
          i++;
          return build.object(entries);
        }
        for (;;) {
          skipWs();
          if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
          const key = parseString();
          skipWs();
          if (text[i] !== ':') fail("Expecting ':' delimiter");
          i++;
          entries.push([key, parseValue(depth + 1)]);
          skipWs();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === '}') {
            i++;
            return build.object(entries);
          }
          fail("Expecting ',' delimiter");
        }
      }
      case '[': {
        i++;
        const items: T[] = [];
        skipWs();
        if (text[i] === ']') {
          i++;
          return build.array(items);
        }
        for (;;) {
          items.push(parseValue(depth + 1));
          skipWs();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            return build.array(items);
          }
          fail("Expecting ',' delimiter");
        }
      }
      case '"':
        return build.string(parseString());
      case 't':
        if (text.startsWith('true', i)) {
          i += 4;
          return build.bool(true);
        }
        break;
      case 'f':
        if (text.startsWith('false', i)) {
          i += 5;
          return build.bool(false);
        }
        break;
      case 'n':
        if (text.startsWith('null', i)) {
          i += 4;
          return build.null();
        }
        break;
      case 'N':
        if (text.startsWith('NaN', i)) {
          i += 3;
          return build.number('NaN');
        }
        break;
      case 'I':
        if (text.startsWith('Infinity', i)) {
          i += 8;
          return build.number('Infinity');
        }
        break;
      default: {
        if (c === '-' && text.startsWith('-Infinity', i)) {
          i += 9;
          return build.number('-Infinity');
        }
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (m) {
          i += m[0].length;
          return build.number(m[0]);
        }
      }
    }
    return fail('Expecting value');
  };

  const value = parseValue(0);
  skipWs();
  if (i < n) fail('Extra data');
  return value;
}

const PLAIN_BUILDER: JsonBuilder<unknown> = {
  null: () => null,
  bool: (v) => v,
  number: (raw) => {
    if (isIntegerLiteral(raw)) {
      const asNumber = Number(raw);
      return Number.isSafeInteger(asNumber) ? asNumber : BigInt(raw);
    }
    return Number(raw);
  },
  string: (v) => v,
  array: (items) => items,
  // fromEntries defines own properties, so a "__proto__" key stays data; later duplicates win, as in Python.
  object: (entries) => Object.fromEntries(entries),
};

/**
 * `JSON.parse` that keeps integers beyond 2^53 exact (as bigint) and accepts `NaN`/`Infinity`: for
 * responses whose int64 fields (nanosecond times) an MLflow server writes as bare JSON numbers.
 */
export function parseJsonLossless(text: string): unknown {
  return parseJsonWith(text, PLAIN_BUILDER);
}
