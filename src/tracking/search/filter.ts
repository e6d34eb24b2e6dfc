/**
 * Run search filters (`SearchUtils.parse_search_filter` and the comparator checks of
 * `SqlAlchemyStore._get_sqlalchemy_filter_clauses`, MLflow 3.18.0): a tokenizer that reads filter
 * strings the way MLflow's sqlparse-based parser sees them, and a parser to a typed clause list.
 */

import { InvalidParameterError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// Tokenizer (shared by the run, experiment and order_by parsers)
// ---------------------------------------------------------------------------------------------

/** Kind of a filter token. @internal */
export type FilterTokenKind =
  | 'ident' // identifier path: `metrics.acc`, `tags.\`my tag\``, `"run name"`, `status`
  | 'string' // single-quoted string literal
  | 'number' // numeric literal
  | 'op' // comparison operator: `=`, `!=`, `>=`, `LIKE`, `NOT LIKE` ...
  | 'keyword' // AND, OR, NOT, IN, IS, NULL, `NOT NULL`
  | 'paren' // a balanced parenthesised group, e.g. `('a', 'b')`
  | 'other'; // anything else (punctuation, comments, unbalanced quotes ...)

/** One token of a filter string; `text` is the raw source text. @internal */
export interface FilterToken {
  kind: FilterTokenKind;
  text: string;
  /** For numbers: integer or float literal (sqlparse's `Number.Integer` / `Number.Float`). */
  numberKind?: 'int' | 'float';
  /** For keywords: the upper-cased keyword. */
  keyword?: string;
  /** For identifiers: true when the identifier is a single bare word (no dot, no quotes). */
  bare?: boolean;
}

const WORD_CHAR = String.raw`[\p{L}\p{N}_]`;
const RE_WS = /\s+/uy;
const RE_BACKTICK = /`(``|[^`])*`/uy;
const RE_DQUOTE = /"(""|\\"|[^"])*"/uy;
const RE_SQUOTE = /'(''|\\'|[^'])*'/uy;
const RE_WORD = new RegExp(`${WORD_CHAR}[\\p{L}\\p{N}_$#]*`, 'uy');
const RE_HEX = /-?0x[\dA-F]+/iuy;
const RE_FLOAT_EXP = /-?\d+(\.\d+)?E-?\d+/iuy;
const RE_FLOAT = /-?(\d+(\.\d*)|\.\d+)(?![_A-ZÀ-Ü])/iuy;
const RE_INT = /-?\d+(?![_A-ZÀ-Ü])/iuy;
const RE_OP = /[<>=~!]+/uy;
const RE_NOT_NULL = new RegExp(`NOT\\s+NULL(?!${WORD_CHAR})`, 'iuy');
const RE_LIKE_OP = new RegExp(`(NOT\\s+)?(LIKE|ILIKE|RLIKE)(?!${WORD_CHAR})`, 'iuy');
const RE_REGEXP_OP = new RegExp(`(NOT\\s+)?REGEXP(\\s+BINARY)?(?!${WORD_CHAR})`, 'iuy');
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL']);
/** Words sqlparse always lexes as keywords, so they cannot be a key segment (`params.from`). */
const RESERVED_SEGMENTS = new Set(['CASE', 'IN', 'VALUES', 'USING', 'FROM', 'AS']);

function matchAt(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  const m = re.exec(text);
  return m ? m[0] : undefined;
}

function isWordStart(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
}

/** Reads one identifier segment (word, backticked or double-quoted; single-quoted after a dot). */
function readSegment(text: string, pos: number, afterDot: boolean): string | undefined {
  const ch = text[pos];
  if (ch === '`') return matchAt(RE_BACKTICK, text, pos);
  if (ch === '"') return matchAt(RE_DQUOTE, text, pos);
  if (ch === "'" && afterDot) return matchAt(RE_SQUOTE, text, pos);
  if (isWordStart(ch)) {
    const word = matchAt(RE_WORD, text, pos);
    if (word === undefined) return undefined;
    // `metrics.1` lexes as a name followed by the float `.1` in sqlparse; `params.from` as a keyword.
    if (afterDot && (/^\d+$/.test(word) || RESERVED_SEGMENTS.has(word.toUpperCase()))) return undefined;
    return word;
  }
  return undefined;
}

/** Reads a balanced parenthesised group starting at `pos` (quotes respected), or undefined. */
function readParen(text: string, pos: number): string | undefined {
  let depth = 0;
  let i = pos;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      const re = ch === "'" ? RE_SQUOTE : ch === '"' ? RE_DQUOTE : RE_BACKTICK;
      const quoted = matchAt(re, text, i);
      if (quoted === undefined) return undefined;
      i += quoted.length;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return text.slice(pos, i + 1);
    }
    i++;
  }
  return undefined;
}

