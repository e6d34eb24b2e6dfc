import { join } from 'node:path';
import {
  logMetric,
  logParams,
  type MlflowClient,
  RunStatus,
  setExperiment,
  setTags,
  withRun,
} from '../../src/index.js';

/**
 * The tracking scenario the interop tests write through the SDK and ask Python to read back: two
 * experiments (one with tags, one with a custom artifact location), a parent run with params, metric
 * histories, NaN and infinities, tags and a nested child (fluent API), a FAILED run and a deleted run
 * (client API). The fluent API must already point at the client's tracking URI.
 */
export async function writeTrackingScenario(
  client: MlflowClient,
  options: { artifactDir: string; negativeInfinity?: boolean },
): Promise<{ experimentIds: string[]; runIds: string[] }> {
  const runIds: string[] = [];
  const expA = await client.createExperiment('ts-interop-a', { tags: { team: 'ts', 'note.with.dots': 'x y' } });
  const expB = await client.createExperiment('ts-interop-b', {
    artifactLocation: join(options.artifactDir, 'custom-b'),
  });
  await setExperiment(undefined, { experimentId: expA });
  await withRun({ runName: 'ts-parent' }, async (parent) => {
    runIds.push(parent.info.runId);
    await logParams({ model: 'gpt2', temperature: 0.7, max_new_tokens: 32, flag: true });
    for (let step = 0; step < 5; step++)
      await logMetric('loss', 1 / (step + 1), { step, timestamp: 1700000000000 + step });
    await logMetric('acc', 0.25, { step: 0, timestamp: 1700000000100 });
    await logMetric('acc', 0.75, { step: 1, timestamp: 1700000000200 });
    await logMetric('weird', Number.NaN, { step: 0, timestamp: 1700000000300 });
    await logMetric('big', Number.POSITIVE_INFINITY, { step: 0, timestamp: 1700000000400 });
    if (options.negativeInfinity) {
      await logMetric('small', Number.NEGATIVE_INFINITY, { step: 0, timestamp: 1700000000450 });
    }
    await setTags({ stage: 'dev', 'key with space': 'v' });
    await withRun({ runName: 'ts-child', nested: true }, async (child) => {
      runIds.push(child.info.runId);
      await logParams({ question: 'What is MLflow?' });
      await logMetric('latency_ms', 12.5, { step: 0, timestamp: 1700000000500 });
    });
  });
  const failed = await client.createRun({
    experimentId: expB,
    runName: 'ts-failed',
    tags: { 'mlflow.user': 'alice' },
    startTime: 1700000001000,
  });
  await client.logBatch(failed.info.runId, {
    metrics: [3, -1.5, 0].map((value, i) => ({ key: 'm', value, timestamp: 1700000002000 + i, step: i })),
    params: [{ key: 'p', value: '1' }],
    tags: [{ key: 't', value: 'x' }],
  });
  await client.setTerminated(failed.info.runId, RunStatus.FAILED, 1700000003000);
  const deleted = await client.createRun({ experimentId: expB, runName: 'ts-deleted' });
  await client.deleteRun(deleted.info.runId);
  runIds.push(failed.info.runId, deleted.info.runId);
  return { experimentIds: [expA, expB], runIds };
}
