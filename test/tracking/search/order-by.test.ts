import { describe, expect, it } from 'vitest';
import { ErrorCode, isMlflowError } from '../../../src/tracking/errors.js';
import { parseRunOrderBy, parseRunOrderByList, shlexSplit } from '../../../src/tracking/search/order-by.js';

function errorOf(fn: () => unknown): { errorCode: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isMlflowError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseRunOrderBy', () => {
  it.each([
    ['metrics.acc', 'metric', 'acc', true],
    ['metrics.acc DESC', 'metric', 'acc', false],
    ['metric.acc desc', 'metric', 'acc', false],
    ['metrics.acc  ASC', 'metric', 'acc', true],
    ['metrics.`my metric` DESC', 'metric', 'my metric', false],
    ['metrics."my metric" DESC', 'metric', 'my metric', false],
    ["metrics.'my metric' DESC", 'metric', 'my metric', false],
    ['metrics.a.b DESC', 'metric', 'a.b', false],
    ['tags.`a b`', 'tag', 'a b', true],
    ['tags.mlflow.runName', 'tag', 'mlflow.runName', true],
    ['params.lr', 'parameter', 'lr', true],
    ['param.lr DESC', 'parameter', 'lr', false],
    ['start_time', 'attribute', 'start_time', true],
    ['attributes.start_time DESC', 'attribute', 'start_time', false],
    ['attr.status', 'attribute', 'status', true],
    ['run.end_time', 'attribute', 'end_time', true],
    ['created', 'attribute', 'created', true],
    ['Created DESC', 'attribute', 'Created', false],
    ['run_name', 'attribute', 'run_name', true],
    ['run_id', 'attribute', 'run_id', true],
    ['user_id', 'attribute', 'user_id', true],
    ['artifact_uri DESC', 'attribute', 'artifact_uri', false],
    ['datasets.name', 'dataset', 'name', true],
  ])('%s', (orderBy, type, key, ascending) => {
    expect(parseRunOrderBy(orderBy)).toEqual({ type, key, ascending });
  });

  it.each([
    ['metrics.acc DESC NULLS LAST', "Invalid order_by clause 'metrics.acc DESC NULLS LAST'. Could not be parsed."],
    ['metrics.acc DESC ASC', "Invalid order_by clause 'metrics.acc DESC ASC'. Could not be parsed."],
    ['metrics.acc, params.x', "Invalid order_by clause 'metrics.acc, params.x'. Could not be parsed."],
    [' metrics.acc ', "Invalid order_by clause ' metrics.acc '. Could not be parsed."],
    ['metrics.acc DESC ', "Invalid order_by clause 'metrics.acc DESC '. Could not be parsed."],
    ['', "Invalid order_by clause ''. Could not be parsed."],
    ['metrics.acc;', "Invalid order_by clause 'metrics.acc;'. Could not be parsed."],
    ['metrics.acc DOWN', "Invalid ordering key in order_by clause 'metrics.acc DOWN'."],
    ['foo.bar', "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"],
  ])('rejects %s', (orderBy, message) => {
    const error = errorOf(() => parseRunOrderBy(orderBy));
    expect(error.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(error.message).toBe(message);
  });

  it.each(['`run name`', 'experiment_id', 'lifecycle_stage', 'timestamp', 'timestamp DESC'])(
    'rejects the attribute %s',
    (orderBy) => {
      const error = errorOf(() => parseRunOrderBy(orderBy));
      expect(error.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
      expect(error.message).toMatch(/^Invalid attribute key '.+' specified\. Valid keys are '\{/);
    },
  );
});

describe('parseRunOrderByList', () => {
  it('returns [] for no order_by', () => {
    expect(parseRunOrderByList(undefined)).toEqual([]);
    expect(parseRunOrderByList(null)).toEqual([]);
    expect(parseRunOrderByList([])).toEqual([]);
  });

  it('resolves attribute aliases and keeps the given order', () => {
    expect(parseRunOrderByList(['metrics.acc DESC', 'created', 'tags.t', 'params.p DESC'])).toEqual([
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'attribute', key: 'start_time', ascending: true },
      { type: 'tag', key: 't', ascending: true },
      { type: 'parameter', key: 'p', ascending: false },
    ]);
  });

  it('rejects datasets with INVALID_PARAMETER_VALUE', () => {
    const error = errorOf(() => parseRunOrderByList(['datasets.name']));
    expect(error.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(error.message).toBe("Invalid identifier type 'dataset'");
  });

  it('rejects duplicates (after alias resolution) with MLflow’s INTERNAL_ERROR', () => {
    const error = errorOf(() => parseRunOrderByList(['created', 'start_time DESC']));
    expect(error.errorCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(error.message).toBe("`order_by` contains duplicate fields: ['created', 'start_time DESC']");
    expect(errorOf(() => parseRunOrderByList(['metrics.a', 'metric.a DESC'])).errorCode).toBe(ErrorCode.INTERNAL_ERROR);
    // Same key under different entities is not a duplicate.
    expect(parseRunOrderByList(['metrics.a', 'params.a', 'tags.a'])).toHaveLength(3);
  });

  it('checks clauses in order: a syntax error before a later duplicate', () => {
    expect(errorOf(() => parseRunOrderByList(['bad clause here', 'created', 'created'])).errorCode).toBe(
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  });
});

describe('shlexSplit', () => {
  it('splits like shlex.split in POSIX mode', () => {
    expect(shlexSplit('metrics."my metric" DESC')).toEqual(['metrics.my metric', 'DESC']);
    expect(shlexSplit("tags.'a b'  asc")).toEqual(['tags.a b', 'asc']);
    expect(shlexSplit('a\\ b "c\\"d"')).toEqual(['a b', 'c"d']);
  });
});
