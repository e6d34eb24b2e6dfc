import type { PagedList, Span, Trace, TraceInfo } from '../entities/index.js';
import { MlflowError } from '../errors.js';
import type { DeleteTracesArgs, SearchTracesQuery } from '../store.js';
import type { RestClient } from './http.js';

/** The trace calls of MLflow 3.18's REST API, as its Python client makes them. */
export class RestTraceStore {
  readonly #http: RestClient;
  constructor(http: RestClient) {
    this.#http = http;
  }
  async startTrace(_info: TraceInfo): Promise<TraceInfo> {
    void this.#http;
    throw new MlflowError('not implemented');
  }
  async logSpans(_experimentId: string, _spans: Span[]): Promise<void> {
    throw new MlflowError('not implemented');
  }
  async getTraceInfo(_traceId: string): Promise<TraceInfo> {
    throw new MlflowError('not implemented');
  }
  async getTrace(_traceId: string, _options: { allowPartial?: boolean } = {}): Promise<Trace> {
    throw new MlflowError('not implemented');
  }
  async searchTraces(_query: SearchTracesQuery): Promise<PagedList<TraceInfo>> {
    throw new MlflowError('not implemented');
  }
  async setTraceTag(_traceId: string, _key: string, _value: string): Promise<void> {
    throw new MlflowError('not implemented');
  }
  async deleteTraceTag(_traceId: string, _key: string): Promise<void> {
    throw new MlflowError('not implemented');
  }
  async deleteTraces(_args: DeleteTracesArgs): Promise<number> {
    throw new MlflowError('not implemented');
  }
  async linkTracesToRun(_traceIds: string[], _runId: string): Promise<void> {
    throw new MlflowError('not implemented');
  }
}
