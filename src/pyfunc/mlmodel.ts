/**
 * The `MLmodel` file: MLflow's model metadata, written as MLflow 3.18 writes it (`Model.to_yaml`:
 * `yaml.safe_dump(..., default_flow_style=False)`, so keys sorted, block style, 80-column folding) and read
 * back from MLflow's or ours.
 *
 * Our models carry the {@link NODEJS_FUNCTION_FLAVOR} flavor, not `python_function`: Python could not load
 * them, and MLflow's tooling treats an unknown flavor as opaque metadata.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { invalidParameter } from '../tracking/errors.js';
import { MLFLOW_REFERENCE_VERSION } from '../version.js';
import type { SavedInputExampleInfo } from './input-example.js';
import { ModelSignature, type SignatureDict } from './schema.js';

/** File name of the model metadata. */
export const MLMODEL_FILE_NAME = 'MLmodel';

/** Name of this SDK's flavor in `flavors`. */
export const NODEJS_FUNCTION_FLAVOR = 'nodejs_function';

/** The `nodejs_function` flavor block: how a Node.js process loads the model. */
export interface NodejsFunctionFlavor {
  /** Module (relative to the model directory) exporting the wrapper: the bundled code. */
  entry: string;
  /** Export name of the wrapper class (or instance) in `entry`. */
  class: string;
  /** Node.js version the model was saved with (`process.versions.node`). */
  node_version: string;
  /** Version of mlflow-genai that saved the model. */
  sdk_version: string;
  /** Model config file (relative), when there is a config. */
  config?: string;
  /** package.json listing runtime dependencies (relative). */
  env?: string;
  /** Folder of copied artifacts (relative), when there are artifacts. */
  artifacts?: Record<string, string>;
  [key: string]: unknown;
}

/** Options for a new {@link MlflowModel}. */
export interface MlflowModelOptions {
  artifactPath?: string;
  runId?: string;
  modelId?: string | null;
  modelUuid?: string;
  utcTimeCreated?: string;
  flavors?: Record<string, Record<string, unknown>>;
  signature?: ModelSignature;
  savedInputExampleInfo?: SavedInputExampleInfo;
  mlflowVersion?: string | null;
  metadata?: Record<string, unknown>;
  modelSizeBytes?: number;
  prompts?: string[] | null;
  /** Keys this SDK does not model, kept so a read-write round trip loses nothing. */
  extra?: Record<string, unknown>;
}

/** `str(datetime.now(timezone.utc).replace(tzinfo=None))`: `YYYY-MM-DD HH:MM:SS.ffffff` (no fraction at 0 µs). */
export function formatUtcTimeCreated(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const ms = date.getUTCMilliseconds();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return ms === 0 ? base : `${base}.${String(ms).padStart(3, '0')}000`;
}

/** The metadata of an MLflow model (`mlflow.models.Model`). */
export class MlflowModel {
  artifactPath: string | undefined;
  runId: string | undefined;
  modelId: string | null;
  modelUuid: string | null;
  utcTimeCreated: string;
  flavors: Record<string, Record<string, unknown>>;
  signature: ModelSignature | undefined;
  savedInputExampleInfo: SavedInputExampleInfo | undefined;
  mlflowVersion: string | null;
  metadata: Record<string, unknown> | undefined;
  modelSizeBytes: number | undefined;
  prompts: string[] | null;
  extra: Record<string, unknown>;

  constructor(options: MlflowModelOptions = {}) {
    this.artifactPath = options.artifactPath;
    this.runId = options.runId;
    this.modelId = options.modelId ?? null;
    this.modelUuid = options.modelUuid ?? randomUUID().replaceAll('-', '');
    this.utcTimeCreated = options.utcTimeCreated ?? formatUtcTimeCreated(new Date());
    this.flavors = options.flavors ?? {};
    this.signature = options.signature;
    this.savedInputExampleInfo = options.savedInputExampleInfo;
    this.mlflowVersion = options.mlflowVersion === undefined ? MLFLOW_REFERENCE_VERSION : options.mlflowVersion;
    this.metadata = options.metadata;
    this.modelSizeBytes = options.modelSizeBytes;
    this.prompts = options.prompts ?? null;
    this.extra = options.extra ?? {};
  }

