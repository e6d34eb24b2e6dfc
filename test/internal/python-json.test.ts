import { describe, expect, it } from 'vitest';
import { pyJsonDumps, pyJsonString } from '../../src/internal/python-json.js';

// Expected values are Python 3.11's json.dumps output for the same strings.
describe('pyJsonString (json.dumps of a str, ensure_ascii=True)', () => {
  it.each([
    ['a"b\\c\n\t\u0001\u007f é 😀', '"a\\"b\\\\c\\n\\t\\u0001\\u007f \\u00e9 \\ud83d\\ude00"'],
    ['\b\f\r\u001f', '"\\b\\f\\r\\u001f"'],
    ['\ud800x', '"\\ud800x"'],
    ['plain ASCII ~', '"plain ASCII ~"'],
    ['', '""'],
  ])('%j', (input, expected) => {
    expect(pyJsonString(input)).toBe(expected);
  });

  it('pyJsonDumps keeps non-ASCII as is (ensure_ascii=False, as MLflow writes span attributes)', () => {
    expect(pyJsonDumps({ q: 'é 😀', n: [1, 2.5, Number.NaN] })).toBe('{"q": "é 😀", "n": [1, 2.5, NaN]}');
  });
});
