import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, InvalidParameterError, MlflowError } from '../../src/tracking/errors.js';
import {
  appendToJsonPath,
  badCharacterMessage,
  badPathMessage,
  invalidValue,
  MAX_BATCH_LOG_REQUEST_SIZE,
  MAX_ENTITIES_PER_BATCH,
  MAX_ENTITY_KEY_LENGTH,
  MAX_EXPERIMENT_NAME_LENGTH,
  MAX_EXPERIMENT_TAG_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VAL_LENGTH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAM_VAL_LENGTH,
  MAX_PARAMS_TAGS_PER_BATCH,
  MAX_TAG_VAL_LENGTH,
  missingValue,
  notIntegerValue,
  PARAM_VALIDATION_MSG,
  paramValueChangedMessage,
  paramValuesChangedMessage,
  parseExperimentId,
  pathNotUnique,
  posixNormpath,
  pythonFormat,
  setValidationWarn,
  truncateLongValuesEnabled,
  validateBatchLogApiReq,
  validateBatchLogData,
  validateBatchLogLimits,
  validateDatasetInputs,
  validateExperimentArtifactLocation,
  validateExperimentArtifactLocationLength,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateLengthLimit,
  validateMetric,
  validateMetricName,
  validateParam,
  validateParamKeysUnique,
  validateParamName,
  validateRunId,
  validateTag,
  validateTagName,
  validateTraceArchivalRetention,
  validateTraceTag,
} from '../../src/tracking/validation.js';

const BAD_CHARS =
  'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';
const BAD_PATH =
  'Names may be treated as files in certain cases, and must not resolve to other names when treated as such.' +
  ' This name would resolve to ';

/** Runs `fn` and returns the InvalidParameterError it throws. */
function catchInvalid(fn: () => unknown): InvalidParameterError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect(e).toBeInstanceOf(MlflowError);
    const err = e as InvalidParameterError;
    expect(err.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(err.httpStatus).toBe(400);
    return err;
  }
  throw new Error('expected an InvalidParameterError');
}

function messageOf(fn: () => unknown): string {
  return catchInvalid(fn).message;
}

let warnings: string[];
beforeEach(() => {
  warnings = [];
  setValidationWarn((m) => warnings.push(m));
  vi.stubEnv('MLFLOW_TRUNCATE_LONG_VALUES', undefined);
  vi.stubEnv('MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH', undefined);
});
afterEach(() => {
  setValidationWarn(null);
  vi.unstubAllEnvs();
});

describe('constants', () => {
  it('match MLflow 3.18', () => {
    expect(MAX_PARAMS_TAGS_PER_BATCH).toBe(100);
    expect(MAX_METRICS_PER_BATCH).toBe(1000);
    expect(MAX_ENTITIES_PER_BATCH).toBe(1000);
    expect(MAX_BATCH_LOG_REQUEST_SIZE).toBe(1_000_000);
    expect(MAX_PARAM_VAL_LENGTH).toBe(6000);
    expect(MAX_TAG_VAL_LENGTH).toBe(8000);
    expect(MAX_EXPERIMENT_NAME_LENGTH).toBe(500);
    expect(MAX_EXPERIMENT_TAG_KEY_LENGTH).toBe(250);
    expect(MAX_EXPERIMENT_TAG_VAL_LENGTH).toBe(20000);
    expect(MAX_ENTITY_KEY_LENGTH).toBe(250);
    expect(PARAM_VALIDATION_MSG.startsWith('\n\nThe cause of this error')).toBe(true);
  });
});

