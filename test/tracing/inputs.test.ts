import { describe, expect, it } from 'vitest';
import { captureInputs, parseParams } from '../../src/tracing/inputs.js';

describe('captureInputs: arguments by parameter name, as MLflow records function inputs', () => {
  const cases: Array<[string, (...a: never[]) => unknown, unknown[], Record<string, unknown>]> = [
    [
      'plain function',
      function f(a: number, b: number) {
        return a + b;
      } as never,
      [1, 2],
      { a: 1, b: 2 },
    ],
    ['arrow with parens', ((x: string, y = 'd') => x + y) as never, ['q'], { x: 'q' }],
    ['single-param arrow', ((x: number) => x) as never, [5], { x: 5 }],
    ['async arrow', (async (q: string) => q) as never, ['z'], { q: 'z' }],
    [
      'defaults with commas and parens',
      function g(a = [1, 2], b = f2(3, ')'), c = '(,)') {
        return [a, b, c];
      } as never,
      [1, 2, 3],
      { a: 1, b: 2, c: 3 },
    ],
    [
      'destructured parameters',
      (({ a, b }: { a: number; b: number }, [c]: number[]) => a + b + (c ?? 0)) as never,
      [{ a: 1, b: 2 }, [3]],
      {
        arg0: { a: 1, b: 2 },
        arg1: [3],
      },
    ],
    [
      'rest parameter',
      ((first: number, ...more: number[]) => first + more.length) as never,
      [1, 2, 3],
      { first: 1, more: [2, 3] },
    ],
    ['extra arguments', ((a: number) => a) as never, [1, 2, 3], { a: 1, args: [2, 3] }],
    ['no parameters', (() => 1) as never, [], {}],
    [
      'comments in the list',
      function h(
        /* the query */ q: string, // k
        k: number,
      ) {
        return q + k;
      } as never,
      ['a', 1],
      { q: 'a', k: 1 },
    ],
  ];
  for (const [name, fn, args, expected] of cases) {
    it(name, () => {
      expect(captureInputs(fn, args)).toEqual(expected);
    });
  }

  it('native functions have no source: arguments are recorded as a list', () => {
    expect(parseParams(Math.max as never)).toBeNull();
    expect(captureInputs(Math.max as never, [1, 2])).toEqual({ args: [1, 2] });
  });

  it('class methods', () => {
    class C {
      run(question: string, limit: number) {
        return `${question}${limit}`;
      }
    }
    expect(captureInputs(C.prototype.run as never, ['why', 3])).toEqual({ question: 'why', limit: 3 });
  });
});

function f2(a: number, b: string): string {
  return `${a}${b}`;
}
