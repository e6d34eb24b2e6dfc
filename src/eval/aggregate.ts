import type { Feedback } from '../tracking/entities/assessment.js';
import type { Aggregation, AggregationName, Scorer } from './types.js';

/**
 * `_cast_assessment_value_to_float`: numbers and booleans as numbers, the ratings "yes"/"no" (any case)
 * as 1/0; anything else (other strings, lists, objects, null) is left out of the aggregates.
 */
export function feedbackValueToNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (v === 'yes') return 1;
    if (v === 'no') return 0;
  }
  return null;
}

/** numpy's `percentile(values, q)` with linear interpolation, on sorted values. */
function percentile(sorted: number[], q: number): number {
  const index = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(index);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const lo = sorted[lower] as number;
  const hi = sorted[upper] as number;
  return lo + (hi - lo) * (index - lower);
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** MLflow's built-in aggregations, with numpy's semantics (`variance` is the population variance). */
export const AGGREGATE_FUNCTIONS: Readonly<Record<AggregationName, (values: number[]) => number>> = {
  min: (v) => v.reduce((a, b) => Math.min(a, b)),
  max: (v) => v.reduce((a, b) => Math.max(a, b)),
  mean,
  median: (v) =>
    percentile(
      [...v].sort((a, b) => a - b),
      50,
    ),
  variance: (v) => {
    const m = mean(v);
    let s = 0;
    for (const x of v) s += (x - m) * (x - m);
    return s / v.length;
  },
  p90: (v) =>
    percentile(
      [...v].sort((a, b) => a - b),
      90,
    ),
};

/**
 * `compute_aggregated_metrics`: every feedback's numeric value grouped by assessment name, aggregated
 * as the scorer of that name asks (`['mean']` by default), as metrics `<name>/<aggregation>`. A scorer
 * name containing `/` matches exactly; otherwise a namespaced assessment name (`ns/name`) matches its
 * last part. A custom aggregation that throws is skipped with a warning.
 */
export function computeAggregatedMetrics(
  feedbacks: Iterable<Feedback>,
  scorers: readonly Scorer[],
  warn: (message: string) => void = () => {},
): Record<string, number> {
  const values = new Map<string, number[]>();
  for (const f of feedbacks) {
    const n = feedbackValueToNumber(f.value);
    if (n === null) continue;
    let list = values.get(f.name);
    if (!list) {
      list = [];
      values.set(f.name, list);
    }
    list.push(n);
  }
  const byScorer = new Map<string, readonly Aggregation[]>();
  for (const s of scorers) byScorer.set(s.name, s.aggregations ?? ['mean']);
  const out: Record<string, number> = {};
  for (const [name, list] of values) {
    if (list.length === 0) continue;
    const scorerName = byScorer.has(name) ? name : name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
    const aggregations = byScorer.get(scorerName) ?? ['mean'];
    for (const agg of aggregations) {
      if (typeof agg === 'string') {
        out[`${name}/${agg}`] = AGGREGATE_FUNCTIONS[agg](list);
      } else {
        try {
          out[`${name}/${agg.name}`] = agg(list);
        } catch (err) {
          warn(`Error computing aggregation ${agg.name} due to: ${(err as Error).message}`);
        }
      }
    }
  }
  return out;
}