  /** Adds a flavor block (`Model.add_flavor`). */
  addFlavor(name: string, params: Record<string, unknown>): this {
    this.flavors[name] = params;
    return this;
  }

  /** The dictionary `Model.to_dict()` returns. */
  toDict(): Record<string, unknown> {
    const res: Record<string, unknown> = { ...this.extra };
    if (this.runId !== undefined) res.run_id = this.runId;
    if (this.artifactPath !== undefined) res.artifact_path = this.artifactPath;
    res.utc_time_created = this.utcTimeCreated;
    res.flavors = this.flavors;
    res.model_uuid = this.modelUuid;
    if (this.mlflowVersion !== null) res.mlflow_version = this.mlflowVersion;
    res.prompts = this.prompts;
    res.model_id = this.modelId;
    if (this.signature) {
      res.signature = this.signature.toDict();
      res.is_signature_from_type_hint = false;
      res.type_hint_from_example = false;
    }
    if (this.savedInputExampleInfo) res.saved_input_example_info = this.savedInputExampleInfo;
    if (this.metadata !== undefined) res.metadata = this.metadata;
    if (this.modelSizeBytes !== undefined) res.model_size_bytes = this.modelSizeBytes;
    return res;
  }

  /** The YAML text of the `MLmodel` file. */
  toYaml(): string {
    return stringify(this.toDict(), {
      version: '1.1', // quote what PyYAML would otherwise read back as a timestamp or bool ('yes', 'on')
      sortMapEntries: true,
      indentSeq: false,
      lineWidth: 80,
      minContentWidth: 0,
      singleQuote: true,
      nullStr: 'null',
    });
  }

  /** Writes the `MLmodel` file into a model directory. */
  async save(dir: string): Promise<void> {
    await writeFile(join(dir, MLMODEL_FILE_NAME), this.toYaml());
  }

  /** Parses the dictionary form (`Model.from_dict`). */
  static fromDict(dict: Record<string, unknown>): MlflowModel {
    const {
      run_id,
      artifact_path,
      utc_time_created,
      flavors,
      model_uuid,
      mlflow_version,
      prompts,
      model_id,
      signature,
      is_signature_from_type_hint: _a,
      type_hint_from_example: _b,
      saved_input_example_info,
      metadata,
      model_size_bytes,
      ...extra
    } = dict;
    return new MlflowModel({
      runId: (run_id ?? undefined) as string | undefined,
      artifactPath: (artifact_path ?? undefined) as string | undefined,
      utcTimeCreated: String(utc_time_created ?? ''),
      flavors: (flavors ?? {}) as Record<string, Record<string, unknown>>,
      modelUuid: (model_uuid ?? null) as string,
      mlflowVersion: (mlflow_version ?? null) as string | null,
      prompts: (prompts ?? null) as string[] | null,
      modelId: (model_id ?? null) as string | null,
      signature:
        signature && typeof signature === 'object' ? ModelSignature.fromDict(signature as SignatureDict) : undefined,
      savedInputExampleInfo: (saved_input_example_info ?? undefined) as SavedInputExampleInfo | undefined,
      metadata: (metadata ?? undefined) as Record<string, unknown> | undefined,
      modelSizeBytes: (model_size_bytes ?? undefined) as number | undefined,
      extra,
    });
  }

  /** Parses `MLmodel` YAML text. */
  static fromYaml(text: string): MlflowModel {
    const dict = parse(text, { version: '1.1' }) as unknown;
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
      throw invalidParameter('The MLmodel file does not hold a YAML mapping.');
    }
    return MlflowModel.fromDict(dict as Record<string, unknown>);
  }

  /** Loads the `MLmodel` of a model directory (or the file itself), as `Model.load` does for local paths. */
  static async load(path: string): Promise<MlflowModel> {
    let text: string;
    try {
      const file = (await stat(path)).isDirectory() ? join(path, MLMODEL_FILE_NAME) : path;
      text = await readFile(file, 'utf8');
    } catch {
      throw invalidParameter(`Could not find an "${MLMODEL_FILE_NAME}" configuration file at "${path}"`);
    }
    return MlflowModel.fromYaml(text);
  }
}
