// Internal: the subset of Jinja2 that prompt templates use, rendered with Python's semantics, for
// MLflow's Jinja2 path of `PromptVersion.format` (templates containing `{% ... %}`). MLflow renders
// those with jinja2's SandboxedEnvironment and the default `Undefined`; this module reproduces that
// environment's output for what it supports and refuses the rest by name (NOT_IMPLEMENTED).
//
// Supported: text, `{{ expr }}`, `{# comments #}`, `{% if/elif/else %}`, `{% for ... in ... [if ...] %}`
// with `{% else %}` and the `loop` variables, `{% set %}`, `{% raw %}`, whitespace control (`{%-`, `-%}`),
// Jinja2's defaults (no trim_blocks/lstrip_blocks, the final newline dropped). Expressions: literals,
// lists, dicts, tuples, attribute and item access, slices, arithmetic, `~`, comparisons, `in`,
// `and/or/not`, `x if c else y`, common filters, tests and str/dict methods. The sandbox holds by
// construction: only own data of the values passed in and a fixed method table are reachable.
import { ErrorCode, InvalidParameterError, MlflowError } from '../../tracking/errors.js';
import { PyFloat, pyRepr, pyStr } from './python.js';

// ------------------------------------------------------------------ values

/** jinja2's default `Undefined`: renders empty, is falsy, raises on use. */
class Undefined {
  constructor(readonly hint: string) {}
}

/** A bound method of a str/list/dict, reachable through attribute access. */
class Method {
  constructor(
    readonly name: string,
    readonly fn: (args: unknown[], kwargs: Record<string, unknown>) => unknown,
  ) {}
}

/** A tuple (so `(1, 2)` renders as Python's tuple). */
class Tuple {
  constructor(readonly items: unknown[]) {}
}

class TemplateError extends InvalidParameterError {}

function unsupported(what: string): MlflowError {
  return new MlflowError(
    `The Jinja2 ${what} is not supported by mlflow-genai's Jinja2 renderer (it supports if/for/set/raw, ` +
      'expressions, and common filters, tests and string methods).',
    ErrorCode.NOT_IMPLEMENTED,
  );
}

function undefinedError(u: Undefined): TemplateError {
  return new TemplateError(u.hint);
}

function isDict(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof PyFloat) &&
    !(v instanceof Undefined) &&
    !(v instanceof Method) &&
    !(v instanceof Tuple)
  );
}

function isNumber(v: unknown): v is number | PyFloat | boolean {
  return typeof v === 'number' || v instanceof PyFloat || typeof v === 'boolean';
}

function numValue(v: number | PyFloat | boolean): number {
  return v instanceof PyFloat ? v.value : Number(v);
}

function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

function makeNumber(n: number, float: boolean): number | PyFloat {
  return float ? new PyFloat(n) : n;
}

function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return 'str object';
  if (typeof v === 'boolean') return 'bool object';
  if (isFloat(v)) return 'float object';
  if (typeof v === 'number') return 'int object';
  if (Array.isArray(v)) return 'list object';
  if (v instanceof Tuple) return 'tuple object';
  if (v instanceof Method) return 'builtin_function_or_method object';
  return 'dict object';
}

