/**
 * The LangChain.js flavor, as models-from-code (MLflow's LangChain flavor with `lc_model` a code path):
 * the user's module exports a runnable, or a factory `(context) => runnable` that builds one from the
 * model's artifacts and config; {@link LangChainModel} wraps it, and {@link langChainModelArgs} gives what
 * `saveModel`/`logModel` need to save it with that module bundled in, so it loads in a fresh process.
 * Nothing here imports @langchain/core: the runnable is only called.
 */
import { resolve } from 'node:path';
import { createLangChainTracer } from '../../tracing/integrations/langchain.js';
import { ErrorCode, invalidParameter, MlflowError } from '../../tracking/errors.js';
import { Frame, isPlainObject, isSplitFrame, toFrame } from '../frame.js';
import type { MlflowModel } from '../mlmodel.js';
import type { ModelContext } from '../model-wrapper.js';
import { ModelWrapper } from '../model-wrapper.js';
import type { SaveModelOptions } from '../save.js';
import { saveModel } from '../save.js';
import type { ModelSignature } from '../schema.js';
import { writeEntryModule } from './generated-code.js';
import type { FlavorModelArgs } from './transformers-text-generation.js';

/** What a LangChain.js runnable offers that {@link LangChainModel} calls (any `Runnable` has both). */
export interface RunnableLike {
  invoke(input: unknown, options?: Record<string, unknown>): Promise<unknown>;
  batch?(inputs: unknown[], options?: Record<string, unknown>): Promise<unknown[]>;
}

/** Builds the runnable when the model is loaded, from its artifacts and config. */
export type RunnableFactory = (context: ModelContext) => RunnableLike | Promise<RunnableLike>;

function isRunnable(value: unknown): value is RunnableLike {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { invoke?: unknown }).invoke === 'function'
  );
}

/**
 * @internal A predict input as LangChain inputs, and whether it was a single one. A {@link Frame} (what
 * the signature gives) becomes its rows: records, or plain values for one unnamed column; so do records,
 * split frames and lists. A string or plain object is one input.
 */
export function langChainInputs(input: unknown): { inputs: unknown[]; single: boolean } {
  let frame: Frame | undefined;
  if (input instanceof Frame) frame = input;
  else if (isSplitFrame(input)) frame = toFrame(input);
  if (frame) {
    const unnamed = frame.columns.length === 1 && typeof frame.columns[0] === 'number';
    return { inputs: unnamed ? frame.column(frame.columns[0]!) : frame.toRecords(), single: false };
  }
  if (Array.isArray(input)) return { inputs: input, single: false };
  if (typeof input === 'string' || isPlainObject(input)) return { inputs: [input], single: true };
  throw invalidParameter(
    `Unsupported input for a LangChain model: ${input === null ? 'null' : typeof input}; give a string, an ` +
      'object, a list of them, or a frame.',
  );
}

/**
 * A LangChain.js runnable as an MLflow model (MLflow's LangChain pyfunc). Constructed with the runnable,
 * or with a factory `(context) => runnable` called by `loadContext` (so the runnable can be built from
 * `context.artifacts`, e.g. a {@link TransformersLLM} over `context.artifacts.model`).
 *
 * `predict` invokes the runnable once for a single input (a string or an object) and returns its output;
 * for a list, records or a frame it calls `batch` and returns the list of outputs (a frame's rows become
 * records, or plain values for one unnamed column). `params` are passed in the call's options, where
 * LangChain hands them to each step: a {@link TransformersLLM} reads its generation params there. Each
 * call is traced with an MLflow LangChain tracer: a trace per input (LangChain runs each batch input as
 * a root run), a CHAIN span with the steps below it. Outputs are what
 * the runnable returns: end the chain with an output parser (`StringOutputParser`) to get plain values.
 */
export class LangChainModel extends ModelWrapper {
  /** The runnable, once loaded. */
  runnable: RunnableLike | undefined;
  private readonly source: RunnableLike | RunnableFactory;

  constructor(source: RunnableLike | RunnableFactory) {
    super();
    if (!isRunnable(source) && typeof source !== 'function') {
      throw invalidParameter(
        `LangChainModel needs a runnable (with invoke) or a factory (context) => runnable, got ${source === null ? 'null' : typeof source}.`,
      );
    }
    this.source = source;
    if (isRunnable(source)) this.runnable = source;
  }

