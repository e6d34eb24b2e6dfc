/**
 * Evaluation dataset entities (`mlflow.entities.EvaluationDataset`, `DatasetRecord`,
 * `DatasetRecordSource`, MLflow 3.18): the shapes stored in `evaluation_datasets`,
 * `evaluation_dataset_records` and `evaluation_dataset_tags`, and what `/api/3.0/mlflow/datasets`
 * sends.
 */

import { invalidParameter } from '../../tracking/errors.js';

/** Where a dataset record came from (`DatasetRecordSourceType`). */
export const DatasetRecordSourceType = {
  UNSPECIFIED: 'UNSPECIFIED',
  TRACE: 'TRACE',
  HUMAN: 'HUMAN',
  DOCUMENT: 'DOCUMENT',
  CODE: 'CODE',
} as const;
/** One of {@link DatasetRecordSourceType}'s values. */
export type DatasetRecordSourceType = (typeof DatasetRecordSourceType)[keyof typeof DatasetRecordSourceType];

const SOURCE_TYPES: readonly string[] = Object.values(DatasetRecordSourceType);

/**
 * `DatasetRecordSourceType._parse`: any case is accepted and upper-cased; anything else is
 * MLflow's INVALID_PARAMETER_VALUE.
 */
export function parseDatasetRecordSourceType(value: string): DatasetRecordSourceType {
  const upper = String(value).toUpperCase();
  if (SOURCE_TYPES.includes(upper)) return upper as DatasetRecordSourceType;
  throw invalidParameter(
    `Invalid dataset record source type: ${upper}. Valid source types: [${SOURCE_TYPES.map((t) => `'${t}'`).join(', ')}]`,
  );
}

/** A record's source (`DatasetRecordSource`): its type and free-form data (`trace_id`, `source_id`, ...). */
export interface DatasetRecordSource {
  /** Upper-case source type. */
  sourceType: DatasetRecordSourceType;
  /** Source-specific data; `{}` when none. */
  sourceData: Record<string, unknown>;
}

/** A record as stored (`DatasetRecord`). */
export interface DatasetRecord {
  /** `dr-<32 hex>`. */
  datasetRecordId: string;
  /** The dataset it belongs to. */
  datasetId: string;
  /** The record's inputs; records are keyed by them (one record per distinct inputs). */
  inputs: Record<string, unknown>;
  /**
   * The record's outputs (any JSON value); null when none. MLflow gives `{}` for a record created
   * without outputs, and null once outputs were set to null.
   */
  outputs: unknown;
  /** Expected values by name (ground truth), or null. */
  expectations: Record<string, unknown> | null;
  /** Record tags (`{}` when none). */
  tags: Record<string, string>;
  /** Where the record came from, or null. */
  source: DatasetRecordSource | null;
  /** The source's id: the trace id for TRACE sources, else `source_data.source_id`. */
  sourceId: string | null;
  /** The source type, or null when the record has no source. */
  sourceType: DatasetRecordSourceType | null;
  /** Milliseconds since the epoch. */
  createdTime: number;
  /** Milliseconds since the epoch. */
  lastUpdateTime: number;
  /** The `mlflow.user` of the merge that created it. */
  createdBy: string | null;
  /** The `mlflow.user` of the last merge that touched it. */
  lastUpdatedBy: string | null;
}

/** A dataset's metadata (`EvaluationDataset` without records), as stores return it. */
export interface EvaluationDatasetInfo {
  /** `d-<32 hex>`. */
  datasetId: string;
  /** Dataset name (not unique). */
  name: string;
  /** sha256(`name:last_update_time`)[:8], so every change gives a new digest. */
  digest: string;
  /** Milliseconds since the epoch. */
  createdTime: number;
  /** Milliseconds since the epoch. */
  lastUpdateTime: number;
  /** Dataset tags. */
  tags: Record<string, string>;
  /** JSON text: field types of inputs, outputs and expectations (`{"inputs": {...}, ..., "version": "1.0"}`), or null. */
  schema: string | null;
  /** JSON text: `{"num_records": N}`, or null for an empty dataset. */
  profile: string | null;
  /** The creating user (`mlflow.user` tag), or null. */
  createdBy: string | null;
  /** The user of the last merge, or null. */
  lastUpdatedBy: string | null;
  /** Experiments the dataset is associated with, when the call returned them (create does; get does not). */
  experimentIds?: string[];
}

/**
 * A record to merge (`merge_records` / `upsert_dataset_records` input). A record whose inputs
 * match an existing record updates it: outputs replace (when the key is present, null clears
 * them), expectations and tags are merged key by key.
 */
export interface DatasetRecordInput {
  /** Required; the record's identity. */
  inputs: Record<string, unknown>;
  /** Outputs (any JSON value). Absent leaves an existing record's outputs unchanged. */
  outputs?: unknown;
  /** Expected values by name. */
  expectations?: Record<string, unknown> | null;
  /** Record tags. */
  tags?: Record<string, string> | null;
  /**
   * Source: `{sourceType, sourceData}` (or MLflow's snake_case `{source_type, source_data}`).
   * When absent, `mergeRecords` infers HUMAN for records with expectations and CODE for records
   * without an `expectations` key, as MLflow does.
   */
  source?: DatasetRecordSourceInput | null;
}

/** A source as given by callers: camelCase or MLflow's snake_case keys. */
export type DatasetRecordSourceInput =
  | { sourceType: string; sourceData?: Record<string, unknown> | null }
  | { source_type: string; source_data?: Record<string, unknown> | null };

/**
 * `DatasetRecordSource.from_dict` + `__post_init__`: validates and normalises a source. Extra keys
 * are refused, as the dataclass constructor refuses them.
 */
export function normalizeRecordSource(source: unknown, field = 'source'): DatasetRecordSource {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw invalidParameter(`Invalid ${field} ${JSON.stringify(source)}: expected an object with a source type.`);
  }
  const s = source as Record<string, unknown>;
  const allowed = new Set(['sourceType', 'sourceData', 'source_type', 'source_data']);
  const extra = Object.keys(s).filter((k) => !allowed.has(k) && s[k] !== undefined);
  if (extra.length > 0) {
    throw invalidParameter(
      `Invalid ${field}: unexpected key(s) ${extra.join(', ')} (allowed: source_type, source_data).`,
    );
  }
  const type = s.sourceType ?? s.source_type;
  if (typeof type !== 'string') {
    throw invalidParameter(`Invalid ${field}: source_type must be a string, got ${JSON.stringify(type)}.`);
  }
  const data = s.sourceData ?? s.source_data ?? null;
  if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    throw invalidParameter(`Invalid ${field}: source_data must be an object, got ${JSON.stringify(data)}.`);
  }
  return { sourceType: parseDatasetRecordSourceType(type), sourceData: (data as Record<string, unknown>) ?? {} };
}

/** `DatasetRecord.__post_init__`'s source id: the trace id for traces, else `source_data.source_id`. */
export function sourceIdOf(source: DatasetRecordSource | null): string | null {
  if (!source) return null;
  const id =
    source.sourceType === DatasetRecordSourceType.TRACE ? source.sourceData.trace_id : source.sourceData.source_id;
  return id === undefined || id === null || id === '' ? null : String(id);
}

/** A source as MLflow stores and sends it (`DatasetRecordSource.to_dict`). */
export function sourceToDict(source: DatasetRecordSource): {
  source_type: string;
  source_data: Record<string, unknown>;
} {
  return { source_type: source.sourceType, source_data: source.sourceData };
}