/**
 * Splits a filter string into tokens (whitespace dropped), following sqlparse's lexing of the
 * constructs MLflow's grammar uses. @internal
 */
export function tokenizeFilter(text: string): FilterToken[] {
  const tokens: FilterToken[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ws = matchAt(RE_WS, text, pos);
    if (ws !== undefined) {
      pos += ws.length;
      continue;
    }
    const ch = text[pos] as string;
    const next = text[pos + 1];

    // Numbers come before words: sqlparse tries its number patterns first.
    if (/\d/.test(ch) || ((ch === '-' || ch === '.') && next !== undefined && /[\d.]/.test(next))) {
      const hex = matchAt(RE_HEX, text, pos);
      if (hex !== undefined) {
        tokens.push({ kind: 'other', text: hex });
        pos += hex.length;
        continue;
      }
      const float = matchAt(RE_FLOAT_EXP, text, pos) ?? matchAt(RE_FLOAT, text, pos);
      if (float !== undefined) {
        tokens.push({ kind: 'number', text: float, numberKind: 'float' });
        pos += float.length;
        continue;
      }
      const int = matchAt(RE_INT, text, pos);
      if (int !== undefined) {
        tokens.push({ kind: 'number', text: int, numberKind: 'int' });
        pos += int.length;
        continue;
      }
    }

    if (ch === "'") {
      const str = matchAt(RE_SQUOTE, text, pos);
      if (str !== undefined) {
        tokens.push({ kind: 'string', text: str });
        pos += str.length;
        continue;
      }
      tokens.push({ kind: 'other', text: ch });
      pos++;
      continue;
    }

    if (ch === '(') {
      const group = readParen(text, pos);
      if (group !== undefined) {
        tokens.push({ kind: 'paren', text: group });
        pos += group.length;
        continue;
      }
      tokens.push({ kind: 'other', text: ch });
      pos++;
      continue;
    }

    if (isWordStart(ch) || ch === '`' || ch === '"') {
      const first = readSegment(text, pos, false);
      if (first !== undefined) {
        let end = pos + first.length;
        const isWord = isWordStart(ch);
        // A bare word that is not the start of a dotted path may be a keyword or operator.
        if (isWord && text[end] !== '.') {
          const notNull = matchAt(RE_NOT_NULL, text, pos);
          if (notNull !== undefined) {
            tokens.push({ kind: 'keyword', text: notNull, keyword: 'NOT NULL' });
            pos += notNull.length;
            continue;
          }
          const op = matchAt(RE_LIKE_OP, text, pos) ?? matchAt(RE_REGEXP_OP, text, pos);
          if (op !== undefined) {
            tokens.push({ kind: 'op', text: op });
            pos += op.length;
            continue;
          }
          if (KEYWORDS.has(first.toUpperCase())) {
            tokens.push({ kind: 'keyword', text: first, keyword: first.toUpperCase() });
            pos = end;
            continue;
          }
        }
        let segments = 1;
        while (text[end] === '.') {
          const seg = readSegment(text, end + 1, true);
          if (seg === undefined) break;
          end += 1 + seg.length;
          segments++;
        }
        tokens.push({ kind: 'ident', text: text.slice(pos, end), bare: isWord && segments === 1 });
        pos = end;
        continue;
      }
      tokens.push({ kind: 'other', text: ch });
      pos++;
      continue;
    }

    const op = matchAt(RE_OP, text, pos);
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op });
      pos += op.length;
      continue;
    }

    // Comments run to the end of the line (or of the comment) and are never valid in a filter.
    if (text.startsWith('--', pos) || text.startsWith('/*', pos)) {
      const close = text.startsWith('--', pos) ? text.indexOf('\n', pos) : text.indexOf('*/', pos + 2);
      const end = close < 0 ? text.length : text.startsWith('--', pos) ? close : close + 2;
      tokens.push({ kind: 'other', text: text.slice(pos, end) });
      pos = end;
      continue;
    }

    tokens.push({ kind: 'other', text: ch });
    pos++;
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Comparison grouping
// ---------------------------------------------------------------------------------------------

