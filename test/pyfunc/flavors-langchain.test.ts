import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { TextGenerationPipeline } from '@huggingface/transformers';
import { LLM } from '@langchain/core/language_models/llms';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { PromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  configureTracing,
  createTransformersLLM,
  Frame,
  flushTraces,
  InMemoryTraceExporter,
  LangChainModel,
  langChainModelArgs,
  loadModel,
  loadModelFromPath,
  logModel,
  MlflowClient,
  type MlflowModel,
  type PyFuncModel,
  resetTracing,
  saveLangChainModel,
  type TransformersLLM,
} from '../../src/index.js';
import { writeTinyGpt2Model } from '../../src/internal/tiny-model/index.js';
import { expectMlflowError } from '../helpers/errors.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const CHAIN_MODULE = join(REPO_ROOT, 'test/fixtures/flavors/tiny-chain.mjs');
const FRESH = join(REPO_ROOT, 'test/fixtures/flavors/predict-fresh.ts');
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const TEMPLATE = 'Question: {question}\nAnswer:';
const CTX = { artifacts: {}, modelConfig: {} };

describe('the LangChain.js flavor', () => {
  const tmp = makeTempDir('flavors-langchain-');
  const tinyDir = join(tmp.dir, 'models', 'tiny-gpt2');
  let direct: TextGenerationPipeline;
  let llm: TransformersLLM;
  let sink: InMemoryTraceExporter;

  async function greedy(prompt: string, maxNewTokens: number): Promise<string> {
    const [out] = await direct(prompt, { max_new_tokens: maxNewTokens, do_sample: false, return_full_text: false });
    return (out as { generated_text: string }).generated_text;
  }

  beforeAll(async () => {
    await writeTinyGpt2Model(tinyDir);
    const tf = await import('@huggingface/transformers');
    direct = (await tf.pipeline('text-generation', tinyDir, { local_files_only: true })) as TextGenerationPipeline;
    llm = await createTransformersLLM({
      pipeline: direct as never,
      modelName: 'tiny-gpt2',
      generation: { max_new_tokens: 12, do_sample: false },
    });
  });

  afterAll(async () => {
    await direct?.dispose();
    tmp.cleanup();
  });

  beforeEach(async () => {
    sink = new InMemoryTraceExporter();
    await configureTracing({ destination: { type: 'custom', exporter: sink }, mode: 'immediate', flushOnExit: false });
  });

  afterEach(async () => {
    await resetTracing();
  });

  describe('TransformersLLM', () => {
    it('is a LangChain LLM generating the new text with its defaults, overridden per call', async () => {
      expect(llm).toBeInstanceOf(LLM);
      expect(llm._llmType()).toBe('transformers.js');
      expect(await llm.invoke('Hello')).toBe(await greedy('Hello', 12));
      expect(await llm.invoke('Hello', { max_new_tokens: 4 })).toBe(await greedy('Hello', 4));
      expect(llm.invocationParams({ max_new_tokens: 4 } as never)).toEqual({
        model: 'tiny-gpt2',
        max_new_tokens: 4,
        do_sample: false,
      });
    });

    it('generates several prompts in one batch, each as if alone', async () => {
      const result = await llm.generate(['Hello', 'The answer is']);
      expect(result.generations.map((g) => g[0]!.text)).toEqual([
        await greedy('Hello', 12),
        await greedy('The answer is', 12),
      ]);
      expect(await llm.batch(['Hi', 'Yo'])).toEqual([await greedy('Hi', 12), await greedy('Yo', 12)]);
    });

    it('cuts the text at the first stop sequence', async () => {
      const full = await greedy('Hello', 12);
      const stop = full.slice(5, 7);
      const cut = full.slice(0, full.indexOf(stop));
      expect(await llm.invoke('Hello', { stop: [stop] })).toBe(cut);
    });

    it('builds its own pipeline from a model directory, offline', async () => {
      const own = await createTransformersLLM({ model: tinyDir, generation: { max_new_tokens: 6, do_sample: false } });
      try {
        expect(own.modelName).toBe('tiny-gpt2');
        expect(await own.invoke('Hello')).toBe(await greedy('Hello', 6));
      } finally {
        await (own.generator as unknown as TextGenerationPipeline).dispose();
      }
    });

    it('rejects bad options naming them', async () => {
      await expectMlflowError(
        createTransformersLLM({}),
        'INVALID_PARAMETER_VALUE',
        'needs exactly one of `pipeline` or `model`',
      );
      await expectMlflowError(
        createTransformersLLM({ pipeline: direct as never, model: tinyDir }),
        'INVALID_PARAMETER_VALUE',
        'needs exactly one of `pipeline` or `model`',
      );
      await expectMlflowError(
        createTransformersLLM({ pipeline: direct as never, generation: { top_p: 2 } }),
        'INVALID_PARAMETER_VALUE',
        'Invalid generation.top_p: 2; it must be a number between 0 and 1.',
      );
      await expectMlflowError(
        createTransformersLLM({ model: join(tmp.dir, 'missing') }),
        'RESOURCE_DOES_NOT_EXIST',
        'is not a directory',
      );
      await expect(llm.invoke('Hello', { max_new_tokens: -1 })).rejects.toThrow(
        'Invalid call options.max_new_tokens: -1; it must be a positive integer.',
      );
    });

    it('runs in a chain: PromptTemplate | TransformersLLM | StringOutputParser', async () => {
      const chain = PromptTemplate.fromTemplate(TEMPLATE).pipe(llm).pipe(new StringOutputParser());
      const answer = await chain.invoke({ question: 'What is MLflow?' });
      expect(answer).toBe(await greedy('Question: What is MLflow?\nAnswer:', 12));
      expect(answer).toHaveLength(12);
    });
  });

  describe('LangChainModel', () => {
    it('invokes a single input and batches lists, records and frames', async () => {
      const chain = PromptTemplate.fromTemplate(TEMPLATE).pipe(llm).pipe(new StringOutputParser());
      const model = new LangChainModel(chain);
      await model.loadContext(CTX);
      const a = await greedy('Question: a\nAnswer:', 12);
      const b = await greedy('Question: b\nAnswer:', 12);
      expect(await model.predict(CTX, { question: 'a' }, {})).toBe(a);
      expect(await model.predict(CTX, [{ question: 'a' }, { question: 'b' }], {})).toEqual([a, b]);
      expect(await model.predict(CTX, { columns: ['question'], data: [['a'], ['b']] }, {})).toEqual([a, b]);
      expect(await model.predict(CTX, new Frame(['question'], [['b']]), {})).toEqual([b]);
      expect(await model.predict(CTX, [], {})).toEqual([]);
      // Params travel in the call options down to the LLM.
      expect(await model.predict(CTX, { question: 'a' }, { max_new_tokens: 3 })).toBe(a.slice(0, 3));
    });

    it('passes plain values of an unnamed column, and builds the runnable with a factory', async () => {
      const upper = RunnableLambda.from((s: string) => s.toUpperCase());
      const model = new LangChainModel(async (context) => {
        expect(context.modelConfig).toEqual({ k: 1 });
        return upper;
      });
      const ctx = { artifacts: {}, modelConfig: { k: 1 } };
      await model.loadContext(ctx);
      expect(await model.predict(ctx, 'abc', {})).toBe('ABC');
      expect(await model.predict(ctx, ['a', 'b'], {})).toEqual(['A', 'B']);
      expect(await model.predict(ctx, new Frame([0], [['x'], ['y']]), {})).toEqual(['X', 'Y']);
    });

    it('traces each predict call: the chain, with the LLM below it', async () => {
      const chain = PromptTemplate.fromTemplate(TEMPLATE).pipe(llm).pipe(new StringOutputParser());
      const model = new LangChainModel(chain);
      await model.predict(CTX, { question: 'a' }, {});
      await flushTraces();
      expect(sink.traces).toHaveLength(1);
      const spans = sink.traces[0]!.data.spans;
      expect(spans.map((s) => [s.name, s.spanType])).toEqual([
        ['RunnableSequence', 'CHAIN'],
        ['PromptTemplate', 'CHAIN'],
        ['TransformersLLM', 'LLM'],
        ['StrOutputParser', 'CHAIN'],
      ]);
      expect(spans[2]!.getAttribute('mlflow.llm.model')).toBe('tiny-gpt2');
    });

    it('rejects what is not a runnable', async () => {
      expect(() => new LangChainModel(42 as never)).toThrow('LangChainModel needs a runnable');
      const bad = new LangChainModel(() => ({}) as never);
      await expectMlflowError(
        Promise.resolve().then(() => bad.loadContext(CTX)),
        'INVALID_PARAMETER_VALUE',
        'not a runnable (no invoke method)',
      );
      await expectMlflowError(
        Promise.resolve().then(() => bad.predict(CTX, 'x', {})),
        'INVALID_STATE',
        'before loadContext()',
      );
    });
  });

  describe('a chain saved as code with saveLangChainModel', () => {
    const dir = join(tmp.dir, 'chain-model');
    let saved: MlflowModel;
    let loaded: PyFuncModel;

    beforeAll(async () => {
      saved = await saveLangChainModel({
        path: dir,
        code: CHAIN_MODULE,
        artifacts: { model: tinyDir },
        modelConfig: { generation: { max_new_tokens: 12, do_sample: false } },
        inputExample: [{ question: 'What is MLflow?' }],
        inputExampleParams: { max_new_tokens: 12 },
      });
      loaded = await loadModelFromPath(dir);
    }, 60_000);

    it('bundles the chain module (and its local import) and infers the signature from the example', () => {
      expect(saved.flavors.nodejs_function).toMatchObject({
        class: 'MlflowLangChainModel',
        externals: ['@langchain/core'],
        artifacts: { model: 'artifacts/tiny-gpt2' },
      });
      const code = readFileSync(join(dir, 'code/model.mjs'), 'utf8');
      expect(code).toContain('Question: {question}\\nAnswer:'); // template.mjs, bundled
      expect(code).toContain('@langchain/core/prompts'); // a package: left as an import
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg.dependencies['@langchain/core']).toMatch(/^\^1\./);
      expect(saved.signature!.toDict()).toEqual({
        inputs: '[{"type": "string", "name": "question", "required": true}]',
        outputs: '[{"type": "string", "required": true}]',
        params: '[{"name": "max_new_tokens", "default": 12, "shape": null, "type": "long"}]',
      });
    });

    it('predicts what the same chain built in-process answers', async () => {
      const chain = PromptTemplate.fromTemplate(TEMPLATE).pipe(llm).pipe(new StringOutputParser());
      const expected = await chain.invoke({ question: 'What is MLflow?' });
      expect(await loaded.predict([{ question: 'What is MLflow?' }])).toEqual([expected]);
      expect(await loaded.predict({ question: 'What is MLflow?' }, { max_new_tokens: 5 })).toEqual([
        expected.slice(0, 5),
      ]);
      await expectMlflowError(loaded.predict([{ q: 'x' }]), 'INVALID_PARAMETER_VALUE', "missing inputs ['question']");
    });

    it('is logged, registered, aliased, and loaded by alias in a fresh Node process answering the same', async () => {
      const trackingUri = `sqlite:///${join(tmp.dir, 'mlflow.db')}`;
      const client = new MlflowClient({ trackingUri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
      const info = await logModel({
        client,
        name: 'qa-chain',
        ...(await langChainModelArgs({
          code: CHAIN_MODULE,
          artifacts: { model: tinyDir },
          modelConfig: { generation: { max_new_tokens: 12, do_sample: false } },
        })),
        inputExample: [{ question: 'What is MLflow?' }],
        inputExampleParams: { max_new_tokens: 12 },
        registeredModelName: 'qa-chain',
      });
      await client.setRegisteredModelAlias('qa-chain', 'champion', info.registeredModelVersion!.version);
      const input = [{ question: 'What is MLflow?' }, { question: 'Why?' }];
      const expected = await (await loadModel('models:/qa-chain@champion', { client })).predict(input);
      expect(expected).toEqual(await loaded.predict(input));
      expect((expected as string[]).map((s) => s.length)).toEqual([12, 12]);

      const { stdout } = await run(
        process.execPath,
        ['--import', TSX, FRESH, 'models:/qa-chain@champion', JSON.stringify(input), '{}'],
        {
          // The model's package imports (@langchain/core) resolve from the working directory, a project.
          cwd: REPO_ROOT,
          env: { ...process.env, NODE_PATH: '', MLFLOW_TRACKING_URI: trackingUri },
        },
      );
      const out = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(out.output).toEqual(expected);
      // LangChain runs each batch input as its own root run: one trace per input.
      expect(out.spans).toHaveLength(2);
      for (const spans of out.spans) expect(spans).toContainEqual(['TransformersLLM', 'LLM']);
    }, 90_000);

    it('langChainModelArgs validates its options', async () => {
      await expect(langChainModelArgs({ code: '' })).rejects.toThrow('Invalid code: ""');
      await expect(langChainModelArgs({ code: CHAIN_MODULE, exportName: 'a-b' })).rejects.toThrow(
        'Invalid exportName: "a-b".',
      );
      const missing = await langChainModelArgs({ code: CHAIN_MODULE, exportName: 'nothing' });
      await expect(
        saveLangChainModel({ path: join(tmp.dir, 'missing-export'), code: CHAIN_MODULE, exportName: 'nothing' }),
      ).resolves.toBeDefined(); // no example: nothing runs the code at save time...
      await expect(loadModelFromPath(join(tmp.dir, 'missing-export'))).rejects.toThrow("has no export named 'nothing'"); // ...and loading names the missing export.
      expect(missing.code.exportName).toBe('MlflowLangChainModel');
    }, 60_000);
  });
});
