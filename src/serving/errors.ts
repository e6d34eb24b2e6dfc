/**
 * Errors of the scoring server, serialised as MLflow 3.18's `MlflowException.serialize_as_json()`:
 * `{"error_code", "message", "sqlstate", "error_class"}` plus `"stack_trace"` when the error carries one.
 * `sqlstate` and `error_class` are derived from the error code as in `mlflow/error_classification.py`.
 */

import { pyJsonString } from '../internal/python-json.js';
import { ErrorCode, MlflowError } from '../tracking/errors.js';

/** `_CLIENT_ERROR_CODE_TO_ERROR_CLASS`. */
const ERROR_CLASS_OF_CODE: Readonly<Record<string, string>> = {
  BAD_REQUEST: 'INVALID_PARAMETER_VALUE',
  CUSTOMER_UNAUTHORIZED: 'PERMISSION_DENIED',
  ENDPOINT_NOT_FOUND: 'RESOURCE_NOT_FOUND',
  FEATURE_DISABLED: 'FEATURE_DISABLED',
  INTERNAL_ERROR: 'CLIENT_INTERNAL_ERROR',
  INVALID_PARAMETER_VALUE: 'INVALID_PARAMETER_VALUE',
  INVALID_STATE: 'CLIENT_INTERNAL_ERROR',
  NOT_FOUND: 'RESOURCE_NOT_FOUND',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  RESOURCE_ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  RESOURCE_DOES_NOT_EXIST: 'RESOURCE_NOT_FOUND',
  TEMPORARILY_UNAVAILABLE: 'CLIENT_INTERNAL_ERROR',
};

/** `_CLIENT_ERROR_CODE_TO_SQLSTATE`. */
const SQLSTATE_OF_CODE: Readonly<Record<string, string>> = {
  BAD_REQUEST: 'KAM00',
  CUSTOMER_UNAUTHORIZED: 'KAM00',
  ENDPOINT_NOT_FOUND: 'KAM00',
  FEATURE_DISABLED: 'KAM00',
  INTERNAL_ERROR: 'XXM00',
  INVALID_PARAMETER_VALUE: 'KAM00',
  INVALID_STATE: 'XXM00',
  NOT_FOUND: 'KAM00',
  PERMISSION_DENIED: 'KAM00',
  RESOURCE_ALREADY_EXISTS: 'KAM00',
  RESOURCE_DOES_NOT_EXIST: 'KAM00',
  TEMPORARILY_UNAVAILABLE: 'XXM00',
};

/** `_ERROR_CLASS_TO_SQLSTATE`: error classes with their own sqlstate. */
const SQLSTATE_OF_CLASS: Readonly<Record<string, string>> = {
  ATTRIBUTE_NOT_FOUND: 'KAM04',
  MODEL_SERIALIZATION_FAILED: 'KAM03',
  PREDICTION_FUNCTION_FAILED: 'KAM02',
  SCHEMA_ENFORCEMENT_FAILED: 'KAM01',
};

/** Options of {@link ScoringError}. */
export interface ScoringErrorOptions {
  /** MLflow's finer error class (e.g. `SCHEMA_ENFORCEMENT_FAILED`); derived from the code by default. */
  errorClass?: string;
  /** A stack trace returned to the client as `stack_trace`, as MLflow does for model failures. */
  stackTrace?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** An error answered by the scoring server in MLflow's error JSON. */
export class ScoringError extends MlflowError {
  /** MLflow's error class, when set explicitly. */
  readonly errorClass: string | undefined;
  /** The `stack_trace` field of the response, if any. */
  readonly stackTrace: string | undefined;

  constructor(message: string, errorCode: string = ErrorCode.BAD_REQUEST, options: ScoringErrorOptions = {}) {
    super(message, errorCode, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ScoringError';
    this.errorClass = options.errorClass;
    this.stackTrace = options.stackTrace;
  }
}

/** `MlflowInvalidInputException`: `BAD_REQUEST` with the message prefixed by `Invalid input. `. */
export function invalidInput(message: string, options: ScoringErrorOptions = {}): ScoringError {
  return new ScoringError(`Invalid input. ${message}`, ErrorCode.BAD_REQUEST, options);
}

/** The error as MLflow's scoring server writes it (`MlflowException.serialize_as_json`). */
export function errorToJson(error: MlflowError): string {
  const code = error.errorCode;
  const errorClass = (error instanceof ScoringError ? error.errorClass : undefined) ?? ERROR_CLASS_OF_CODE[code];
  const sqlstate = (errorClass ? SQLSTATE_OF_CLASS[errorClass] : undefined) ?? SQLSTATE_OF_CODE[code];
  let out = `{"error_code": ${pyJsonString(code)}, "message": ${pyJsonString(error.message)}`;
  if (sqlstate !== undefined) out += `, "sqlstate": ${pyJsonString(sqlstate)}`;
  if (errorClass !== undefined) out += `, "error_class": ${pyJsonString(errorClass)}`;
  if (error instanceof ScoringError && error.stackTrace !== undefined) {
    out += `, "stack_trace": ${pyJsonString(error.stackTrace)}`;
  }
  return `${out}}`;
}
