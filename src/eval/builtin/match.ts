import { Feedback } from '../../tracking/entities/assessment.js';
import { InvalidParameterError } from '../../tracking/errors.js';
import { type CustomScorer, scorer } from '../scorer.js';
import type { Aggregation } from '../types.js';
import { outputText, type ReferenceOptions, referenceList, referenceText } from './text.js';

/** Options shared by the text-matching scorers. */
export interface MatchOptions extends ReferenceOptions {
  /** Assessment and metric name. */
  name?: string;
  /** Compare case-sensitively (true by default for exact match, false for contains / includes-all). */
  caseSensitive?: boolean;
  /** Trim surrounding whitespace first (true by default). */
  trim?: boolean;
  aggregations?: readonly Aggregation[];
}

function normalise(text: string, options: MatchOptions, caseDefault: boolean): string {
  let t = options.trim === false ? text : text.trim();
  if (!(options.caseSensitive ?? caseDefault)) t = t.toLowerCase();
  // One Unicode form, so composed and decomposed accents compare equal.
  return t.normalize('NFC');
}

/** True when the output equals the reference (`expected_response`), after trimming; case-sensitive by default. */
export function exactMatch(options: MatchOptions = {}): CustomScorer {
  const name = options.name ?? 'exact_match';
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, (input) => {
    const expected = referenceText(name, input, options);
    return normalise(outputText(input.outputs), options, true) === normalise(expected, options, true);
  });
}

/** True when the output contains the reference text; case-insensitive by default. */
export function contains(options: MatchOptions = {}): CustomScorer {
  const name = options.name ?? 'contains';
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, (input) => {
    const expected = normalise(referenceText(name, input, options), options, false);
    return normalise(outputText(input.outputs), options, false).includes(expected);
  });
}

/** Options of {@link includesAll}. */
export interface IncludesAllOptions extends Omit<MatchOptions, 'expected'> {
  /** Fixed terms; else the list in `expectations[expectation]` (`expected_facts` by default). */
  terms?: readonly string[];
}

/**
 * True when the output contains every term (case-insensitive by default); the rationale lists the
 * missing ones.
 */
export function includesAll(options: IncludesAllOptions = {}): CustomScorer {
  const name = options.name ?? 'includes_all';
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, (input) => {
    const terms = options.terms
      ? [...options.terms]
      : referenceList(name, input, options.expectation ?? 'expected_facts');
    const text = normalise(outputText(input.outputs), options, false);
    const missing = terms.filter((t) => !text.includes(normalise(t, options, false)));
    return new Feedback({
      name,
      value: missing.length === 0,
      rationale:
        missing.length === 0
          ? `All ${terms.length} terms found.`
          : `Missing ${missing.length} of ${terms.length}: ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
    });
  });
}

/** Options of {@link regexMatch}. */
export interface RegexMatchOptions {
  name?: string;
  /** A RegExp, or a pattern string (compiled with `flags`, Unicode-aware). */
  pattern: RegExp | string;
  flags?: string;
  /** Require the whole output to match (false: a match anywhere). */
  fullMatch?: boolean;
  aggregations?: readonly Aggregation[];
}

/** True when the output matches a regular expression. */
export function regexMatch(options: RegexMatchOptions): CustomScorer {
  const name = options?.name ?? 'regex_match';
  let re: RegExp;
  try {
    const source = typeof options.pattern === 'string' ? options.pattern : options.pattern.source;
    const flags = (typeof options.pattern === 'string' ? (options.flags ?? 'u') : options.pattern.flags).replace(
      /[gy]/g,
      '',
    );
    re = new RegExp(options.fullMatch ? `^(?:${source})$` : source, flags);
  } catch (err) {
    throw new InvalidParameterError(
      `Invalid pattern ${JSON.stringify(String(options?.pattern))} for ${name}: ${(err as Error).message}`,
    );
  }
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, (input) =>
    re.test(outputText(input.outputs)),
  );
}
