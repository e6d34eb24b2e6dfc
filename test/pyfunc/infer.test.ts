import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferSignature, ModelSignature } from '../../src/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface Case {
  name: string;
  input: unknown;
  output?: unknown;
  params?: Record<string, unknown>;
}

// Cases and Python's answers (test/interop/py/pyfunc_infer.py run on the cases) live in test/fixtures/pyfunc.
const fixtures = join(REPO_ROOT, 'test/fixtures/pyfunc');
const cases = JSON.parse(readFileSync(join(fixtures, 'infer-cases.json'), 'utf8')) as Case[];
const expected = JSON.parse(readFileSync(join(fixtures, 'infer-expected.json'), 'utf8')) as Record<string, unknown>;

/** `{"__frame__": {columns, data}}` is the split frame the TypeScript user would pass. */
function fromFixture(value: unknown): unknown {
  if (value && typeof value === 'object' && '__frame__' in value) return (value as { __frame__: unknown }).__frame__;
  return value;
}

describe('inferSignature matches mlflow.models.infer_signature', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const sig = inferSignature(fromFixture(c.input), fromFixture(c.output), c.params);
    const ours = sig.toDict();
    const theirs = expected[name] as Record<string, string | null>;
    // Python writes a double list default as [0.5, 1.5] and we write the same; compare parsed to ignore 1 vs 1.0.
    for (const key of ['inputs', 'outputs', 'params'] as const) {
      expect(ours[key] === null ? null : JSON.parse(ours[key]!), `${name}: ${key}`).toEqual(
        theirs[key] === null ? null : JSON.parse(theirs[key]!),
      );
    }
    // Exact text too, where no float is involved.
    if (!/\d\.\d/.test(JSON.stringify(theirs))) expect(ours).toEqual(theirs);
  });

  it('round-trips through fromDict', () => {
    for (const c of cases) {
      const dict = inferSignature(fromFixture(c.input), fromFixture(c.output), c.params).toDict();
      expect(ModelSignature.fromDict(dict).toDict()).toEqual(dict);
    }
  });

  it('rejects an unsupported param with INVALID_PARAMETER_VALUE naming it', () => {
    expect(() => inferSignature('q', undefined, { bad: [[1], [2]] })).toThrow(/bad/);
    try {
      inferSignature('q', undefined, { nothing: null });
    } catch (e) {
      expect((e as { errorCode: string }).errorCode).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});
