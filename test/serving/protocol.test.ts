// The scoring protocol without HTTP: `invocations(body, contentType, model)`. Expected bodies are what MLflow
// 3.18's `mlflow models serve` answers for the equivalent Python echo model (recorded from the real server;
// test/interop/serving-parity.test.ts checks them live, side by side).
import { describe, expect, it } from 'vitest';
import { colSpec, Frame, invocations, MlflowError } from '../../src/index.js';
import { errorToJson, ScoringError } from '../../src/serving/errors.js';
import { dumpPythonJson } from '../../src/serving/json.js';
import { npArray, PythonError } from '../../src/serving/numpy.js';
import { readCsv } from '../../src/serving/pandas.js';
import { echoModel, functionModel } from './models.js';

const JSON_TYPE = 'application/json';
const echo = echoModel();
const columns = echoModel({ columns: true });

async function call(body: string | Buffer, contentType: string | undefined = JSON_TYPE, model = echo) {
  return invocations(typeof body === 'string' ? Buffer.from(body) : body, contentType, model);
}

async function ok(body: unknown, model = echo): Promise<string> {
  const res = await call(JSON.stringify(body), JSON_TYPE, model);
  expect(res.status, res.body).toBe(200);
  expect(res.contentType).toBe('application/json');
  return res.body;
}

async function error(body: string, model = echo, contentType = JSON_TYPE) {
  const res = await call(body, contentType, model);
  expect(res.contentType).toBe('application/json');
  return { status: res.status, json: JSON.parse(res.body.replace(/\bNaN\b/g, 'null')) as Record<string, string> };
}