function render(v: unknown): string {
  if (v instanceof Undefined) return '';
  if (v instanceof Tuple) {
    const items = v.items.map(reprValue);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (v instanceof Method) return `<built-in method ${v.name}>`;
  return pyStr(v);
}

function reprValue(v: unknown): string {
  if (v instanceof Tuple || v instanceof Undefined || v instanceof Method) return render(v);
  return pyRepr(v);
}

function truthy(v: unknown): boolean {
  if (v instanceof Undefined || v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Tuple) return v.items.length > 0;
  if (v instanceof Method) return true;
  return Object.keys(v as object).length > 0;
}

function pyEquals(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
  if (isNumber(a) && isNumber(b)) return numValue(a) === numValue(b);
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  const la = a instanceof Tuple ? a.items : a;
  const lb = b instanceof Tuple ? b.items : b;
  if (Array.isArray(la) || Array.isArray(lb)) {
    if (!Array.isArray(la) || !Array.isArray(lb) || a instanceof Tuple !== b instanceof Tuple) return false;
    return la.length === lb.length && la.every((x, i) => pyEquals(x, lb[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return a === b;
}

function pyCompare(a: unknown, b: unknown, op: string): boolean {
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
  let c: number;
  if (isNumber(a) && isNumber(b)) c = numValue(a) - numValue(b);
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else if (Array.isArray(a) && Array.isArray(b)) {
    c = 0;
    for (let i = 0; i < Math.min(a.length, b.length) && c === 0; i++) {
      if (!pyEquals(a[i], b[i])) c = pyCompare(a[i], b[i], '<') ? -1 : 1;
    }
    if (c === 0) c = a.length - b.length;
  } else {
    throw new TemplateError(`'${op}' not supported between instances of '${pyType(a)}' and '${pyType(b)}'`);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    default:
      return c >= 0;
  }
}

function pyType(v: unknown): string {
  return typeName(v).replace(' object', '').replace('None', 'NoneType');
}

function contains(container: unknown, item: unknown): boolean {
  if (container instanceof Undefined) throw undefinedError(container);
  if (typeof container === 'string') {
    if (typeof item !== 'string')
      throw new TemplateError(`'in <string>' requires string as left operand, not ${pyType(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (container instanceof Tuple) return container.items.some((x) => pyEquals(x, item));
  if (isDict(container)) return typeof item === 'string' && Object.hasOwn(container, item);
  throw new TemplateError(`argument of type '${pyType(container)}' is not iterable`);
}

function iterate(v: unknown): unknown[] {
  if (v instanceof Undefined) return [];
  if (typeof v === 'string') return [...v];
  if (Array.isArray(v)) return v;
  if (v instanceof Tuple) return v.items;
  if (isDict(v)) return Object.keys(v);
  throw new TemplateError(`'${pyType(v)}' object is not iterable`);
}

function arith(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof Undefined) throw undefinedError(a);
  if (b instanceof Undefined) throw undefinedError(b);
  if (isNumber(a) && isNumber(b)) {
    const x = numValue(a);
    const y = numValue(b);
    const float = isFloat(a) || isFloat(b);
    switch (op) {
      case '+':
        return makeNumber(x + y, float);
      case '-':
        return makeNumber(x - y, float);
      case '*':
        return makeNumber(x * y, float);
      case '/':
        if (y === 0) throw new TemplateError('division by zero');
        return new PyFloat(x / y);
      case '//':
        if (y === 0) throw new TemplateError('integer division or modulo by zero');
        return makeNumber(Math.floor(x / y), float);
      case '%':
        if (y === 0) throw new TemplateError('integer division or modulo by zero');
        return makeNumber(x - y * Math.floor(x / y), float);
      case '**':
        return makeNumber(x ** y, float || y < 0);
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (op === '*' && (typeof a === 'string' || Array.isArray(a)) && typeof b === 'number' && Number.isInteger(b)) {
    return typeof a === 'string' ? a.repeat(Math.max(0, b)) : Array.from({ length: Math.max(0, b) }, () => a).flat();
  }
  if (op === '%' && typeof a === 'string') throw unsupported('printf-style string formatting (%)');
  throw new TemplateError(`unsupported operand type(s) for ${op}: '${pyType(a)}' and '${pyType(b)}'`);
}

// ------------------------------------------------------------------ methods and attributes

const STR_METHODS: Record<string, (s: string, args: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, a) => pyStrip(s, a[0], true, true),
  lstrip: (s, a) => pyStrip(s, a[0], true, false),
  rstrip: (s, a) => pyStrip(s, a[0], false, true),
  title: (s) => pyTitle(s),
  capitalize: (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() : s),
  split: (s, a) => pySplit(s, a[0], a[1]),
  replace: (s, a) => (a[2] === undefined ? s.split(String(a[0])).join(String(a[1])) : replaceCount(s, a)),
  startswith: (s, a) => s.startsWith(String(a[0])),
  endswith: (s, a) => s.endsWith(String(a[0])),
  join: (s, a) => iterate(a[0]).map(render).join(s),
  count: (s, a) => (String(a[0]) === '' ? s.length + 1 : s.split(String(a[0])).length - 1),
  find: (s, a) => s.indexOf(String(a[0])),
  isdigit: (s) => /^\d+$/.test(s),
  isspace: (s) => /^\s+$/.test(s),
};

const DICT_METHODS: Record<string, (d: Record<string, unknown>, args: unknown[]) => unknown> = {
  items: (d) => Object.entries(d).map(([k, v]) => new Tuple([k, v])),
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  get: (d, a) => (typeof a[0] === 'string' && Object.hasOwn(d, a[0]) ? d[a[0]] : (a[1] ?? null)),
};

function replaceCount(s: string, a: unknown[]): string {
  let n = Number(a[2]);
  const from = String(a[0]);
  if (n < 0) return s.split(from).join(String(a[1]));
  let out = '';
  let rest = s;
  while (n-- > 0) {
    const i = rest.indexOf(from);
    if (i < 0) break;
    out += rest.slice(0, i) + String(a[1]);
    rest = rest.slice(i + from.length);
  }
  return out + rest;
}

function pyStrip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? null : new Set(String(chars));
  const strip = (c: string) => (set ? set.has(c) : /\s/.test(c));
  let start = 0;
  let end = s.length;
  if (left) while (start < end && strip(s.charAt(start))) start++;
  if (right) while (end > start && strip(s.charAt(end - 1))) end--;
  return s.slice(start, end);
}

function pyTitle(s: string): string {
  return s.replace(/[A-Za-z]+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const parts = s.trim() === '' ? [] : s.trim().split(/\s+/);
    if (max < 0 || parts.length <= max + 1) return parts;
    // Re-split keeping the remainder intact after `max` splits.
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    for (let i = 0; i < max; i++) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    out.push(rest);
    return out;
  }
  const parts = s.split(String(sep));
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(String(sep))];
}

function getAttr(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  if (typeof obj === 'string' && Object.hasOwn(STR_METHODS, name)) {
    const f = STR_METHODS[name] as (s: string, a: unknown[]) => unknown;
    return new Method(name, (args) => f(obj, args));
  }
  if (isDict(obj)) {
    if (Object.hasOwn(DICT_METHODS, name)) {
      const f = DICT_METHODS[name] as (d: Record<string, unknown>, a: unknown[]) => unknown;
      return new Method(name, (args) => f(obj, args));
    }
    if (Object.hasOwn(obj, name)) return obj[name];
  }
  return new Undefined(`'${typeName(obj)}' has no attribute '${name}'`);
}

function getItem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  const seq = obj instanceof Tuple ? obj.items : obj;
  if ((Array.isArray(seq) || typeof seq === 'string') && isNumber(key) && !isFloat(key)) {
    let i = numValue(key);
    if (i < 0) i += seq.length;
    if (i >= 0 && i < seq.length) return Array.isArray(seq) ? seq[i] : seq.charAt(i);
    return new Undefined(`'${typeName(obj)}' has no element ${numValue(key)}`);
  }
  if (isDict(obj) && typeof key === 'string' && Object.hasOwn(obj, key)) return obj[key];
  if (typeof key === 'string') return getAttr(obj, key);
  return new Undefined(`'${typeName(obj)}' has no element ${render(key)}`);
}

function slice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (obj instanceof Undefined) throw undefinedError(obj);
  const seq = obj instanceof Tuple ? obj.items : obj;
  if (!Array.isArray(seq) && typeof seq !== 'string')
    throw new TemplateError(`'${pyType(obj)}' object is not subscriptable`);
  const arr = Array.isArray(seq) ? seq : [...seq];
  const n = arr.length;
  const st = step === null || step === undefined ? 1 : Number(numValue(step as number));
  if (st === 0) throw new TemplateError('slice step cannot be zero');
  const norm = (v: unknown, dflt: number) => {
    if (v === null || v === undefined) return dflt;
    let i = numValue(v as number);
    if (i < 0) i += n;
    return st > 0 ? Math.min(Math.max(i, 0), n) : Math.min(Math.max(i, -1), n - 1);
  };
  const from = norm(start, st > 0 ? 0 : n - 1);
  const to = norm(stop, st > 0 ? n : -1);
  const out: unknown[] = [];
  for (let i = from; st > 0 ? i < to : i > to; i += st) out.push(arr[i]);
  if (typeof seq === 'string') return out.join('');
  return obj instanceof Tuple ? new Tuple(out) : out;
}

// ------------------------------------------------------------------ filters and tests

type Filter = (value: unknown, args: unknown[], kwargs: Record<string, unknown>) => unknown;

const FILTERS: Record<string, Filter> = {
  upper: (v) => render(v).toUpperCase(),
  lower: (v) => render(v).toLowerCase(),
  title: (v) => pyTitle(render(v)),
  capitalize: (v) => {
    const s = render(v);
    return s ? s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() : s;
  },
  trim: (v, a) => pyStrip(render(v), a[0], true, true),
  length: (v) => (v instanceof Undefined ? 0 : isDict(v) ? Object.keys(v).length : iterate(v).length),
  default: (v, a, kw) => {
    const dflt = a[0] ?? kw.default_value ?? '';
    const bool = truthy(a[1] ?? kw.boolean ?? false);
    return v instanceof Undefined || (bool && !truthy(v)) ? dflt : v;
  },
  join: (v, a, kw) => {
    const attr = a[1] ?? kw.attribute;
    const items = iterate(v).map((x) => (attr === undefined ? x : getItem(x, attr)));
    return items.map(render).join(a[0] === undefined ? String(kw.d ?? '') : render(a[0]));
  },
  first: (v) => {
    const items = iterate(v);
    return items.length ? items[0] : new Undefined('No first item, sequence was empty.');
  },
  last: (v) => {
    const items = iterate(v);
    return items.length ? items[items.length - 1] : new Undefined('No last item, sequence was empty.');
  },
  string: (v) => render(v),
  int: (v, a) => {
    if (isNumber(v)) return Math.trunc(numValue(v));
    const n = Number.parseInt(render(v).trim(), 10);
    return Number.isNaN(n) ? (a[0] ?? 0) : n;
  },
  float: (v, a) => {
    if (isNumber(v)) return new PyFloat(numValue(v));
    const n = Number(render(v).trim());
    return new PyFloat(Number.isNaN(n) || render(v).trim() === '' ? Number(a[0] ?? 0) : n);
  },
  abs: (v) => (isNumber(v) ? makeNumber(Math.abs(numValue(v)), isFloat(v)) : arith('+', v, 0)),
  round: (v, a, kw) => {
    const precision = Number(a[0] ?? kw.precision ?? 0);
    const method = String(a[1] ?? kw.method ?? 'common');
    const f = 10 ** precision;
    const x = numValue(v as number) * f;
    const r =
      method === 'ceil' ? Math.ceil(x) : method === 'floor' ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x));
    return new PyFloat(r / f);
  },
  replace: (v, a) => STR_METHODS.replace!(render(v), a),
  list: (v) => [...iterate(v)],
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...iterate(v)].reverse()),
  sort: (v, a, kw) => {
    const reverse = truthy(a[0] ?? kw.reverse ?? false);
    const out = [...iterate(v)].sort((x, y) => (pyEquals(x, y) ? 0 : pyCompare(x, y, '<') ? -1 : 1));
    return reverse ? out.reverse() : out;
  },
  safe: (v) => v,
  escape: (v) =>
    render(v)
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&#34;')
      .replaceAll("'", '&#39;'),
  items: (v) => (v instanceof Undefined ? [] : DICT_METHODS.items!(v as Record<string, unknown>, [])),
  wordcount: (v) => (render(v).match(/\w+/g) ?? []).length,
};
FILTERS.d = FILTERS.default as Filter;
FILTERS.count = FILTERS.length as Filter;
FILTERS.e = FILTERS.escape as Filter;

type Test = (value: unknown, args: unknown[]) => boolean;

const TESTS: Record<string, Test> = {
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => isNumber(v),
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => isFloat(v),
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  mapping: (v) => isDict(v),
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || v instanceof Tuple || isDict(v),
  iterable: (v) => typeof v === 'string' || Array.isArray(v) || v instanceof Tuple || isDict(v),
  even: (v) => numValue(v as number) % 2 === 0,
  odd: (v) => Math.abs(numValue(v as number) % 2) === 1,
  divisibleby: (v, a) => numValue(v as number) % numValue(a[0] as number) === 0,
  eq: (v, a) => pyEquals(v, a[0]),
  ne: (v, a) => !pyEquals(v, a[0]),
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  in: (v, a) => contains(a[0], v),
};
TESTS.equalto = TESTS.eq as Test;
TESTS.sameas = TESTS.eq as Test;

// ------------------------------------------------------------------ lexer

type TokType = 'name' | 'int' | 'float' | 'string' | 'op' | 'end';
interface Tok {
  type: TokType;
  value: string;
}

const OPS = [
  '**',
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '~',
  '<',
  '>',
  '=',
  '.',
  ',',
  ':',
  '|',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
];

/** Tokenises the expression starting at `pos` up to its closing delimiter (`}}` or `%}`), returning both. */
function lexExpression(
  src: string,
  pos: number,
  close: '}}' | '%}',
): { tokens: Tok[]; end: number; stripAfter: boolean } {
  const tokens: Tok[] = [];
  let depth = 0;
  let i = pos;
  while (i < src.length) {
    const ch = src.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (depth === 0) {
      if (src.startsWith(`-${close}`, i)) return { tokens, end: i + 3, stripAfter: true };
      if (src.startsWith(close, i)) return { tokens, end: i + 2, stripAfter: false };
      if (close === '%}' && src.startsWith('+%}', i)) return { tokens, end: i + 3, stripAfter: false };
    }
    const rest = src.slice(i);
    let m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(rest);
    if (m) {
      tokens.push({ type: 'name', value: m[0] });
      i += m[0].length;
      continue;
    }
    m = /^(\d[\d_]*\.\d[\d_]*([eE][+-]?\d[\d_]*)?|\d[\d_]*[eE][+-]?\d[\d_]*)/.exec(rest);
    if (m) {
      tokens.push({ type: 'float', value: m[0].replaceAll('_', '') });
      i += m[0].length;
      continue;
    }
    m = /^\d[\d_]*/.exec(rest);
    if (m) {
      tokens.push({ type: 'int', value: m[0].replaceAll('_', '') });
      i += m[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let out = '';
      while (j < src.length && src.charAt(j) !== ch) {
        if (src.charAt(j) === '\\' && j + 1 < src.length) {
          const e = src.charAt(j + 1);
          const simple: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            '\\': '\\',
            "'": "'",
            '"': '"',
            '0': '\0',
          };
          if (simple[e] !== undefined) {
            out += simple[e];
            j += 2;
          } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(j + 2, j + 6))) {
            out += String.fromCharCode(Number.parseInt(src.slice(j + 2, j + 6), 16));
            j += 6;
          } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(src.slice(j + 2, j + 4))) {
            out += String.fromCharCode(Number.parseInt(src.slice(j + 2, j + 4), 16));
            j += 4;
          } else {
            out += `\\${e}`;
            j += 2;
          }
        } else {
          out += src.charAt(j);
          j++;
        }
      }
      if (j >= src.length) throw new TemplateError('unexpected end of string');
      tokens.push({ type: 'string', value: out });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new TemplateError(`unexpected char ${pyRepr(ch)} at ${i}`);
    if (op === '(' || op === '[' || op === '{') depth++;
    if ((op === ')' || op === ']' || op === '}') && depth > 0) depth--;
    tokens.push({ type: 'op', value: op });
    i += op.length;
  }
  throw new TemplateError(`unexpected end of template, expected '${close}'.`);
}

// ------------------------------------------------------------------ AST

type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'name'; name: string }
  | { k: 'list'; items: Expr[] }
  | { k: 'tuple'; items: Expr[] }
  | { k: 'dict'; items: Array<[Expr, Expr]> }
  | { k: 'attr'; obj: Expr; name: string }
  | { k: 'item'; obj: Expr; key: Expr }
  | { k: 'slice'; obj: Expr; start: Expr | null; stop: Expr | null; step: Expr | null }
  | { k: 'call'; fn: Expr; args: Expr[]; kwargs: Array<[string, Expr]> }
  | { k: 'filter'; value: Expr; name: string; args: Expr[]; kwargs: Array<[string, Expr]> }
  | { k: 'test'; value: Expr; name: string; args: Expr[]; negate: boolean }
  | { k: 'unary'; op: string; value: Expr }
  | { k: 'bin'; op: string; left: Expr; right: Expr }
  | { k: 'cond'; test: Expr; whenTrue: Expr; whenFalse: Expr | null };

type Node =
  | { k: 'text'; text: string }
  | { k: 'out'; expr: Expr }
  | { k: 'if'; branches: Array<{ test: Expr | null; body: Node[] }> }
  | { k: 'for'; targets: string[]; iter: Expr; filter: Expr | null; body: Node[]; else: Node[] }
  | { k: 'set'; targets: string[]; value: Expr };

class ExprParser {
  #i = 0;
  constructor(readonly toks: Tok[]) {}

  get done(): boolean {
    return this.#i >= this.toks.length;
  }
  peek(offset = 0): Tok {
    return this.toks[this.#i + offset] ?? { type: 'end', value: '' };
  }
  next(): Tok {
    return this.toks[this.#i++] ?? { type: 'end', value: '' };
  }
  isOp(v: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.value === v;
  }
  isName(v: string): boolean {
    const t = this.peek();
    return t.type === 'name' && t.value === v;
  }
  expectOp(v: string): void {
    const t = this.next();
    if (t.type !== 'op' || t.value !== v)
      throw new TemplateError(`expected token '${v}', got '${t.value || 'end of statement block'}'`);
  }
  expectName(v?: string): string {
    const t = this.next();
    if (t.type !== 'name' || (v !== undefined && t.value !== v)) {
      throw new TemplateError(`expected ${v ? `'${v}'` : 'name'}, got '${t.value || 'end of statement block'}'`);
    }
    return t.value;
  }
  finish(): void {
    if (!this.done) throw new TemplateError(`expected end of statement, got '${this.peek().value}'`);
  }

  /** `expr` with an optional bare tuple (`a, b`), as in `{% for %}` iterables and `{% set %}` values. */
  parseTupleOrExpr(): Expr {
    const first = this.parseExpr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.done || this.isName('if')) break;
      items.push(this.parseExpr());
    }
    return { k: 'tuple', items };
  }

  parseExpr(): Expr {
    const value = this.parseOr();
    if (this.isName('if')) {
      this.next();
      const test = this.parseOr();
      let otherwise: Expr | null = null;
      if (this.isName('else')) {
        this.next();
        otherwise = this.parseExpr();
      }
      return { k: 'cond', test, whenTrue: value, whenFalse: otherwise };
    }
    return value;
  }
  /** An expression without a trailing `if` (for-loop iterables, where `if` starts the loop filter). */
  parseNoCond(): Expr {
    return this.parseOr();
  }
  parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      this.next();
      left = { k: 'bin', op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }
  parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      this.next();
      left = { k: 'bin', op: 'and', left, right: this.parseNot() };
    }
    return left;
  }
  parseNot(): Expr {
    if (this.isName('not')) {
      this.next();
      return { k: 'unary', op: 'not', value: this.parseNot() };
    }
    return this.parseCompare();
  }
  parseCompare(): Expr {
    let left = this.parseMath1();
    for (;;) {
      const t = this.peek();
      if (t.type === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.value)) {
        this.next();
        left = { k: 'bin', op: t.value, left, right: this.parseMath1() };
      } else if (this.isName('in')) {
        this.next();
        left = { k: 'bin', op: 'in', left, right: this.parseMath1() };
      } else if (this.isName('not') && this.peek(1).type === 'name' && this.peek(1).value === 'in') {
        this.next();
        this.next();
        left = { k: 'bin', op: 'not in', left, right: this.parseMath1() };
      } else return left;
    }
  }
  parseMath1(): Expr {
    let left = this.parseConcat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value;
      left = { k: 'bin', op, left, right: this.parseConcat() };
    }
    return left;
  }
  parseConcat(): Expr {
    let left = this.parseMath2();
    while (this.isOp('~')) {
      this.next();
      left = { k: 'bin', op: '~', left, right: this.parseMath2() };
    }
    return left;
  }
  parseMath2(): Expr {
    let left = this.parsePow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().value;
      left = { k: 'bin', op, left, right: this.parsePow() };
    }
    return left;
  }
  parsePow(): Expr {
    let left = this.parseUnary(true);
    while (this.isOp('**')) {
      this.next();
      left = { k: 'bin', op: '**', left, right: this.parseUnary(true) };
    }
    return left;
  }
  parseUnary(withFilter: boolean): Expr {
    let node: Expr;
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().value;
      node = { k: 'unary', op, value: this.parseUnary(false) };
    } else {
      node = this.parsePostfix(this.parsePrimary());
    }
    return withFilter ? this.parseFilters(node) : node;
  }
  parsePrimary(): Expr {
    const t = this.next();
    switch (t.type) {
      case 'name':
        if (t.value === 'true' || t.value === 'True') return { k: 'lit', v: true };
        if (t.value === 'false' || t.value === 'False') return { k: 'lit', v: false };
        if (t.value === 'none' || t.value === 'None') return { k: 'lit', v: null };
        return { k: 'name', name: t.value };
      case 'int':
        return { k: 'lit', v: Number(t.value) };
      case 'float':
        return { k: 'lit', v: new PyFloat(Number(t.value)) };
      case 'string': {
        let s = t.value;
        while (this.peek().type === 'string') s += this.next().value;
        return { k: 'lit', v: s };
      }
      case 'op':
        if (t.value === '(') {
          if (this.isOp(')')) {
            this.next();
            return { k: 'tuple', items: [] };
          }
          const first = this.parseExpr();
          if (this.isOp(')')) {
            this.next();
            return first;
          }
          const items = [first];
          while (this.isOp(',')) {
            this.next();
            if (this.isOp(')')) break;
            items.push(this.parseExpr());
          }
          this.expectOp(')');
          return { k: 'tuple', items };
        }
        if (t.value === '[') {
          const items: Expr[] = [];
          while (!this.isOp(']')) {
            items.push(this.parseExpr());
            if (!this.isOp(',')) break;
            this.next();
          }
          this.expectOp(']');
          return { k: 'list', items };
        }
        if (t.value === '{') {
          const items: Array<[Expr, Expr]> = [];
          while (!this.isOp('}')) {
            const key = this.parseExpr();
            this.expectOp(':');
            items.push([key, this.parseExpr()]);
            if (!this.isOp(',')) break;
            this.next();
          }
          this.expectOp('}');
          return { k: 'dict', items };
        }
        break;
    }
    throw new TemplateError(`unexpected '${t.value || 'end of template'}'`);
  }
  parseArgs(): { args: Expr[]; kwargs: Array<[string, Expr]> } {
    this.expectOp('(');
    const args: Expr[] = [];
    const kwargs: Array<[string, Expr]> = [];
    while (!this.isOp(')')) {
      if (this.peek().type === 'name' && this.peek(1).type === 'op' && this.peek(1).value === '=') {
        const key = this.next().value;
        this.next();
        kwargs.push([key, this.parseExpr()]);
      } else {
        if (this.isOp('*') || this.isOp('**')) throw unsupported('*args/**kwargs call syntax');
        args.push(this.parseExpr());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    return { args, kwargs };
  }
  parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.next();
        if (t.type === 'name') node = { k: 'attr', obj: node, name: t.value };
        else if (t.type === 'int') node = { k: 'item', obj: node, key: { k: 'lit', v: Number(t.value) } };
        else throw new TemplateError(`expected name or number, got '${t.value}'`);
      } else if (this.isOp('[')) {
        this.next();
        const parts: Array<Expr | null> = [null];
        let isSlice = false;
        while (!this.isOp(']')) {
          if (this.isOp(':')) {
            this.next();
            isSlice = true;
            parts.push(null);
            continue;
          }
          parts[parts.length - 1] = this.parseExpr();
        }
        this.expectOp(']');
        if (isSlice) {
          node = { k: 'slice', obj: node, start: parts[0] ?? null, stop: parts[1] ?? null, step: parts[2] ?? null };
        } else {
          if (!parts[0]) throw new TemplateError('expected an index');
          node = { k: 'item', obj: node, key: parts[0] };
        }
      } else if (this.isOp('(')) {
        const { args, kwargs } = this.parseArgs();
        node = { k: 'call', fn: node, args, kwargs };
      } else return node;
    }
  }
  parseFilters(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) {
        this.next();
        let name = this.expectName();
        while (this.isOp('.')) {
          this.next();
          name += `.${this.expectName()}`;
        }
        let args: Expr[] = [];
        let kwargs: Array<[string, Expr]> = [];
        if (this.isOp('(')) ({ args, kwargs } = this.parseArgs());
        node = this.parsePostfix({ k: 'filter', value: node, name, args, kwargs });
      } else if (this.isName('is')) {
        this.next();
        let negate = false;
        if (this.isName('not')) {
          this.next();
          negate = true;
        }
        const t = this.next();
        if (t.type !== 'name') throw new TemplateError(`expected a test name, got '${t.value}'`);
        let args: Expr[] = [];
        if (this.isOp('(')) args = this.parseArgs().args;
        else if (
          ['int', 'float', 'string'].includes(this.peek().type) ||
          (this.peek().type === 'name' && !['and', 'or', 'else', 'if', 'is', 'in', 'not'].includes(this.peek().value))
        ) {
          args = [this.parsePostfix(this.parsePrimary())];
        }
        node = { k: 'test', value: node, name: t.value, args, negate };
      } else return node;
    }
  }
}

// ------------------------------------------------------------------ template parser

interface Tag {
  kind: 'text' | 'out' | 'stmt';
  text?: string;
  tokens?: Tok[];
}

function normaliseNewlines(src: string): string {
  const lines = src.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

function tokenizeTemplate(source: string): Tag[] {
  const src = normaliseNewlines(source);
  const tags: Tag[] = [];
  let i = 0;
  let stripNext = false;
  const pushText = (text: string) => {
    const t = stripNext ? text.replace(/^\s+/, '') : text;
    stripNext = false;
    if (t) tags.push({ kind: 'text', text: t });
  };
  while (i < src.length) {
    const m = /\{\{|\{%|\{#/.exec(src.slice(i));
    if (!m) {
      pushText(src.slice(i));
      break;
    }
    const start = i + m.index;
    const stripBefore = src.charAt(start + 2) === '-';
    let text = src.slice(i, start);
    if (stripBefore) text = text.replace(/\s+$/, '');
    pushText(text);
    const body = start + 2 + (stripBefore || src.charAt(start + 2) === '+' ? 1 : 0);
    if (m[0] === '{#') {
      const end = src.indexOf('#}', body);
      if (end < 0) throw new TemplateError('Missing end of comment tag');
      stripNext = src.charAt(end - 1) === '-';
      i = end + 2;
      continue;
    }
    if (m[0] === '{%') {
      const raw = /^\s*raw\s*(-?)%\}/.exec(src.slice(body));
      if (raw) {
        const afterOpen = body + raw[0].length;
        const endRaw = /\{%(-?)\s*endraw\s*(-?)%\}/.exec(src.slice(afterOpen));
        if (!endRaw) throw new TemplateError('Missing end of raw directive');
        let content = src.slice(afterOpen, afterOpen + endRaw.index);
        if (raw[1]) content = content.replace(/^\s+/, '');
        if (endRaw[1]) content = content.replace(/\s+$/, '');
        if (content) tags.push({ kind: 'text', text: content });
        stripNext = endRaw[2] === '-';
        i = afterOpen + endRaw.index + endRaw[0].length;
        continue;
      }
    }
    const { tokens, end, stripAfter } = lexExpression(src, body, m[0] === '{{' ? '}}' : '%}');
    tags.push({ kind: m[0] === '{{' ? 'out' : 'stmt', tokens });
    stripNext = stripAfter;
    i = end;
  }
  return tags;
}

class TemplateParser {
  #i = 0;
  constructor(readonly tags: Tag[]) {}

  parse(): Node[] {
    const { nodes, stop } = this.parseUntil([]);
    if (stop) throw new TemplateError(`Encountered unknown tag '${stop}'.`);
    return nodes;
  }

  /** Nodes up to a statement whose keyword is in `stops` (returned, with its parser positioned after the keyword). */
  parseUntil(stops: string[]): { nodes: Node[]; stop: string | null; p: ExprParser | null } {
    const nodes: Node[] = [];
    while (this.#i < this.tags.length) {
      const tag = this.tags[this.#i++] as Tag;
      if (tag.kind === 'text') {
        nodes.push({ k: 'text', text: tag.text as string });
        continue;
      }
      const p = new ExprParser(tag.tokens as Tok[]);
      if (tag.kind === 'out') {
        const expr = p.parseExpr();
        p.finish();
        nodes.push({ k: 'out', expr });
        continue;
      }
      const keyword = p.expectName();
      if (stops.includes(keyword)) return { nodes, stop: keyword, p };
      switch (keyword) {
        case 'if':
          nodes.push(this.parseIf(p));
          break;
        case 'for':
          nodes.push(this.parseFor(p));
          break;
        case 'set': {
          const targets = [p.expectName()];
          while (p.isOp(',')) {
            p.next();
            targets.push(p.expectName());
          }
          if (!p.isOp('=')) throw unsupported('block `{% set %}`');
          p.next();
          const value = p.parseTupleOrExpr();
          p.finish();
          nodes.push({ k: 'set', targets, value });
          break;
        }
        case 'elif':
        case 'else':
        case 'endif':
        case 'endfor':
          throw new TemplateError(`Encountered unknown tag '${keyword}'.`);
        default:
          throw unsupported(`tag '{% ${keyword} %}'`);
      }
    }
    if (stops.length)
      throw new TemplateError(
        `Unexpected end of template. Jinja was looking for the following tags: '${stops.join("' or '")}'.`,
      );
    return { nodes, stop: null, p: null };
  }

  parseIf(p: ExprParser): Node {
    const branches: Array<{ test: Expr | null; body: Node[] }> = [];
    let test: Expr | null = p.parseTupleOrExpr();
    p.finish();
    for (;;) {
      const { nodes, stop, p: q } = this.parseUntil(['elif', 'else', 'endif']);
      branches.push({ test, body: nodes });
      if (stop === 'endif') {
        q?.finish();
        return { k: 'if', branches };
      }
      if (stop === 'elif') {
        test = (q as ExprParser).parseTupleOrExpr();
        q?.finish();
      } else {
        q?.finish();
        const rest = this.parseUntil(['endif']);
        rest.p?.finish();
        branches.push({ test: null, body: rest.nodes });
        return { k: 'if', branches };
      }
    }
  }

  parseFor(p: ExprParser): Node {
    const targets = [p.expectName()];
    while (p.isOp(',')) {
      p.next();
      targets.push(p.expectName());
    }
    p.expectName('in');
    let iter = p.parseNoCond();
    if (p.isOp(',')) {
      const items = [iter];
      while (p.isOp(',')) {
        p.next();
        items.push(p.parseNoCond());
      }
      iter = { k: 'tuple', items };
    }
    let filter: Expr | null = null;
    if (p.isName('if')) {
      p.next();
      filter = p.parseNoCond();
    }
    if (p.isName('recursive')) throw unsupported('recursive for loop');
    p.finish();
    const body = this.parseUntil(['else', 'endfor']);
    body.p?.finish();
    let otherwise: Node[] = [];
    if (body.stop === 'else') {
      const rest = this.parseUntil(['endfor']);
      rest.p?.finish();
      otherwise = rest.nodes;
    }
    return { k: 'for', targets, iter, filter, body: body.nodes, else: otherwise };
  }
}

// ------------------------------------------------------------------ evaluation

class Scope {
  readonly vars = new Map<string, unknown>();
  constructor(readonly parent: Scope | null) {}
  get(name: string): unknown {
    for (let s: Scope | null = this; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name);
    return new Undefined(`'${name}' is undefined`);
  }
}

function evaluate(e: Expr, scope: Scope): unknown {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'name':
      return scope.get(e.name);
    case 'list':
      return e.items.map((x) => evaluate(x, scope));
    case 'tuple':
      return new Tuple(e.items.map((x) => evaluate(x, scope)));
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of e.items) out[render(evaluate(k, scope))] = evaluate(v, scope);
      return out;
    }
    case 'attr':
      return getAttr(evaluate(e.obj, scope), e.name);
    case 'item':
      return getItem(evaluate(e.obj, scope), evaluate(e.key, scope));
    case 'slice': {
      const ev = (x: Expr | null) => (x ? evaluate(x, scope) : null);
      return slice(evaluate(e.obj, scope), ev(e.start), ev(e.stop), ev(e.step));
    }
    case 'call': {
      const fn = evaluate(e.fn, scope);
      if (fn instanceof Undefined) throw undefinedError(fn);
      if (!(fn instanceof Method)) {
        if (e.fn.k === 'name') throw unsupported(`function '${e.fn.name}()'`);
        throw new TemplateError(`'${pyType(fn)}' object is not callable`);
      }
      const kwargs: Record<string, unknown> = {};
      for (const [k, v] of e.kwargs) kwargs[k] = evaluate(v, scope);
      return fn.fn(
        e.args.map((a) => evaluate(a, scope)),
        kwargs,
      );
    }
    case 'filter': {
      const f = FILTERS[e.name];
      if (!f || !Object.hasOwn(FILTERS, e.name)) throw unsupported(`filter '${e.name}'`);
      const kwargs: Record<string, unknown> = {};
      for (const [k, v] of e.kwargs) kwargs[k] = evaluate(v, scope);
      const value = evaluate(e.value, scope);
      if (value instanceof Undefined && !['default', 'd', 'length', 'count', 'list', 'string'].includes(e.name)) {
        if (
          ['upper', 'lower', 'title', 'capitalize', 'trim', 'escape', 'e', 'safe', 'replace', 'wordcount'].includes(
            e.name,
          )
        ) {
          return f(
            '',
            e.args.map((a) => evaluate(a, scope)),
            kwargs,
          );
        }
        throw undefinedError(value);
      }
      return f(
        value,
        e.args.map((a) => evaluate(a, scope)),
        kwargs,
      );
    }
    case 'test': {
      const t = TESTS[e.name];
      if (!t || !Object.hasOwn(TESTS, e.name)) throw unsupported(`test '${e.name}'`);
      const r = t(
        evaluate(e.value, scope),
        e.args.map((a) => evaluate(a, scope)),
      );
      return e.negate ? !r : r;
    }
    case 'unary': {
      const v = evaluate(e.value, scope);
      if (e.op === 'not') return !truthy(v);
      if (v instanceof Undefined) throw undefinedError(v);
      if (!isNumber(v)) throw new TemplateError(`bad operand type for unary ${e.op}: '${pyType(v)}'`);
      return e.op === '-' ? makeNumber(-numValue(v), isFloat(v)) : v;
    }
    case 'cond':
      return truthy(evaluate(e.test, scope))
        ? evaluate(e.whenTrue, scope)
        : e.whenFalse
          ? evaluate(e.whenFalse, scope)
          : new Undefined('the inline if-expression on line 1 evaluated to false and no else section was defined.');
    case 'bin': {
      if (e.op === 'and') {
        const l = evaluate(e.left, scope);
        return truthy(l) ? evaluate(e.right, scope) : l;
      }
      if (e.op === 'or') {
        const l = evaluate(e.left, scope);
        return truthy(l) ? l : evaluate(e.right, scope);
      }
      const l = evaluate(e.left, scope);
      const r = evaluate(e.right, scope);
      switch (e.op) {
        case '==':
          return pyEquals(l, r);
        case '!=':
          return !pyEquals(l, r);
        case '<':
        case '>':
        case '<=':
        case '>=':
          return pyCompare(l, r, e.op);
        case 'in':
          return contains(r, l);
        case 'not in':
          return !contains(r, l);
        case '~':
          return render(l) + render(r);
        default:
          return arith(e.op, l, r);
      }
    }
  }
}

function assign(scope: Scope, targets: string[], value: unknown): void {
  if (targets.length === 1) {
    scope.vars.set(targets[0] as string, value);
    return;
  }
  const items = iterate(value);
  if (items.length !== targets.length) {
    throw new TemplateError(
      items.length > targets.length
        ? `too many values to unpack (expected ${targets.length})`
        : `not enough values to unpack (expected ${targets.length}, got ${items.length})`,
    );
  }
  for (const [i, t] of targets.entries()) scope.vars.set(t, items[i]);
}

function exec(nodes: Node[], scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.k) {
      case 'text':
        out.push(n.text);
        break;
      case 'out':
        out.push(render(evaluate(n.expr, scope)));
        break;
      case 'set':
        assign(scope, n.targets, evaluate(n.value, scope));
        break;
      case 'if':
        for (const b of n.branches) {
          if (b.test === null || truthy(evaluate(b.test, scope))) {
            exec(b.body, scope, out);
            break;
          }
        }
        break;
      case 'for': {
        let items = iterate(evaluate(n.iter, scope));
        if (n.filter) {
          const filter = n.filter;
          items = items.filter((item) => {
            const s = new Scope(scope);
            assign(s, n.targets, item);
            return truthy(evaluate(filter, s));
          });
        }
        if (items.length === 0) {
          exec(n.else, new Scope(scope), out);
          break;
        }
        const length = items.length;
        items.forEach((item, index) => {
          const s = new Scope(scope);
          s.vars.set('loop', {
            index: index + 1,
            index0: index,
            revindex: length - index,
            revindex0: length - index - 1,
            first: index === 0,
            last: index === length - 1,
            length,
            previtem: index > 0 ? items[index - 1] : new Undefined('there is no previous item'),
            nextitem: index < length - 1 ? items[index + 1] : new Undefined('there is no next item'),
          });
          assign(s, n.targets, item);
          exec(n.body, s, out);
        });
        break;
      }
    }
  }
}

function toRuntime(v: unknown): unknown {
  if (v === undefined) return new Undefined('undefined value');
  if (Array.isArray(v)) return v.map(toRuntime);
  if (v instanceof PyFloat || v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toRuntime(x)]));
  if (v instanceof Set) return [...v].map(toRuntime);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toRuntime(x);
  return out;
}

const parsed = new Map<string, Node[]>();

/**
 * Renders a Jinja2 template with `values`, as jinja2's `SandboxedEnvironment(undefined=Undefined)`
 * renders it. Throws an InvalidParameterError for template errors Jinja2 would raise, and a
 * NOT_IMPLEMENTED MlflowError naming a construct outside the supported subset.
 */
export function renderJinja(template: string, values: Record<string, unknown>): string {
  let nodes = parsed.get(template);
  if (!nodes) {
    nodes = new TemplateParser(tokenizeTemplate(template)).parse();
    if (parsed.size > 256) parsed.clear();
    parsed.set(template, nodes);
  }
  const scope = new Scope(null);
  for (const [k, v] of Object.entries(values)) scope.vars.set(k, toRuntime(v));
  const out: string[] = [];
  exec(nodes, new Scope(scope), out);
  return out.join('');
}

/** `_is_jinja2_template`: a template with `{%` and `%}` renders through Jinja2. */
export function isJinjaText(text: string): boolean {
  return text.includes('{%') && text.includes('%}');
}
