import { expect } from 'vitest';
import { InvalidParameterError, isMlflowError, type MlflowError } from '../../src/index.js';

/** Awaits `p`, which must reject with an MlflowError, and returns that error. */
export async function rejection(p: Promise<unknown>): Promise<MlflowError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(isMlflowError(err), `expected an MlflowError, got ${String(err)}`).toBe(true);
  return err as MlflowError;
}

/** Asserts `p` rejects with an MlflowError of `code` whose message contains or matches `message`. */
export async function expectMlflowError(
  p: Promise<unknown>,
  code: string,
  message: string | RegExp,
): Promise<MlflowError> {
  const err = await rejection(p);
  expect(err.errorCode).toBe(code);
  if (typeof message === 'string') expect(err.message).toContain(message);
  else expect(err.message).toMatch(message);
  return err;
}

/** Calls `fn`, which must throw an InvalidParameterError, and returns that error. */
export function invalidParameterThrownBy(fn: () => unknown): InvalidParameterError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return error as InvalidParameterError;
  }
  throw new Error('expected an InvalidParameterError');
}
