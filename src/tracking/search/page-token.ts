/**
 * MLflow's offset page tokens (`SearchUtils.create_page_token` /
 * `parse_start_offset_from_page_token`): base64 of the JSON `{"offset": N}`, byte-identical to the
 * ones Python MLflow makes, and the `max_results` limits of `SqlAlchemyStore`.
 */

import { InvalidParameterError } from '../errors.js';

/** Default page size of MLflow's search APIs (`SEARCH_MAX_RESULTS_DEFAULT`). */
export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
/** Largest `max_results` MLflow accepts (`SEARCH_MAX_RESULTS_THRESHOLD`). */
export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;

/** Encodes an offset as MLflow does: `base64(json.dumps({"offset": offset}))`. */
export function createPageToken(offset: number): string {
  if (!Number.isSafeInteger(offset)) {
    throw new InvalidParameterError(`Invalid page token offset ${offset}: it must be an integer`);
  }
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

const B64_TABLE = new Map<string, number>(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]),
);

/**
 * Python's non-strict `base64.b64decode`: characters outside the alphabet are skipped, decoding
 * stops at complete padding, and a short final quantum is an error. Returns undefined on error.
 * @internal
 */
export function pyB64Decode(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (const ch of text) {
    if (ch === '=') {
      if (quadPos >= 2 && quadPos + ++pads >= 4) {
        quadPos = 0;
        break;
      }
      continue;
    }
    const v = B64_TABLE.get(ch);
    if (v === undefined) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        leftChar = v;
        quadPos = 1;
        break;
      case 1:
        out.push((leftChar << 2) | (v >> 4));
        leftChar = v & 0x0f;
        quadPos = 2;
        break;
      case 2:
        out.push((leftChar << 4) | (v >> 2));
        leftChar = v & 0x03;
        quadPos = 3;
        break;
      default:
        out.push((leftChar << 6) | v);
        quadPos = 0;
    }
  }
  if (quadPos !== 0) return undefined;
  return Uint8Array.from(out);
}

/** Python's `repr()` of a bytes value, for error messages. */
function pyBytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const hasDouble = bytes.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = `b${quote}`;
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (String.fromCharCode(b) === quote) out += `\\${quote}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}${quote}`;
}

/** Python's `repr()` of a parsed JSON value (approximate; for error messages). */
function pyValueRepr(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(pyValueRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `'${k}': ${pyValueRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python's `int()` of a JSON value, or undefined where Python raises. */
function pyInt(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === 'string') {
    const s = value.trim();
    if (!/^[+-]?\d+(_\d+)*$/.test(s)) return undefined;
    return Number.parseInt(s.replaceAll('_', ''), 10);
  }
  return undefined;
}

/**
 * Decodes a page token to its start offset (`SearchUtils.parse_start_offset_from_page_token`);
 * an empty or missing token is offset 0. Tokens Python MLflow made decode to the same offset, and
 * malformed ones fail with MLflow's messages (`INVALID_PARAMETER_VALUE`).
 */
export function parseStartOffsetFromPageToken(pageToken: string | null | undefined): number {
  if (!pageToken) return 0;
  // Python refuses non-ASCII text before decoding; it is not a token MLflow could have made.
  const decoded = /^\p{ASCII}*$/u.test(pageToken) ? pyB64Decode(pageToken) : undefined;
  if (decoded === undefined) {
    throw new InvalidParameterError('Invalid page token, could not base64-decode');
  }
  let parsed: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(decoded);
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidParameterError(`Invalid page token, decoded value=${pyBytesRepr(decoded)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidParameterError(`Invalid page token, parsed value=${pyValueRepr(parsed)}`);
  }
  const offsetValue = (parsed as Record<string, unknown>).offset;
  // Python's `if not offset_str`: a missing, null, zero, false or empty offset is rejected.
  if (
    offsetValue === undefined ||
    offsetValue === null ||
    offsetValue === 0 ||
    offsetValue === false ||
    offsetValue === '' ||
    (Array.isArray(offsetValue) && offsetValue.length === 0) ||
    (typeof offsetValue === 'object' && !Array.isArray(offsetValue) && Object.keys(offsetValue).length === 0)
  ) {
    throw new InvalidParameterError(`Invalid page token, parsed value=${pyValueRepr(parsed)}`);
  }
  const offset = pyInt(offsetValue);
  if (offset === undefined) {
    const shown = typeof offsetValue === 'string' ? offsetValue : pyValueRepr(offsetValue);
    throw new InvalidParameterError(`Invalid page token, not stringable ${shown}`);
  }
  return offset;
}

/**
 * `SqlAlchemyStore._validate_max_results_param`: `max_results` must be a positive integer of at
 * most {@link SEARCH_MAX_RESULTS_THRESHOLD}; null/undefined only when `allowNull` (run search).
 */
export function validateMaxResults(maxResults: number | null | undefined, allowNull = false): void {
  const isNull = maxResults === null || maxResults === undefined;
  if ((!allowNull && isNull) || (!isNull && (maxResults < 1 || !Number.isInteger(maxResults)))) {
    throw new InvalidParameterError(
      `Invalid value ${isNull ? 'None' : maxResults} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  }
  if (!isNull && maxResults > SEARCH_MAX_RESULTS_THRESHOLD) {
    throw new InvalidParameterError(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most ${SEARCH_MAX_RESULTS_THRESHOLD}`,
    );
  }
}
