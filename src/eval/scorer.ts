import { InvalidParameterError } from '../tracking/errors.js';
import type { Aggregation, AggregationName, Scorer, ScorerInput, ScorerReturn } from './types.js';

/** The aggregation names MLflow knows (`_AGGREGATE_FUNCTIONS`). */
export const AGGREGATION_NAMES: readonly AggregationName[] = ['min', 'max', 'mean', 'median', 'variance', 'p90'];

/** Options of {@link scorer}. */
export interface ScorerOptions {
  /** Assessment and metric name; the function's name by default. */
  name?: string;
  /** Aggregations logged as run metrics (`['mean']` by default). */
  aggregations?: readonly Aggregation[];
  /** What the scorer checks, for humans. */
  description?: string;
}

/** The function behind a custom scorer: receives the row, returns a value, Feedback(s) or nothing. */
export type ScorerFn = (input: ScorerInput) => ScorerReturn | Promise<ScorerReturn>;

/**
 * A scorer made by {@link scorer}: callable like its function (`s({inputs, outputs})`), and a
 * {@link Scorer} (`name`, `aggregations`, `run`) that `evaluate` accepts.
 */
export interface CustomScorer extends Scorer {
  (input: Partial<ScorerInput>): ScorerReturn | Promise<ScorerReturn>;
  readonly name: string;
  readonly aggregations: readonly Aggregation[] | undefined;
  /** The description given at creation, if any. */
  readonly description: string | undefined;
  run(input: ScorerInput): ScorerReturn | Promise<ScorerReturn>;
}

/** A scorer decorator for class methods (TC39 or TypeScript's `experimentalDecorators`). */
export type ScorerDecorator = MethodDecorator &
  (<F extends (this: unknown, input: ScorerInput) => ScorerReturn | Promise<ScorerReturn>>(
    value: F,
    context: ClassMethodDecoratorContext,
  ) => F & CustomScorer);

/**
 * Define a custom scorer (MLflow's `@scorer`). `fn` receives `{inputs, outputs, expectations, trace}`
 * and returns a boolean, number or string (one CODE feedback named after the scorer), a `Feedback`, a
 * list of them, or nothing. A scorer that throws yields a feedback carrying the error.
 *
 * ```ts
 * const exact = scorer({ name: 'exact_match', aggregations: ['mean', 'min'] },
 *   ({ outputs, expectations }) => outputs === expectations.expected_response);
 * ```
 *
 * Without a function it returns a decorator for class methods, which turns the method into a scorer:
 * `class S { @scorer({ name: 'short' }) static short({ outputs }) { return String(outputs).length < 50; } }`.
 */
export function scorer(fn: ScorerFn): CustomScorer;
export function scorer(options: ScorerOptions, fn: ScorerFn): CustomScorer;
export function scorer(options?: ScorerOptions): ScorerDecorator;
export function scorer(first?: ScorerFn | ScorerOptions, second?: ScorerFn): unknown {
  if (typeof first === 'function') return makeScorer(first, {});
  const options = first ?? {};
  if (typeof options !== 'object' || options === null) {
    throw new InvalidParameterError(`scorer() expects a function or an options object, got ${typeof options}.`);
  }
  if (second !== undefined) {
    if (typeof second !== 'function') {
      throw new InvalidParameterError(`scorer(options, fn): fn must be a function, got ${typeof second}.`);
    }
    return makeScorer(second, options);
  }
  return function decorator(value: unknown, context: unknown, descriptor?: PropertyDescriptor): unknown {
    if (descriptor && typeof descriptor.value === 'function') {
      const name = options.name ?? String(context);
      descriptor.value = makeScorer(descriptor.value as ScorerFn, { ...options, name });
      return descriptor;
    }
    const ctx = context as ClassMethodDecoratorContext | undefined;
    if (typeof value === 'function' && ctx && typeof ctx === 'object' && 'kind' in ctx) {
      const name = options.name ?? (typeof ctx.name === 'string' ? ctx.name : undefined);
      return makeScorer(value as ScorerFn, name === undefined ? options : { ...options, name });
    }
    throw new InvalidParameterError('@scorer() decorates methods and functions only.');
  };
}

function makeScorer(fn: ScorerFn, options: ScorerOptions): CustomScorer {
  const name = options.name ?? fn.name;
  if (typeof name !== 'string' || name === '') {
    throw new InvalidParameterError(
      `A scorer needs a name: pass {name} or a named function (got ${JSON.stringify(name ?? null)}).`,
    );
  }
  const aggregations =
    options.aggregations === undefined ? undefined : validateAggregations(name, options.aggregations);
  // Keep `this` for decorated methods that read other members of their class.
  const call = function (this: unknown, input: Partial<ScorerInput>) {
    return fn.call(this, {
      inputs: input?.inputs ?? {},
      outputs: input?.outputs,
      expectations: input?.expectations ?? {},
      trace: input?.trace ?? null,
    });
  };
  Object.defineProperty(call, 'name', { value: name, configurable: true });
  Object.defineProperties(call, {
    aggregations: { value: aggregations, enumerable: true },
    description: { value: options.description, enumerable: true },
    run: { value: (input: ScorerInput) => fn(input), enumerable: false },
  });
  return call as unknown as CustomScorer;
}

/** Checks a scorer's aggregations: MLflow's names, or named functions. */
export function validateAggregations(scorerName: string, aggregations: readonly Aggregation[]): readonly Aggregation[] {
  if (!Array.isArray(aggregations)) {
    throw new InvalidParameterError(
      `Invalid aggregations ${JSON.stringify(aggregations)} for scorer '${scorerName}': must be a list.`,
    );
  }
  for (const agg of aggregations) {
    if (typeof agg === 'function') {
      if (!agg.name) {
        throw new InvalidParameterError(
          `Invalid aggregation for scorer '${scorerName}': a custom aggregation must be a named function ` +
            '(its name becomes the metric suffix).',
        );
      }
      continue;
    }
    if (!AGGREGATION_NAMES.includes(agg as AggregationName)) {
      throw new InvalidParameterError(
        `Invalid aggregation ${JSON.stringify(agg)} for scorer '${scorerName}': must be one of ` +
          `${AGGREGATION_NAMES.join(', ')} or a named function.`,
      );
    }
  }
  return [...aggregations];
}

/** True when `value` can be passed to `evaluate` as a scorer. */
export function isScorer(value: unknown): value is Scorer {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Scorer).name === 'string' &&
    typeof (value as Scorer).run === 'function'
  );
}
