import { currentUser } from '../../tracking/context.js';
import type { Trace } from '../../tracking/entities/index.js';
import { isExpectation, TraceMetadataKey } from '../../tracking/entities/index.js';
import { ErrorCode, hasErrorCode, invalidParameter, MlflowError } from '../../tracking/errors.js';
import { MLFLOW_USER } from '../../tracking/tags.js';
import type { EvalRecord } from '../types.js';
import {
  type DatasetRecord,
  type DatasetRecordInput,
  DatasetRecordSourceType,
  type EvaluationDatasetInfo,
  normalizeRecordSource,
  sourceToDict,
} from './entities.js';
import type { EvaluationDatasetStore, UpsertRecord } from './store.js';

/** `EvaluationDatasetSource._get_source_type()`: the source type runs record for these datasets. */
export const EVALUATION_DATASET_SOURCE_TYPE = 'mlflow_evaluation_dataset';

const SESSION_IDENTIFIER_FIELDS: ReadonlySet<string> = new Set(['goal']);
const SESSION_INPUT_FIELDS: ReadonlySet<string> = new Set(['persona', 'goal', 'context', 'simulation_guidelines']);

type Granularity = 'trace' | 'session' | 'unknown';

/** `EvaluationDataset._classify_input_fields`. */
function classifyInputFields(keys: readonly string[]): Granularity {
  if (keys.length === 0) return 'unknown';
  if (!keys.some((k) => SESSION_IDENTIFIER_FIELDS.has(k))) return 'trace';
  return keys.every((k) => SESSION_INPUT_FIELDS.has(k)) ? 'session' : 'unknown';
}

const pyList = (items: readonly string[]): string => `[${items.map((s) => `'${s}'`).join(', ')}]`;

function isTrace(value: unknown): value is Trace {
  const v = value as Trace | null;
  return typeof v === 'object' && v !== null && typeof v.info === 'object' && typeof v.data === 'object';
}

/** `_process_trace_records`: a trace becomes a record with its root span's inputs and outputs. */
function traceToRecord(trace: Trace): DatasetRecordInput {
  const root = trace.data.spans.find((s) => s.parentId === null);
  const inputs = root?.inputs ?? {};
  const outputs = root?.outputs ?? null;
  const expectations: Record<string, unknown> = {};
  for (const a of trace.info.assessments ?? []) {
    if (isExpectation(a) && a.valid !== false) expectations[a.name] = a.value;
  }
  const sourceData: Record<string, unknown> = { trace_id: trace.info.traceId };
  const session = trace.info.traceMetadata[TraceMetadataKey.TRACE_SESSION];
  if (session) sourceData.session_id = session;
  return {
    inputs: inputs as Record<string, unknown>,
    outputs,
    expectations,
    source: { source_type: DatasetRecordSourceType.TRACE, source_data: sourceData },
  };
}

/**
 * An evaluation dataset (`mlflow.genai.datasets.EvaluationDataset`): metadata loaded eagerly, records
 * and experiment ids on first use. Made by {@link createDataset}, {@link getDataset} and
 * {@link searchDatasets}; bound to the store it came from.
 */
export class EvaluationDataset {
  #info: EvaluationDatasetInfo;
  readonly #store: EvaluationDatasetStore;
  #records: DatasetRecord[] | undefined;
  #experimentIds: string[] | undefined;

  /** Wraps stored metadata; prefer the module functions, which resolve the store. */
  constructor(info: EvaluationDatasetInfo, store: EvaluationDatasetStore) {
    this.#info = info;
    this.#store = store;
    this.#experimentIds = info.experimentIds;
  }

  /** `d-<32 hex>`. */
  get datasetId(): string {
    return this.#info.datasetId;
  }
  /** Dataset name. */
  get name(): string {
    return this.#info.name;
  }
  /** Changes with every update: sha256(`name:last_update_time`)[:8]. */
  get digest(): string {
    return this.#info.digest;
  }
  /** Dataset tags. */
  get tags(): Readonly<Record<string, string>> {
    return this.#info.tags;
  }
  /** JSON text of the field types seen in records, or null for a dataset never merged into. */
  get schema(): string | null {
    return this.#info.schema;
  }
  /** JSON text `{"num_records": N}`, or null. */
  get profile(): string | null {
    return this.#info.profile;
  }
  /** Milliseconds since the epoch. */
  get createdTime(): number {
    return this.#info.createdTime;
  }
  /** Milliseconds since the epoch. */
  get lastUpdateTime(): number {
    return this.#info.lastUpdateTime;
  }
  /** The creating user, or null. */
  get createdBy(): string | null {
    return this.#info.createdBy;
  }
  /** The user of the last merge, or null. */
  get lastUpdatedBy(): string | null {
    return this.#info.lastUpdatedBy;
  }
  /** `mlflow_evaluation_dataset`, the source type a run's dataset input gets. */
  get sourceType(): string {
    return EVALUATION_DATASET_SOURCE_TYPE;
  }
  /** The store this dataset reads from and writes to. */
  get store(): EvaluationDatasetStore {
    return this.#store;
  }
  /** The records, once loaded by {@link loadRecords}, {@link toRecords} or a previous call; else undefined. */
  get records(): readonly DatasetRecord[] | undefined {
    return this.#records;
  }