/** A comparison as grouped from tokens, before key and value validation. @internal */
export interface RawComparison {
  /** The identifier token (or, for malformed input, the token found on the left). */
  left: FilterToken;
  /** Comparator as MLflow reports it (`IS NULL` / `IS NOT NULL` / `NOT IN` normalised). */
  comparator: string;
  /** The value token; undefined for `IS NULL` / `IS NOT NULL`. */
  right?: FilterToken;
}

const VALUE_KINDS: ReadonlySet<FilterTokenKind> = new Set(['ident', 'string', 'number', 'paren']);

function isKeyword(token: FilterToken | undefined, keyword: string): boolean {
  return token?.kind === 'keyword' && token.keyword === keyword;
}

/** Repr of a Python string in single quotes, as f"'{token}'" renders raw token text. */
const quoteToken = (text: string): string => `'${text}'`;

/**
 * One comparison at `tokens[i]` as MLflow's `_process_statement` groups them: `x IN (...)`,
 * `x NOT IN (...)`, `x IS [NOT] NULL`, or `left <op> value`. Pushes it and returns the index after it,
 * or undefined when no comparison starts there. `inAsWritten` keeps the IN keyword's spelling (the trace
 * grammar reports it so). @internal
 */
export function matchComparison(
  tokens: readonly FilterToken[],
  i: number,
  comparisons: RawComparison[],
  inAsWritten = false,
): number | undefined {
  const t = tokens[i] as FilterToken;
  const t1 = tokens[i + 1];
  const t2 = tokens[i + 2];
  const t3 = tokens[i + 3];
  if (t.kind === 'ident') {
    if (isKeyword(t1, 'IN') && t2?.kind === 'paren') {
      comparisons.push({ left: t, comparator: inAsWritten ? (t1?.text ?? 'IN') : 'IN', right: t2 });
      return i + 3;
    }
    if (isKeyword(t1, 'NOT') && isKeyword(t2, 'IN') && t3?.kind === 'paren') {
      comparisons.push({ left: t, comparator: 'NOT IN', right: t3 });
      return i + 4;
    }
    if (isKeyword(t1, 'IS') && isKeyword(t2, 'NULL')) {
      comparisons.push({ left: t, comparator: 'IS NULL' });
      return i + 3;
    }
    // sqlparse lexes `NOT\s+NULL` as one keyword; MLflow only accepts it spelt with one space.
    if (isKeyword(t1, 'IS') && isKeyword(t2, 'NOT NULL') && t2?.text.toUpperCase() === 'NOT NULL') {
      comparisons.push({ left: t, comparator: 'IS NOT NULL' });
      return i + 3;
    }
  }
  if ((t.kind === 'ident' || t.kind === 'string' || t.kind === 'number') && t1?.kind === 'op') {
    if (t2 !== undefined && VALUE_KINDS.has(t2.kind)) {
      comparisons.push({ left: t, comparator: t1.text, right: t2 });
      return i + 3;
    }
  }
  return undefined;
}

/**
 * Groups a filter string into AND-ed comparisons the way MLflow's `_process_statement` does
 * (stray `AND`s and plain juxtaposition are accepted; anything else is an invalid clause).
 * `quoteInvalid` selects the run (quoted) or experiment (unquoted) error rendering. @internal
 */
