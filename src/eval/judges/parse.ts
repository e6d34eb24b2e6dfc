/**
 * Reading a judge model's answer: a verdict (`yes`/`no`, MLflow's `CategoricalRating`) and a
 * rationale, from JSON, fenced JSON, JSON inside prose, or labelled lines such as `Verdict: yes`.
 */

/** MLflow's categorical judge values (`mlflow.genai.judges.CategoricalRating`). */
export const CategoricalRating = {
  YES: 'yes',
  NO: 'no',
  UNKNOWN: 'unknown',
} as const;
/** One of {@link CategoricalRating}'s values. */
export type CategoricalRating = (typeof CategoricalRating)[keyof typeof CategoricalRating];

// MLflow's `_AFFIRMATIVE_VALUES` / `_NEGATIVE_VALUES` (mlflow/genai/judges/constants.py): the words a
// judge may answer with that mean yes or no.
const AFFIRMATIVE: ReadonlySet<string> = new Set(
  (
    'true pass passed correct success 1 1.0 yes y yea yeah affirmative absolutely certainly indeed sure ok okay ' +
    'agree accepted right positive accurate valid validity confirmed approved complete completed good great ' +
    'excellent active enabled on present found match matched validated approve accept pos'
  ).split(' '),
);
const NEGATIVE: ReadonlySet<string> = new Set([
  ...(
    'false fail failed incorrect failure 0 0.0 no n nah nope negative reject rejected disagree invalid inaccurate ' +
    'wrong declined denied incomplete bad poor inactive disabled off missing absent notfound mismatch mismatched ' +
    'none null nil deny disapprove disapproved neg'
  ).split(' '),
  'not approved',
]);

/**
 * MLflow's `_sanitize_scorer_feedback`: a judge value in any of the usual spellings becomes `yes` or
 * `no`; another string becomes `unknown` (`CategoricalRating._missing_`). Booleans and 1/0 count.
 */
export function toCategoricalRating(value: unknown): CategoricalRating {
  if (typeof value === 'boolean') return value ? CategoricalRating.YES : CategoricalRating.NO;
  if (typeof value === 'number') return toCategoricalRating(String(value));
  if (typeof value !== 'string') return CategoricalRating.UNKNOWN;
  const s = value.trim().toLowerCase();
  if (AFFIRMATIVE.has(s)) return CategoricalRating.YES;
  if (NEGATIVE.has(s)) return CategoricalRating.NO;
  return CategoricalRating.UNKNOWN;
}

/** A parsed judge answer. */
export interface JudgeVerdict {
  /** The verdict as the judge wrote it (before {@link toCategoricalRating}). */
  result: unknown;
  /** The judge's explanation; `''` when it gave none. */
  rationale: string;
}

const RESULT_KEYS = ['result', 'verdict', 'answer', 'rating', 'judgement', 'judgment', 'decision', 'value', 'label'];
const RATIONALE_KEYS = ['rationale', 'reason', 'reasoning', 'explanation', 'justification', 'rationale_text'];

/** `_strip_markdown_code_blocks`: the body of a leading ``` fence, or of a ```json block inside prose. */
export function stripCodeFences(text: string): string {
  const cleaned = text.trim();
  if (cleaned.startsWith('```')) {
    const lines = cleaned.split('\n');
    if (lines.length === 1) return cleaned.replace(/^```[\w-]*|```$/g, '').trim();
    let end = lines.length;
    const close = lines.findIndex((line, i) => i > 0 && line.trim() === '```');
    if (close > 0) end = close;
    else {
      const glued = lines.findIndex((line, i) => i > 0 && line.trimEnd().endsWith('```'));
      if (glued > 0) {
        lines[glued] = (lines[glued] as string).trimEnd().slice(0, -3);
        end = glued + 1;
      }
    }
    return lines.slice(1, end).join('\n').trim();
  }
  const embedded = /```(?:json)?\s*\n([\s\S]*?)\n\s*```/i.exec(cleaned);
  return embedded ? (embedded[1] as string).trim() : cleaned;
}