describe('message builders', () => {
  it('render like MLflow', () => {
    expect(invalidValue('p', 'x')).toBe(`Invalid value "x" for parameter 'p' supplied.`);
    expect(invalidValue('p', { b: 1, a: [true, null] }, 'msg')).toBe(
      `Invalid value {"a":[true,null],"b":1} for parameter 'p' supplied: msg`,
    );
    expect(missingValue('metrics[0].value')).toBe("Missing value for required parameter 'metrics[0].value'.");
    expect(notIntegerValue('version', 'x')).toBe("Parameter 'version' must be an integer, got 'x'.");
    expect(appendToJsonPath('', 'name')).toBe('name');
    expect(appendToJsonPath('metrics', '[0]')).toBe('metrics[0]');
    expect(appendToJsonPath('metrics[0]', 'name')).toBe('metrics[0].name');
    expect(badCharacterMessage()).toBe(BAD_CHARS);
    expect(badPathMessage('a//b')).toBe(`${BAD_PATH}'a/b'`);
  });

  it('render param-overwrite messages as the SQL store does', () => {
    expect(paramValueChangedMessage('p', '1', 'r1', '2')).toBe(
      "Changing param values is not allowed. Param with key='p' was already logged with value='1' for run ID='r1'." +
        " Attempted logging new value '2'.",
    );
    expect(paramValuesChangedMessage([{ key: 'p', oldValue: '1', newValue: "it's" }], 'r1')).toBe(
      `Changing param values is not allowed. Params were already logged='[{'key': 'p', 'old_value': '1', 'new_value': "it's"}]' for run ID='r1'.`,
    );
  });
});

