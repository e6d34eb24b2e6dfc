import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { TextGenerationPipeline } from '@huggingface/transformers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  configureTracing,
  Frame,
  flushTraces,
  InMemoryTraceExporter,
  loadModel,
  loadModelFromPath,
  logModel,
  MlflowClient,
  type MlflowModel,
  type PyFuncModel,
  resetTracing,
  saveTransformersModel,
  saveTransformersTextGenerationModel,
  TransformersTextGenerationModel,
  textGenerationSignature,
  transformersTextGenerationModelArgs,
} from '../../src/index.js';
import { writeTinyGpt2Model } from '../../src/internal/tiny-model/index.js';
import { expectMlflowError } from '../helpers/errors.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const FRESH = join(REPO_ROOT, 'test/fixtures/flavors/predict-fresh.ts');
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const TINY_FILES = [
  'config.json',
  'generation_config.json',
  'onnx/model.onnx',
  'tiny-model.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

type Transformers = typeof import('@huggingface/transformers');

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

/** Counts every fetch made through globalThis.fetch and transformers.js's env.fetch until restored. */
function countFetches(tf: Transformers): { readonly calls: string[]; restore: () => void } {
  const calls: string[] = [];
  const globalFetch = globalThis.fetch;
  const envFetch = tf.env.fetch;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    calls.push(String(input));
    return globalFetch(input, init);
  }) as typeof fetch;
  tf.env.fetch = ((input: string | URL, init?: unknown) => {
    calls.push(String(input));
    return envFetch(input, init);
  }) as typeof tf.env.fetch;
  return {
    calls,
    restore: () => {
      globalThis.fetch = globalFetch;
      tf.env.fetch = envFetch;
    },
  };
}

