/**
 * The MlflowError family: one error class carrying MLflow's error codes, with subclasses for the
 * codes callers branch on most. Messages name the offending field and value.
 */

/** MLflow's error codes (`mlflow/protos/databricks.proto` `ErrorCode`), by name. */
export const ErrorCode = {
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  TEMPORARILY_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  IO_ERROR: 'IO_ERROR',
  BAD_REQUEST: 'BAD_REQUEST',
  INVALID_STATE: 'INVALID_STATE',
  DATA_LOSS: 'DATA_LOSS',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  REQUEST_LIMIT_EXCEEDED: 'REQUEST_LIMIT_EXCEEDED',
  CANCELLED: 'CANCELLED',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  ABORTED: 'ABORTED',
  RESOURCE_CONFLICT: 'RESOURCE_CONFLICT',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  NOT_FOUND: 'NOT_FOUND',
  ENDPOINT_NOT_FOUND: 'ENDPOINT_NOT_FOUND',
  RESOURCE_DOES_NOT_EXIST: 'RESOURCE_DOES_NOT_EXIST',
  RESOURCE_ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  CUSTOMER_UNAUTHORIZED: 'CUSTOMER_UNAUTHORIZED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  INVALID_PARAMETER_VALUE: 'INVALID_PARAMETER_VALUE',
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
} as const;

/** One of MLflow's error code names. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status MLflow's server answers with for each error code (`mlflow/exceptions.py`). */
export const ERROR_CODE_TO_HTTP_STATUS: Readonly<Record<string, number>> = {
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  REQUEST_LIMIT_EXCEEDED: 429,
  CANCELLED: 499,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  RESOURCE_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  CUSTOMER_UNAUTHORIZED: 401,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
};

/**
 * Error code MLflow's clients assume for a bare HTTP status (`HTTP_STATUS_TO_ERROR_CODE`): the inverse
 * of {@link ERROR_CODE_TO_HTTP_STATUS} where the last code listed for a status wins, as in Python's dict
 * comprehension, with 400, 404 and 500 pinned.
 */
export function errorCodeForHttpStatus(status: number): string {
  if (status === 400) return ErrorCode.BAD_REQUEST;
  if (status === 404) return ErrorCode.ENDPOINT_NOT_FOUND;
  if (status === 500) return ErrorCode.INTERNAL_ERROR;
  let found: string = ErrorCode.INTERNAL_ERROR;
  for (const [code, s] of Object.entries(ERROR_CODE_TO_HTTP_STATUS)) {
    if (s === status) found = code;
  }
  return found;
}

/** HTTP details kept on an error that came from an MLflow server. */
export interface HttpErrorDetails {
  /** HTTP status of the response. */
  status: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** Parsed JSON body, or the raw text when the body was not JSON. */
  body?: unknown;
  /** Method and URL of the request (credentials never included). */
  request?: string;
}

/** Options for constructing an {@link MlflowError}. */
export interface MlflowErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** HTTP details when the error came from a REST call. */
  http?: HttpErrorDetails;
}

const BRAND = Symbol.for('mlflow-genai.MlflowError');

/**
 * Base of every error the SDK throws on purpose. `errorCode` is MLflow's error code name;
 * `httpStatus` the status MLflow maps that code to (or the one a server actually answered).
 */
export class MlflowError extends Error {
  /** MLflow's error code name, e.g. `RESOURCE_DOES_NOT_EXIST`. */
  readonly errorCode: string;
  /** HTTP details when the error came from an MLflow server. */
  readonly http: HttpErrorDetails | undefined;

  constructor(message: string, errorCode: string = ErrorCode.INTERNAL_ERROR, options: MlflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlflowError';
    this.errorCode = errorCode;
    this.http = options.http;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The HTTP status for this error: the server's when known, else MLflow's mapping of the code. */
  get httpStatus(): number {
    return this.http?.status ?? ERROR_CODE_TO_HTTP_STATUS[this.errorCode] ?? 500;
  }

  /** The error as MLflow's server serialises it: `{error_code, message}`. */
  toJSON(): { error_code: string; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }

  /** Builds the error matching `code`: a subclass where there is one. */
  static fromCode(code: string, message: string, options: MlflowErrorOptions = {}): MlflowError {
    switch (code) {
      case ErrorCode.RESOURCE_DOES_NOT_EXIST:
      case ErrorCode.NOT_FOUND:
      case ErrorCode.ENDPOINT_NOT_FOUND:
        return new ResourceDoesNotExistError(message, options, code);
      case ErrorCode.RESOURCE_ALREADY_EXISTS:
      case ErrorCode.ALREADY_EXISTS:
        return new ResourceAlreadyExistsError(message, options, code);
      case ErrorCode.INVALID_PARAMETER_VALUE:
      case ErrorCode.BAD_REQUEST:
      case ErrorCode.MALFORMED_REQUEST:
        return new InvalidParameterError(message, options, code);
      default:
        return new MlflowError(message, code, options);
    }
  }
}

/** A referenced experiment, run, model or other resource does not exist. */
export class ResourceDoesNotExistError extends MlflowError {
  constructor(message: string, options: MlflowErrorOptions = {}, code: string = ErrorCode.RESOURCE_DOES_NOT_EXIST) {
    super(message, code, options);
    this.name = 'ResourceDoesNotExistError';
  }
}

/** A resource with that name or key already exists. */
export class ResourceAlreadyExistsError extends MlflowError {
  constructor(message: string, options: MlflowErrorOptions = {}, code: string = ErrorCode.RESOURCE_ALREADY_EXISTS) {
    super(message, code, options);
    this.name = 'ResourceAlreadyExistsError';
  }
}

/** An argument was invalid (`INVALID_PARAMETER_VALUE`, or `BAD_REQUEST` from a server). */
export class InvalidParameterError extends MlflowError {
  constructor(message: string, options: MlflowErrorOptions = {}, code: string = ErrorCode.INVALID_PARAMETER_VALUE) {
    super(message, code, options);
    this.name = 'InvalidParameterError';
  }
}

/** True for any error of the MlflowError family, also across realms and bundle copies. */
export function isMlflowError(value: unknown): value is MlflowError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `value` is an MlflowError with the given error code. */
export function hasErrorCode(value: unknown, code: string): value is MlflowError {
  return isMlflowError(value) && value.errorCode === code;
}

/** Shorthand for `new InvalidParameterError(message)`. */
export function invalidParameter(message: string): InvalidParameterError {
  return new InvalidParameterError(message);
}
