import { describe, expect, it } from 'vitest';
import {
  colSpec,
  enforceParams,
  enforceSchema,
  enforceSignature,
  Frame,
  inferSignature,
  isMlflowError,
  ModelSignature,
  paramSpec,
  toFrame,
} from '../../src/index.js';

describe('toFrame turns each input form into the DataFrame MLflow would build', () => {
  it.each([
    ['a string is one row of column 0', 'hi', [0], [['hi']]],
    ['an array of strings is column 0', ['a', 'b'], [0], [['a'], ['b']]],
    [
      'records are a row each, missing keys null',
      [{ q: 'x' }, { q: 'y', n: 1 }],
      ['q', 'n'],
      [
        ['x', null],
        ['y', 1],
      ],
    ],
    ['a split frame keeps its columns', { columns: ['a', 'b'], data: [[1, 2]] }, ['a', 'b'], [[1, 2]]],
    ['a dict of scalars is one row', { q: 'x', n: 1 }, ['q', 'n'], [['x', 1]]],
    ['a dict of string lists is one row', { q: ['x', 'y'] }, ['q'], [[['x', 'y']]]],
    [
      'a dict of number lists is a column each',
      { a: [1, 2], b: 'k' },
      ['a', 'b'],
      [
        [1, 'k'],
        [2, 'k'],
      ],
    ],
  ])('%s', (_name, input, columns, data) => {
    const frame = toFrame(input);
    expect(frame.columns).toEqual(columns);
    expect(frame.data).toEqual(data);
  });

  it('gives records back', () => {
    expect(toFrame({ columns: ['a'], data: [[1], [2]] }).toRecords()).toEqual([{ a: 1 }, { a: 2 }]);
  });
});

const sig = new ModelSignature({
  inputs: {
    inputs: [
      colSpec('string', 'question'),
      colSpec('long', 'n'),
      colSpec('double', 'x'),
      colSpec('boolean', 'b', false),
      colSpec({ type: 'array', items: 'string' }, 'tags', false),
    ],
  },
  params: {
    params: [
      paramSpec('max_new_tokens', 'long', 32),
      paramSpec('temperature', 'double', 0.7),
      paramSpec('stop', 'string', ['x'], [-1]),
    ],
  },
});

describe('enforceSchema', () => {
  it('accepts ints for a double column, reorders columns and drops extra ones', () => {
    const out = enforceSchema([{ extra: 1, x: 2, n: 3, question: 'q' }], sig.inputs!);
    expect(out).toBeInstanceOf(Frame);
    expect(out.columns).toEqual(['question', 'n', 'x']);
    expect(out.data).toEqual([['q', 3, 2]]);
  });

  it('accepts every input form for a single unnamed string column', () => {
    const s = inferSignature('hello').inputs!;
    expect(enforceSchema('hi', s).data).toEqual([['hi']]);
    expect(enforceSchema(['a', 'b'], s).data).toEqual([['a'], ['b']]);
  });

  // Each wrong input is rejected with INVALID_PARAMETER_VALUE, and the message names column and types.
  it.each([
    ['missing required column', { question: 'q', x: 1.5 }, /Model is missing inputs \['n'\]/],
    [
      'missing column with extras',
      { question: 'q', x: 1.5, m: 1 },
      /missing inputs \['n'\]\. Note that there were extra inputs: \['m'\]/,
    ],
    ['float for long', { question: 'q', n: 1.5, x: 1 }, /column n\. Can not safely convert float64 to int64/],
    [
      'null in long column',
      [
        { question: 'q', n: 1, x: 1 },
        { question: 'r', n: null, x: 1 },
      ],
      /column n\. Can not safely convert float64 to int64\. Hint: the type mismatch is likely caused by missing values/,
    ],
    ['string for long', { question: 'q', n: '1', x: 1 }, /column n\. Can not safely convert object to int64/],
    ['number for string', { question: 5, n: 1, x: 1 }, /column question\. Can not safely convert int64 to <U0/],
    ['bool for double', { question: 'q', n: 1, x: true }, /column x\. Can not safely convert bool to float64/],
    ['string for boolean', { question: 'q', n: 1, x: 1, b: 'yes' }, /column b\. Can not safely convert object to bool/],
    [
      'numbers in a string array',
      { question: 'q', n: 1, x: 1, tags: [1, 2] },
      /column tags\. Expected type Array\(string\), got list/,
    ],
    [
      'scalar for array',
      { question: 'q', n: 1, x: 1, tags: 5 },
      /column tags\..*Expected data to be list or numpy array, got int/,
    ],
  ])('%s', (_name, input, message) => {
    let err: unknown;
    try {
      enforceSignature(input, {}, sig);
    } catch (e) {
      err = e;
    }
    expect(isMlflowError(err)).toBe(true);
    expect((err as { errorCode: string }).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((err as Error).message).toMatch(message);
  });

  it('counts columns for an unnamed signature', () => {
    const s = { inputs: [colSpec('string'), colSpec('string')] };
    expect(() => enforceSchema('x', s)).toThrow(/declares 2 inputs {2}but the provided value only has 1 inputs/);
  });
});

describe('enforceParams', () => {
  it('fills defaults, keeps given values and drops unknown params with a warning', () => {
    const warnings: string[] = [];
    const out = enforceParams({ max_new_tokens: 8, other: 1 }, sig.params, (m) => warnings.push(m));
    expect(out).toEqual({ max_new_tokens: 8, temperature: 0.7, stop: ['x'] });
    expect(warnings[0]).toMatch(/Unrecognized params \['other'\]/);
  });

  it('accepts an int for a double param', () => {
    expect(enforceParams({ temperature: 1 }, sig.params).temperature).toBe(1);
  });

  it.each([
    [
      'float for long',
      { max_new_tokens: 1.5 },
      /\('max_new_tokens', 'Can not safely convert `<class 'float'>` to `long` for value `1.5`'\)/,
    ],
    ['string for double', { temperature: 'hot' }, /temperature.*Can not safely convert `<class 'str'>` to `double`/],
    ['scalar for a list param', { stop: 'x' }, /stop.*Value must be a 1D array with shape \(-1,\)/],
    ['list for a scalar param', { max_new_tokens: [1] }, /max_new_tokens.*Value must be a scalar for type `long`/],
  ])('rejects %s naming the param and type', (_name, params, message) => {
    expect(() => enforceParams(params, sig.params)).toThrow(message);
  });

  it('ignores params when the signature has no params schema', () => {
    const warnings: string[] = [];
    expect(enforceParams({ a: 1 }, undefined, (m) => warnings.push(m))).toEqual({});
    expect(warnings).toHaveLength(1);
  });
});
