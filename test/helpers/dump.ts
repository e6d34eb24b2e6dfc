import { type MlflowClient, ViewType } from '../../src/index.js';

/** JSON-safe number, as test/interop/py/_common.py renders it. */
export function num(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function sortObj<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Canonical dump of a tracking store through the SDK, in the same shape as read_tracking.py prints. */
export async function dumpTracking(client: MlflowClient, experimentIds?: string[]): Promise<unknown> {
  const exps = (await client.searchExperiments({ viewType: ViewType.ALL, maxResults: 50000 })).items
    .filter((e) => !experimentIds || experimentIds.includes(e.experimentId))
    .sort((a, b) => Number(a.experimentId) - Number(b.experimentId));
  const runs = exps.length
    ? (
        await client.searchRuns({
          experimentIds: exps.map((e) => e.experimentId),
          runViewType: ViewType.ALL,
          maxResults: 50000,
        })
      ).items
    : [];
  const dumpedRuns = [];
  for (const r of runs) {
    const histories: Record<string, unknown[]> = {};
    for (const key of Object.keys(r.data.metrics).sort()) {
      histories[key] = (await client.getMetricHistory(r.info.runId, key)).map((m) => [
        num(m.value),
        m.step,
        m.timestamp,
      ]);
    }
    dumpedRuns.push({
      run_id: r.info.runId,
      experiment_id: r.info.experimentId,
      run_name: r.info.runName,
      user_id: r.info.userId,
      status: r.info.status,
      start_time: r.info.startTime,
      end_time: r.info.endTime,
      artifact_uri: r.info.artifactUri,
      lifecycle_stage: r.info.lifecycleStage,
      params: sortObj(r.data.params),
      tags: sortObj(r.data.tags),
      metrics: sortObj(Object.fromEntries(Object.entries(r.data.metrics).map(([k, v]) => [k, num(v)]))),
      histories,
    });
  }
  dumpedRuns.sort((a, b) => (a.run_id < b.run_id ? -1 : 1));
  return {
    experiments: exps.map((e) => ({
      experiment_id: e.experimentId,
      name: e.name,
      artifact_location: e.artifactLocation,
      lifecycle_stage: e.lifecycleStage,
      tags: sortObj(e.tags),
      creation_time: e.creationTime,
      last_update_time: e.lastUpdateTime,
    })),
    runs: dumpedRuns,
  };
}
