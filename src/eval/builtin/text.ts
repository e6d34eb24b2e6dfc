import { pyJsonDumps } from '../../internal/python-json.js';
import { InvalidParameterError } from '../../tracking/errors.js';
import type { ScorerInput } from '../types.js';

/** Where a built-in scorer reads its reference: a fixed value, or an expectation by name. */
export interface ReferenceOptions {
  /** The expectation holding the reference (`expected_response` by default). */
  expectation?: string;
  /** A fixed reference instead of an expectation. */
  expected?: string;
}

/**
 * The text of an output: strings as they are, numbers and booleans printed, null as `""`, chat
 * completions (`choices[0].message.content`) and `{content}` / `{text}` objects by their text, anything
 * else as JSON.
 */
export function outputText(outputs: unknown): string {
  if (outputs === null || outputs === undefined) return '';
  if (typeof outputs === 'string') return outputs;
  if (typeof outputs === 'number' || typeof outputs === 'boolean' || typeof outputs === 'bigint')
    return String(outputs);
  if (typeof outputs === 'object') {
    const o = outputs as Record<string, unknown>;
    const choice = Array.isArray(o.choices) ? (o.choices[0] as Record<string, unknown> | undefined) : undefined;
    const message = choice?.message as Record<string, unknown> | undefined;
    if (typeof message?.content === 'string') return message.content;
    if (typeof o.content === 'string') return o.content;
    if (typeof o.text === 'string') return o.text;
  }
  return pyJsonDumps(outputs);
}

/** The reference text of a row; an error naming the missing expectation when there is none. */
export function referenceText(scorerName: string, input: ScorerInput, options: ReferenceOptions): string {
  if (options.expected !== undefined) return options.expected;
  const key = options.expectation ?? 'expected_response';
  const value = input.expectations?.[key];
  if (value === undefined || value === null) {
    throw new InvalidParameterError(
      `${scorerName} needs expectations.${key} (or the \`expected\` option); this row has none.`,
    );
  }
  return outputText(value);
}

/** A list of expected terms from an expectation: a list as is, a string as one term. */
export function referenceList(scorerName: string, input: ScorerInput, key: string): string[] {
  const value = input.expectations?.[key];
  if (value === undefined || value === null) {
    throw new InvalidParameterError(
      `${scorerName} needs expectations.${key} (or the \`terms\` option); this row has none.`,
    );
  }
  return Array.isArray(value) ? value.map(outputText) : [outputText(value)];
}

/** Unicode code points of `s` (Python's `len` and indexing unit). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}