  /** True when the records are loaded (no I/O). */
  hasRecords(): boolean {
    return this.#records !== undefined;
  }

  /** The experiments the dataset is associated with (loaded once). */
  async getExperimentIds(): Promise<string[]> {
    this.#experimentIds ??= await this.#store.getDatasetExperimentIds(this.datasetId);
    return [...this.#experimentIds];
  }

  /** Every record, ordered by creation time then id (loaded once; merges reload). */
  async loadRecords(): Promise<readonly DatasetRecord[]> {
    this.#records ??= (await this.#store.loadDatasetRecords(this.datasetId, { maxResults: null })).records;
    return this.#records;
  }

  /**
   * The records as evaluation rows for `evaluate({data})`: inputs, outputs (when the record has
   * any) and expectations, in record order.
   */
  async toRecords(): Promise<EvalRecord[]> {
    const records = await this.loadRecords();
    return records.map((r) => {
      const row: EvalRecord = { inputs: r.inputs };
      if (r.outputs !== null && r.outputs !== undefined) row.outputs = r.outputs;
      if (r.expectations && Object.keys(r.expectations).length > 0) row.expectations = r.expectations;
      return row;
    });
  }

  /**
   * Merges records (`merge_records`): dicts with `inputs` (and optional `outputs`, `expectations`,
   * `tags`, `source`), evaluation rows, or traces (root-span inputs/outputs, expectation
   * assessments, a TRACE source). Records whose inputs match an existing record update it. Sources
   * are inferred when absent (HUMAN with expectations, CODE without an `expectations` key), each
   * record gets the `mlflow.user` tag, and the dataset's digest, schema and profile are refreshed.
   */
  async mergeRecords(records: ReadonlyArray<DatasetRecordInput | EvalRecord | Trace>): Promise<this> {
    if (!Array.isArray(records)) {
      throw invalidParameter(`records must be a list of records or traces, got ${typeof records}`);
    }
    const first = records[0];
    const dicts: Array<Record<string, unknown>> =
      first !== undefined && isTrace(first) && !('inputs' in first)
        ? records.map((r, i) => {
            if (!isTrace(r)) {
              throw invalidParameter(
                `Mixed types in trace list. Expected all elements to be Trace objects, but element at index ${i} is not`,
              );
            }
            return traceToRecord(r) as unknown as Record<string, unknown>;
          })
        : records.map((r) => (r !== null && typeof r === 'object' ? { ...(r as object) } : (r as never)));
    for (const record of dicts) {
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        throw invalidParameter('Each record must be a dictionary');
      }
      if (record.inputs === undefined) throw invalidParameter("Each record must have an 'inputs' field");
      if (record.inputs === null || typeof record.inputs !== 'object' || Array.isArray(record.inputs)) {
        throw invalidParameter(`Invalid 'inputs' ${JSON.stringify(record.inputs)}: it must be an object`);
      }
    }
    // `_infer_source_types`.
    for (const record of dicts) {
      if (record.source !== undefined) continue;
      const expectations = record.expectations;
      if (expectations !== undefined && expectations !== null && Object.keys(expectations as object).length > 0) {
        record.source = { source_type: DatasetRecordSourceType.HUMAN, source_data: {} };
      } else if (expectations === undefined) {
        record.source = { source_type: DatasetRecordSourceType.CODE, source_data: {} };
      }
    }
    let current: EvaluationDatasetInfo;
    try {
      current = await this.#store.getDataset(this.datasetId);
    } catch (err) {
      if (!hasErrorCode(err, ErrorCode.RESOURCE_DOES_NOT_EXIST)) throw err;
      throw new MlflowError(
        `Cannot add records to dataset ${this.datasetId}: Dataset not found. Please verify the dataset exists and ` +
          `check your tracking URI is set correctly (currently set to: ${this.#store.trackingUri}).`,
        ErrorCode.INVALID_PARAMETER_VALUE,
        { cause: err },
      );
    }
    this.#validateGranularity(dicts, current.schema);
    const user = currentUser();
    const upserts: UpsertRecord[] = dicts.map((record, i) => {
      const out: UpsertRecord = {
        inputs: record.inputs as Record<string, unknown>,
        tags: { [MLFLOW_USER]: user, ...((record.tags as Record<string, string> | null | undefined) ?? {}) },
      };
      if (record.outputs !== undefined) out.outputs = record.outputs;
      if (record.expectations !== undefined) out.expectations = record.expectations as Record<string, unknown> | null;
      if (record.source !== undefined) {
        out.source =
          record.source === null ? null : sourceToDict(normalizeRecordSource(record.source, `source of record ${i}`));
      }
      return out;
    });
    await this.#store.upsertDatasetRecords(this.datasetId, upserts);
    this.#records = undefined;
    const updated = await this.#store.getDataset(this.datasetId);
    this.#info = { ...updated, ...(this.#experimentIds ? { experimentIds: this.#experimentIds } : {}) };
    return this;
  }

