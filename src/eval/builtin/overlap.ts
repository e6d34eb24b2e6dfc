import { InvalidParameterError } from '../../tracking/errors.js';
import { type CustomScorer, scorer } from '../scorer.js';
import type { Aggregation } from '../types.js';
import { codePoints, outputText, type ReferenceOptions, referenceText } from './text.js';

/** Options of the overlap scorers. */
export interface OverlapOptions extends ReferenceOptions {
  name?: string;
  aggregations?: readonly Aggregation[];
}

// ------------------------------------------------------------------------------------------ ROUGE-L

/**
 * `rouge_score`'s default tokenizer (no stemming): lower-cased, every run of characters other than
 * `a-z0-9` a separator. (So text with no ASCII letters or digits has no tokens, as in rouge-score.)
 */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '');
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, cur[j - 1] as number);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] as number;
}

/** ROUGE-L of a prediction against a reference: precision, recall and F-measure (`RougeScorer(['rougeL'])`). */
export function rougeLScore(
  reference: string,
  prediction: string,
): { precision: number; recall: number; fmeasure: number } {
  const ref = rougeTokens(reference);
  const pred = rougeTokens(prediction);
  if (ref.length === 0 || pred.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(ref, pred);
  const precision = lcs / pred.length;
  const recall = lcs / ref.length;
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fmeasure };
}

/** ROUGE-L F-measure of the output against the reference (`expected_response`), as rouge-score computes it. */
export function rougeL(options: OverlapOptions = {}): CustomScorer {
  const name = options.name ?? 'rouge_l';
  return scorer(
    { name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) },
    (input) => rougeLScore(referenceText(name, input, options), outputText(input.outputs)).fmeasure,
  );
}

// ------------------------------------------------------------------------------------------ BLEU

const RE_SYMBOLS = /([{-~[-` -&(-+:-@/])/g;
const RE_PERIOD_COMMA_AFTER = /([^0-9])([.,])/g;
const RE_PERIOD_COMMA_BEFORE = /([.,])([^0-9])/g;
const RE_DASH = /([0-9])(-)/g;
/** What Python's `str.split()` splits on (Unicode whitespace; unlike JS `\s`, not U+FEFF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python's str.split() splits on U+001C..U+001F too.
const PY_WHITESPACE = /[\t\n\v\f\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** sacrebleu's `13a` tokenizer (mteval-v13a). */
export function tokenize13a(line: string): string[] {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  s = ` ${s} `
    .replace(RE_SYMBOLS, ' $1 ')
    .replace(RE_PERIOD_COMMA_AFTER, '$1 $2 ')
    .replace(RE_PERIOD_COMMA_BEFORE, ' $1 $2')
    .replace(RE_DASH, '$1 $2 ');
  // Python's str.split(): runs of whitespace, Unicode-aware.
  return s.split(PY_WHITESPACE).filter((t) => t !== '');
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/**
 * Sentence BLEU as `sacrebleu.sentence_bleu(hypothesis, [reference])` computes it (13a tokens, exponential
 * smoothing, effective order), on sacrebleu's 0-100 scale.
 */
export function sentenceBleu(hypothesis: string, reference: string, maxOrder = 4): number {
  const hyp = tokenize13a(hypothesis.trimEnd());
  const ref = tokenize13a(reference.trimEnd());
  const correct: number[] = [];
  const total: number[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const h = ngramCounts(hyp, n);
    const r = ngramCounts(ref, n);
    let c = 0;
    for (const [k, v] of h) c += Math.min(v, r.get(k) ?? 0);
    correct.push(c);
    total.push(Math.max(0, hyp.length - n + 1));
  }
  const sysLen = hyp.length;
  const refLen = ref.length;
  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  if (!correct.some((c) => c > 0)) return 0;
  const precisions = new Array<number>(maxOrder).fill(0);
  let smooth = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (total[n - 1] === 0) break;
    effOrder = n;
    if (correct[n - 1] === 0) {
      smooth *= 2;
      precisions[n - 1] = 100 / (smooth * (total[n - 1] as number));
    } else {
      precisions[n - 1] = (100 * (correct[n - 1] as number)) / (total[n - 1] as number);
    }
  }
  let sum = 0;
  for (const p of precisions.slice(0, effOrder)) sum += p > 0 ? Math.log(p) : -9999999999;
  return bp * Math.exp(sum / effOrder);
}

/** Options of {@link bleu}. */
export interface BleuOptions extends OverlapOptions {
  /** Largest n-gram (4). */
  maxOrder?: number;
}

/** Sentence BLEU of the output against the reference, as sacrebleu computes it, scaled to 0-1. */
export function bleu(options: BleuOptions = {}): CustomScorer {
  const name = options.name ?? 'bleu';
  const maxOrder = options.maxOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) {
    throw new InvalidParameterError(`Invalid maxOrder ${maxOrder} for ${name}: must be an integer >= 1.`);
  }
  return scorer(
    { name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) },
    (input) => sentenceBleu(outputText(input.outputs), referenceText(name, input, options), maxOrder) / 100,
  );
}

// ------------------------------------------------------------------------------------------ edit distance

/** Levenshtein distance over Unicode code points (insert, delete, substitute: cost 1 each). */
export function levenshtein(a: string, b: string): number {
  const x = codePoints(a);
  const y = codePoints(b);
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  let cur = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length] as number;
}

/** Levenshtein distance divided by the longer length in code points: 0 identical, 1 nothing shared; 0 for two empty strings. */
export function normalizedEditDistance(a: string, b: string): number {
  const longest = Math.max(codePoints(a).length, codePoints(b).length);
  return longest === 0 ? 0 : levenshtein(a, b) / longest;
}

/** Normalised edit distance between the output and the reference (lower is closer). */
export function editDistance(options: OverlapOptions = {}): CustomScorer {
  const name = options.name ?? 'edit_distance';
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, (input) =>
    normalizedEditDistance(outputText(input.outputs), referenceText(name, input, options)),
  );
}
