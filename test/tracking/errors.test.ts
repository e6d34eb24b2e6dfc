import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  errorCodeForHttpStatus,
  hasErrorCode,
  InvalidParameterError,
  isMlflowError,
  MlflowError,
  ResourceDoesNotExistError,
} from '../../src/index.js';

describe('MlflowError family', () => {
  it('maps bare HTTP statuses to the codes MLflow 3.18 assumes (HTTP_STATUS_TO_ERROR_CODE)', () => {
    // Values read from mlflow.exceptions.HTTP_STATUS_TO_ERROR_CODE in MLflow 3.18.0.
    const expected: Record<number, string> = {
      400: 'BAD_REQUEST',
      401: 'UNAUTHENTICATED',
      403: 'PERMISSION_DENIED',
      404: 'ENDPOINT_NOT_FOUND',
      409: 'ALREADY_EXISTS',
      429: 'RESOURCE_EXHAUSTED',
      499: 'CANCELLED',
      500: 'INTERNAL_ERROR',
      501: 'NOT_IMPLEMENTED',
      503: 'TEMPORARILY_UNAVAILABLE',
      504: 'DEADLINE_EXCEEDED',
      418: 'INTERNAL_ERROR',
    };
    for (const [status, code] of Object.entries(expected)) expect(errorCodeForHttpStatus(Number(status))).toBe(code);
  });

  it('fromCode builds the subclass a caller can branch on, and the guards work', () => {
    const e = MlflowError.fromCode(ErrorCode.RESOURCE_DOES_NOT_EXIST, 'Run with id=x not found');
    expect(e).toBeInstanceOf(ResourceDoesNotExistError);
    expect(e.httpStatus).toBe(404);
    expect(e.toJSON()).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=x not found' });
    expect(MlflowError.fromCode('BAD_REQUEST', 'x')).toBeInstanceOf(InvalidParameterError);
    expect(isMlflowError(e) && hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST')).toBe(true);
    expect(isMlflowError(new Error('plain'))).toBe(false);
  });
});
