import type { Trace } from '../../tracking/entities/index.js';

// Traces handed to exporters that hold only this process's spans of a trace whose root span lives in
// another process (distributed tracing).
const remoteTraces = new WeakSet<Trace>();

/** @internal Mark `trace` as this process's part of a remote trace. */
export function markRemoteTrace(trace: Trace): Trace {
  remoteTraces.add(trace);
  return trace;
}

/**
 * True for a trace whose root span lives in another process (distributed tracing): it holds only the spans
 * recorded here, and its info is the other process's to record. An exporter to MLflow logs its spans alone.
 */
export function isRemoteTrace(trace: Trace): boolean {
  return remoteTraces.has(trace);
}