  /** Builds the runnable with the factory, if one was given. */
  override async loadContext(context: ModelContext): Promise<void> {
    if (isRunnable(this.source)) return;
    const built = await (this.source as RunnableFactory)(context);
    if (!isRunnable(built)) {
      throw invalidParameter(
        `The LangChain model factory returned ${built === null ? 'null' : typeof built}, not a runnable (no invoke method).`,
      );
    }
    this.runnable = built;
  }

  /** Invokes (one input) or batches (several) the runnable, traced. */
  override async predict(
    _context: ModelContext,
    input: unknown,
    params: Record<string, unknown> = {},
  ): Promise<unknown> {
    const runnable = this.runnable;
    if (!runnable) throw new MlflowError('LangChainModel.predict() before loadContext().', ErrorCode.INVALID_STATE);
    const { inputs, single } = langChainInputs(input);
    const options: Record<string, unknown> = { ...params, callbacks: [await createLangChainTracer()] };
    if (single) return runnable.invoke(inputs[0], options);
    if (inputs.length === 0) return [];
    if (typeof runnable.batch === 'function') return runnable.batch(inputs, options);
    return Promise.all(inputs.map((i) => runnable.invoke(i, options)));
  }
}

/** Options of {@link langChainModelArgs}. */
export interface LangChainModelOptions {
  /**
   * The module (TypeScript or JavaScript) exporting the runnable or the factory `(context) => runnable`.
   * It and its local imports are bundled into the model; packages stay imports (listed in package.json).
   */
  code: string;
  /** The export holding the runnable or factory; `chain` by default. */
  exportName?: string;
  /** Artifacts the factory reads (name -> local path), e.g. `{ model: modelDir }`. */
  artifacts?: Record<string, string>;
  /** Config handed to the factory as `context.modelConfig`. */
  modelConfig?: Record<string, unknown>;
  /** Signature; inferred from the input example (and the chain's output on it) when omitted. */
  signature?: ModelSignature;
}

const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * The `saveModel`/`logModel` options that save the runnable exported by `options.code` as a
 * {@link LangChainModel}: `code` is a generated module importing that export and wrapping it
 * (`class extends LangChainModel`), so the user's module is bundled into the model. Spread them into the
 * call: `logModel({ name: 'chain', ...(await langChainModelArgs({ code: './chain.ts' })) })`.
 */
export async function langChainModelArgs(options: LangChainModelOptions): Promise<FlavorModelArgs> {
  if (typeof options?.code !== 'string' || options.code === '') {
    throw invalidParameter(`Invalid code: ${JSON.stringify(options?.code)}; give the path of the chain's module.`);
  }
  const exportName = options.exportName ?? 'chain';
  if (!EXPORT_NAME.test(exportName)) throw invalidParameter(`Invalid exportName: ${JSON.stringify(exportName)}.`);
  const modulePath = resolve(options.code);
  const source = [
    '// Generated by mlflow-genai: wraps the chain module (bundled with the model) in a LangChainModel.',
    "import { LangChainModel } from 'mlflow-genai';",
    `import * as chainModule from ${JSON.stringify(modulePath)};`,
    '',
    'export class MlflowLangChainModel extends LangChainModel {',
    '  constructor() {',
    `    const source = chainModule[${JSON.stringify(exportName)}];`,
    '    if (source === undefined) {',
    `      throw new Error(${JSON.stringify(`The chain module ${options.code} has no export named '${exportName}'.`)});`,
    '    }',
    '    super(source);',
    '  }',
    '}',
    '',
  ].join('\n');
  const path = await writeEntryModule(source, modulePath);
  const args: FlavorModelArgs = {
    code: { path, exportName: 'MlflowLangChainModel' },
    artifacts: { ...options.artifacts },
    modelConfig: { ...options.modelConfig },
    dependencies: {},
  };
  if (options.signature) args.signature = options.signature;
  return args;
}

/** Options of {@link saveLangChainModel}. */
export interface SaveLangChainModelOptions
  extends LangChainModelOptions,
    Omit<SaveModelOptions, 'code' | 'model' | 'artifacts' | 'modelConfig' | 'signature'> {}

/**
 * Saves the runnable exported by `options.code` as a {@link LangChainModel} into `options.path`, with
 * `saveModel` (MLflow's layout, the module bundled). Returns the written `MLmodel`.
 */
export async function saveLangChainModel(options: SaveLangChainModelOptions): Promise<MlflowModel> {
  const { code, exportName, artifacts, modelConfig, signature, ...rest } = options;
  const args = await langChainModelArgs({ code, exportName, artifacts, modelConfig, signature });
  return saveModel({ ...rest, ...args, dependencies: { ...args.dependencies, ...rest.dependencies } });
}
