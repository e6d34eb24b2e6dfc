import type { PagedList, Trace } from '../tracking/entities/index.js';
import { getClient } from '../tracking/fluent.js';
import type { DeleteTracesArgs, SearchTracesQuery } from '../tracking/store.js';

/**
 * A trace with its spans, from the current tracking URI (`mlflow.get_trace`). Finished traces still in
 * the export queue are flushed first, so a trace read right after it ended is found.
 */
export async function getTrace(traceId: string): Promise<Trace> {
  const { flushTraces } = await import('./api.js');
  await flushTraces();
  return getClient().getTrace(traceId);
}

/** Options of {@link searchTraces}. */
export interface SearchTracesOptions extends Partial<SearchTracesQuery> {
  /** Only traces made under, or linked to, this run. */
  runId?: string;
  /** Include spans (true by default). */
  includeSpans?: boolean;
}

/**
 * Traces of the given experiments (else the current one) matching a filter (`mlflow.search_traces`),
 * one page at a time. Flushes pending traces first.
 */
export async function searchTraces(options: SearchTracesOptions = {}): Promise<PagedList<Trace>> {
  const { flushTraces } = await import('./api.js');
  await flushTraces();
  const client = getClient();
  let experimentIds = options.experimentIds;
  if (!experimentIds || experimentIds.length === 0) {
    if (options.runId) experimentIds = [(await client.getRun(options.runId)).info.experimentId];
    else {
      const { resolveExperimentId } = await import('../tracking/fluent.js');
      experimentIds = [await resolveExperimentId()];
    }
  }
  return client.searchTraces({ ...options, experimentIds });
}

/** Set a tag on a trace of the current tracking URI. */
export async function setTraceTag(traceId: string, key: string, value: string): Promise<void> {
  await getClient().setTraceTag(traceId, key, value);
}

/** Delete a tag of a trace of the current tracking URI. */
export async function deleteTraceTag(traceId: string, key: string): Promise<void> {
  await getClient().deleteTraceTag(traceId, key);
}

/** Delete traces by id, or by age and count; returns how many were deleted. */
export async function deleteTraces(args: DeleteTracesArgs): Promise<number> {
  return getClient().deleteTraces(args);
}
