/**
 * Differential test: the same validation cases run through MLflow 3.18's private validators
 * (test/interop/py/validate_cases.py, one Python process for all cases) and through
 * src/tracking/validation.ts; outcome, error code, message text, returned value and warnings
 * must agree exactly.
 *
 * Rendering notes (why no normalisation is needed): messages embed values via Python's
 * `json.dumps` / `repr` / `str`, which validation.ts reproduces. The one JS/Python value gap is
 * int vs float: JS has one number type. validation.ts renders metric values as doubles (`1.0`),
 * as MLflow sees them over REST (protobuf double), and the Python script converts integer metric
 * values to float to match; timestamps and steps that are integral render as ints on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMlflowError } from '../../src/tracking/errors.js';
import * as v from '../../src/tracking/validation.js';
import { runPython } from '../helpers/python.js';

type Args = unknown[];

interface Case {
  name: string;
  fn: string;
  args: Args;
  env?: Record<string, string | null>;
}

interface Outcome {
  ok?: boolean;
  value?: unknown;
  error_code?: string;
  error_type?: string;
  message?: string;
  warnings: string[];
  run_id?: string;
}

const ENV_KEYS = ['MLFLOW_TRUNCATE_LONG_VALUES', 'MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH'] as const;

interface BatchArg {
  metrics?: v.MetricInput[];
  params?: { key: string; value: string }[];
  tags?: { key: string; value: string }[];
}

const summarize = (b: {
  metrics: unknown[];
  params: v.MetricInput[] | { key: string; value: string }[];
  tags: { key: string; value: string }[];
}) => ({
  metrics: b.metrics.length,
  params: (b.params as { key: string; value: string }[]).map((p) => [p.key, p.value]),
  tags: b.tags.map((t) => [t.key, t.value]),
});

function batchParts(a: Args): [v.MetricInput[], { key: string; value: string }[], { key: string; value: string }[]] {
  const b = a[0] as BatchArg;
  return [b.metrics ?? [], b.params ?? [], b.tags ?? []];
}

/** JS counterpart of each Python `fn`; returns the value Python reports (undefined ↔ None). */
const JS: Record<string, (a: Args) => unknown> = {
  metric_name: (a) => v.validateMetricName(a[0] as string, a[1] as string | undefined),
  param_name: (a) => v.validateParamName(a[0] as string),
  tag_name: (a) => v.validateTagName(a[0] as string),
  metric: (a) => v.validateMetric(a[0] as string, a[1], a[2], a[3]),
  param: (a) => v.validateParam(a[0] as string, a[1] as string),
  tag: (a) => v.validateTag(a[0] as string, a[1] as string),
  experiment_tag: (a) => v.validateExperimentTag(a[0] as string, a[1] as string),
  trace_tag: (a) => {
    const t = v.validateTraceTag(a[0] as string, a[1] as string);
    return [t.key, t.value];
  },
  batch_data: (a) => summarize(v.validateBatchLogData(...batchParts(a))),
  batch_limits: (a) => v.validateBatchLogLimits(...batchParts(a)),
  param_keys_unique: (a) => v.validateParamKeysUnique((a[0] as string[]).map((key) => ({ key }))),
  batch: (a) => {
    v.validateRunId(a[1] as string);
    const out = v.validateBatchLogData(...batchParts(a));
    v.validateBatchLogLimits(out.metrics, out.params, out.tags);
    v.validateParamKeysUnique(out.params);
    return summarize(out);
  },
  batch_api_req: (a) => v.validateBatchLogApiReq(a[0]),
  run_id: (a) => v.validateRunId(a[0] as string),
  experiment_id: (a) => v.validateExperimentId(a[0] as string | null),
  parse_experiment_id: (a) => v.parseExperimentId(a[0] as string),
  experiment_name: (a) => v.validateExperimentName(a[0]),
  artifact_location: (a) => v.validateExperimentArtifactLocation(a[0] as string | null),
  artifact_location_length: (a) => v.validateExperimentArtifactLocationLength(a[0] as string),
  dataset_inputs: (a) => v.validateDatasetInputs(a[0] as never),
  trace_archival_retention: (a) => v.validateTraceArchivalRetention(a[0]),
};

