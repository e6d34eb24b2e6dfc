import type BetterSqlite3 from 'better-sqlite3';
import type { PagedList, Span, Trace, TraceInfo } from '../entities/index.js';
import { MlflowError } from '../errors.js';
import type { DeleteTracesArgs, SearchTracesQuery } from '../store.js';

/** What the trace part of the embedded store needs from {@link SqliteTrackingStore}. */
export interface SqliteTraceStoreHost {
  readonly db: BetterSqlite3.Database;
  /** Runs `fn` in one IMMEDIATE transaction, mapping driver errors to MlflowErrors. */
  write<T>(fn: () => T): T;
  /** Runs `fn` (reads), mapping driver errors to MlflowErrors. */
  read<T>(fn: () => T): T;
  /** The experiment's row; throws RESOURCE_DOES_NOT_EXIST when missing. */
  experiment(experimentId: string): { experimentId: string; artifactLocation: string; lifecycleStage: string };
  /** Throws RESOURCE_DOES_NOT_EXIST when the run does not exist. */
  assertRunExists(runId: string): void;
}

/** Traces in MLflow 3.18's SQL tables (trace_info, trace_tags, trace_request_metadata, spans, ...). */
export class SqliteTraceStore {
  readonly #host: SqliteTraceStoreHost;
  constructor(host: SqliteTraceStoreHost) {
    this.#host = host;
  }
  startTrace(_info: TraceInfo): TraceInfo {
    void this.#host;
    throw new MlflowError('not implemented');
  }
  logSpans(_experimentId: string, _spans: Span[]): void {
    throw new MlflowError('not implemented');
  }
  getTraceInfo(_traceId: string): TraceInfo {
    throw new MlflowError('not implemented');
  }
  getTrace(_traceId: string, _options: { allowPartial?: boolean } = {}): Trace {
    throw new MlflowError('not implemented');
  }
  searchTraces(_query: SearchTracesQuery): PagedList<TraceInfo> {
    throw new MlflowError('not implemented');
  }
  setTraceTag(_traceId: string, _key: string, _value: string): void {
    throw new MlflowError('not implemented');
  }
  deleteTraceTag(_traceId: string, _key: string): void {
    throw new MlflowError('not implemented');
  }
  deleteTraces(_args: DeleteTracesArgs): number {
    throw new MlflowError('not implemented');
  }
  linkTracesToRun(_traceIds: string[], _runId: string): void {
    throw new MlflowError('not implemented');
  }
}