  /** Deletes records by id (`delete_records`); returns how many were deleted. */
  async deleteRecords(recordIds: readonly string[]): Promise<number> {
    const deleted = await this.#store.deleteDatasetRecords(this.datasetId, [...recordIds]);
    this.#records = undefined;
    this.#info = {
      ...(await this.#store.getDataset(this.datasetId)),
      ...(this.#experimentIds ? { experimentIds: this.#experimentIds } : {}),
    };
    return deleted;
  }

  /**
   * The dataset as a run input (`_to_mlflow_entity`): what `evaluate` logs so the run links to it.
   */
  toDatasetInput(): {
    name: string;
    digest: string;
    sourceType: string;
    source: string;
    schema: string | null;
    profile: string | null;
  } {
    return {
      name: this.name,
      digest: this.digest,
      sourceType: EVALUATION_DATASET_SOURCE_TYPE,
      source: `{"dataset_id": ${JSON.stringify(this.datasetId)}}`,
      schema: this.schema,
      profile: this.profile,
    };
  }

  /** The metadata (and records, when loaded), as plain JSON. */
  toJSON(): EvaluationDatasetInfo & { records?: DatasetRecord[] } {
    return { ...this.#info, ...(this.#records ? { records: this.#records } : {}) };
  }

  // `_validate_schema`: one granularity per batch and per dataset.
  #validateGranularity(records: ReadonlyArray<Record<string, unknown>>, schema: string | null): void {
    const counts = new Map<Granularity, number>();
    let hasEmptyInputs = false;
    for (const record of records) {
      const keys = Object.keys(record.inputs as object);
      if (keys.length === 0) {
        hasEmptyInputs = true;
        continue;
      }
      const kind = classifyInputFields(keys);
      if (kind === 'unknown') {
        const session = keys.filter((k) => SESSION_IDENTIFIER_FIELDS.has(k));
        const other = keys.filter((k) => !SESSION_INPUT_FIELDS.has(k));
        throw invalidParameter(
          `Invalid input schema: cannot mix session fields ${pyList(session)} with other fields ${pyList(other)}. ` +
            `Consider placing ${pyList(other)} fields inside 'context'.`,
        );
      }
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    if (counts.size > 1) {
      const text = [...counts].map(([g, n]) => `${n} records with ${g} granularity`).join(', ');
      throw invalidParameter(`All records must use the same granularity. Found ${text}.`);
    }
    const batch: Granularity = counts.keys().next().value ?? 'unknown';
    let existing: Granularity = 'unknown';
    if (schema !== null) {
      try {
        existing = classifyInputFields(Object.keys((JSON.parse(schema) as { inputs?: object }).inputs ?? {}));
      } catch {
        existing = 'unknown';
      }
    } else if (this.#records && this.#records.length > 0) {
      existing = classifyInputFields(Object.keys((this.#records[0] as DatasetRecord).inputs));
    }
    if (hasEmptyInputs && (batch === 'session' || existing === 'session')) {
      throw invalidParameter("Empty inputs are not allowed for session records. The 'goal' field is required.");
    }
    if (batch === 'unknown' || existing === 'unknown') return;
    if (batch !== existing) {
      throw invalidParameter(
        `New records use ${batch} granularity, but existing dataset uses ${existing}. Cannot mix granularities.`,
      );
    }
  }
}

/** True for an {@link EvaluationDataset}. */
export function isEvaluationDataset(value: unknown): value is EvaluationDataset {
  return value instanceof EvaluationDataset;
}
