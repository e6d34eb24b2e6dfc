/**
 * Function inputs as MLflow records them (`capture_function_input_args`): an object of parameter name
 * to argument. JavaScript keeps no signatures at run time, so names come from the function's source;
 * a destructured parameter is recorded under `arg<i>`, a rest parameter collects the remaining
 * arguments, and arguments beyond the declared ones go under `args`.
 */

type ParamSpec = { name: string; rest: boolean };

const cache = new WeakMap<(...args: never[]) => unknown, ParamSpec[] | null>();

/** @internal */
export function captureInputs(fn: (...args: never[]) => unknown, args: readonly unknown[]): Record<string, unknown> {
  let params = cache.get(fn);
  if (params === undefined) {
    params = parseParams(fn);
    cache.set(fn, params);
  }
  const out: Record<string, unknown> = {};
  if (!params) {
    if (args.length > 0) out.args = [...args];
    return out;
  }
  let i = 0;
  for (const p of params) {
    if (p.rest) {
      out[p.name] = args.slice(i);
      i = args.length;
      break;
    }
    if (i < args.length && args[i] !== undefined) out[p.name] = args[i];
    i++;
  }
  if (i < args.length) out.args = args.slice(i);
  return out;
}

/** @internal Parameter names from a function's source; null when it cannot be parsed. */
export function parseParams(fn: (...args: never[]) => unknown): ParamSpec[] | null {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return null;
  }
  if (src.includes('[native code]')) return null;
  const list = extractParamList(src);
  if (list === null) return null;
  const parts = splitTopLevel(stripComments(list));
  const specs: ParamSpec[] = [];
  parts.forEach((raw, index) => {
    let p = raw.trim();
    if (!p) return;
    const rest = p.startsWith('...');
    if (rest) p = p.slice(3).trim();
    const eq = topLevelIndexOf(p, '=');
    if (eq >= 0) p = p.slice(0, eq).trim();
    const name = /^[A-Za-z_$][\w$]*$/.test(p) ? p : `arg${index}`;
    specs.push({ name, rest });
  });
  return specs;
}

/**
 * Walks `s` outside string literals, calling `visit` with each character and the bracket depth before
 * it; stops early when `visit` returns true. Returns the index it stopped at, or -1.
 */
function walk(s: string, visit: (c: string, i: number, depth: number) => boolean | undefined): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      continue;
    }
    if (visit(c, i, depth)) return i;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return -1;
}

function extractParamList(src: string): string | null {
  const s = src.trim();
  // A single-parameter arrow `x => ...`, else the text between the first `(` and its match.
  const arrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(s);
  if (arrow) return arrow[1] as string;
  const open = s.indexOf('(');
  if (open < 0) return null;
  const rest = s.slice(open);
  const close = walk(rest, (c, _i, depth) => depth === 1 && (c === ')' || c === ']' || c === '}'));
  return close < 0 ? null : rest.slice(1, close);
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  walk(s, (c, i, depth) => {
    if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
    return false;
  });
  out.push(s.slice(start));
  return out;
}

function topLevelIndexOf(s: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ch && depth === 0 && s[i + 1] !== '>') return i;
  }
  return -1;
}