describe('JSON payload formats (model without input schema)', () => {
  it('dataframe_split becomes a frame, answered as records', async () => {
    expect(
      await ok({
        dataframe_split: {
          columns: ['question', 'n'],
          data: [
            ['hi', 1],
            ['yo', 2],
          ],
        },
      }),
    ).toBe('{"predictions": [{"question": "hi", "n": 1}, {"question": "yo", "n": 2}]}');
    expect(await ok({ dataframe_split: { columns: ['question'], data: [['hi']], index: [5] } })).toBe(
      '{"predictions": [{"question": "hi"}]}',
    );
  });

  it('dataframe_records: a key missing from a record is NaN, as in pandas', async () => {
    expect(await ok({ dataframe_records: [{ question: 'hi', n: 1.5 }, { question: 'yo' }] })).toBe(
      '{"predictions": [{"question": "hi", "n": 1.5}, {"question": "yo", "n": NaN}]}',
    );
    expect(await ok({ dataframe_records: [1, 2] })).toBe('{"predictions": [{"0": 1}, {"0": 2}]}');
  });

  it('dataframe_split: null is NaN in numeric columns and None elsewhere', async () => {
    const body = '{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1.0, null, null], [NaN, 2, true]]}}';
    expect((await call(body)).body).toBe(
      '{"predictions": [{"a": 1, "b": NaN, "c": null}, {"a": NaN, "b": 2, "c": true}]}',
    );
  });

  it('instances: records become columns of arrays', async () => {
    expect(await ok({ instances: ['a', 'b'] })).toBe('{"predictions": ["a", "b"]}');
    expect(
      await ok({
        instances: [
          { question: 'hi', n: 1 },
          { question: 'yo', n: 2 },
        ],
      }),
    ).toBe('{"predictions": {"question": ["hi", "yo"], "n": [1, 2]}}');
  });

  it('inputs: values become numpy arrays (strings win over numbers, None keeps an object array)', async () => {
    expect(await ok({ inputs: { question: ['hi', 'yo'], n: [1, 2] } })).toBe(
      '{"predictions": {"question": ["hi", "yo"], "n": [1, 2]}}',
    );
    expect(await ok({ inputs: 'hello' })).toBe('{"predictions": "hello"}');
    expect(
      await ok({
        inputs: [
          [1, 2],
          [3, 4],
        ],
      }),
    ).toBe('{"predictions": [[1, 2], [3, 4]]}');
    expect(await ok({ inputs: [1, 'a'] })).toBe('{"predictions": ["1", "a"]}');
    expect(await ok({ inputs: [1, 'a', null] })).toBe('{"predictions": [1, "a", null]}');
    expect(await ok({ inputs: [true, 2] })).toBe('{"predictions": [1, 2]}');
    expect(await ok({ inputs: [{ a: 1 }, { a: 2, b: 'x' }] })).toBe('{"predictions": [{"a": 1}, {"a": 2, "b": "x"}]}');
  });

  it('params reach the model; params of an unknown type fail with INVALID_PARAMETER_VALUE', async () => {
    expect(await ok({ inputs: ['a'], params: { mode: 'params', times: 3 } })).toBe(
      '{"predictions": {"mode": "params", "times": 3, "seconds": 0}}',
    );
    const bad = await error('{"inputs": ["a"], "params": {"times": "x"}}');
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.json.message).toMatch(/^Failed to predict data '\['a'\]'\. \nError: Invalid parameters found: /);
    const list = await error('{"inputs": [1], "params": [1]}');
    expect(list.json.message).toBe(
      "Failed to predict data '[1]'. \nError: Parameters must be a dictionary. Got type 'list'.",
    );
  });

  it('LLM payloads (messages/prompt/input) are passed as a dict and answered unwrapped', async () => {
    expect(await ok({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.1 })).toBe(
      '{"messages": [{"role": "user", "content": "hi"}], "temperature": 0.1}',
    );
    // Keys declared in the params schema are params.
    expect(await ok({ messages: [], mode: 'params' })).toBe('{"mode": "params", "times": 1, "seconds": 0}');
  });

  it('text/csv is read as pandas reads it', async () => {
    const res = await call('question,n\nhi,1\nyo,2\n', 'text/csv');
    expect(res.body).toBe('{"predictions": [{"question": "hi", "n": 1}, {"question": "yo", "n": 2}]}');
    const frame = readCsv('a,b,c,d,e\n1,x,True,,1.5\n2,,False,,2\n"q,1",NA,true,,-inf\n');
    expect(frame.columns).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(frame.toRecords()).toEqual([
      { a: '1', b: 'x', c: true, d: Number.NaN, e: 1.5 },
      { a: '2', b: Number.NaN, c: false, d: Number.NaN, e: 2 },
      { a: 'q,1', b: Number.NaN, c: true, d: Number.NaN, e: -Infinity },
    ]);
    expect(readCsv('a,,a\n1,2,3\n').columns).toEqual(['a', 'Unnamed: 1', 'a.1']);
    expect(readCsv('a,b\n1,2,3,4\n').toRecords()).toEqual([{ a: 3, b: 4 }]);
  });
});