export function groupComparisons(filterString: string, quoteInvalid = true): RawComparison[] {
  if (filterString.trim() === '') {
    throw new InvalidParameterError(`Invalid filter '${filterString}'. Could not be parsed.`);
  }
  let text = filterString;
  const semicolon = findTopLevelSemicolon(filterString);
  if (semicolon >= 0 && filterString.slice(semicolon + 1).trim() !== '') {
    throw new InvalidParameterError(
      `Search filter contained multiple expression ${pyRepr(filterString)}. Provide AND-ed expression list.`,
    );
  }
  if (semicolon >= 0) text = filterString.slice(0, semicolon);
  const tokens = tokenizeFilter(text);
  if (semicolon >= 0) tokens.push({ kind: 'other', text: ';' });

  const comparisons: RawComparison[] = [];
  const invalid: FilterToken[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i] as FilterToken;
    if (isKeyword(t, 'AND')) {
      i++;
      continue;
    }
    const next = matchComparison(tokens, i, comparisons);
    if (next !== undefined) {
      i = next;
      continue;
    }
    invalid.push(t);
    i++;
  }
  if (invalid.length > 0) {
    const rendered = invalid.map((t) => (quoteInvalid ? quoteToken(t.text) : t.text)).join(', ');
    throw new InvalidParameterError(`Invalid clause(s) in filter string: ${rendered}`);
  }
  return comparisons;
}

function findTopLevelSemicolon(text: string): number {
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      const re = ch === "'" ? RE_SQUOTE : ch === '"' ? RE_DQUOTE : RE_BACKTICK;
      const quoted = matchAt(re, text, i);
      i += quoted === undefined ? 1 : quoted.length;
      continue;
    }
    if (ch === ';') return i;
    i++;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Python-flavoured helpers shared by the parsers
// ---------------------------------------------------------------------------------------------

/** Python's `repr()` of a string (used to echo input in error messages). @internal */
export function pyRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) {
      out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's repr of a set of strings (sorted, since Python's order is arbitrary). @internal */
export function pySetRepr(values: Iterable<string>): string {
  return `{${[...values]
    .sort()
    .map((v) => pyRepr(v))
    .join(', ')}}`;
}

/** Python's repr of a list of strings. @internal */
export function pyListRepr(values: Iterable<string>): string {
  return `[${[...values].map((v) => pyRepr(v)).join(', ')}]`;
}

function isQuoted(value: string, quote: string): boolean {
  return value.length >= 2 && value.startsWith(quote) && value.endsWith(quote);
}

/** `SearchUtils._trim_backticks`: drops surrounding backticks. @internal */
export function trimBackticks(value: string): string {
  return isQuoted(value, '`') ? value.slice(1, -1) : value;
}

/** `SearchUtils._strip_quotes`: drops surrounding single or double quotes. @internal */
export function stripQuotes(value: string, expectQuotedValue = false): string {
  if (isQuoted(value, "'") || isQuoted(value, '"')) return value.slice(1, -1);
  if (expectQuotedValue) {
    throw new InvalidParameterError(
      'Parameter value is either not quoted or unidentified quote types used for string value ' +
        `${value}. Use either single or double quotes.`,
    );
  }
  return value;
}

const ILL_FORMED_LIST =
  'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.';

type PyLiteral = { kind: 'str'; value: string } | { kind: 'other'; repr: string };

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

/** Decodes the body of a Python (non-raw) string literal. */
function decodePyEscapes(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\' || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const e = body[i + 1] as string;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i++;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1))?.[0] ?? e;
      out += String.fromCodePoint(Number.parseInt(oct, 8));
      i += oct.length;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new InvalidParameterError(ILL_FORMED_LIST);
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) throw new InvalidParameterError(ILL_FORMED_LIST);
      out += String.fromCodePoint(code);
      i += 1 + len;
    } else {
      out += `\\${e}`;
      i++;
    }
  }
  return out;
}

/**
 * `SearchUtils._parse_list_from_sql_token`: reads a parenthesised list of quoted strings the way
 * `ast.literal_eval` does (adjacent literals concatenate, a single item needs no comma). @internal
 */
