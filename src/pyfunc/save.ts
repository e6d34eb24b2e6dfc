/**
 * `saveModel` writes a model directory in MLflow's layout, and `loadModelFromPath` loads one back into a
 * {@link PyFuncModel} whose `predict` enforces the signature before calling the wrapper.
 *
 * Layout: `MLmodel`; `input_example.json` and `serving_input_example.json`; `package.json` (the model's
 * runtime dependencies); `code/model.mjs` (the bundled wrapper); `artifacts/<name>` (copied artifacts);
 * `model_config.json`.
 */
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ErrorCode, invalidParameter, MlflowError } from '../tracking/errors.js';
import { VERSION } from '../version.js';
import { bundleModelCode, importModelCode, installedVersions, SDK_PACKAGE } from './code.js';
import { enforceSignature } from './enforce.js';
import { Frame } from './frame.js';
import { inferSignature } from './infer.js';
import { loadInputExample, saveInputExample } from './input-example.js';
import { MlflowModel, NODEJS_FUNCTION_FLAVOR, type NodejsFunctionFlavor } from './mlmodel.js';
import { isModelWrapper, type ModelContext, type ModelWrapper } from './model-wrapper.js';
import type { ModelSignature } from './schema.js';

/** Where the wrapper's code comes from: a module and the name it exports the wrapper under. */
export interface ModelCode {
  /** Path of the module (TypeScript or JavaScript) exporting the wrapper. */
  path: string;
  /** Export name: a {@link ModelWrapper} subclass (instantiated with no arguments) or instance. */
  exportName: string;
}

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** Model directory to create; it must not exist or be empty. */
  path: string;
  /**
   * The wrapper's code, bundled into the model so it loads in a fresh process. When `model` is given as
   * well, that instance is used in-process to infer the output signature.
   */
  code: ModelCode;
  /**
   * An instance of the wrapper, used in-process to infer the output schema from the input example;
   * by default the bundled code is loaded and instantiated for that.
   */
  model?: ModelWrapper;
  /** Artifact name -> local file or directory, copied under `artifacts/`. */
  artifacts?: Record<string, string>;
  /** Signature; inferred from `inputExample` (and the model's output on it) when omitted. */
  signature?: ModelSignature;
  /** An input example in any accepted input form. */
  inputExample?: unknown;
  /** Params saved with the input example (and inferred into the params schema). */
  inputExampleParams?: Record<string, unknown>;
  /** Config handed to the wrapper as `context.modelConfig`. */
  modelConfig?: Record<string, unknown>;
  /** Extra runtime dependencies for the model's package.json (name -> version range). */
  dependencies?: Record<string, string>;
  /** Free-form metadata stored in the MLmodel. */
  metadata?: Record<string, unknown>;
  /** Fields of a logged model (set by logModel). */
  artifactPath?: string;
  runId?: string;
  modelId?: string;
}

const CONFIG_FILE = 'model_config.json';
const PACKAGE_FILE = 'package.json';

async function dirSize(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await dirSize(join(path, entry));
  return total;
}

async function wrapperFrom(mod: Record<string, unknown>, exportName: string, where: string): Promise<ModelWrapper> {
  const exported = mod[exportName];
  if (exported === undefined) {
    throw invalidParameter(`The model code ${where} has no export named '${exportName}'.`);
  }
  const instance = typeof exported === 'function' ? new (exported as new () => unknown)() : exported;
  if (!isModelWrapper(instance)) {
    throw invalidParameter(`The export '${exportName}' of ${where} is not a ModelWrapper (it has no predict method).`);
  }
  return instance;
}

/**
 * Saves a model directory in MLflow's format, with the wrapper's code bundled into it. Returns the
 * {@link MlflowModel} written as `MLmodel`.
 */