describe('bad requests get MLflow status codes, messages and error JSON', () => {
  it('content types: 415 in plain text', async () => {
    const wrong = await call('{"inputs": [1]}', 'text/plain');
    expect(wrong).toEqual({
      status: 415,
      contentType: 'text/plain; charset=utf-8',
      body:
        "This predictor only supports the following content types: Types: ['text/csv', 'application/json', " +
        "'application/vnd.apache.parquet']. Got 'text/plain'.",
    });
    expect((await call('{}', 'application/json; charset=latin-1')).body).toBe('The scoring server only supports UTF-8');
    const param = await call('{}', 'application/json; format=pandas-split');
    expect(param.status).toBe(415);
    expect(param.body).toMatch(/^Unrecognized content type parameters: format\. IMPORTANT: The MLflow Model scoring/);
    expect((await call('{"inputs": [1]}', 'application/json; charset=UTF-8')).status).toBe(200);
    // Without a Content-Type MLflow's server crashes (500); this one answers 415 naming it.
    const none = await invocations(Buffer.from('{"inputs": [1]}'), undefined, echo);
    expect(none.status).toBe(415);
    expect(none.body).toMatch(/Got 'None'\.$/);
  });

  it('two input keys, no input key, a list or a scalar: BAD_REQUEST', async () => {
    const two = await error('{"inputs": [1], "instances": [2]}');
    expect(two.status).toBe(400);
    expect(two.json).toMatchObject({
      error_code: 'BAD_REQUEST',
      sqlstate: 'KAM00',
      error_class: 'INVALID_PARAMETER_VALUE',
    });
    expect(two.json.message).toMatch(
      /^The input must be a JSON dictionary with exactly one of the input fields \{'inputs', 'dataframe_split', 'dataframe_records', 'instances'\}\. Received dictionary with input fields: \['inputs', 'instances'\]\. IMPORTANT:/,
    );
    expect((await error('{"foo": 1}')).json.message).toContain('Received dictionary with input fields: [].');
    expect((await error('[1, 2]')).json.message).toBe(
      "Invalid input. The input must be a JSON dictionary with exactly one of the input fields {'inputs', " +
        "'dataframe_split', 'dataframe_records', 'instances'}. Received a list.",
    );
    expect((await error('"str"')).json.message).toMatch(/Received unexpected input type '<class 'str'>\.$/);
  });

  it('malformed JSON and an empty body: BAD_REQUEST naming the decode error and the input', async () => {
    expect((await error('{"inputs": [1],')).json.message).toBe(
      "Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError('Expecting " +
        "property name enclosed in double quotes: line 1 column 16 (char 15)')'\nInput: \nb'{\"inputs\": [1],'\n",
    );
    expect((await error('')).json.message).toBe(
      "Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError('Expecting value: " +
        "line 1 column 1 (char 0)')'\nInput: \nb''\n",
    );
    const csv = await error('', echo, 'text/csv');
    expect(csv.json.message).toBe(
      'Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame ' +
        "produced using the `pandas.DataFrame.to_csv()` method. Error: 'No columns to parse from file'",
    );
    expect(Object.keys(csv.json)).toEqual(['error_code', 'message', 'sqlstate', 'error_class', 'stack_trace']);
  });

  it('malformed frames', async () => {
    expect((await error('{"dataframe_split": {"data": [[1]], "extra": 1}}')).json.message).toBe(
      "Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {'data', 'extra'}.'",
    );
    expect((await error('{"dataframe_split": [[1]]}')).json.message).toBe(
      'Invalid input. Dataframe split format must be a dictionary. Got list.',
    );
    expect((await error('{"dataframe_records": {"a": 1}}')).json.message).toBe(
      'Invalid input. Dataframe records format must be a list of records. Got dictionary.',
    );
    expect((await error('{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}')).json.message).toBe(
      "Invalid input. Provided dataframe_split field is not a valid dataframe representation in 'split' format. " +
        "Error: '1 columns passed, passed data had 2 columns'",
    );
    expect((await error('{"instances": [{"a": [1, 2]}, {"a": [1]}]}')).json.message).toBe(
      'Invalid input. Ensure that the input is a valid JSON-formatted string.\nError: ' +
        "ValueError('setting an array element with a sequence. The requested array has an inhomogeneous shape " +
        "after 1 dimensions. The detected shape was (2,) + inhomogeneous part.')",
    );
  });

  it('a model that throws: BAD_REQUEST with the stack trace', async () => {
    const res = await error('{"inputs": ["a"], "params": {"mode": "fail"}}');
    expect(res.status).toBe(400);
    expect(res.json.message).toBe(
      'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is ' +
        'compatible with the model for inference.',
    );
    expect(res.json.stack_trace).toContain('echo model asked to fail');
  });
});

describe('models with a column-based input schema', () => {
  it('casts frames to the schema and enforces it', async () => {
    expect(await ok({ dataframe_split: { columns: ['question', 'n'], data: [['hi', '7']] } }, columns)).toBe(
      '{"predictions": [{"question": "hi", "n": 7}]}',
    );
    const bad = await error('{"dataframe_split": {"columns": ["question", "n"], "data": [["hi", "x"]]}}', columns);
    expect(bad.json.message).toBe(
      "Invalid input. Data is not compatible with model signature. Failed to convert column n to type 'int64'. " +
        "Error: 'ValueError(\"invalid literal for int() with base 10: 'x'\")'",
    );
    const missing = await error('{"dataframe_split": {"columns": ["n"], "data": [[1]]}}', columns);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      sqlstate: 'KAM01',
      error_class: 'SCHEMA_ENFORCEMENT_FAILED',
    });
    expect(missing.json.message).toMatch(
      /^Failed to predict data ' {3}n\n0 {2}1'\. \nError: .*Model is missing inputs \['question'\]\.$/s,
    );
  });

  it('a list for a one-column schema is that column; a dict of lists is a frame', async () => {
    const one = echoModel({ inputs: { inputs: [colSpec('string', 'question')] } });
    expect(await ok({ inputs: ['hi', 'yo'] }, one)).toBe('{"predictions": [{"question": "hi"}, {"question": "yo"}]}');
    expect(await ok({ inputs: { question: ['hi', 'yo'], n: [1, 2] } }, columns)).toBe(
      '{"predictions": [{"question": "hi", "n": 1}, {"question": "yo", "n": 2}]}',
    );
    expect(await ok({ inputs: { question: 'hi' } }, columns)).toBe('{"predictions": [{"question": "hi"}]}');
    const ragged = await error('{"inputs": {"question": ["hi", "yo"], "n": [1]}}', columns);
    expect(ragged.json.message).toMatch(
      /There was an error casting the input data to a DataFrame: All arrays must be of the same length$/,
    );
    expect(ragged.json.error_class).toBe('SCHEMA_ENFORCEMENT_FAILED');
  });
});

