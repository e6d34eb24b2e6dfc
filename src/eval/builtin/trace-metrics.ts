import { Feedback } from '../../tracking/entities/assessment.js';
import { TraceMetadataKey } from '../../tracking/entities/index.js';
import { InvalidParameterError } from '../../tracking/errors.js';
import { type CustomScorer, scorer } from '../scorer.js';
import type { Aggregation } from '../types.js';
import { outputText } from './text.js';

/** Options of {@link latency}. */
export interface LatencyOptions {
  name?: string;
  /** With a threshold the value is a pass (duration ≤ threshold) instead of the duration. */
  thresholdMs?: number;
  /** `['mean', 'p90', 'max']` by default. */
  aggregations?: readonly Aggregation[];
}

/** The trace's execution duration in ms (or whether it is within `thresholdMs`). */
export function latency(options: LatencyOptions = {}): CustomScorer {
  const name = options.name ?? 'latency';
  if (options.thresholdMs !== undefined && !(options.thresholdMs >= 0)) {
    throw new InvalidParameterError(`Invalid thresholdMs ${options.thresholdMs} for ${name}: must be >= 0.`);
  }
  const aggregations = options.aggregations ?? (options.thresholdMs === undefined ? ['mean', 'p90', 'max'] : ['mean']);
  return scorer({ name, aggregations }, ({ trace }) => {
    const ms = trace?.info.executionDuration;
    if (ms === null || ms === undefined)
      throw new InvalidParameterError(`${name} needs the row's trace and its duration.`);
    if (options.thresholdMs === undefined) return ms;
    return new Feedback({
      name,
      value: ms <= options.thresholdMs,
      rationale: `${ms} ms (limit ${options.thresholdMs} ms)`,
    });
  });
}

/** Options of {@link tokenCount}. */
export interface TokenCountOptions {
  name?: string;
  /** Count the output's tokens with this function instead (e.g. a transformers.js tokenizer's length). */
  tokenizer?: (text: string) => number | Promise<number>;
  /** Which count of the trace's token usage to report (`total_tokens` by default). */
  usageKey?: 'input_tokens' | 'output_tokens' | 'total_tokens';
  aggregations?: readonly Aggregation[];
}

/** Words and punctuation marks, Unicode-aware: `"Hello, world!"` is 4 tokens. */
export function countWordTokens(text: string): number {
  return text.match(/[\p{L}\p{N}\p{M}_]+|[^\s\p{L}\p{N}\p{M}_]/gu)?.length ?? 0;
}

/**
 * Tokens used: the trace's token usage (`mlflow.trace.tokenUsage`) when the application reported it,
 * else the output's tokens by `tokenizer` (words and punctuation by default).
 */
export function tokenCount(options: TokenCountOptions = {}): CustomScorer {
  const name = options.name ?? 'token_count';
  const key = options.usageKey ?? 'total_tokens';
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, async (input) => {
    const usage = input.trace?.info.traceMetadata[TraceMetadataKey.TOKEN_USAGE];
    if (usage && !options.tokenizer) {
      try {
        const n = (JSON.parse(usage) as Record<string, unknown>)[key];
        if (typeof n === 'number') return n;
      } catch {
        // Unreadable usage: count the output instead.
      }
    }
    const text = outputText(input.outputs);
    return options.tokenizer ? await options.tokenizer(text) : countWordTokens(text);
  });
}

/** Options of {@link success}. */
export interface SuccessOptions {
  name?: string;
  aggregations?: readonly Aggregation[];
}

/**
 * The seed pipeline's success check: the application answered (no error on the trace) with a
 * non-empty answer.
 */
export function success(options: SuccessOptions = {}): CustomScorer {
  const name = options.name ?? 'success';
  return scorer(
    { name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) },
    ({ outputs, trace }) => {
      if (trace && trace.info.state === 'ERROR')
        return new Feedback({ name, value: false, rationale: 'The trace ended in ERROR.' });
      const empty = outputText(outputs).trim() === '';
      return new Feedback({ name, value: !empty, rationale: empty ? 'The answer is empty.' : null });
    },
  );
}
