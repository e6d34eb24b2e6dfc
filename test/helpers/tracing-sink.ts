import { afterEach, beforeEach } from 'vitest';
import { configureTracing, flushTraces, InMemoryTraceExporter, resetTracing, type Trace } from '../../src/index.js';

/** What {@link useTracingSink} gives a test file. */
export interface TracingSink {
  /** This test's sink (a new one per test). */
  readonly sink: InMemoryTraceExporter;
  /** Flushes, then the traces the sink holds. */
  traces(): Promise<Trace[]>;
}

/**
 * Registers per-test hooks: before each test, tracing exports immediately to a fresh in-memory sink;
 * after each, tracing is reset.
 */
export function useTracingSink(): TracingSink {
  let current = new InMemoryTraceExporter();
  beforeEach(async () => {
    current = new InMemoryTraceExporter();
    await configureTracing({
      destination: { type: 'custom', exporter: current },
      mode: 'immediate',
      flushOnExit: false,
    });
  });
  afterEach(async () => {
    await resetTracing();
  });
  return {
    get sink() {
      return current;
    },
    async traces() {
      await flushTraces();
      return current.traces;
    },
  };
}
