/** The pipeline's evaluation step: the configured built-in scorers over the test answers. */
import type { TestQuestion } from '../config/e2e.js';
import {
  bleu,
  contains,
  editDistance,
  exactMatch,
  includesAll,
  latency,
  rougeL,
  success,
  tokenCount,
  validJson,
} from '../eval/builtin/index.js';
import { evaluate } from '../eval/evaluate.js';
import type { Scorer } from '../eval/types.js';
import { invalidParameter } from '../tracking/errors.js';
import { withRun } from '../tracking/fluent.js';
import type { E2EQuestionResult } from './summary.js';

/**
 * Built-in scorers the pipeline's `scorers` setting can name. Reference-based ones (`exact_match`, `contains`,
 * `includes_all`, `rouge_l`, `bleu`, `edit_distance`) read the question's expectations (`expected_response`,
 * `expected_facts`).
 */
export const E2E_SCORERS: Readonly<Record<string, () => Scorer>> = Object.freeze({
  non_empty: () => success({ name: 'non_empty' }),
  success: () => success(),
  latency: () => latency(),
  token_count: () => tokenCount(),
  exact_match: () => exactMatch(),
  contains: () => contains(),
  includes_all: () => includesAll(),
  rouge_l: () => rougeL(),
  bleu: () => bleu(),
  edit_distance: () => editDistance(),
  valid_json: () => validJson(),
});

/** Names accepted in the pipeline's `scorers` setting. */
export const E2E_SCORER_NAMES: readonly string[] = Object.freeze(Object.keys(E2E_SCORERS));

/** The scorers for `names`; an unknown name is an INVALID_PARAMETER_VALUE naming it and the known ones. */
export function e2eScorers(names: readonly string[]): Scorer[] {
  return names.map((name, i) => {
    const make = E2E_SCORERS[name];
    if (!make) {
      throw invalidParameter(
        `scorers[${i}]: unknown scorer '${name}' (built-in scorers: ${E2E_SCORER_NAMES.join(', ')})`,
      );
    }
    return make();
  });
}

/** What {@link evaluateAnswers} needs. */
export interface EvaluateAnswersOptions {
  answers: E2EQuestionResult[];
  /** Answers each question again under a trace per row (so latency and spans are real); else the recorded answers are scored. */
  predict?: (question: string) => Promise<string>;
  expectations: Map<string, TestQuestion>;
  scorerNames: readonly string[];
  signal?: AbortSignal;
}

/**
 * Runs `evaluate` over the answers in a nested `evaluation` run: a trace per row with the scorers' feedback
 * and the questions' expectations as assessments, aggregate metrics on that run.
 */
export async function evaluateAnswers(
  options: EvaluateAnswersOptions,
): Promise<{ runId: string; metrics: Record<string, number>; traces: number }> {
  const scorers = e2eScorers(options.scorerNames);
  const data = options.answers.map((a) => {
    const expectations = options.expectations.get(a.question)?.expectations;
    return {
      inputs: { question: a.question },
      ...(options.predict ? {} : { outputs: a.answer }),
      ...(expectations ? { expectations } : {}),
    };
  });
  return withRun({ runName: 'evaluation', nested: true }, async (run) => {
    const result = await evaluate({
      data,
      scorers,
      ...(options.predict
        ? { predictFn: (inputs: Record<string, unknown>) => options.predict!(String(inputs.question)) }
        : {}),
      concurrency: 1,
      quiet: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      runId: run.info.runId,
      metrics: result.metrics,
      traces: result.rows.filter((r) => r.traceId).length,
    };
  });
}