export function parseStringList(parenText: string): string[] {
  const inner = parenText.slice(1, -1);
  const items: PyLiteral[][] = [[]];
  let sawComma = false;
  let i = 0;
  const re =
    /\s+|,|([rRuUbBfF]{0,2})('(?:\\[\s\S]|[^'\\\n])*'|"(?:\\[\s\S]|[^"\\\n])*")|[-+]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJ]?|True|False|None/y;
  while (i < inner.length) {
    re.lastIndex = i;
    const m = re.exec(inner);
    if (!m) throw new InvalidParameterError(ILL_FORMED_LIST);
    const tok = m[0];
    i += tok.length;
    if (/^\s+$/.test(tok)) continue;
    const current = items[items.length - 1] as PyLiteral[];
    if (tok === ',') {
      if (current.length === 0) throw new InvalidParameterError(ILL_FORMED_LIST);
      sawComma = true;
      items.push([]);
      continue;
    }
    const prefix = (m[1] ?? '').toLowerCase();
    if (m[2] !== undefined) {
      if (prefix.includes('f') || (prefix.length > 1 && !/^(rb|br)$/.test(prefix))) {
        throw new InvalidParameterError(ILL_FORMED_LIST);
      }
      const body = m[2].slice(1, -1);
      const lit: PyLiteral = prefix.includes('b')
        ? { kind: 'other', repr: `b${m[2]}` }
        : { kind: 'str', value: prefix.includes('r') ? body : decodePyEscapes(body) };
      current.push(lit);
    } else {
      current.push({ kind: 'other', repr: tok });
    }
  }
  const last = items[items.length - 1] as PyLiteral[];
  if (last.length === 0) items.pop();
  if (items.length === 0) {
    if (sawComma) throw new InvalidParameterError(ILL_FORMED_LIST);
    throw new InvalidParameterError(
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    );
  }
  const values: PyLiteral[] = items.map((parts) => {
    if (parts.length === 1) return parts[0] as PyLiteral;
    // Implicit concatenation only joins string (or bytes) literals.
    if (parts.every((p) => p.kind === 'str')) {
      return { kind: 'str', value: parts.map((p) => (p.kind === 'str' ? p.value : '')).join('') };
    }
    throw new InvalidParameterError(ILL_FORMED_LIST);
  });
  if (values.some((v) => v.kind !== 'str')) {
    const reprs = values.map((v) => (v.kind === 'str' ? pyRepr(v.value) : v.repr));
    const tuple = reprs.length === 1 ? `(${reprs[0]},)` : `(${reprs.join(', ')})`;
    throw new InvalidParameterError(
      'While parsing a list in the query, expected string value, punctuation, or whitespace, but got ' +
        `different type in list: ${tuple}`,
    );
  }
  return values.map((v) => (v.kind === 'str' ? v.value : ''));
}

// ---------------------------------------------------------------------------------------------
// Run filter grammar
// ---------------------------------------------------------------------------------------------

/** Entity a run filter clause (or order_by key) refers to. */
export type RunSearchEntity = 'metric' | 'parameter' | 'tag' | 'attribute' | 'dataset';

/** Comparators for numbers: metrics and numeric attributes. */
export type NumericComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';
/** Comparators for single string values. */
export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
/** Comparators taking a list of strings. */
export type ListComparator = 'IN' | 'NOT IN';
/** Presence checks (tags and params only). */
export type NullComparator = 'IS NULL' | 'IS NOT NULL';
/** Any comparator of the run search grammar. */
export type Comparator = NumericComparator | StringComparator | ListComparator | NullComparator;

/** Run attributes compared as numbers (aliases already resolved). */
export type NumericRunAttribute = 'start_time' | 'end_time';
/** Run attributes compared as strings (aliases already resolved). */
export type StringRunAttribute = 'run_id' | 'run_name' | 'status' | 'user_id' | 'artifact_uri';
/** Dataset fields a run filter can test. */
export type DatasetKey = 'name' | 'digest' | 'context';

