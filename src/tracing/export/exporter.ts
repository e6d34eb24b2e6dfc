import type { Trace } from '../../tracking/entities/index.js';

/**
 * Receives finished traces. `export` may throw (or reject) on a failure worth retrying; the queue
 * retries the batch until its retry timeout, then drops it and counts the loss.
 */
export interface TraceExporter {
  export(traces: Trace[]): Promise<void>;
  /** Release resources; called once when tracing is reconfigured or shut down. */
  shutdown?(): Promise<void>;
}

/**
 * Thrown by an exporter when some traces of a batch were refused for good (not worth retrying): the
 * queue counts them as dropped and the rest as exported.
 */
export class PartialExportError extends Error {
  constructor(
    readonly dropped: number,
    message: string,
  ) {
    super(message);
    this.name = 'PartialExportError';
  }
}

/** Keeps every exported trace in memory: for tests and benchmarks. */
export class InMemoryTraceExporter implements TraceExporter {
  readonly traces: Trace[] = [];
  async export(traces: Trace[]): Promise<void> {
    for (const t of traces) this.traces.push(t);
  }
  clear(): void {
    this.traces.length = 0;
  }
}