/** Runs one case on the JS side, with the case's environment and a captured warning sink. */
function runJs(c: Case, python: Outcome): Outcome {
  const saved = new Map<string, string | undefined>();
  const env = { ...Object.fromEntries(ENV_KEYS.map((k) => [k, null])), ...c.env };
  for (const [k, val] of Object.entries(env)) {
    saved.set(k, process.env[k]);
    if (val === null) delete process.env[k];
    else process.env[k] = val;
  }
  const warnings: string[] = [];
  const previous = v.setValidationWarn((m) => warnings.push(m));
  try {
    if (c.fn === 'param_overwrite' || c.fn === 'batch_param_overwrite') {
      // The store-level messages need the run ID the Python store generated.
      const [key, oldValue, newValue] = c.args as [string, string, string];
      const runId = python.run_id ?? '';
      const message =
        c.fn === 'param_overwrite'
          ? v.paramValueChangedMessage(key, oldValue, runId, newValue)
          : v.paramValuesChangedMessage([{ key, oldValue, newValue }], runId);
      return { error_code: 'INVALID_PARAMETER_VALUE', message, warnings, run_id: runId };
    }
    const fn = JS[c.fn];
    if (!fn) throw new Error(`no JS counterpart for ${c.fn}`);
    const value = fn(c.args);
    return { ok: true, value: value === undefined ? null : value, warnings };
  } catch (e) {
    if (isMlflowError(e)) return { error_code: e.errorCode, message: e.message, warnings };
    return { error_type: (e as Error).name, message: (e as Error).message, warnings };
  } finally {
    v.setValidationWarn(previous);
    for (const [k, val] of saved) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  }
}

// ------------------------------------------------------------------------------------------
// Cases
// ------------------------------------------------------------------------------------------

const m = (key: string, value: unknown = 1, timestamp: unknown = 0, step: unknown = 0) => ({
  key,
  value,
  timestamp,
  step,
});
const p = (key: string, value = 'v') => ({ key, value });
const n = <T>(count: number, f: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => f(i));
const OFF = { MLFLOW_TRUNCATE_LONG_VALUES: 'false' };
const RUN_ID = '0123456789abcdef0123456789abcdef';