/** One AND-ed clause of a run filter, validated and typed. */
export type RunFilterClause =
  | { type: 'metric'; key: string; comparator: NumericComparator; value: number }
  | { type: 'parameter' | 'tag'; key: string; comparator: StringComparator; value: string }
  | { type: 'parameter' | 'tag'; key: string; comparator: NullComparator; value: null }
  | { type: 'attribute'; key: NumericRunAttribute; comparator: NumericComparator; value: number }
  | { type: 'attribute'; key: StringRunAttribute; comparator: StringComparator; value: string }
  | { type: 'attribute'; key: 'run_id'; comparator: ListComparator; value: string[] }
  | { type: 'dataset'; key: DatasetKey; comparator: StringComparator; value: string }
  | { type: 'dataset'; key: DatasetKey; comparator: ListComparator; value: string[] };

/** A clause as `SearchUtils.parse_search_filter` returns it: comparator not yet validated. */
export interface ParsedRunComparison {
  /** Entity the key belongs to. */
  type: RunSearchEntity;
  /** Key as written (quotes and backticks removed; attribute aliases not yet resolved). */
  key: string;
  /** Comparator as written (`IS NULL`, `IS NOT NULL` and `NOT IN` upper-cased). */
  comparator: string;
  /** Value: a string, a number, a list of strings, or null for presence checks. */
  value: string | number | string[] | null;
}

/** Comparators allowed on metrics (`SearchUtils.VALID_METRIC_COMPARATORS`). */
export const VALID_METRIC_COMPARATORS: ReadonlySet<string> = new Set(['>', '>=', '!=', '=', '<', '<=']);
/** Comparators allowed on params (`SearchUtils.VALID_PARAM_COMPARATORS`). */
export const VALID_PARAM_COMPARATORS: ReadonlySet<string> = new Set([
  '!=',
  '=',
  'LIKE',
  'ILIKE',
  'IS NULL',
  'IS NOT NULL',
]);
/** Comparators allowed on tags (`SearchUtils.VALID_TAG_COMPARATORS`). */
export const VALID_TAG_COMPARATORS: ReadonlySet<string> = VALID_PARAM_COMPARATORS;
/** Comparators allowed on string attributes (`SearchUtils.VALID_STRING_ATTRIBUTE_COMPARATORS`). */
export const VALID_STRING_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = new Set([
  '!=',
  '=',
  'LIKE',
  'ILIKE',
  'IN',
  'NOT IN',
]);
/** Comparators allowed on numeric attributes. */
export const VALID_NUMERIC_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = VALID_METRIC_COMPARATORS;
/** Comparators allowed on dataset fields. */
export const VALID_DATASET_COMPARATORS: ReadonlySet<string> = VALID_STRING_ATTRIBUTE_COMPARATORS;

/** Numeric run attributes, aliases included (`SearchUtils.NUMERIC_ATTRIBUTES`). */
export const NUMERIC_RUN_ATTRIBUTES: ReadonlySet<string> = new Set(['start_time', 'end_time', 'created', 'Created']);
/** Attribute keys a run filter accepts (`SearchUtils.VALID_SEARCH_ATTRIBUTE_KEYS`). */
export const VALID_RUN_SEARCH_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'artifact_uri',
  'end_time',
  'run_id',
  'run_name',
  'start_time',
  'status',
  'user_id',
  'created',
  'Created',
  'run name',
  'Run name',
  'Run Name',
]);
/** Attribute keys a run order_by accepts (`SearchUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS`). */
export const VALID_RUN_ORDER_BY_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'artifact_uri',
  'end_time',
  'run_id',
  'run_name',
  'start_time',
  'status',
  'user_id',
  'created',
  'Created',
]);
/** Dataset fields (`SearchUtils.DATASET_ATTRIBUTES`). */
export const DATASET_ATTRIBUTES: ReadonlySet<string> = new Set(['name', 'digest', 'context']);
/** Keys that accept `IN` / `NOT IN` lists in run filters. */
export const LIST_SUPPORTED_RUN_KEYS: ReadonlySet<string> = new Set(['run_id']);

const CANONICAL_ENTITIES = ['metric', 'parameter', 'tag', 'attribute', 'dataset'] as const;
const ENTITY_ALIASES: Readonly<Record<string, RunSearchEntity>> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'parameter',
  parameters: 'parameter',
  param: 'parameter',
  params: 'parameter',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** `SearchUtils.translate_key_alias`: `created` → `start_time`, `run name` → `run_name`. */