describe('the transformers.js flavor', () => {
  const tmp = makeTempDir('flavors-transformers-');
  const tinyDir = join(tmp.dir, 'models', 'tiny-gpt2');
  let tf: Transformers;
  let direct: TextGenerationPipeline;
  let sink: InMemoryTraceExporter;
  let savedEnv: { allowRemoteModels: boolean; remoteHost: string; useFSCache: boolean };

  /** The new text of a greedy run of the pipeline itself. */
  async function greedy(prompt: string | string[], maxNewTokens: number): Promise<string[]> {
    const out = await direct(prompt as string, {
      max_new_tokens: maxNewTokens,
      do_sample: false,
      return_full_text: false,
    });
    const rows = (Array.isArray(prompt) ? out : [out]) as Array<Array<{ generated_text: string }>>;
    return rows.map((r) => r[0]!.generated_text);
  }

  beforeAll(async () => {
    await writeTinyGpt2Model(tinyDir);
    tf = await import('@huggingface/transformers');
    savedEnv = {
      allowRemoteModels: tf.env.allowRemoteModels,
      remoteHost: tf.env.remoteHost,
      useFSCache: tf.env.useFSCache,
    };
    direct = (await tf.pipeline('text-generation', tinyDir, { local_files_only: true })) as TextGenerationPipeline;
  });

  afterAll(async () => {
    Object.assign(tf.env, savedEnv);
    await direct?.dispose();
    tmp.cleanup();
  });

  beforeEach(async () => {
    sink = new InMemoryTraceExporter();
    await configureTracing({ destination: { type: 'custom', exporter: sink }, mode: 'immediate', flushOnExit: false });
  });

  afterEach(async () => {
    Object.assign(tf.env, savedEnv);
    await resetTracing();
  });

  describe('saveTransformersModel', () => {
    it('copies a local model directory, byte for byte, and fetches nothing', async () => {
      tf.env.allowRemoteModels = false;
      const fetches = countFetches(tf);
      try {
        const saved = await saveTransformersModel(tinyDir, join(tmp.dir, 'copy', 'tiny'), { offline: true });
        expect(saved).toEqual({
          path: join(tmp.dir, 'copy', 'tiny'),
          source: 'local',
          modelId: tinyDir,
          files: TINY_FILES,
        });
        expect(hashTree(saved.path)).toEqual(hashTree(tinyDir));
        // No staging directory is left next to it.
        expect(readdirSync(join(tmp.dir, 'copy'))).toEqual(['tiny']);
      } finally {
        fetches.restore();
      }
      expect(fetches.calls).toEqual([]);
    });

    it('refuses a hub id offline, before fetching anything, and writes nothing', async () => {
      tf.env.allowRemoteModels = false;
      const fetches = countFetches(tf);
      const target = join(tmp.dir, 'refused');
      const prevOffline = process.env.HF_HUB_OFFLINE;
      try {
        await expectMlflowError(
          saveTransformersModel('onnx-community/Qwen2.5-0.5B-Instruct', target, { offline: true }),
          'INVALID_PARAMETER_VALUE',
          "Cannot save model 'onnx-community/Qwen2.5-0.5B-Instruct' offline: it is not a local directory, and offline mode (offline: true) forbids downloading it.",
        );
        process.env.HF_HUB_OFFLINE = '1';
        await expectMlflowError(
          saveTransformersModel('org/model', target),
          'INVALID_PARAMETER_VALUE',
          'offline mode (HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE)',
        );
        delete process.env.HF_HUB_OFFLINE;
        // Not offline by option or environment, but transformers.js itself has remote models off.
        await expectMlflowError(
          saveTransformersModel('org/model', target),
          'INVALID_PARAMETER_VALUE',
          'env.allowRemoteModels = false',
        );
      } finally {
        if (prevOffline === undefined) delete process.env.HF_HUB_OFFLINE;
        else process.env.HF_HUB_OFFLINE = prevOffline;
        fetches.restore();
      }
      expect(fetches.calls).toEqual([]);
      expect(existsSync(target)).toBe(false);
    });

    it('rejects bad arguments naming them', async () => {
      await expectMlflowError(
        saveTransformersModel('./no/such/dir', join(tmp.dir, 'x')),
        'RESOURCE_DOES_NOT_EXIST',
        "modelIdOrPath './no/such/dir' looks like a local path but does not exist.",
      );
      await expectMlflowError(
        saveTransformersModel(join(tmp.dir, 'models'), join(tmp.dir, 'x')),
        'RESOURCE_DOES_NOT_EXIST',
        'it has no config.json',
      );
      await expectMlflowError(
        saveTransformersModel(tinyDir, join(tmp.dir, 'copy')),
        'RESOURCE_ALREADY_EXISTS',
        'not empty',
      );
      await expectMlflowError(
        saveTransformersModel('', join(tmp.dir, 'x')),
        'INVALID_PARAMETER_VALUE',
        'modelIdOrPath',
      );
      await expectMlflowError(
        saveTransformersModel('a/b/c', join(tmp.dir, 'x'), { offline: false }),
        'INVALID_PARAMETER_VALUE',
        "Invalid Hugging Face model id 'a/b/c'",
      );
      expect(existsSync(join(tmp.dir, 'x'))).toBe(false);
    });

    describe('online, from a hub (a local HTTP server speaking the hub URL layout)', () => {
      let server: Server;
      const requests: string[] = [];

      beforeAll(async () => {
        // `/<org>/<name>/resolve/<revision>/<file>`: the tiny model as `mlflow/tiny-gpt2`, nothing else.
        server = createServer((req, res) => {
          requests.push(`${req.method} ${req.url}`);
          const m = /^\/mlflow\/tiny-gpt2\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
          const file = m ? join(tinyDir, decodeURIComponent(m[2]!)) : undefined;
          if (!file || !existsSync(file)) {
            res.writeHead(404).end('Entry not found');
            return;
          }
          const body = readFileSync(file);
          res.writeHead(200, { 'content-length': body.length }).end(body);
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      });

      afterAll(async () => {
        await new Promise((r) => server.close(r));
      });

      it('downloads the files a text-generation pipeline needs at the revision asked for', async () => {
        tf.env.allowRemoteModels = true;
        tf.env.useFSCache = false;
        tf.env.remoteHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        requests.length = 0;
        const saved = await saveTransformersModel('mlflow/tiny-gpt2', join(tmp.dir, 'hub', 'tiny'), {
          revision: 'v1.0',
        });
        expect(saved).toMatchObject({ source: 'hub', modelId: 'mlflow/tiny-gpt2', revision: 'v1.0' });
        expect(saved.files).toEqual(TINY_FILES.filter((f) => f !== 'tiny-model.json'));
        const original = hashTree(tinyDir);
        for (const [file, sha] of Object.entries(hashTree(saved.path))) expect(sha, file).toBe(original[file]);
        // Every file download asked for the revision; the config, which decides the files, was read there.
        for (const f of saved.files) expect(requests).toContain(`GET /mlflow/tiny-gpt2/resolve/v1.0/${f}`);
        expect(requests).not.toContain('GET /mlflow/tiny-gpt2/resolve/main/config.json');
        // And the download loads and generates like the original.
        const model = await loadWrapper(saved.path, { max_new_tokens: 6, do_sample: false });
        expect(await model.predict(CTX, 'Hi', {})).toEqual(await greedy('Hi', 6));
        await model.dispose();
      });

      it('a model the hub does not have fails with RESOURCE_DOES_NOT_EXIST and leaves nothing behind', async () => {
        tf.env.allowRemoteModels = true;
        tf.env.useFSCache = false;
        tf.env.remoteHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        const target = join(tmp.dir, 'hub-missing', 'm');
        const err = await expectMlflowError(
          saveTransformersModel('mlflow/missing-model', target),
          'RESOURCE_DOES_NOT_EXIST',
          "Could not list the files of model 'mlflow/missing-model'",
        );
        expect(err.message).toContain("(revision 'main'): Could not locate file");
        expect(existsSync(target)).toBe(false);
        expect(existsSync(join(tmp.dir, 'hub-missing')) ? readdirSync(join(tmp.dir, 'hub-missing')) : []).toEqual([]);
      });
    });
  });

  const CTX = { artifacts: {}, modelConfig: {} };

  async function loadWrapper(modelDir: string, generation: Record<string, unknown>) {
    const model = new TransformersTextGenerationModel();
    await model.loadContext({ artifacts: { model: modelDir }, modelConfig: { generation, model_name: 'tiny-gpt2' } });
    return model;
  }

  describe('TransformersTextGenerationModel', () => {
    let model: TransformersTextGenerationModel;

    beforeAll(async () => {
      model = await loadWrapper(tinyDir, { max_new_tokens: 8, do_sample: false });
    });

    afterAll(async () => {
      await model?.dispose();
    });

    it('generates the pipeline text without the prompt, for every input form', async () => {
      const [hello, answer] = await greedy(['Hello', 'The answer is'], 8);
      expect(hello).toHaveLength(8);
      expect(await model.predict(CTX, 'Hello', {})).toEqual([hello]);
      expect(await model.predict(CTX, ['Hello', 'The answer is'], {})).toEqual([hello, answer]);
      expect(await model.predict(CTX, [{ prompt: 'Hello' }, { prompt: 'The answer is' }], {})).toEqual([hello, answer]);
      expect(await model.predict(CTX, { columns: ['id', 'prompt'], data: [[1, 'Hello']] }, {})).toEqual([hello]);
      expect(await model.predict(CTX, new Frame([0], [['Hello'], ['The answer is']]), {})).toEqual([hello, answer]);
      expect(await model.predict(CTX, { prompt: ['Hello', 'The answer is'] }, {})).toEqual([hello, answer]);
      expect(await model.predict(CTX, { text: 'Hello' }, {})).toEqual([hello]);
      expect(await model.predict(CTX, [], {})).toEqual([]);
    });

    it('takes generation params, which override the defaults', async () => {
      expect(await model.predict(CTX, 'Hello', { max_new_tokens: 3 })).toEqual(await greedy('Hello', 3));
      // Greedy decoding with the same settings is deterministic; sampling still produces max_new_tokens chars.
      const sampled = await model.predict(CTX, 'Hello', { do_sample: true, temperature: 0.7, top_k: 20, top_p: 0.9 });
      expect(sampled[0]).toHaveLength(8);
      const penalised = await model.predict(CTX, 'Hello', { repetition_penalty: 1.3, max_new_tokens: 12 });
      expect(penalised[0]).toHaveLength(12);
      // Keys that are not generation params are ignored; null leaves the default.
      expect(await model.predict(CTX, 'Hello', { foo: 1, max_new_tokens: null })).toEqual(await greedy('Hello', 8));
    });

    it('records one LLM span per call, with the model name, params and token usage', async () => {
      await model.predict(CTX, 'Hello', { max_new_tokens: 5 });
      await model.predict(CTX, ['Hello', 'Hi'], {});
      await flushTraces();
      expect(sink.traces).toHaveLength(2);
      const [single, batch] = sink.traces.map((t) => t.data.spans);
      expect(single!.map((s) => [s.name, s.spanType])).toEqual([['TextGenerationPipeline', 'LLM']]);
      const span = single![0]!;
      expect(span.inputs).toBe('Hello');
      expect(span.getAttribute('mlflow.llm.model')).toBe('tiny-gpt2');
      expect(span.getAttribute('max_new_tokens')).toBe(5);
      expect(span.getAttribute('do_sample')).toBe(false);
      expect(span.getAttribute('return_full_text')).toBe(false);
      expect(span.getAttribute('mlflow.chat.tokenUsage')).toMatchObject({ output_tokens: 5 });
      expect(batch!).toHaveLength(1);
      expect(batch![0]!.inputs).toEqual(['Hello', 'Hi']);
      expect(batch![0]!.getAttribute('mlflow.chat.tokenUsage')).toMatchObject({ output_tokens: 16 });
    });

    it('rejects bad input and params with messages naming them', async () => {
      await expectMlflowError(
        model.predict(CTX, ['Hello', 3], {}),
        'INVALID_PARAMETER_VALUE',
        'Prompt 1 of the input list must be a string, got int.',
      );
      await expectMlflowError(
        model.predict(CTX, [{ prompt: 'a' }, { prompt: null }], {}),
        'INVALID_PARAMETER_VALUE',
        "Prompt in row 1 of column 'prompt' must be a string, got NoneType.",
      );
      await expectMlflowError(
        model.predict(CTX, { columns: ['a', 'b'], data: [['x', 'y']] }, {}),
        'INVALID_PARAMETER_VALUE',
        `The input has columns ["a","b"] but no 'prompt' column holding the prompts.`,
      );
      await expectMlflowError(
        model.predict(CTX, 'Hello', { max_new_tokens: 0 }),
        'INVALID_PARAMETER_VALUE',
        'Invalid params.max_new_tokens: 0; it must be a positive integer.',
      );
      await expectMlflowError(
        model.predict(CTX, 'Hello', { temperature: 'hot' }),
        'INVALID_PARAMETER_VALUE',
        'Invalid params.temperature: "hot"; it must be a number > 0.',
      );
      await expectMlflowError(model.predict(CTX, 42, {}), 'INVALID_PARAMETER_VALUE', 'Unsupported input of type int');
      await expectMlflowError(
        new TransformersTextGenerationModel().loadContext({ artifacts: {}, modelConfig: {} }) as Promise<void>,
        'INVALID_PARAMETER_VALUE',
        "needs the model directory as the artifact 'model'",
      );
      await expectMlflowError(
        new TransformersTextGenerationModel().loadContext({
          artifacts: { model: tinyDir },
          modelConfig: { generation: { max_tokens: 3 } },
        }) as Promise<void>,
        'INVALID_PARAMETER_VALUE',
        "Unknown generation parameter 'modelConfig.generation.max_tokens'",
      );
      await expectMlflowError(
        Promise.resolve().then(() => new TransformersTextGenerationModel().predict(CTX, 'x', {})),
        'INVALID_STATE',
        'before loadContext()',
      );
    });
  });

  describe('saved with saveTransformersTextGenerationModel and loaded with loadModelFromPath', () => {
    const dir = join(tmp.dir, 'saved-model');
    let loaded: PyFuncModel;
    let saved: MlflowModel;

    beforeAll(async () => {
      tf.env.allowRemoteModels = false;
      saved = await saveTransformersTextGenerationModel({
        path: dir,
        modelDir: tinyDir,
        modelName: 'tiny-gpt2',
        generation: { max_new_tokens: 10, do_sample: false },
        inputExample: ['What is MLflow?'],
        metadata: { source: 'test' },
      });
      loaded = await loadModelFromPath(dir);
    }, 60_000);

    afterAll(async () => {
      await (loaded?.wrapper as TransformersTextGenerationModel | undefined)?.dispose();
    });

    it("writes MLflow's layout with the model directory as the `model` artifact and a text-generation signature", () => {
      expect(hashTree(join(dir, 'artifacts/tiny-gpt2'))).toEqual(hashTree(tinyDir));
      expect(saved.flavors.nodejs_function).toMatchObject({
        class: 'TransformersTextGenerationModel',
        artifacts: { model: 'artifacts/tiny-gpt2' },
        config: 'model_config.json',
      });
      expect(JSON.parse(readFileSync(join(dir, 'model_config.json'), 'utf8'))).toEqual({
        generation: { max_new_tokens: 10, do_sample: false },
        model_name: 'tiny-gpt2',
      });
      expect(saved.signature!.toDict()).toEqual(
        textGenerationSignature({ max_new_tokens: 10, do_sample: false }).toDict(),
      );
      expect(saved.signature!.toDict().params).toBe(
        '[{"name": "max_new_tokens", "default": 10, "shape": null, "type": "long"}, ' +
          '{"name": "temperature", "default": null, "shape": null, "type": "double"}, ' +
          '{"name": "do_sample", "default": false, "shape": null, "type": "boolean"}, ' +
          '{"name": "top_k", "default": null, "shape": null, "type": "long"}, ' +
          '{"name": "top_p", "default": null, "shape": null, "type": "double"}, ' +
          '{"name": "repetition_penalty", "default": null, "shape": null, "type": "double"}]',
      );
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg.dependencies['@huggingface/transformers']).toMatch(/^\^4\./);
      expect(pkg.dependencies['mlflow-genai']).toMatch(/^\^/);
      // The SDK's class is not copied into the model: it comes from the loading SDK.
      expect(readFileSync(join(dir, 'code/model.mjs'), 'utf8')).not.toContain('class TransformersTextGenerationModel');
    });

    it('predicts what the pipeline generates, enforcing the signature, offline with nothing fetched', async () => {
      tf.env.allowRemoteModels = false;
      const fetches = countFetches(tf);
      let reloaded: PyFuncModel | undefined;
      try {
        const [q, hi] = await greedy(['What is MLflow?', 'Hi'], 10);
        expect(await loaded.predict('What is MLflow?')).toEqual([q]);
        expect(await loaded.predict([{ prompt: 'What is MLflow?' }, { prompt: 'Hi' }])).toEqual([q, hi]);
        expect(await loaded.predict(['Hi'], { max_new_tokens: 4 })).toEqual(await greedy('Hi', 4));
        reloaded = await loadModelFromPath(dir);
        expect(await reloaded.predict('Hi')).toEqual([hi]);
      } finally {
        fetches.restore();
        await (reloaded?.wrapper as TransformersTextGenerationModel | undefined)?.dispose();
      }
      expect(fetches.calls).toEqual([]);
      await expectMlflowError(
        loaded.predict([1, 2]),
        'INVALID_PARAMETER_VALUE',
        'Incompatible input types for column 0',
      );
      await expectMlflowError(
        loaded.predict('Hi', { max_new_tokens: 2.5 }),
        'INVALID_PARAMETER_VALUE',
        'max_new_tokens',
      );
    });

    it('is logged, registered, aliased, and loaded by alias in a fresh Node process predicting the same', async () => {
      const trackingUri = `sqlite:///${join(tmp.dir, 'mlflow.db')}`;
      const client = new MlflowClient({ trackingUri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
      const info = await logModel({
        client,
        name: 'tiny-llm',
        ...(await transformersTextGenerationModelArgs({
          modelDir: tinyDir,
          modelName: 'tiny-gpt2',
          generation: { max_new_tokens: 10, do_sample: false },
        })),
        inputExample: ['What is MLflow?'],
        registeredModelName: 'tiny-llm',
      });
      await client.setRegisteredModelAlias('tiny-llm', 'champion', info.registeredModelVersion!.version);
      const input = ['What is MLflow?', 'Hi'];
      const params = { max_new_tokens: 7 };
      const byAlias = await loadModel('models:/tiny-llm@champion', { client });
      let expected: unknown;
      try {
        expected = await byAlias.predict(input, params);
      } finally {
        await (byAlias.wrapper as TransformersTextGenerationModel).dispose();
      }
      expect(expected).toEqual(await loaded.predict(input, params));
      expect((expected as string[]).map((t) => t.length)).toEqual([7, 7]);

      const { stdout } = await run(
        process.execPath,
        ['--import', TSX, FRESH, 'models:/tiny-llm@champion', JSON.stringify(input), JSON.stringify(params)],
        { cwd: tmp.dir, env: { ...process.env, NODE_PATH: '', MLFLOW_TRACKING_URI: trackingUri } },
      );
      const out = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(out.output).toEqual(expected);
      expect(out.spans).toEqual([[['TextGenerationPipeline', 'LLM']]]);
    }, 90_000);

    it('transformersTextGenerationModelArgs gives the pieces for logModel', async () => {
      const args = await transformersTextGenerationModelArgs({ modelDir: tinyDir, generation: { top_k: 5 } });
      expect(args.code.exportName).toBe('TransformersTextGenerationModel');
      expect(readFileSync(args.code.path, 'utf8')).toContain(
        "export { TransformersTextGenerationModel } from 'mlflow-genai';",
      );
      expect(args.artifacts).toEqual({ model: tinyDir });
      expect(args.modelConfig).toEqual({ generation: { top_k: 5 } });
      expect(args.dependencies['@huggingface/transformers']).toMatch(/^\^4\./);
      await expect(
        transformersTextGenerationModelArgs({ modelDir: tinyDir, generation: { top_k: -1 } }),
      ).rejects.toThrow('Invalid generation.top_k: -1; it must be an integer >= 0.');
      await expect(
        transformersTextGenerationModelArgs({ modelDir: tinyDir, artifacts: { model: tinyDir } }),
      ).rejects.toThrow('artifacts.model is reserved for modelDir.');
      await expect(transformersTextGenerationModelArgs({ modelDir: join(tmp.dir, 'nope') })).rejects.toThrow(
        "modelDir '",
      );
    });
  });
});