/** The first balanced `{...}` in `text` (quotes respected), or undefined. */
function firstJsonObject(text: string): string | undefined {
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        const candidate = text.slice(start, i + 1);
        if (tryParseObject(candidate)) return candidate;
        break;
      }
    }
  }
  return undefined;
}

// `json.loads(strict=False)` accepts raw newlines and tabs inside strings; JSON.parse does not.
function escapeControlCharsInStrings(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      if (ch === '\\') {
        out += ch + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') inString = false;
      else if (ch < ' ') {
        out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
        continue;
      }
    } else if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  const lenient = escapeControlCharsInStrings(text);
  for (const candidate of [text, lenient, lenient.replace(/,\s*([}\]])/g, '$1')]) {
    try {
      const value = JSON.parse(candidate) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not JSON (yet): the caller tries the next form
    }
  }
  return undefined;
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): unknown {
  const lower = new Map(Object.entries(obj).map(([k, v]) => [k.toLowerCase(), v]));
  for (const key of keys) if (lower.has(key)) return lower.get(key);
  return undefined;
}

function fromObject(obj: Record<string, unknown>): JudgeVerdict | undefined {
  const result = pick(obj, RESULT_KEYS);
  if (result === undefined || result === null) return undefined;
  const rationale = pick(obj, RATIONALE_KEYS);
  return {
    result,
    rationale:
      rationale === undefined || rationale === null
        ? ''
        : typeof rationale === 'string'
          ? rationale
          : JSON.stringify(rationale),
  };
}

const LABEL = `(?:${RESULT_KEYS.join('|')}|final answer|assessment)`;
const VERDICT_LINE = new RegExp(
  `^[\\s>*#_-]*${LABEL}[\\s*_]*[:=-][\\s*_"'\`]*([A-Za-z][A-Za-z ]*?|[01])[\\s*_"'\`.!]*$`,
  'im',
);
const RATIONALE_LINE = new RegExp(
  `^[\\s>*#_-]*(?:${RATIONALE_KEYS.join('|')})[\\s*_]*[:=-]\\s*([\\s\\S]+?)\\s*$`,
  'im',
);

/**
 * Parses a judge's reply: a JSON object (bare, fenced, or inside prose) with a `result` (or
 * `verdict`, `answer`, ...) and a `rationale` (or `reason`, `explanation`, ...); else labelled lines
 * (`Verdict: yes`, `Rationale: ...`); else a reply that is just a yes/no word. Undefined when none
 * of these is there.
 */
export function parseJudgeResponse(text: string): JudgeVerdict | undefined {
  if (typeof text !== 'string') return undefined;
  const body = stripCodeFences(text);
  const direct = tryParseObject(body);
  const fromDirect = direct && fromObject(direct);
  if (fromDirect) return { ...fromDirect, rationale: sanitizeJustification(fromDirect.rationale) };
  const embedded = firstJsonObject(text);
  const fromEmbedded = embedded ? fromObject(tryParseObject(embedded) as Record<string, unknown>) : undefined;
  if (fromEmbedded) return { ...fromEmbedded, rationale: sanitizeJustification(fromEmbedded.rationale) };
  const verdict = VERDICT_LINE.exec(body);
  if (verdict && toCategoricalRating(verdict[1]) !== CategoricalRating.UNKNOWN) {
    // The rationale is the labelled line, else everything but the verdict line.
    const labelled = RATIONALE_LINE.exec(body.replace(verdict[0], ''));
    const rest = body.replace(verdict[0], '').trim();
    return {
      result: (verdict[1] as string).trim(),
      rationale: sanitizeJustification(labelled ? (labelled[1] as string) : rest),
    };
  }
  const bare = body.replace(/^["'`*_\s]+|["'`*_.!\s]+$/g, '');
  if (/^[A-Za-z]+$/.test(bare) && toCategoricalRating(bare) !== CategoricalRating.UNKNOWN) {
    return { result: bare, rationale: '' };
  }
  return undefined;
}

/** `_sanitize_justification`: drops the chain-of-thought opener some models prepend. */
function sanitizeJustification(text: string): string {
  return text.replace("Let's think step by step. ", '');
}