const CASES: Case[] = [
  // Names: allowed characters.
  { name: 'valid key with / . - _ space :', fn: 'metric_name', args: ['a/b.c-d_e f:g'] },
  { name: 'valid unicode key', fn: 'param_name', args: ['métrique_α/ß'] },
  { name: 'invalid character !', fn: 'metric_name', args: ['acc!'] },
  { name: 'invalid character with escaping', fn: 'param_name', args: ['é\t"x"'] },
  { name: 'invalid emoji', fn: 'tag_name', args: ['😀'] },
  { name: 'backslash', fn: 'metric_name', args: ['a\\b'] },
  { name: 'custom path', fn: 'metric_name', args: ['a@b', 'metrics[4].key'] },
  // Names: path normalisation.
  { name: '..', fn: 'metric_name', args: ['..'] },
  { name: '../a', fn: 'param_name', args: ['../a'] },
  { name: 'a/..', fn: 'tag_name', args: ['a/..'] },
  { name: '...', fn: 'metric_name', args: ['...'] },
  { name: 'leading slash', fn: 'metric_name', args: ['/a'] },
  { name: 'double slash', fn: 'param_name', args: ['a//b'] },
  { name: 'leading double slash', fn: 'param_name', args: ['//a'] },
  { name: './a', fn: 'tag_name', args: ['./a'] },
  { name: 'trailing slash', fn: 'metric_name', args: ['a/'] },
  { name: 'empty name', fn: 'metric_name', args: [''] },
  { name: 'dotfile is fine', fn: 'metric_name', args: ['.hidden/a..b'] },
  // Names: missing.
  { name: 'metric name None', fn: 'metric_name', args: [null] },
  { name: 'param name None', fn: 'param_name', args: [null] },
  { name: 'tag name None', fn: 'tag_name', args: [null] },
  // Metrics.
  { name: 'metric NaN value', fn: 'metric', args: ['m', Number.NaN, 0, 0] },
  { name: 'metric +Infinity value', fn: 'metric', args: ['m', Number.POSITIVE_INFINITY, 1, 2] },
  { name: 'metric -Infinity value', fn: 'metric', args: ['m', Number.NEGATIVE_INFINITY, 1, 2] },
  { name: 'metric missing value', fn: 'metric', args: ['m', null, 0, 0] },
  { name: 'metric string value', fn: 'metric', args: ['m', 'abc', 1.5, 0] },
  { name: 'metric boolean value', fn: 'metric', args: ['m', true, 7, 0] },
  { name: 'non-integer step passes', fn: 'metric', args: ['m', 1, 0, 1.5] },
  { name: 'non-integer timestamp passes', fn: 'metric', args: ['m', 1, 2.5, 0] },
  { name: 'NaN timestamp passes', fn: 'metric', args: ['m', 1, Number.NaN, 0] },
  { name: 'negative step passes', fn: 'metric', args: ['m', 1, 0, -4] },
  { name: 'negative timestamp', fn: 'metric', args: ['m', 1, -1, 0] },
  { name: 'negative float timestamp, small value', fn: 'metric', args: ['m', 1e-5, -0.5, 0] },
  { name: 'string timestamp', fn: 'metric', args: ['m', 0.1, '5', 0] },
  { name: 'string step, big value', fn: 'metric', args: ['m', 1.5e16, 0, 'x'] },
  { name: 'null step, NaN value', fn: 'metric', args: ['m', Number.NaN, 0, null] },
  { name: 'metric key 250', fn: 'metric', args: ['k'.repeat(250), 1, 0, 0] },
  { name: 'metric key 251', fn: 'metric', args: ['k'.repeat(251), 1, 0, 0] },
  // Params and tags.
  { name: 'param key 250', fn: 'param', args: ['k'.repeat(250), 'v'] },
  { name: 'param key 251', fn: 'param', args: ['k'.repeat(251), 'v'] },
  { name: 'tag key 251', fn: 'tag', args: ['k'.repeat(251), 'v'] },
  { name: 'param value 6000', fn: 'param', args: ['p', 'x'.repeat(6000)] },
  { name: 'param value 6001 truncated', fn: 'param', args: ['p', 'x'.repeat(6001)] },
  { name: 'param value 6001 truncation off', fn: 'param', args: ['p', 'x'.repeat(6001)], env: OFF },
  {
    name: 'param value 6001 truncation 0',
    fn: 'param',
    args: ['p', 'x'.repeat(6001)],
    env: { MLFLOW_TRUNCATE_LONG_VALUES: '0' },
  },
  {
    name: 'param value, bad env value',
    fn: 'param',
    args: ['p', 'x'.repeat(6001)],
    env: { MLFLOW_TRUNCATE_LONG_VALUES: 'yes' },
  },
  { name: 'param None value', fn: 'param', args: ['p', null] },
  { name: 'tag value 8000', fn: 'tag', args: ['t', 'y'.repeat(8000)] },
  { name: 'tag value 8001 truncated', fn: 'tag', args: ['t', 'y'.repeat(8001)] },
  { name: 'tag value 8001 truncation off', fn: 'tag', args: ['t', 'y'.repeat(8001)], env: OFF },
  { name: 'tag emoji value 8001 code points', fn: 'tag', args: ['t', `é${'😀'.repeat(8000)}`] },
  { name: 'tag emoji value 8000 code points', fn: 'tag', args: ['t', '😀'.repeat(8000)] },
  { name: 'trace tag 8001 truncated', fn: 'trace_tag', args: ['t', 'z'.repeat(8001)] },
  // Experiment tags.
  { name: 'experiment tag value 20001', fn: 'experiment_tag', args: ['k', 'v'.repeat(20001)] },
  { name: 'experiment tag key 251', fn: 'experiment_tag', args: ['k'.repeat(251), 'v'] },
  { name: 'experiment tag bad key', fn: 'experiment_tag', args: ['a//b', 'v'] },
  {
    name: 'archival retention ok',
    fn: 'experiment_tag',
    args: ['mlflow.trace.archivalRetention', '{"type":"duration","value":"30d"}'],
  },
  { name: 'archival retention not JSON', fn: 'experiment_tag', args: ['mlflow.trace.archivalRetention', 'nope'] },
  {
    name: 'archival retention wrong type',
    fn: 'experiment_tag',
    args: ['mlflow.trace.archivalRetention', '{"value":"3d"}'],
  },
  {
    name: 'archival retention bad duration',
    fn: 'experiment_tag',
    args: ['mlflow.trace.archivalRetention', '{"type":"duration","value":"03d"}'],
  },
  { name: 'archive now empty', fn: 'experiment_tag', args: ['mlflow.trace.archiveNow', '{"older_than":null}'] },
  { name: 'archive now padded', fn: 'experiment_tag', args: ['mlflow.trace.archiveNow', '{"older_than":" 12h "}'] },
  { name: 'retention too long', fn: 'trace_archival_retention', args: [`${'9'.repeat(33)}d`] },
  { name: 'retention not a string', fn: 'trace_archival_retention', args: [5] },
  // Batches.
  { name: 'batch 101 params', fn: 'batch_limits', args: [{ params: n(101, (i) => p(`p${i}`)) }] },
  { name: 'batch 101 tags', fn: 'batch_limits', args: [{ tags: n(101, (i) => p(`t${i}`)) }] },
  { name: 'batch 1001 metrics', fn: 'batch_limits', args: [{ metrics: n(1001, (i) => m(`m${i}`)) }] },
  {
    name: 'batch 1001 entities',
    fn: 'batch_limits',
    args: [{ metrics: n(900, (i) => m(`m${i}`)), params: n(100, (i) => p(`p${i}`)), tags: [p('t')] }],
  },
  {
    name: 'batch at limits',
    fn: 'batch_limits',
    args: [{ metrics: n(800, (i) => m(`m${i}`)), params: n(100, (i) => p(`p${i}`)), tags: n(100, (i) => p(`t${i}`)) }],
  },
  { name: 'duplicate param keys', fn: 'param_keys_unique', args: [['a', 'b', 'a', 'c', 'a', 'b']] },
  { name: 'batch data bad metric', fn: 'batch_data', args: [{ metrics: [m('a'), m('b', 'x', 3)] }] },
  { name: 'batch data bad param key', fn: 'batch_data', args: [{ params: [p('ok'), p('../x')] }] },
  {
    name: 'batch data truncation',
    fn: 'batch_data',
    args: [{ metrics: [m('a')], params: [p('p', 'x'.repeat(6001))], tags: [p('t'), p('u', 'y'.repeat(8001))] }],
  },
  {
    name: 'batch data truncation off',
    fn: 'batch_data',
    args: [{ tags: [p('t'), p('u', 'y'.repeat(8001))] }],
    env: OFF,
  },
  { name: 'full batch, bad run id', fn: 'batch', args: [{ params: [p('a')] }, 'bad run!'] },
  { name: 'full batch, duplicates', fn: 'batch', args: [{ params: [p('a'), p('a', 'w')] }, RUN_ID] },
  {
    name: 'full batch, data before limits',
    fn: 'batch',
    args: [{ params: [...n(101, (i) => p(`p${i}`)), p('!')] }, RUN_ID],
  },
  { name: 'request size string', fn: 'batch_api_req', args: ['x'.repeat(1_000_001)] },
  { name: 'request size dict', fn: 'batch_api_req', args: [{ run_id: RUN_ID, metrics: [], params: [], tags: [] }] },
  // IDs.
  { name: 'run id hex', fn: 'run_id', args: [RUN_ID] },
  { name: 'run id with dash and underscore', fn: 'run_id', args: ['a-b_C'] },
  { name: 'run id unicode tail', fn: 'run_id', args: ['aé'] },
  { name: 'run id leading dash', fn: 'run_id', args: ['-abc'] },
  { name: 'run id bad char', fn: 'run_id', args: ['abc/def'] },
  { name: 'run id empty', fn: 'run_id', args: [''] },
  { name: 'run id 256', fn: 'run_id', args: [`a${'b'.repeat(255)}`] },
  { name: 'run id 257', fn: 'run_id', args: [`a${'b'.repeat(256)}`] },
  { name: 'experiment id 0', fn: 'experiment_id', args: ['0'] },
  { name: 'experiment id None', fn: 'experiment_id', args: [null] },
  { name: 'experiment id alnum', fn: 'experiment_id', args: ['abc-DEF_1'] },
  { name: 'experiment id negative', fn: 'experiment_id', args: ['-1'] },
  { name: 'experiment id empty', fn: 'experiment_id', args: [''] },
  { name: 'experiment id 64', fn: 'experiment_id', args: [`a${'1'.repeat(63)}`] },
  { name: 'experiment id 65', fn: 'experiment_id', args: [`a${'1'.repeat(64)}`] },
  { name: 'parse experiment id', fn: 'parse_experiment_id', args: [' 1_000 '] },
  { name: 'parse experiment id bad', fn: 'parse_experiment_id', args: ['1.5'] },
  // Experiments.
  { name: 'experiment name empty', fn: 'experiment_name', args: [''] },
  { name: 'experiment name blank', fn: 'experiment_name', args: [' \t\x1c'] },
  { name: 'experiment name BOM is not blank', fn: 'experiment_name', args: ['\ufeff'] },
  { name: 'experiment name None', fn: 'experiment_name', args: [null] },
  { name: 'experiment name not a string', fn: 'experiment_name', args: [123] },
  { name: 'experiment name 500', fn: 'experiment_name', args: ['n'.repeat(500)] },
  { name: 'experiment name 501', fn: 'experiment_name', args: ['n'.repeat(501)] },
  { name: 'artifact location runs:', fn: 'artifact_location', args: ['runs:/abc/model'] },
  { name: 'artifact location s3', fn: 'artifact_location', args: ['s3://bucket/x'] },
  { name: 'artifact location 2049', fn: 'artifact_location_length', args: ['a'.repeat(2049)] },
  {
    name: 'artifact location env limit',
    fn: 'artifact_location_length',
    args: ['a'.repeat(11)],
    env: { MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH: '10' },
  },
  {
    name: 'dataset digest too long',
    fn: 'dataset_inputs',
    args: [[{ dataset: { name: 'd', digest: 'x'.repeat(37), sourceType: 'local', source: '{}' }, tags: {} }]],
  },
  {
    name: 'dataset input tag value too long',
    fn: 'dataset_inputs',
    args: [[{ dataset: { name: 'd', digest: 'x', sourceType: 'local', source: '{}' }, tags: { k: 'v'.repeat(501) } }]],
  },
  // Store-level messages (a real SqlAlchemyStore on SQLite in the Python process).
  { name: 'log_param overwrite', fn: 'param_overwrite', args: ['depth', '3', '5'] },
  { name: 'log_batch param overwrite', fn: 'batch_param_overwrite', args: ['lr', '0.1', "it's"] },
];

