import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  configureTracing,
  flushTraces,
  getClient,
  getTrace,
  loadPrompt,
  registerPrompt,
  resetFluentState,
  resetPromptRegistries,
  resetTracing,
  setTrackingUri,
  withSpan,
} from '../../src/index.js';
import { makeTempDir } from '../helpers/paths.js';

describe('prompts loaded inside a trace', () => {
  const tmp = makeTempDir('prompt-trace-');
  beforeAll(async () => {
    resetFluentState();
    resetPromptRegistries();
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
    setTrackingUri(`sqlite:///${join(tmp.dir, 'p.db')}`);
    await configureTracing({ flushOnExit: false });
  });
  afterAll(async () => {
    await resetTracing();
    resetPromptRegistries();
    resetFluentState();
    delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('are recorded as the trace tag and as entity associations the `prompt =` filter finds', async () => {
    await registerPrompt({ name: 'qa', template: 'Answer {{ question }}' });
    const traceId = await withSpan({ name: 'answer' }, async (span) => {
      const prompt = await loadPrompt('prompts:/qa/1');
      span.setOutputs(prompt.format({ question: 'why?' }));
      return span.traceId;
    });
    await flushTraces();
    const trace = await getTrace(traceId);
    expect(JSON.parse(trace.info.tags['mlflow.linkedPrompts']!)).toEqual([{ name: 'qa', version: '1' }]);
    const found = await getClient().searchTraces({
      experimentIds: ['0'],
      filterString: "prompt = 'qa/1'",
      includeSpans: false,
    });
    expect(found.items.map((t) => t.info.traceId)).toEqual([traceId]);
    const none = await getClient().searchTraces({
      experimentIds: ['0'],
      filterString: "prompt = 'qa/2'",
      includeSpans: false,
    });
    expect(none.items).toHaveLength(0);
  });
});