describe('serialisation of predictions', () => {
  it('writes Python json: separators, ASCII escapes, NaN, frames as records, bytes as base64, dates', async () => {
    const model = functionModel(() => ({
      text: 'héllo 😀',
      nan: Number.NaN,
      inf: -Infinity,
      frame: new Frame(['a'], [[1], [2]]),
      bytes: new Uint8Array([104, 105]),
      date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      nested: [undefined, null, true],
    }));
    const res = await invocations(Buffer.from('{"inputs": 1}'), JSON_TYPE, model);
    expect(res.body).toBe(
      '{"predictions": {"text": "h\\u00e9llo \\ud83d\\ude00", "nan": NaN, "inf": -Infinity, "frame": [{"a": 1}, {"a": 2}], ' +
        '"bytes": "aGk=\\n", "date": "2024-01-02T03:04:05", "nested": [null, null, true]}}',
    );
    expect(dumpPythonJson(new Frame([0, 'b'], [[1, 'x']]))).toBe('[{"0": 1, "b": "x"}]');
  });

  it('serialises errors as MlflowException.serialize_as_json', () => {
    expect(errorToJson(new MlflowError('boom', 'INTERNAL_ERROR'))).toBe(
      '{"error_code": "INTERNAL_ERROR", "message": "boom", "sqlstate": "XXM00", "error_class": "CLIENT_INTERNAL_ERROR"}',
    );
    expect(errorToJson(new ScoringError('slow', 'REQUEST_LIMIT_EXCEEDED'))).toBe(
      '{"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow"}',
    );
  });
});

describe('numpy conversion', () => {
  it('infers dtypes and refuses ragged lists with numpy message', () => {
    expect(npArray([1, 2.5]).value).toEqual([1, 2.5]);
    expect(npArray([1.5, 'a', true]).value).toEqual(['1.5', 'a', 'True']);
    expect(
      npArray([
        [1, 2],
        [3, 4],
      ]).ndim,
    ).toBe(2);
    expect(npArray({ a: 1 }).ndim).toBe(0);
    expect(() =>
      npArray([
        [1, [2]],
        [3, 4],
      ]),
    ).toThrowError(
      new PythonError(
        'ValueError',
        'setting an array element with a sequence. The requested array has an inhomogeneous shape after 2 dimensions. ' +
          'The detected shape was (2, 2) + inhomogeneous part.',
      ),
    );
  });
});