// Random names over a path-ish alphabet, to cover posixpath.normpath corners.
function fuzzNames(count: number): Case[] {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const alphabet = ['a', 'b', '.', '/', '..', ' ', ':', '-'];
  return n(count, (i) => {
    const len = 1 + Math.floor(rand() * 7);
    const name = n(len, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    return { name: `fuzz ${i} ${JSON.stringify(name)}`, fn: 'metric_name', args: [name] };
  });
}

const ALL = [...CASES, ...fuzzNames(300)];

/** JSON with NaN/±Infinity as `{"$num": ...}`, which validate_cases.py decodes. */
function encode(value: unknown): string {
  return JSON.stringify(value, (_k, x) =>
    typeof x === 'number' && !Number.isFinite(x)
      ? { $num: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity' }
      : x,
  );
}

function decode(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(decode);
  if (typeof x === 'object' && x !== null) {
    const rec = x as Record<string, unknown>;
    if (Object.keys(rec).length === 1 && typeof rec.$num === 'string') {
      return rec.$num === 'NaN'
        ? Number.NaN
        : rec.$num === 'Infinity'
          ? Number.POSITIVE_INFINITY
          : Number.NEGATIVE_INFINITY;
    }
    return Object.fromEntries(Object.entries(rec).map(([k, val]) => [k, decode(val)]));
  }
  return x;
}

describe('validation parity with MLflow 3.18', () => {
  let python: Outcome[] = [];
  const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

  beforeAll(async () => {
    const cases = ALL.map((c) => ({
      fn: c.fn,
      args: c.args,
      env: { ...Object.fromEntries(ENV_KEYS.map((k) => [k, null])), ...c.env },
    }));
    const { stdout } = await runPython('validate_cases.py', [], { input: encode(cases) });
    const lines = stdout.trim().split('\n');
    python = decode(JSON.parse(lines[lines.length - 1] ?? '[]')) as Outcome[];
  });

  afterAll(() => {
    for (const [k, val] of Object.entries(savedEnv)) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  });

  it('runs every case on the Python side', () => {
    expect(python).toHaveLength(ALL.length);
  });

  it.each(ALL.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = ALL[i]!;
    const py = python[i]!;
    const js = runJs(c, py);
    if (py.error_type !== undefined) {
      // A non-MLflow exception in Python (e.g. ValueError for a bad env value): plain Error in JS.
      expect(js.error_code).toBeUndefined();
      expect(js.message).toBe(py.message);
    } else {
      expect({ ...js, error_type: undefined }).toEqual({ ...py, error_type: undefined });
    }
    expect(js.warnings).toEqual(py.warnings);
  });

  it('covers both outcomes', () => {
    expect(python.some((r) => r.ok)).toBe(true);
    expect(python.filter((r) => r.error_code === 'INVALID_PARAMETER_VALUE').length).toBeGreaterThan(40);
  });
});
