import { describe, expect, it } from 'vitest';
import { ErrorCode, InvalidParameterError } from '../../../src/tracking/errors.js';
import {
  createPageToken,
  parseStartOffsetFromPageToken,
  SEARCH_MAX_RESULTS_DEFAULT,
  SEARCH_MAX_RESULTS_THRESHOLD,
  validateMaxResults,
} from '../../../src/tracking/search/page-token.js';
import { invalidParameterThrownBy } from '../../helpers/errors.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('createPageToken', () => {
  it('is byte-identical to SearchUtils.create_page_token', () => {
    // Values produced by MLflow 3.18.0's SearchUtils.create_page_token.
    expect(createPageToken(3)).toBe('eyJvZmZzZXQiOiAzfQ==');
    expect(createPageToken(1000)).toBe('eyJvZmZzZXQiOiAxMDAwfQ==');
    expect(createPageToken(123456789)).toBe('eyJvZmZzZXQiOiAxMjM0NTY3ODl9');
  });

  it('round-trips through parseStartOffsetFromPageToken', () => {
    for (const offset of [1, 2, 50, 49999, 10_000_000]) {
      expect(parseStartOffsetFromPageToken(createPageToken(offset))).toBe(offset);
    }
  });

  it('rejects non-integer offsets', () => {
    expect(() => createPageToken(1.5)).toThrow(InvalidParameterError);
  });
});

describe('parseStartOffsetFromPageToken', () => {
  it('treats a missing or empty token as offset 0', () => {
    expect(parseStartOffsetFromPageToken(undefined)).toBe(0);
    expect(parseStartOffsetFromPageToken(null)).toBe(0);
    expect(parseStartOffsetFromPageToken('')).toBe(0);
  });

  it.each([
    ['a Python token', 'eyJvZmZzZXQiOiAzfQ==', 3],
    ['characters outside the alphabet are skipped', 'eyJvZmZz ZXQiOiAzfQ==', 3],
    ['data after complete padding is ignored', 'eyJvZmZzZXQiOiAzfQ==garbage', 3],
    ['a string offset', b64('{"offset": "7"}'), 7],
    ['a float offset truncates', b64('{"offset": 7.9}'), 7],
    ['true is 1', b64('{"offset": true}'), 1],
    ['a negative offset passes through', b64('{"offset": -2}'), -2],
  ])('accepts %s', (_label, token, offset) => {
    expect(parseStartOffsetFromPageToken(token)).toBe(offset);
  });

  it.each([
    ['missing padding', 'eyJvZmZzZXQiOiAzfQ', 'Invalid page token, could not base64-decode'],
    ['a single character', 'a', 'Invalid page token, could not base64-decode'],
    ['non-ASCII text', 'eyJvZmZzZXQiOiAzfQ==é', 'Invalid page token, could not base64-decode'],
    ['not JSON', b64('not json'), "Invalid page token, decoded value=b'not json'"],
    ['nothing decodable', '!!!', "Invalid page token, decoded value=b''"],
    ['a one-byte payload', 'ab==', "Invalid page token, decoded value=b'i'"],
    ['no offset', b64('{}'), 'Invalid page token, parsed value={}'],
    ['offset 0 (falsy in Python)', b64('{"offset": 0}'), "Invalid page token, parsed value={'offset': 0}"],
    ['a non-numeric offset', b64('{"offset": "abc"}'), 'Invalid page token, not stringable abc'],
  ])('rejects %s with MLflow’s message', (_label, token, message) => {
    const error = invalidParameterThrownBy(() => parseStartOffsetFromPageToken(token));
    expect(error.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(error.message).toBe(message);
  });
});

describe('validateMaxResults', () => {
  it('exposes MLflow’s limits', () => {
    expect(SEARCH_MAX_RESULTS_DEFAULT).toBe(1000);
    expect(SEARCH_MAX_RESULTS_THRESHOLD).toBe(50000);
  });

  it('accepts 1..50000, and null only when allowed', () => {
    expect(() => validateMaxResults(1)).not.toThrow();
    expect(() => validateMaxResults(50000)).not.toThrow();
    expect(() => validateMaxResults(null, true)).not.toThrow();
    expect(() => validateMaxResults(undefined, true)).not.toThrow();
  });

  it.each([
    [0, false, "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"],
    [-5, false, "Invalid value -5 for parameter 'max_results' supplied. It must be a positive integer"],
    [null, false, "Invalid value None for parameter 'max_results' supplied. It must be a positive integer"],
    [50001, true, "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000"],
  ])('rejects %s (allowNull=%s)', (value, allowNull, message) => {
    const error = invalidParameterThrownBy(() => validateMaxResults(value, allowNull));
    expect(error.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(error.message).toBe(message);
  });
});