describe('python formatting', () => {
  it('json.dumps escapes non-ASCII and sorts keys', () => {
    expect(pythonFormat.jsonDumps('é😀\n"\\\u007f')).toBe('"\\u00e9\\ud83d\\ude00\\n\\"\\\\\\u007f"');
    expect(pythonFormat.jsonDumps(Number.NaN)).toBe('NaN');
    expect(pythonFormat.jsonDumps(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(pythonFormat.jsonDumps(-1.5)).toBe('-1.5');
    expect(pythonFormat.jsonDumps(null)).toBe('null');
  });

  it('float repr matches Python', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [-0, '-0.0'],
      [0.1, '0.1'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1e16, '1e+16'],
      [1.5e16, '1.5e+16'],
      [1e15, '1000000000000000.0'],
      [123.456, '123.456'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [Number.NaN, 'nan'],
      [Number.POSITIVE_INFINITY, 'inf'],
    ];
    for (const [x, s] of cases) expect(pythonFormat.floatRepr(x)).toBe(s);
  });

  it('repr, str, len and strip follow Python', () => {
    expect(pythonFormat.repr("a'b")).toBe(`"a'b"`);
    expect(pythonFormat.repr(`a'b"`)).toBe(`'a\\'b"'`);
    expect(pythonFormat.repr('\u200b\t')).toBe("'\\u200b\\t'");
    expect(pythonFormat.str([1, 'a', null, true])).toBe("[1, 'a', None, True]");
    expect(pythonFormat.len('😀a')).toBe(2);
    expect(pythonFormat.strip('\x1c a \x85')).toBe('a');
    expect(pythonFormat.strip('\ufeff')).toBe('\ufeff');
  });
});

describe('posixNormpath / pathNotUnique', () => {
  it('normalises like posixpath.normpath', () => {
    const cases: [string, string][] = [
      ['', '.'],
      ['.', '.'],
      ['a//b', 'a/b'],
      ['./a', 'a'],
      ['a/', 'a'],
      ['a/./b', 'a/b'],
      ['a/../b', 'b'],
      ['../a', '../a'],
      ['a/../..', '..'],
      ['/..', '/'],
      ['//a', '//a'],
      ['///a', '/a'],
      ['/a/b/', '/a/b'],
    ];
    for (const [input, out] of cases) expect(posixNormpath(input)).toBe(out);
  });

  it('flags names that are not their own normal form', () => {
    for (const bad of ['', '.', '..', '...', '../a', 'a/..', '/a', 'a//b', './a', 'a/', 'a/./b']) {
      expect(pathNotUnique(bad)).toBe(true);
    }
    for (const ok of ['a', 'a/b', '.a', 'a..b', 'a.', 'a b', 'a:b']) expect(pathNotUnique(ok)).toBe(false);
  });
});

describe('validateMetricName / validateParamName / validateTagName', () => {
  it('accepts the allowed characters', () => {
    for (const name of ['a', 'a/b', 'a.b', 'a-b', 'a_b', 'a b', 'a:b', 'métrique', 'ü/ß', '0', 'a/b.c-d_e f:g']) {
      validateMetricName(name);
      validateParamName(name);
      validateTagName(name);
    }
  });

  it('refuses other characters with MLflow’s message', () => {
    expect(messageOf(() => validateMetricName('a!b'))).toBe(
      `Invalid value "a!b" for parameter 'name' supplied: ${BAD_CHARS}`,
    );
    expect(messageOf(() => validateParamName('é$'))).toBe(
      `Invalid value "\\u00e9$" for parameter 'key' supplied: ${BAD_CHARS}`,
    );
    expect(messageOf(() => validateTagName('a\tb', 'tags[0].key'))).toBe(
      `Invalid value "a\\tb" for parameter 'tags[0].key' supplied: ${BAD_CHARS}`,
    );
    for (const bad of ['a\\b', 'a@b', 'a,b', '😀', 'a\nb'])
      expect(() => validateMetricName(bad)).toThrow(InvalidParameterError);
  });

  it('refuses names that resolve to other paths', () => {
    expect(messageOf(() => validateMetricName('a//b'))).toBe(
      `Invalid value "a//b" for parameter 'name' supplied: ${BAD_PATH}'a/b'`,
    );
    expect(messageOf(() => validateParamName('/abs'))).toBe(
      `Invalid value "/abs" for parameter 'key' supplied: ${BAD_PATH}'/abs'`,
    );
    expect(messageOf(() => validateTagName('..'))).toBe(
      `Invalid value ".." for parameter 'key' supplied: ${BAD_PATH}'..'`,
    );
    expect(messageOf(() => validateMetricName(''))).toBe(
      `Invalid value "" for parameter 'name' supplied: ${BAD_PATH}'.'`,
    );
    expect(messageOf(() => validateMetricName('./a'))).toBe(
      `Invalid value "./a" for parameter 'name' supplied: ${BAD_PATH}'a'`,
    );
  });

  it('has a different message for a missing name in each validator', () => {
    expect(messageOf(() => validateMetricName(null))).toBe(
      "Invalid value null for parameter 'name' supplied: Metric name cannot be None. A key name must be provided.",
    );
    expect(messageOf(() => validateParamName(undefined))).toBe(
      `Invalid value "" for parameter 'key' supplied: A key name must be provided.`,
    );
    expect(messageOf(() => validateTagName(null))).toBe("Missing value for required parameter 'key'.");
  });
});

describe('validateMetric', () => {
  it('accepts numbers including NaN and ±Infinity', () => {
    for (const v of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      validateMetric('m', v, 0, 0);
    }
    validateMetric('m', 10n, 0, 0);
  });

  it('accepts non-integer, NaN and negative steps and non-integer timestamps, as MLflow 3.18 does', () => {
    validateMetric('m', 1, 1.5, 2.5);
    validateMetric('m', 1, Number.NaN, -3);
    validateMetric('m', 1, true, false);
  });

  it('refuses a missing or non-numeric value', () => {
    expect(messageOf(() => validateMetric('m', null, 5, 0))).toBe("Missing value for required parameter 'value'.");
    expect(messageOf(() => validateMetric('m', 'abc', 5, 0))).toBe(
      `Invalid value "abc" for parameter 'value' supplied: (timestamp=5). Please specify value as a valid double (64-bit floating point)`,
    );
    expect(messageOf(() => validateMetric('m', true, 1.5, 0, 'metrics[3]'))).toBe(
      `Invalid value true for parameter 'metrics[3].value' supplied: (timestamp=1.5). Please specify value as a valid double (64-bit floating point)`,
    );
  });

  it('refuses a negative or non-numeric timestamp', () => {
    expect(messageOf(() => validateMetric('m', 1, -1, 0))).toBe(
      `Invalid value -1 for parameter 'timestamp' supplied: metric 'm' (value=1.0). Timestamp must be a nonnegative long (64-bit integer) `,
    );
    expect(messageOf(() => validateMetric('m', 1e-5, '5', 0))).toBe(
      `Invalid value "5" for parameter 'timestamp' supplied: metric 'm' (value=1e-05). Timestamp must be a nonnegative long (64-bit integer) `,
    );
    expect(() => validateMetric('m', 1, Number.NEGATIVE_INFINITY, 0)).toThrow(/Invalid value -Infinity/);
  });

  it('refuses a non-numeric step', () => {
    expect(messageOf(() => validateMetric('m', Number.NaN, 0, null))).toBe(
      `Invalid value null for parameter 'step' supplied: metric 'm' (value=nan). Step must be a valid long (64-bit integer).`,
    );
  });

  it('checks the key last, with the "Metric name" label', () => {
    validateMetric('k'.repeat(250), 1, 0, 0);
    expect(messageOf(() => validateMetric('k'.repeat(251), 1, 0, 0))).toBe(
      "'Metric name' exceeds the maximum length of 250 characters",
    );
    // An invalid step is reported before the key length.
    expect(messageOf(() => validateMetric('k'.repeat(251), 1, 0, 'x'))).toMatch(/parameter 'step'/);
  });
});

describe('validateParam / validateTag truncation', () => {
  it('keeps values within the limit', () => {
    expect(validateParam('p', 'v'.repeat(6000))).toHaveLength(6000);
    expect(validateTag('t', 'v'.repeat(8000))).toHaveLength(8000);
    expect(warnings).toEqual([]);
  });

  it('truncates over-long values with a warning by default', () => {
    const v = validateParam('p', 'x'.repeat(6001));
    expect(v).toBe('x'.repeat(6000));
    expect(warnings).toEqual([
      `Param value '${'x'.repeat(100)}...' (6001 characters) is truncated to 6000 characters to meet the length limit.`,
    ]);
    expect(validateTag('t', 'y'.repeat(8001))).toBe('y'.repeat(8000));
    expect(warnings[1]).toBe(
      `value '${'y'.repeat(100)}...' (8001 characters) is truncated to 8000 characters to meet the length limit.`,
    );
  });

  it('counts code points, not UTF-16 units', () => {
    expect(validateTag('t', '😀'.repeat(8000))).toBe('😀'.repeat(8000));
    const v = validateTag('t', '😀'.repeat(8001));
    expect(v).toBe('😀'.repeat(8000));
    expect(warnings[0]).toContain('(8001 characters)');
  });

  it('refuses over-long values when MLFLOW_TRUNCATE_LONG_VALUES is off', () => {
    vi.stubEnv('MLFLOW_TRUNCATE_LONG_VALUES', 'false');
    expect(messageOf(() => validateParam('p', 'x'.repeat(6001)))).toBe(
      "'Param value' exceeds the maximum length of 6000 characters",
    );
    expect(messageOf(() => validateTag('t', 'x'.repeat(8001)))).toBe(
      "'value' exceeds the maximum length of 8000 characters",
    );
    vi.stubEnv('MLFLOW_TRUNCATE_LONG_VALUES', '0');
    expect(() => validateParam('p', 'x'.repeat(6001))).toThrow(InvalidParameterError);
    vi.stubEnv('MLFLOW_TRUNCATE_LONG_VALUES', 'TRUE');
    expect(validateParam('p', 'x'.repeat(6001))).toHaveLength(6000);
  });

  it('throws like MLflow on an invalid MLFLOW_TRUNCATE_LONG_VALUES, only when it is read', () => {
    vi.stubEnv('MLFLOW_TRUNCATE_LONG_VALUES', 'yes');
    expect(validateParam('p', 'short')).toBe('short');
    expect(() => validateParam('p', 'x'.repeat(6001))).toThrow(
      "MLFLOW_TRUNCATE_LONG_VALUES value must be one of ['true', 'false', '1', '0'] (case-insensitive), but got yes",
    );
    expect(() => truncateLongValuesEnabled({ MLFLOW_TRUNCATE_LONG_VALUES: '' })).toThrow();
    expect(truncateLongValuesEnabled({})).toBe(true);
  });

  it('never truncates keys', () => {
    expect(messageOf(() => validateParam('k'.repeat(251), 'v'))).toBe(
      "'Param key' exceeds the maximum length of 250 characters",
    );
    expect(messageOf(() => validateTag('k'.repeat(251), 'v'))).toBe(
      "'key' exceeds the maximum length of 250 characters",
    );
    expect(messageOf(() => validateTag('k'.repeat(251), 'v', 'tags[2]'))).toBe(
      "'tags[2].key' exceeds the maximum length of 250 characters",
    );
  });

  it('passes a null value through', () => {
    expect(validateParam('p', null as unknown as string)).toBeNull();
    expect(validateLengthLimit('x', 1, undefined)).toBeUndefined();
  });
});

describe('validateExperimentTag / validateTraceTag', () => {
  it('limits key and value without truncating', () => {
    validateExperimentTag('k', 'v'.repeat(20000));
    expect(messageOf(() => validateExperimentTag('k', 'v'.repeat(20001)))).toBe(
      "'value' exceeds the maximum length of 20000 characters",
    );
    expect(messageOf(() => validateExperimentTag('k'.repeat(251), 'v'))).toBe(
      "'key' exceeds the maximum length of 250 characters",
    );
    expect(() => validateExperimentTag('a//b', 'v')).toThrow(/would resolve to 'a\/b'/);
    expect(warnings).toEqual([]);
  });

  it('checks trace archival configs', () => {
    validateExperimentTag('mlflow.trace.archivalRetention', '{"type":"duration","value":"30d"}');
    validateExperimentTag('mlflow.trace.archiveNow', '{}');
    validateExperimentTag('mlflow.trace.archiveNow', '{"older_than":" 12h "}');
    expect(messageOf(() => validateExperimentTag('mlflow.trace.archivalRetention', 'nope'))).toBe(
      'Trace archival config must be encoded as a JSON object.',
    );
    expect(messageOf(() => validateExperimentTag('mlflow.trace.archivalRetention', '[1]'))).toBe(
      'Trace archival config must be encoded as a JSON object.',
    );
    expect(messageOf(() => validateExperimentTag('mlflow.trace.archivalRetention', '{"value":"1d"}'))).toBe(
      "Trace archival config must use type 'duration'.",
    );
    expect(
      messageOf(() => validateExperimentTag('mlflow.trace.archivalRetention', '{"type":"duration","value":"0d"}')),
    ).toBe("Trace archival retention must be in the form `<int><unit>`, where unit is one of 'm', 'h', or 'd'.");
    expect(messageOf(() => validateTraceArchivalRetention(`${'1'.repeat(40)}d`))).toBe(
      'Trace archival duration must be at most 32 characters.',
    );
    expect(validateTraceArchivalRetention(' 7m ')).toBe('7m');
  });

  it('truncates trace tag values', () => {
    expect(validateTraceTag('k', 'v'.repeat(8001))).toEqual({ key: 'k', value: 'v'.repeat(8000) });
    expect(warnings).toHaveLength(1);
  });
});

describe('batches', () => {
  const metric = (key: string, value: unknown = 1) => ({ key, value: value as number, timestamp: 0, step: 0 });
  const fill = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

  it('accepts batches at the limits', () => {
    validateBatchLogLimits(
      fill(1000, () => 0),
      [],
      [],
    );
    validateBatchLogLimits(
      fill(800, () => 0),
      fill(100, () => 0),
      fill(100, () => 0),
    );
  });

  it('refuses batches over the limits', () => {
    expect(
      messageOf(() =>
        validateBatchLogLimits(
          fill(1001, () => 0),
          [],
          [],
        ),
      ),
    ).toBe(
      'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
    );
    expect(
      messageOf(() =>
        validateBatchLogLimits(
          [],
          fill(101, () => 0),
          [],
        ),
      ),
    ).toBe(
      'A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again.',
    );
    expect(
      messageOf(() =>
        validateBatchLogLimits(
          [],
          [],
          fill(101, () => 0),
        ),
      ),
    ).toMatch(/at most 100 tags\. Got 101/);
    expect(
      messageOf(() =>
        validateBatchLogLimits(
          fill(801, () => 0),
          fill(100, () => 0),
          fill(100, () => 0),
        ),
      ),
    ).toBe(
      'A batch logging request can contain at most 1000 metrics, params, and tags. Got 1001 metrics, params, and tags.' +
        ' Please split up metrics, params, and tags across multiple requests and try again.',
    );
  });

  it('validates data with indexed paths and truncates values', () => {
    const out = validateBatchLogData(
      [metric('a'), metric('b')],
      [{ key: 'p', value: 'x'.repeat(6001) }],
      [{ key: 't', value: 'v' }],
    );
    expect(out.metrics).toHaveLength(2);
    expect(out.params[0]?.value).toHaveLength(6000);
    expect(out.tags[0]).toEqual({ key: 't', value: 'v' });
    expect(warnings[0]?.startsWith("Param value 'xxx")).toBe(true);

    expect(messageOf(() => validateBatchLogData([metric('a'), metric('b!')], [], []))).toBe(
      `Invalid value "b!" for parameter 'metrics[1].name' supplied: ${BAD_CHARS}`,
    );
    expect(messageOf(() => validateBatchLogData([metric('a', 'x')], [], []))).toMatch(
      /parameter 'metrics\[0\]\.value'/,
    );
    expect(messageOf(() => validateBatchLogData([], [{ key: '/p', value: '' }], []))).toMatch(
      /parameter 'params\[0\]\.key'/,
    );
    vi.stubEnv('MLFLOW_TRUNCATE_LONG_VALUES', 'false');
    expect(
      messageOf(() =>
        validateBatchLogData(
          [],
          [],
          [
            { key: 't', value: '' },
            { key: 'u', value: 'v'.repeat(8001) },
          ],
        ),
      ),
    ).toBe("'tags[1].value' exceeds the maximum length of 8000 characters");
  });

  it('does not mutate its input', () => {
    const params = [{ key: 'p', value: 'x'.repeat(6001) }];
    validateBatchLogData([], params, []);
    expect(params[0]?.value).toHaveLength(6001);
  });

  it('refuses duplicate param keys, listing each repeat', () => {
    validateParamKeysUnique([{ key: 'a' }, { key: 'b' }]);
    expect(messageOf(() => validateParamKeysUnique([{ key: 'a' }, { key: 'a' }, { key: 'b' }, { key: 'a' }]))).toBe(
      "Duplicate parameter keys have been submitted: ['a', 'a']. Please ensure the request contains only one param value per param key.",
    );
  });

  it('checks request size as MLflow does (len of the parsed JSON)', () => {
    validateBatchLogApiReq({ run_id: 'x', metrics: fill(5000, () => 0) });
    validateBatchLogApiReq('x'.repeat(1_000_000));
    expect(messageOf(() => validateBatchLogApiReq('x'.repeat(1_000_001)))).toBe(
      'Batched logging API requests must be at most 1000000 bytes, got a request of size 1000001.',
    );
  });
});

describe('IDs and experiments', () => {
  it('validates run IDs', () => {
    for (const ok of ['a', '0123456789abcdef0123456789abcdef', 'A-b_c', `a${'b'.repeat(255)}`, 'aé']) validateRunId(ok);
    for (const bad of ['', '-a', '_a', 'a!', 'a b', `a${'b'.repeat(256)}`, 'éa']) {
      expect(messageOf(() => validateRunId(bad))).toBe(invalidValue('run_id', bad));
    }
    expect(messageOf(() => validateRunId('a/b'))).toBe(`Invalid value "a/b" for parameter 'run_id' supplied.`);
  });

  it('validates experiment IDs', () => {
    for (const ok of ['0', '123', 'abc-DEF_1', `a${'b'.repeat(63)}`, null, undefined, 7]) validateExperimentId(ok);
    for (const bad of ['', '-1', 'a.b', `a${'b'.repeat(64)}`]) {
      expect(messageOf(() => validateExperimentId(bad))).toBe(`Invalid experiment ID: '${bad}'`);
    }
  });

  it('parses experiment IDs like int()', () => {
    expect(parseExperimentId('12')).toBe(12);
    expect(parseExperimentId(' 1_000 ')).toBe(1000);
    expect(parseExperimentId(5)).toBe(5);
    expect(messageOf(() => parseExperimentId('abc'))).toBe(
      "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.",
    );
  });

  it('validates experiment names', () => {
    validateExperimentName('x');
    validateExperimentName('n'.repeat(500));
    validateExperimentName('\ufeff');
    expect(messageOf(() => validateExperimentName(''))).toBe("Invalid experiment name: ''");
    expect(messageOf(() => validateExperimentName('  \x1c'))).toBe("Invalid experiment name: '  \x1c'");
    expect(messageOf(() => validateExperimentName(null))).toBe("Invalid experiment name: 'None'");
    expect(messageOf(() => validateExperimentName(123))).toBe('Invalid experiment name: 123. Expects a string.');
    expect(messageOf(() => validateExperimentName('n'.repeat(501)))).toBe(
      "'name' exceeds the maximum length of 500 characters",
    );
  });

  it('validates artifact locations', () => {
    validateExperimentArtifactLocation('s3://bucket/path');
    validateExperimentArtifactLocation(null);
    expect(messageOf(() => validateExperimentArtifactLocation('runs:/abc/model'))).toBe(
      "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/model'",
    );
    validateExperimentArtifactLocationLength('a'.repeat(2048));
    expect(messageOf(() => validateExperimentArtifactLocationLength('a'.repeat(2049)))).toBe(
      'Invalid artifact path length. The length of the artifact path cannot be greater than 2048 characters.' +
        ' To configure this limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.',
    );
    vi.stubEnv('MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH', '10');
    expect(() => validateExperimentArtifactLocationLength('a'.repeat(11))).toThrow(/greater than 10 characters/);
    vi.stubEnv('MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH', 'ten');
    expect(() => validateExperimentArtifactLocationLength('a')).toThrow(
      "Failed to convert 'ten' for MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH: invalid literal for int() with base 10: 'ten'",
    );
  });

  it('validates dataset inputs', () => {
    const dataset = { name: 'd', digest: 'abc', sourceType: 'local', source: '{}' };
    validateDatasetInputs([{ dataset, tags: { 'mlflow.data.context': 'train' } }]);
    expect(
      messageOf(() => validateDatasetInputs([{ dataset: { ...dataset, digest: 'x'.repeat(37) }, tags: {} }])),
    ).toBe("'digest' exceeds the maximum length of 36 characters");
    expect(messageOf(() => validateDatasetInputs([{ dataset, tags: { k: 'v'.repeat(501) } }]))).toBe(
      "'value' exceeds the maximum length of 500 characters",
    );
    expect(
      messageOf(() => validateDatasetInputs([{ dataset: { ...dataset, name: null as unknown as string }, tags: {} }])),
    ).toBe('Dataset name cannot be None');
  });
});