export function translateKeyAlias(key: string): string {
  if (key === 'created' || key === 'Created') return 'start_time';
  if (key === 'run name' || key === 'Run name' || key === 'Run Name') return 'run_name';
  return key;
}

/** `SearchUtils._valid_entity_type`: resolves an entity prefix (backticks allowed) to its entity. */
export function resolveRunEntity(entityType: string): RunSearchEntity {
  const trimmed = trimBackticks(entityType);
  const entity = Object.hasOwn(ENTITY_ALIASES, trimmed) ? ENTITY_ALIASES[trimmed] : undefined;
  if (entity === undefined) {
    throw new InvalidParameterError(
      `Invalid entity type '${trimmed}'. Valid values are ${pyListRepr(CANONICAL_ENTITIES)}`,
    );
  }
  return entity;
}

/** `SearchUtils._get_identifier`: splits `entity.key` and validates attribute and dataset keys. */
export function getRunIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
): { type: RunSearchEntity; key: string } {
  const dot = identifier.indexOf('.');
  const type = dot < 0 ? 'attribute' : resolveRunEntity(identifier.slice(0, dot));
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !validAttributes.has(key)) {
    throw new InvalidParameterError(
      `Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(validAttributes)}'`,
    );
  }
  if (type === 'dataset' && !DATASET_ATTRIBUTES.has(key)) {
    throw new InvalidParameterError(
      `Invalid dataset key '${key}' specified. Valid keys are '${pySetRepr(DATASET_ATTRIBUTES)}'`,
    );
  }
  return { type, key };
}

function isStringValueToken(token: FilterToken): boolean {
  return token.kind === 'string' || token.kind === 'ident';
}

/** Value of a numeric attribute token: int for integer literals, float otherwise. */
function numericLiteral(token: FilterToken): number {
  return Number(token.text);
}

/** `SearchUtils._get_value` for runs. */
function getRunValue(type: RunSearchEntity, key: string, token: FilterToken): string | number | string[] {
  if (type === 'metric') {
    if (token.kind !== 'number') {
      throw new InvalidParameterError(`Expected numeric value type for metric. Found ${token.text}`);
    }
    return Number(token.text);
  }
  if (type === 'parameter' || type === 'tag') {
    if (isStringValueToken(token)) return stripQuotes(token.text, true);
    throw new InvalidParameterError(
      `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${token.text}`,
    );
  }
  if (type === 'attribute') {
    if (NUMERIC_RUN_ATTRIBUTES.has(key)) {
      if (token.kind !== 'number') {
        throw new InvalidParameterError(
          `Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`,
        );
      }
      return numericLiteral(token);
    }
    if (isStringValueToken(token)) return stripQuotes(token.text, true);
    if (token.kind === 'paren') {
      if (!LIST_SUPPORTED_RUN_KEYS.has(key)) {
        throw new InvalidParameterError(
          `Only ${pyListRepr([...LIST_SUPPORTED_RUN_KEYS].sort())} attributes support comparison with a list of ` +
            'quoted string values.',
        );
      }
      return parseStringList(token.text);
    }
    throw new InvalidParameterError(`Expected a quoted string value for attributes. Got value ${token.text}`);
  }
  // dataset
  if (isStringValueToken(token)) return stripQuotes(token.text, true);
  if (token.kind === 'paren') return parseStringList(token.text);
  throw new InvalidParameterError(`Expected a quoted string value for dataset attributes. Got value ${token.text}`);
}

/** The `Invalid comparison clause` checks MLflow runs on a grouped comparison. */
function checkComparisonLeft(comparison: RawComparison): void {
  if (comparison.left.kind !== 'ident') {
    throw new InvalidParameterError(`Invalid comparison clause. Expected 'Identifier' found '${comparison.left.text}'`);
  }
}

/**
 * `SearchUtils.parse_search_filter`: parses a run filter into clauses without checking
 * comparators (MLflow checks those later, in the store). Empty or undefined filters give [].
 */