export async function saveModel(options: SaveModelOptions): Promise<MlflowModel> {
  const dir = resolve(options.path);
  try {
    if ((await readdir(dir)).length > 0) {
      throw new MlflowError(
        `Path '${options.path}' already exists and is not empty`,
        ErrorCode.RESOURCE_ALREADY_EXISTS,
      );
    }
  } catch (e) {
    if (e instanceof MlflowError) throw e;
  }
  await mkdir(dir, { recursive: true });

  const bundled = await bundleModelCode(options.code.path, dir);

  const artifactPaths: Record<string, string> = {};
  const contextArtifacts: Record<string, string> = {};
  for (const [name, src] of Object.entries(options.artifacts ?? {})) {
    if (!/^[\w.-]+$/.test(name)) throw invalidParameter(`Invalid artifact name '${name}'`);
    const rel = `artifacts/${basename(src)}`;
    await cp(resolve(src), join(dir, rel), { recursive: true });
    artifactPaths[name] = rel;
    contextArtifacts[name] = join(dir, rel);
  }
  const modelConfig = options.modelConfig ?? {};

  let signature = options.signature;
  let info: Awaited<ReturnType<typeof saveInputExample>> | undefined;
  if (options.inputExample !== undefined) {
    info = await saveInputExample(dir, options.inputExample, options.inputExampleParams);
    if (!signature) {
      let output: unknown;
      try {
        const context: ModelContext = { artifacts: contextArtifacts, modelConfig };
        const wrapper =
          options.model ??
          (await wrapperFrom(
            await importModelCode(dir, bundled.entry, bundled.externals),
            options.code.exportName,
            options.code.path,
          ));
        await wrapper.loadContext(context);
        const frameless = enforceSignature(
          options.inputExample,
          options.inputExampleParams,
          inferSignature(options.inputExample, undefined, options.inputExampleParams),
        );
        output = await wrapper.predict(context, frameless.input, frameless.params);
        if (output instanceof Frame) output = output.toSplit();
      } catch {
        output = undefined;
      }
      signature = inferSignature(options.inputExample, output, options.inputExampleParams);
    }
  }

  if (Object.keys(modelConfig).length > 0)
    await writeFile(join(dir, CONFIG_FILE), JSON.stringify(modelConfig, null, 2));

  const dependencies = {
    ...(await installedVersions(
      bundled.externals.filter((p) => p !== SDK_PACKAGE),
      options.code.path,
    )),
    [SDK_PACKAGE]: `^${VERSION}`,
    ...options.dependencies,
  };
  const pkg = {
    name: 'mlflow-model',
    private: true,
    type: 'module',
    main: bundled.entry,
    engines: { node: `>=${process.versions.node.split('.')[0]}` },
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
  };
  await writeFile(join(dir, PACKAGE_FILE), `${JSON.stringify(pkg, null, 2)}\n`);

  const flavor: NodejsFunctionFlavor = {
    entry: bundled.entry,
    class: options.code.exportName,
    node_version: process.versions.node,
    sdk_version: VERSION,
    env: PACKAGE_FILE,
  };
  if (bundled.externals.length > 0) flavor.externals = bundled.externals;
  if (Object.keys(artifactPaths).length > 0) flavor.artifacts = artifactPaths;
  if (Object.keys(modelConfig).length > 0) flavor.config = CONFIG_FILE;

  const model = new MlflowModel({
    artifactPath: options.artifactPath,
    runId: options.runId,
    modelId: options.modelId ?? null,
    flavors: { [NODEJS_FUNCTION_FLAVOR]: flavor },
    signature,
    savedInputExampleInfo: info,
    metadata: options.metadata,
  });
  // As MLflow: the size of the directory before the MLmodel file is written.
  model.modelSizeBytes = await dirSize(dir);
  await model.save(dir);
  return model;
}

/** A loaded model (`PyFuncModel`): metadata plus a `predict` that enforces the signature. */
export class PyFuncModel {
  /** The model's MLmodel metadata. */
  readonly metadata: MlflowModel;
  /** The context the wrapper was loaded with. */
  readonly context: ModelContext;
  /** The loaded wrapper. */
  readonly wrapper: ModelWrapper;
  /** Local directory of the model. */
  readonly path: string;

  constructor(path: string, metadata: MlflowModel, wrapper: ModelWrapper, context: ModelContext) {
    this.path = path;
    this.metadata = metadata;
    this.wrapper = wrapper;
    this.context = context;
  }

  /** The model's signature, if it has one. */
  get signature(): ModelSignature | undefined {
    return this.metadata.signature;
  }

  /**
   * Enforces the signature on `input` and `params` (INVALID_PARAMETER_VALUE naming column and type on
   * mismatch), then calls the wrapper's `predict`.
   */
  async predict(input: unknown, params?: Record<string, unknown>): Promise<unknown> {
    const enforced = enforceSignature(input, params, this.metadata.signature, (m) => process.emitWarning(m));
    const out = await this.wrapper.predict(this.context, enforced.input, enforced.params);
    return out;
  }

  /** The saved input example and its params, if the model has one. */
  async inputExample(): Promise<{ input: unknown; params?: Record<string, unknown> } | undefined> {
    const info = this.metadata.savedInputExampleInfo;
    return info ? loadInputExample(this.path, info) : undefined;
  }
}

/** Loads a model directory written by {@link saveModel}: imports its bundled code and runs `loadContext`. */
export async function loadModelFromPath(path: string): Promise<PyFuncModel> {
  const dir = resolve(path);
  const metadata = await MlflowModel.load(dir);
  const flavor = metadata.flavors[NODEJS_FUNCTION_FLAVOR] as NodejsFunctionFlavor | undefined;
  if (!flavor) {
    throw invalidParameter(
      `Model at '${path}' has no '${NODEJS_FUNCTION_FLAVOR}' flavor (flavors: ${Object.keys(metadata.flavors).join(', ') || 'none'}); ` +
        'it cannot be loaded in Node.js.',
    );
  }
  const externals = Array.isArray(flavor.externals) ? (flavor.externals as string[]) : [];
  const mod = await importModelCode(dir, flavor.entry, externals);
  const wrapper = await wrapperFrom(mod, flavor.class, join(dir, flavor.entry));
  const artifacts: Record<string, string> = {};
  for (const [name, rel] of Object.entries(flavor.artifacts ?? {})) artifacts[name] = join(dir, rel);
  const modelConfig = flavor.config
    ? (JSON.parse(await readFile(join(dir, flavor.config), 'utf8')) as Record<string, unknown>)
    : {};
  const context: ModelContext = Object.freeze({
    artifacts: Object.freeze(artifacts),
    modelConfig: Object.freeze(modelConfig),
  });
  await wrapper.loadContext(context);
  return new PyFuncModel(dir, metadata, wrapper, context);
}
