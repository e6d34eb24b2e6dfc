import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllTrackingStores, LoggedModelStatus, MlflowClient } from '../../../src/index.js';
import { makeTempDir } from '../../helpers/paths.js';

describe('LoggedModels through MlflowClient on the embedded store', () => {
  const tmp = makeTempDir('logged-models-client-');
  const client = new MlflowClient({
    trackingUri: `sqlite:///${join(tmp.dir, 'lm.db')}`,
    defaultArtifactRoot: join(tmp.dir, 'mlruns'),
  });
  afterAll(async () => {
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('creates, tags, logs params and model metrics, links the run output, finalizes and searches', async () => {
    const run = await client.createRun('0');
    const model = await client.createLoggedModel({
      experimentId: '0',
      name: 'chain',
      sourceRunId: run.info.runId,
      params: { temperature: '0.7' },
    });
    expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.status).toBe(LoggedModelStatus.PENDING);
    const experiment = await client.getExperiment('0');
    expect(model.artifactLocation).toBe(`${experiment.artifactLocation}/models/${model.modelId}/artifacts`);
    await client.setLoggedModelTags(model.modelId, { flavor: 'nodejs_function', size: 3 });
    await client.logModelParams(model.modelId, { max_new_tokens: 16 });
    await client.logBatch(run.info.runId, {
      metrics: [{ key: 'accuracy', value: 0.9, timestamp: 1_700_000_000_000, step: 0, modelId: model.modelId }],
    });
    await client.logOutputs(run.info.runId, [{ modelId: model.modelId, step: 0 }]);
    const ready = await client.finalizeLoggedModel(model.modelId, LoggedModelStatus.READY);
    expect(ready.status).toBe(LoggedModelStatus.READY);
    const got = await client.getLoggedModel(model.modelId);
    expect(got.tags).toEqual({ flavor: 'nodejs_function', size: '3' });
    expect(got.params).toEqual({ temperature: '0.7', max_new_tokens: '16' });
    expect(got.metrics.map((m) => [m.key, m.value, m.runId])).toEqual([['accuracy', 0.9, run.info.runId]]);
    expect((await client.getRun(run.info.runId)).outputs.modelOutputs).toEqual([{ modelId: model.modelId, step: 0 }]);
    const found = await client.searchLoggedModels({
      experimentIds: ['0'],
      filterString: "tags.flavor = 'nodejs_function'",
    });
    expect(found.items.map((m) => m.modelId)).toEqual([model.modelId]);
    await client.deleteLoggedModelTag(model.modelId, 'size');
    expect((await client.getLoggedModel(model.modelId)).tags).toEqual({ flavor: 'nodejs_function' });
  });
});