export function parseRunComparisons(filterString: string | null | undefined): ParsedRunComparison[] {
  if (!filterString) return [];
  return groupComparisons(filterString, true).map((comparison) => {
    checkComparisonLeft(comparison);
    const { type, key } = getRunIdentifier(comparison.left.text, VALID_RUN_SEARCH_ATTRIBUTE_KEYS);
    if (comparison.right === undefined) {
      if (type !== 'tag' && type !== 'parameter') {
        throw new InvalidParameterError(
          `IS NULL / IS NOT NULL is only supported for tags and params, not for '${type}' '${key}'`,
        );
      }
      return { type, key, comparator: comparison.comparator, value: null };
    }
    return { type, key, comparator: comparison.comparator, value: getRunValue(type, key, comparison.right) };
  });
}

/** MLflow's message; some of its f-strings (metrics, tags, datasets ...) lack the closing quote. */
function invalidComparator(comparator: string, allowed: ReadonlySet<string>, closed = true): InvalidParameterError {
  return new InvalidParameterError(
    `Invalid comparator '${comparator}' not one of '${pySetRepr(allowed)}${closed ? "'" : ''}`,
  );
}

/**
 * The comparator checks of `_get_sqlalchemy_filter_clauses` (`SearchUtils.is_metric`, `is_param`,
 * ...): turns a parsed comparison into a typed clause, resolving attribute aliases.
 */
export function validateRunComparison(parsed: ParsedRunComparison): RunFilterClause {
  const comparator = parsed.comparator.toUpperCase();
  const key = translateKeyAlias(parsed.key);
  const { type, value } = parsed;
  const isList = Array.isArray(value);
  const listComparator = comparator === 'IN' || comparator === 'NOT IN';
  if (type === 'attribute') {
    if (NUMERIC_RUN_ATTRIBUTES.has(key)) {
      if (!VALID_NUMERIC_ATTRIBUTE_COMPARATORS.has(comparator)) {
        throw invalidComparator(comparator, VALID_STRING_ATTRIBUTE_COMPARATORS, false);
      }
      return {
        type,
        key: key as NumericRunAttribute,
        comparator: comparator as NumericComparator,
        value: value as number,
      };
    }
    if (!VALID_STRING_ATTRIBUTE_COMPARATORS.has(comparator)) {
      throw invalidComparator(comparator, VALID_STRING_ATTRIBUTE_COMPARATORS);
    }
    if (isList !== listComparator) throw listMismatch(comparator, key);
    if (isList) return { type, key: 'run_id', comparator: comparator as ListComparator, value };
    return {
      type,
      key: key as StringRunAttribute,
      comparator: comparator as StringComparator,
      value: value as string,
    };
  }
  if (type === 'metric') {
    if (!VALID_METRIC_COMPARATORS.has(comparator)) {
      throw invalidComparator(comparator, VALID_METRIC_COMPARATORS, false);
    }
    return { type, key, comparator: comparator as NumericComparator, value: value as number };
  }
  if (type === 'parameter' || type === 'tag') {
    const allowed = type === 'parameter' ? VALID_PARAM_COMPARATORS : VALID_TAG_COMPARATORS;
    if (!allowed.has(comparator)) throw invalidComparator(comparator, allowed, type === 'parameter');
    if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
      return { type, key, comparator, value: null };
    }
    return { type, key, comparator: comparator as StringComparator, value: value as string };
  }
  if (!VALID_DATASET_COMPARATORS.has(comparator)) {
    throw invalidComparator(comparator, VALID_DATASET_COMPARATORS, false);
  }
  if (isList !== listComparator) throw listMismatch(comparator, key);
  if (isList) return { type, key: key as DatasetKey, comparator: comparator as ListComparator, value };
  return { type, key: key as DatasetKey, comparator: comparator as StringComparator, value: value as string };
}

function listMismatch(comparator: string, key: string): InvalidParameterError {
  const expected = comparator === 'IN' || comparator === 'NOT IN' ? 'a list of quoted strings' : 'a single value';
  return new InvalidParameterError(`Comparator '${comparator}' for '${key}' requires ${expected}.`);
}

/** Parses and validates a run filter string into typed clauses (empty filter → []). */
export function parseRunFilter(filterString: string | null | undefined): RunFilterClause[] {
  return parseRunComparisons(filterString).map(validateRunComparison);
}
