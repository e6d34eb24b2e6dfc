/**
 * The SQLite schema of MLflow 3.18.0's tracking store, as data.
 *
 * Every table MLflow's migrations leave in a fresh SQLite database (alembic head
 * {@link MLFLOW_SCHEMA_HEAD}) is described declaratively below: columns in MLflow's order with
 * their declared type, NOT NULL flag and default; the primary key, unique and check constraints;
 * foreign keys with their ON DELETE / ON UPDATE actions; named indexes; triggers; and seed rows.
 * {@link schemaStatements} turns the description into DDL, so a database we create is
 * indistinguishable (to `PRAGMA table_info`, `index_list`, `foreign_key_list` and to
 * SQLAlchemy's reflection) from one made by `mlflow db upgrade`, and MLflow opens it as-is.
 *
 * Layout rules the data relies on:
 * - column, primary-key and unique-constraint order matter: SQLite numbers its
 *   `sqlite_autoindex_<table>_<n>` indexes in the order the constraints are declared
 *   (primary key first, then uniques);
 * - foreign keys are listed in declaration order (`PRAGMA foreign_key_list` numbers them backwards);
 * - a table's indexes are listed in creation order (`PRAGMA index_list` reports them newest first);
 * - a single-column `INTEGER` primary key becomes SQLite's rowid alias and gets no autoindex,
 *   exactly as in MLflow's database.
 */

/** Alembic revision of MLflow 3.18.0's newest migration; stored in `alembic_version`. */
export const MLFLOW_SCHEMA_HEAD = 'f4a9b2c7d1e6';

/** A column type exactly as MLflow declares it on SQLite (and as `PRAGMA table_info` reports it). */
export type SqlType =
  | 'INTEGER'
  | 'BIGINT'
  | 'FLOAT'
  | 'BOOLEAN'
  | 'TEXT'
  | 'JSON'
  | 'BLOB'
  | 'DATE'
  | 'DATETIME'
  | `VARCHAR(${number})`;

/** What a foreign key does when the referenced row is deleted or its key updated. */
export type ForeignKeyAction = 'NO ACTION' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT' | 'RESTRICT';

/** One column of a table. */
export interface ColumnDef {
  /** Column name. */
  readonly name: string;
  /** Declared type. */
  readonly type: SqlType;
  /** True for NOT NULL. */
  readonly notNull?: boolean;
  /** Default as SQL text, exactly as `PRAGMA table_info` reports it in `dflt_value` (e.g. `'0'` quoted). */
  readonly default?: string;
  /** Makes this a generated column computed from the SQL `expression`. */
  readonly generated?: { readonly expression: string; readonly stored: boolean };
}

/** A primary key or unique constraint: ordered columns and MLflow's constraint name, if any. */
export interface KeyDef {
  /** Constraint name (omitted where MLflow leaves the constraint unnamed). */
  readonly name?: string;
  /** Key columns, in order. */
  readonly columns: readonly string[];
}

/** A check constraint restricting a column to a fixed set of values (`column IN (...)`). */
export interface CheckDef {
  /** Constraint name (omitted where MLflow leaves the constraint unnamed). */
  readonly name?: string;
  /** The checked column. */
  readonly column: string;
  /** The allowed values. */
  readonly oneOf: readonly (string | number)[];
}

/** A foreign key from `columns` of this table to `references.columns` of `references.table`. */
export interface ForeignKeyDef {
  /** Constraint name (omitted where MLflow leaves the constraint unnamed). */
  readonly name?: string;
  /** Referencing columns of this table, in order. */
  readonly columns: readonly string[];
  /** The referenced table and its columns, in the same order. */
  readonly references: { readonly table: string; readonly columns: readonly string[] };
  /** Action on delete of the referenced row; default `NO ACTION`. */
  readonly onDelete?: ForeignKeyAction;
  /** Action on update of the referenced key; default `NO ACTION`. */
  readonly onUpdate?: ForeignKeyAction;
}

/** One key column of an index: a column name, or a column sorted descending. */
export type IndexColumn = string | { readonly column: string; readonly desc: true };

/** A named index. */
export interface IndexDef {
  /** Index name. */
  readonly name: string;
  /** Indexed columns, in order. */
  readonly columns: readonly IndexColumn[];
  /** True for a UNIQUE index. */
  readonly unique?: boolean;
  /** SQL predicate making this a partial index. */
  readonly where?: string;
}

/** A trigger that aborts any UPDATE changing one of `columns`, with `message`. */
export interface ImmutableColumnsTriggerDef {
  /** Trigger name. */
  readonly name: string;
  /** Columns whose values must never change once a row exists. */
  readonly columns: readonly string[];
  /** Error message of the abort. */
  readonly message: string;
}

/** A value in a seed row. */
export type SeedValue = string | number | null;

/** One table: columns, constraints, indexes, triggers and the rows MLflow's migrations insert. */
export interface TableDef {
  /** Table name. */
  readonly name: string;
  /** Columns, in MLflow's order (`PRAGMA table_info` cid order). */
  readonly columns: readonly ColumnDef[];
  /** The primary key. */
  readonly primaryKey: KeyDef;
  /** Unique constraints, in declaration order. */
  readonly uniques?: readonly KeyDef[];
  /** Check constraints. */
  readonly checks?: readonly CheckDef[];
  /** Foreign keys, in declaration order. */
  readonly foreignKeys?: readonly ForeignKeyDef[];
  /** Named indexes, in creation order. */
  readonly indexes?: readonly IndexDef[];
  /** Triggers guarding the table. */
  readonly triggers?: readonly ImmutableColumnsTriggerDef[];
  /** Rows MLflow's migrations insert; unnamed columns take their default (or NULL). */
  readonly seedRows?: readonly Readonly<Record<string, SeedValue>>[];
}

// ---------------------------------------------------------------------------------------------
// The tables, by area.
// ---------------------------------------------------------------------------------------------

// Core tracking: experiments, runs and what runs log (params, metrics, tags, dataset inputs).
const tracking: readonly TableDef[] = [
  {
    name: 'experiments',
    columns: [
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'artifact_location', type: 'VARCHAR(256)' },
      { name: 'lifecycle_stage', type: 'VARCHAR(32)' },
      { name: 'creation_time', type: 'BIGINT' },
      { name: 'last_update_time', type: 'BIGINT' },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'experiment_pk', columns: ['experiment_id'] },
    uniques: [{ name: 'uq_experiments_workspace_name', columns: ['workspace', 'name'] }],
    checks: [{ name: 'experiments_lifecycle_stage', column: 'lifecycle_stage', oneOf: ['active', 'deleted'] }],
    indexes: [
      { name: 'idx_experiments_workspace', columns: ['workspace'] },
      { name: 'idx_experiments_workspace_creation_time', columns: ['workspace', 'creation_time'] },
    ],
  },
  {
    name: 'experiment_tags',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'TEXT' },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
    ],
    primaryKey: { name: 'experiment_tag_pk', columns: ['key', 'experiment_id'] },
    foreignKeys: [{ columns: ['experiment_id'], references: { table: 'experiments', columns: ['experiment_id'] } }],
  },
  {
    name: 'runs',
    columns: [
      { name: 'run_uuid', type: 'VARCHAR(32)', notNull: true },
      { name: 'name', type: 'VARCHAR(250)' },
      { name: 'source_type', type: 'VARCHAR(20)' },
      { name: 'source_name', type: 'VARCHAR(500)' },
      { name: 'entry_point_name', type: 'VARCHAR(50)' },
      { name: 'user_id', type: 'VARCHAR(256)' },
      { name: 'status', type: 'VARCHAR(9)' },
      { name: 'start_time', type: 'BIGINT' },
      { name: 'end_time', type: 'BIGINT' },
      { name: 'source_version', type: 'VARCHAR(50)' },
      { name: 'lifecycle_stage', type: 'VARCHAR(20)' },
      { name: 'artifact_uri', type: 'VARCHAR(200)' },
      { name: 'experiment_id', type: 'INTEGER' },
      { name: 'deleted_time', type: 'BIGINT' },
    ],
    primaryKey: { name: 'run_pk', columns: ['run_uuid'] },
    checks: [
      { name: 'runs_lifecycle_stage', column: 'lifecycle_stage', oneOf: ['active', 'deleted'] },
      { name: 'source_type', column: 'source_type', oneOf: ['NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT'] },
      // MLflow's Enum-type check on status is left unnamed.
      { column: 'status', oneOf: ['SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED'] },
    ],
    foreignKeys: [{ columns: ['experiment_id'], references: { table: 'experiments', columns: ['experiment_id'] } }],
  },
  {
    name: 'params',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(8000)', notNull: true },
      { name: 'run_uuid', type: 'VARCHAR(32)', notNull: true },
    ],
    primaryKey: { name: 'param_pk', columns: ['key', 'run_uuid'] },
    foreignKeys: [{ columns: ['run_uuid'], references: { table: 'runs', columns: ['run_uuid'] } }],
    indexes: [{ name: 'index_params_run_uuid', columns: ['run_uuid'] }],
  },
  {
    name: 'metrics',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'FLOAT', notNull: true },
      { name: 'timestamp', type: 'BIGINT', notNull: true },
      { name: 'run_uuid', type: 'VARCHAR(32)', notNull: true },
      { name: 'step', type: 'BIGINT', notNull: true, default: "'0'" },
      { name: 'is_nan', type: 'BOOLEAN', notNull: true, default: "'0'" },
    ],
    primaryKey: { name: 'metric_pk', columns: ['key', 'timestamp', 'step', 'run_uuid', 'value', 'is_nan'] },
    checks: [{ column: 'is_nan', oneOf: [0, 1] }],
    foreignKeys: [{ columns: ['run_uuid'], references: { table: 'runs', columns: ['run_uuid'] } }],
    indexes: [
      { name: 'index_metrics_run_uuid', columns: ['run_uuid'] },
      { name: 'index_metrics_run_uuid_key_step', columns: ['run_uuid', 'key', 'step'] },
    ],
  },
  {
    name: 'latest_metrics',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'FLOAT', notNull: true },
      { name: 'timestamp', type: 'BIGINT' },
      { name: 'step', type: 'BIGINT', notNull: true },
      { name: 'is_nan', type: 'BOOLEAN', notNull: true },
      { name: 'run_uuid', type: 'VARCHAR(32)', notNull: true },
    ],
    primaryKey: { name: 'latest_metric_pk', columns: ['key', 'run_uuid'] },
    checks: [{ column: 'is_nan', oneOf: [0, 1] }],
    foreignKeys: [{ columns: ['run_uuid'], references: { table: 'runs', columns: ['run_uuid'] } }],
    indexes: [{ name: 'index_latest_metrics_run_uuid', columns: ['run_uuid'] }],
  },
  {
    name: 'tags',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(8000)' },
      { name: 'run_uuid', type: 'VARCHAR(32)', notNull: true },
    ],
    primaryKey: { name: 'tag_pk', columns: ['key', 'run_uuid'] },
    foreignKeys: [{ columns: ['run_uuid'], references: { table: 'runs', columns: ['run_uuid'] } }],
    indexes: [{ name: 'index_tags_run_uuid', columns: ['run_uuid'] }],
  },
  {
    name: 'datasets',
    columns: [
      { name: 'dataset_uuid', type: 'VARCHAR(36)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'name', type: 'VARCHAR(500)', notNull: true },
      { name: 'digest', type: 'VARCHAR(36)', notNull: true },
      { name: 'dataset_source_type', type: 'VARCHAR(36)', notNull: true },
      { name: 'dataset_source', type: 'TEXT', notNull: true },
      { name: 'dataset_schema', type: 'TEXT' },
      { name: 'dataset_profile', type: 'TEXT' },
    ],
    primaryKey: { name: 'dataset_pk', columns: ['experiment_id', 'name', 'digest'] },
    foreignKeys: [
      {
        name: 'fk_datasets_experiment_id_experiments',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'index_datasets_dataset_uuid', columns: ['dataset_uuid'] },
      { name: 'index_datasets_experiment_id_dataset_source_type', columns: ['experiment_id', 'dataset_source_type'] },
    ],
  },
  {
    name: 'inputs',
    columns: [
      { name: 'input_uuid', type: 'VARCHAR(36)', notNull: true },
      { name: 'source_type', type: 'VARCHAR(36)', notNull: true },
      { name: 'source_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'destination_type', type: 'VARCHAR(36)', notNull: true },
      { name: 'destination_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'step', type: 'BIGINT', notNull: true, default: "'0'" },
    ],
    primaryKey: { name: 'inputs_pk', columns: ['source_type', 'source_id', 'destination_type', 'destination_id'] },
    indexes: [
      { name: 'index_inputs_input_uuid', columns: ['input_uuid'] },
      {
        name: 'index_inputs_destination_type_destination_id_source_type',
        columns: ['destination_type', 'destination_id', 'source_type'],
      },
    ],
  },
  {
    name: 'input_tags',
    columns: [
      { name: 'input_uuid', type: 'VARCHAR(36)', notNull: true },
      { name: 'name', type: 'VARCHAR(255)', notNull: true },
      { name: 'value', type: 'VARCHAR(500)', notNull: true },
    ],
    primaryKey: { name: 'input_tags_pk', columns: ['input_uuid', 'name'] },
  },
  {
    name: 'entity_associations',
    columns: [
      { name: 'association_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'source_type', type: 'VARCHAR(36)', notNull: true },
      { name: 'source_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'destination_type', type: 'VARCHAR(36)', notNull: true },
      { name: 'destination_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'created_time', type: 'BIGINT' },
    ],
    primaryKey: {
      name: 'entity_associations_pk',
      columns: ['source_type', 'source_id', 'destination_type', 'destination_id'],
    },
    indexes: [
      { name: 'index_entity_associations_association_id', columns: ['association_id'] },
      {
        name: 'index_entity_associations_reverse_lookup',
        columns: ['destination_type', 'destination_id', 'source_type', 'source_id'],
      },
    ],
  },
];

// Traces: trace headers, their tags/metadata/metrics, spans and assessments.
const traces: readonly TableDef[] = [
  {
    name: 'trace_info',
    columns: [
      { name: 'request_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'timestamp_ms', type: 'BIGINT', notNull: true },
      { name: 'execution_time_ms', type: 'BIGINT' },
      { name: 'status', type: 'VARCHAR(50)', notNull: true },
      { name: 'client_request_id', type: 'VARCHAR(50)' },
      { name: 'request_preview', type: 'VARCHAR(1000)' },
      { name: 'response_preview', type: 'VARCHAR(1000)' },
      { name: 'db_payload_generation', type: 'INTEGER', notNull: true, default: "'0'" },
      { name: 'trace_name', type: 'VARCHAR(4096)' },
      { name: 'session_id', type: 'VARCHAR(250)' },
      { name: 'input_tokens', type: 'BIGINT' },
      { name: 'output_tokens', type: 'BIGINT' },
      { name: 'total_tokens', type: 'BIGINT' },
      { name: 'cache_read_input_tokens', type: 'BIGINT' },
      { name: 'cache_creation_input_tokens', type: 'BIGINT' },
      { name: 'cache_creation_input_tokens_above_1hr', type: 'BIGINT' },
      { name: 'input_cost', type: 'FLOAT' },
      { name: 'output_cost', type: 'FLOAT' },
      { name: 'total_cost', type: 'FLOAT' },
    ],
    primaryKey: { name: 'trace_info_pk', columns: ['request_id'] },
    foreignKeys: [
      {
        name: 'fk_trace_info_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'index_trace_info_experiment_id_timestamp_ms', columns: ['experiment_id', 'timestamp_ms'] },
      { name: 'index_trace_info_timestamp_ms_request_id', columns: ['timestamp_ms', 'request_id'] },
      { name: 'index_trace_info_experiment_id_session_id', columns: ['experiment_id', 'session_id'] },
    ],
  },
  {
    name: 'trace_tags',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(8000)' },
      { name: 'request_id', type: 'VARCHAR(50)', notNull: true },
    ],
    primaryKey: { name: 'trace_tag_pk', columns: ['key', 'request_id'] },
    foreignKeys: [
      {
        name: 'fk_trace_tags_request_id',
        columns: ['request_id'],
        references: { table: 'trace_info', columns: ['request_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_trace_tags_request_id', columns: ['request_id'] }],
  },
  {
    name: 'trace_request_metadata',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(8000)' },
      { name: 'request_id', type: 'VARCHAR(50)', notNull: true },
    ],
    primaryKey: { name: 'trace_request_metadata_pk', columns: ['key', 'request_id'] },
    foreignKeys: [
      {
        name: 'fk_trace_request_metadata_request_id',
        columns: ['request_id'],
        references: { table: 'trace_info', columns: ['request_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_trace_request_metadata_request_id', columns: ['request_id'] }],
  },
  {
    name: 'trace_metrics',
    columns: [
      { name: 'request_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'FLOAT' },
    ],
    primaryKey: { name: 'trace_metrics_pk', columns: ['request_id', 'key'] },
    foreignKeys: [
      {
        name: 'fk_trace_metrics_request_id',
        columns: ['request_id'],
        references: { table: 'trace_info', columns: ['request_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_trace_metrics_request_id', columns: ['request_id'] }],
  },
  {
    name: 'spans',
    columns: [
      { name: 'trace_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'span_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'parent_span_id', type: 'VARCHAR(50)' },
      { name: 'name', type: 'TEXT' },
      { name: 'type', type: 'VARCHAR(500)' },
      { name: 'status', type: 'VARCHAR(50)', notNull: true },
      { name: 'start_time_unix_nano', type: 'BIGINT', notNull: true },
      { name: 'end_time_unix_nano', type: 'BIGINT' },
      // A stored generated column: hidden from PRAGMA table_info, visible in table_xinfo.
      {
        name: 'duration_ns',
        type: 'BIGINT',
        generated: { expression: 'end_time_unix_nano - start_time_unix_nano', stored: true },
      },
      { name: 'content', type: 'TEXT', notNull: true },
      { name: 'input_cost', type: 'FLOAT' },
      { name: 'output_cost', type: 'FLOAT' },
      { name: 'total_cost', type: 'FLOAT' },
      { name: 'model_name', type: 'VARCHAR(500)' },
      { name: 'model_provider', type: 'VARCHAR(500)' },
    ],
    primaryKey: { name: 'spans_pk', columns: ['trace_id', 'span_id'] },
    foreignKeys: [
      {
        name: 'fk_spans_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
      },
      {
        name: 'fk_spans_trace_id',
        columns: ['trace_id'],
        references: { table: 'trace_info', columns: ['request_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'index_spans_experiment_id_type_status', columns: ['experiment_id', 'type', 'status'] },
      { name: 'index_spans_experiment_id_duration', columns: ['experiment_id', 'duration_ns'] },
      { name: 'index_spans_experiment_id_start_time', columns: ['experiment_id', 'start_time_unix_nano'] },
      { name: 'index_spans_experiment_id_status_type', columns: ['experiment_id', 'status', 'type'] },
      { name: 'idx_spans_cost_trace_time_cover', columns: ['trace_id', 'start_time_unix_nano'] },
      { name: 'idx_spans_cost_exp_time_cover', columns: ['experiment_id', 'start_time_unix_nano'] },
    ],
  },
  {
    name: 'span_metrics',
    columns: [
      { name: 'trace_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'span_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'FLOAT' },
    ],
    primaryKey: { name: 'span_metrics_pk', columns: ['trace_id', 'span_id', 'key'] },
    foreignKeys: [
      {
        name: 'fk_span_metrics_span',
        columns: ['trace_id', 'span_id'],
        references: { table: 'spans', columns: ['trace_id', 'span_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_span_metrics_trace_id_span_id', columns: ['trace_id', 'span_id'] }],
  },
  {
    name: 'assessments',
    columns: [
      { name: 'assessment_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'trace_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'name', type: 'VARCHAR(250)', notNull: true },
      { name: 'assessment_type', type: 'VARCHAR(20)', notNull: true },
      { name: 'value', type: 'TEXT', notNull: true },
      { name: 'error', type: 'TEXT' },
      { name: 'created_timestamp', type: 'BIGINT', notNull: true },
      { name: 'last_updated_timestamp', type: 'BIGINT', notNull: true },
      { name: 'source_type', type: 'VARCHAR(50)', notNull: true },
      { name: 'source_id', type: 'VARCHAR(250)' },
      { name: 'run_id', type: 'VARCHAR(32)' },
      { name: 'span_id', type: 'VARCHAR(50)' },
      { name: 'rationale', type: 'TEXT' },
      { name: 'overrides', type: 'VARCHAR(50)' },
      { name: 'valid', type: 'BOOLEAN', notNull: true },
      { name: 'assessment_metadata', type: 'TEXT' },
      { name: 'experiment_id', type: 'INTEGER' },
      { name: 'trace_timestamp_ms', type: 'BIGINT' },
      { name: 'aggregate_value', type: 'FLOAT' },
      { name: 'is_numeric_value', type: 'BOOLEAN', notNull: true, default: '0' },
    ],
    primaryKey: { name: 'assessments_pk', columns: ['assessment_id'] },
    foreignKeys: [
      {
        name: 'fk_assessments_trace_id',
        columns: ['trace_id'],
        references: { table: 'trace_info', columns: ['request_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'index_assessments_run_id_created_timestamp', columns: ['run_id', 'created_timestamp'] },
      { name: 'index_assessments_last_updated_timestamp', columns: ['last_updated_timestamp'] },
      { name: 'index_assessments_assessment_type', columns: ['assessment_type'] },
      { name: 'index_assessments_trace_id_created_timestamp', columns: ['trace_id', 'created_timestamp'] },
      { name: 'idx_assessments_exp_trace_ts', columns: ['experiment_id', 'trace_timestamp_ms'] },
      { name: 'idx_assessments_exp_trace_ts_name', columns: ['experiment_id', 'trace_timestamp_ms', 'name'] },
      { name: 'idx_assessments_exp_name_valid', columns: ['experiment_id', 'name', 'valid'] },
    ],
  },
];

// Trace analytics: daily rollups of trace, span-cost and assessment metrics.
const rollups: readonly TableDef[] = [
  {
    name: 'sql_trace_metric_daily_rollups',
    columns: [
      { name: 'id', type: 'INTEGER', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'rollup_day', type: 'DATE', notNull: true },
      { name: 'metric_name', type: 'VARCHAR(250)', notNull: true },
      { name: 'grouping_set', type: 'VARCHAR(50)', notNull: true },
      { name: 'trace_status', type: 'VARCHAR(50)' },
      { name: 'sample_count', type: 'BIGINT', notNull: true },
      { name: 'sum_value', type: 'FLOAT' },
      { name: 'min_value', type: 'FLOAT' },
      { name: 'max_value', type: 'FLOAT' },
      { name: 'p50_value', type: 'FLOAT' },
      { name: 'p90_value', type: 'FLOAT' },
      { name: 'p99_value', type: 'FLOAT' },
    ],
    primaryKey: { name: 'sql_trace_metric_daily_rollups_pk', columns: ['id'] },
    indexes: [
      {
        name: 'idx_trace_rollups_lookup',
        columns: ['experiment_id', 'rollup_day', 'metric_name', 'grouping_set', 'trace_status'],
      },
    ],
  },
  {
    name: 'sql_span_cost_daily_rollups',
    columns: [
      { name: 'id', type: 'INTEGER', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'rollup_day', type: 'DATE', notNull: true },
      { name: 'metric_name', type: 'VARCHAR(250)', notNull: true },
      { name: 'grouping_set', type: 'VARCHAR(50)', notNull: true },
      { name: 'model_name', type: 'VARCHAR(500)' },
      { name: 'model_provider', type: 'VARCHAR(500)' },
      { name: 'sample_count', type: 'BIGINT', notNull: true },
      { name: 'sum_value', type: 'FLOAT' },
      { name: 'min_value', type: 'FLOAT' },
      { name: 'max_value', type: 'FLOAT' },
    ],
    primaryKey: { name: 'sql_span_cost_daily_rollups_pk', columns: ['id'] },
    indexes: [
      {
        name: 'idx_span_cost_rollups_lookup',
        columns: ['experiment_id', 'rollup_day', 'metric_name', 'grouping_set', 'model_name', 'model_provider'],
      },
    ],
  },
  {
    name: 'sql_assessment_daily_rollups',
    columns: [
      { name: 'id', type: 'INTEGER', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'rollup_day', type: 'DATE', notNull: true },
      { name: 'metric_name', type: 'VARCHAR(250)', notNull: true },
      { name: 'grouping_set', type: 'VARCHAR(50)', notNull: true },
      { name: 'sample_count', type: 'BIGINT', notNull: true },
      { name: 'sum_value', type: 'FLOAT' },
      { name: 'min_value', type: 'FLOAT' },
      { name: 'max_value', type: 'FLOAT' },
    ],
    primaryKey: { name: 'sql_assessment_daily_rollups_pk', columns: ['id'] },
    indexes: [
      {
        name: 'idx_assessment_rollups_lookup',
        columns: ['experiment_id', 'rollup_day', 'metric_name', 'grouping_set'],
      },
    ],
  },
  {
    name: 'sql_trace_rollup_rebuild_queue',
    columns: [
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'rollup_day', type: 'DATE', notNull: true },
      { name: 'rollup_family', type: 'VARCHAR(50)', notNull: true },
    ],
    primaryKey: {
      name: 'sql_trace_rollup_rebuild_queue_pk',
      columns: ['experiment_id', 'rollup_day', 'rollup_family'],
    },
  },
];

// Logged models (MLflow 3 model entities) with their metrics, params and tags.
const loggedModels: readonly TableDef[] = [
  {
    name: 'logged_models',
    columns: [
      { name: 'model_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'name', type: 'VARCHAR(500)', notNull: true },
      { name: 'artifact_location', type: 'VARCHAR(1000)', notNull: true },
      { name: 'creation_timestamp_ms', type: 'BIGINT', notNull: true },
      { name: 'last_updated_timestamp_ms', type: 'BIGINT', notNull: true },
      { name: 'status', type: 'INTEGER', notNull: true },
      { name: 'lifecycle_stage', type: 'VARCHAR(32)' },
      { name: 'model_type', type: 'VARCHAR(500)' },
      { name: 'source_run_id', type: 'VARCHAR(32)' },
      { name: 'status_message', type: 'VARCHAR(1000)' },
    ],
    primaryKey: { name: 'logged_models_pk', columns: ['model_id'] },
    checks: [{ name: 'logged_models_lifecycle_stage_check', column: 'lifecycle_stage', oneOf: ['active', 'deleted'] }],
    foreignKeys: [
      {
        name: 'fk_logged_models_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'CASCADE',
      },
    ],
  },
  {
    name: 'logged_model_metrics',
    columns: [
      { name: 'model_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'metric_name', type: 'VARCHAR(500)', notNull: true },
      { name: 'metric_timestamp_ms', type: 'BIGINT', notNull: true },
      { name: 'metric_step', type: 'BIGINT', notNull: true },
      { name: 'metric_value', type: 'FLOAT' },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'run_id', type: 'VARCHAR(32)', notNull: true },
      { name: 'dataset_uuid', type: 'VARCHAR(36)' },
      { name: 'dataset_name', type: 'VARCHAR(500)' },
      { name: 'dataset_digest', type: 'VARCHAR(36)' },
    ],
    primaryKey: {
      name: 'logged_model_metrics_pk',
      columns: ['model_id', 'metric_name', 'metric_timestamp_ms', 'metric_step', 'run_id'],
    },
    foreignKeys: [
      {
        name: 'fk_logged_model_metrics_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
      },
      {
        name: 'fk_logged_model_metrics_model_id',
        columns: ['model_id'],
        references: { table: 'logged_models', columns: ['model_id'] },
        onDelete: 'CASCADE',
      },
      {
        name: 'fk_logged_model_metrics_run_id',
        columns: ['run_id'],
        references: { table: 'runs', columns: ['run_uuid'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_logged_model_metrics_model_id', columns: ['model_id'] }],
  },
  {
    name: 'logged_model_params',
    columns: [
      { name: 'model_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'param_key', type: 'VARCHAR(255)', notNull: true },
      { name: 'param_value', type: 'TEXT', notNull: true },
    ],
    primaryKey: { name: 'logged_model_params_pk', columns: ['model_id', 'param_key'] },
    foreignKeys: [
      {
        name: 'fk_logged_model_params_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
      },
      {
        name: 'fk_logged_model_params_model_id',
        columns: ['model_id'],
        references: { table: 'logged_models', columns: ['model_id'] },
        onDelete: 'CASCADE',
      },
    ],
  },
  {
    name: 'logged_model_tags',
    columns: [
      { name: 'model_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'tag_key', type: 'VARCHAR(255)', notNull: true },
      { name: 'tag_value', type: 'TEXT', notNull: true },
    ],
    primaryKey: { name: 'logged_model_tags_pk', columns: ['model_id', 'tag_key'] },
    foreignKeys: [
      {
        name: 'fk_logged_model_tags_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
      },
      {
        name: 'fk_logged_model_tags_model_id',
        columns: ['model_id'],
        references: { table: 'logged_models', columns: ['model_id'] },
        onDelete: 'CASCADE',
      },
    ],
  },
];

// GenAI evaluation datasets: datasets, their tags and records.
const datasets: readonly TableDef[] = [
  {
    name: 'evaluation_datasets',
    columns: [
      { name: 'dataset_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'name', type: 'VARCHAR(255)', notNull: true },
      { name: 'schema', type: 'TEXT' },
      { name: 'profile', type: 'TEXT' },
      { name: 'digest', type: 'VARCHAR(64)' },
      { name: 'created_time', type: 'BIGINT' },
      { name: 'last_update_time', type: 'BIGINT' },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'evaluation_datasets_pk', columns: ['dataset_id'] },
    indexes: [
      { name: 'index_evaluation_datasets_created_time', columns: ['created_time'] },
      { name: 'index_evaluation_datasets_name', columns: ['name'] },
      { name: 'idx_evaluation_datasets_workspace', columns: ['workspace'] },
    ],
  },
  {
    name: 'evaluation_dataset_tags',
    columns: [
      { name: 'dataset_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'key', type: 'VARCHAR(255)', notNull: true },
      { name: 'value', type: 'VARCHAR(5000)' },
    ],
    primaryKey: { name: 'evaluation_dataset_tags_pk', columns: ['dataset_id', 'key'] },
    foreignKeys: [
      {
        name: 'fk_evaluation_dataset_tags_dataset_id',
        columns: ['dataset_id'],
        references: { table: 'evaluation_datasets', columns: ['dataset_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_evaluation_dataset_tags_dataset_id', columns: ['dataset_id'] }],
  },
  {
    name: 'evaluation_dataset_records',
    columns: [
      { name: 'dataset_record_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'dataset_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'inputs', type: 'JSON', notNull: true },
      { name: 'expectations', type: 'JSON' },
      { name: 'tags', type: 'JSON' },
      { name: 'source', type: 'JSON' },
      { name: 'source_id', type: 'VARCHAR(36)' },
      { name: 'source_type', type: 'VARCHAR(255)' },
      { name: 'created_time', type: 'BIGINT' },
      { name: 'last_update_time', type: 'BIGINT' },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'input_hash', type: 'VARCHAR(64)', notNull: true },
      { name: 'outputs', type: 'JSON' },
    ],
    primaryKey: { name: 'evaluation_dataset_records_pk', columns: ['dataset_record_id'] },
    uniques: [{ name: 'unique_dataset_input', columns: ['dataset_id', 'input_hash'] }],
    foreignKeys: [
      {
        name: 'fk_evaluation_dataset_records_dataset_id',
        columns: ['dataset_id'],
        references: { table: 'evaluation_datasets', columns: ['dataset_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_evaluation_dataset_records_dataset_id', columns: ['dataset_id'] }],
  },
];

// Registered scorers, their versions and online-scoring configs.
const scorers: readonly TableDef[] = [
  {
    name: 'scorers',
    columns: [
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'scorer_name', type: 'VARCHAR(256)', notNull: true },
      { name: 'scorer_id', type: 'VARCHAR(36)', notNull: true },
    ],
    primaryKey: { name: 'scorer_pk', columns: ['scorer_id'] },
    foreignKeys: [
      {
        name: 'fk_scorers_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'index_scorers_experiment_id_scorer_name', columns: ['experiment_id', 'scorer_name'], unique: true },
    ],
  },
  {
    name: 'scorer_versions',
    columns: [
      { name: 'scorer_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'scorer_version', type: 'INTEGER', notNull: true },
      { name: 'serialized_scorer', type: 'TEXT', notNull: true },
      { name: 'creation_time', type: 'BIGINT' },
    ],
    primaryKey: { name: 'scorer_version_pk', columns: ['scorer_id', 'scorer_version'] },
    foreignKeys: [
      {
        name: 'fk_scorer_versions_scorer_id',
        columns: ['scorer_id'],
        references: { table: 'scorers', columns: ['scorer_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_scorer_versions_scorer_id', columns: ['scorer_id'] }],
  },
  {
    name: 'online_scoring_configs',
    columns: [
      { name: 'online_scoring_config_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'scorer_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'sample_rate', type: 'FLOAT', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'filter_string', type: 'TEXT' },
    ],
    primaryKey: { name: 'online_scoring_config_pk', columns: ['online_scoring_config_id'] },
    foreignKeys: [
      {
        name: 'fk_online_scoring_configs_scorer_id',
        columns: ['scorer_id'],
        references: { table: 'scorers', columns: ['scorer_id'] },
        onDelete: 'CASCADE',
      },
      {
        name: 'fk_online_scoring_configs_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
      },
    ],
  },
];

// Human labeling: label schemas and review queues.
const labeling: readonly TableDef[] = [
  {
    name: 'label_schemas',
    columns: [
      { name: 'schema_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'name', type: 'VARCHAR(250)', notNull: true },
      { name: 'type', type: 'VARCHAR(16)', notNull: true },
      { name: 'instruction', type: 'TEXT' },
      { name: 'enable_comment', type: 'BOOLEAN', notNull: true, default: "'0'" },
      { name: 'input_type', type: 'VARCHAR(32)', notNull: true },
      { name: 'input_config', type: 'TEXT', notNull: true },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_time', type: 'BIGINT', notNull: true },
      { name: 'last_update_time', type: 'BIGINT', notNull: true },
      { name: 'is_default', type: 'BOOLEAN', notNull: true, default: '0' },
    ],
    primaryKey: { name: 'label_schemas_pk', columns: ['schema_id'] },
    uniques: [{ name: 'uq_label_schemas_exp_name', columns: ['experiment_id', 'name'] }],
    foreignKeys: [
      {
        name: 'fk_label_schemas_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_label_schemas_experiment_id', columns: ['experiment_id'] }],
  },
  {
    name: 'review_queues',
    columns: [
      { name: 'queue_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'name', type: 'VARCHAR(250)', notNull: true },
      { name: 'queue_type', type: 'VARCHAR(16)', notNull: true },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'creation_time_ms', type: 'BIGINT', notNull: true },
      { name: 'last_update_time_ms', type: 'BIGINT', notNull: true },
      { name: 'name_key', type: 'VARCHAR(250)', notNull: true },
    ],
    primaryKey: { name: 'review_queues_pk', columns: ['queue_id'] },
    uniques: [{ name: 'uq_review_queues_experiment_name_key', columns: ['experiment_id', 'name_key'] }],
    foreignKeys: [
      {
        name: 'fk_review_queues_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_review_queues_experiment_id', columns: ['experiment_id'] }],
  },
  {
    name: 'review_queue_users',
    columns: [
      { name: 'queue_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'user_id', type: 'VARCHAR(250)', notNull: true },
    ],
    primaryKey: { name: 'review_queue_users_pk', columns: ['queue_id', 'user_id'] },
    foreignKeys: [
      {
        name: 'fk_review_queue_users_queue_id',
        columns: ['queue_id'],
        references: { table: 'review_queues', columns: ['queue_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_review_queue_users_user_id', columns: ['user_id'] }],
  },
  {
    name: 'review_queue_items',
    columns: [
      { name: 'queue_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'item_type', type: 'VARCHAR(16)', notNull: true },
      { name: 'item_id', type: 'VARCHAR(50)', notNull: true },
      { name: 'status', type: 'VARCHAR(16)', notNull: true },
      { name: 'completed_by', type: 'VARCHAR(250)' },
      { name: 'completed_time_ms', type: 'BIGINT' },
      { name: 'creation_time_ms', type: 'BIGINT', notNull: true },
      { name: 'last_update_time_ms', type: 'BIGINT', notNull: true },
    ],
    primaryKey: { name: 'review_queue_items_pk', columns: ['queue_id', 'item_id'] },
    foreignKeys: [
      {
        name: 'fk_review_queue_items_queue_id',
        columns: ['queue_id'],
        references: { table: 'review_queues', columns: ['queue_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'index_review_queue_items_queue_id_status', columns: ['queue_id', 'status'] },
      { name: 'index_review_queue_items_item_id', columns: ['item_id'] },
    ],
  },
  {
    name: 'review_queue_label_schemas',
    columns: [
      { name: 'queue_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'schema_id', type: 'VARCHAR(36)', notNull: true },
    ],
    primaryKey: { name: 'review_queue_label_schemas_pk', columns: ['queue_id', 'schema_id'] },
    foreignKeys: [
      {
        name: 'fk_review_queue_label_schemas_queue_id',
        columns: ['queue_id'],
        references: { table: 'review_queues', columns: ['queue_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_review_queue_label_schemas_schema_id', columns: ['schema_id'] }],
  },
];

// Issues detected on traces and their categories.
const issues: readonly TableDef[] = [
  {
    name: 'issues',
    columns: [
      { name: 'issue_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'experiment_id', type: 'INTEGER', notNull: true },
      { name: 'name', type: 'VARCHAR(250)', notNull: true },
      { name: 'description', type: 'TEXT', notNull: true },
      { name: 'status', type: 'VARCHAR(50)', notNull: true },
      { name: 'severity', type: 'VARCHAR(50)' },
      { name: 'root_causes', type: 'TEXT' },
      { name: 'source_run_id', type: 'VARCHAR(32)' },
      { name: 'categories', type: 'TEXT' },
      { name: 'created_timestamp', type: 'BIGINT', notNull: true },
      { name: 'last_updated_timestamp', type: 'BIGINT', notNull: true },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'last_seen_timestamp', type: 'BIGINT' },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'metadata', type: 'TEXT' },
    ],
    primaryKey: { name: 'issues_pk', columns: ['issue_id'] },
    foreignKeys: [
      {
        name: 'fk_issues_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'CASCADE',
      },
      {
        name: 'fk_issues_source_run_id',
        columns: ['source_run_id'],
        references: { table: 'runs', columns: ['run_uuid'] },
        onDelete: 'SET NULL',
      },
    ],
    indexes: [
      { name: 'index_issues_experiment_id', columns: ['experiment_id'] },
      { name: 'index_issues_source_run_id', columns: ['source_run_id'] },
      { name: 'index_issues_status', columns: ['status'] },
      { name: 'index_issues_experiment_last_seen', columns: ['experiment_id', 'last_seen_timestamp'] },
      { name: 'index_issues_experiment_updated', columns: ['experiment_id', 'last_updated_timestamp'] },
    ],
  },
  {
    name: 'issue_categories',
    columns: [
      { name: 'issue_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'category_hash', type: 'VARCHAR(64)', notNull: true },
      { name: 'category', type: 'TEXT', notNull: true },
    ],
    primaryKey: { name: 'issue_categories_pk', columns: ['issue_id', 'category_hash'] },
    foreignKeys: [
      {
        name: 'fk_issue_categories_issue_id',
        columns: ['issue_id'],
        references: { table: 'issues', columns: ['issue_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_issue_categories_hash', columns: ['category_hash'] }],
  },
];

// Model registry: registered models, versions, tags and aliases.
const registry: readonly TableDef[] = [
  {
    name: 'registered_models',
    columns: [
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'creation_time', type: 'BIGINT' },
      { name: 'last_updated_time', type: 'BIGINT' },
      { name: 'description', type: 'VARCHAR(5000)' },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'registered_model_pk', columns: ['workspace', 'name'] },
    indexes: [{ name: 'idx_registered_models_workspace', columns: ['workspace'] }],
  },
  {
    name: 'registered_model_tags',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(5000)' },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'registered_model_tag_pk', columns: ['workspace', 'key', 'name'] },
    foreignKeys: [
      {
        name: 'fk_registered_model_tags_registered_models',
        columns: ['workspace', 'name'],
        references: { table: 'registered_models', columns: ['workspace', 'name'] },
        onUpdate: 'CASCADE',
      },
    ],
    indexes: [{ name: 'idx_registered_model_tags_workspace_name', columns: ['workspace', 'name'] }],
  },
  {
    name: 'model_versions',
    columns: [
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'version', type: 'INTEGER', notNull: true },
      { name: 'creation_time', type: 'BIGINT' },
      { name: 'last_updated_time', type: 'BIGINT' },
      { name: 'description', type: 'VARCHAR(5000)' },
      { name: 'user_id', type: 'VARCHAR(256)' },
      { name: 'current_stage', type: 'VARCHAR(20)' },
      { name: 'source', type: 'VARCHAR(500)' },
      { name: 'run_id', type: 'VARCHAR(32)' },
      { name: 'status', type: 'VARCHAR(20)' },
      { name: 'status_message', type: 'VARCHAR(500)' },
      { name: 'run_link', type: 'VARCHAR(500)' },
      { name: 'storage_location', type: 'VARCHAR(500)' },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'model_version_pk', columns: ['workspace', 'name', 'version'] },
    foreignKeys: [
      {
        name: 'fk_model_versions_registered_models',
        columns: ['workspace', 'name'],
        references: { table: 'registered_models', columns: ['workspace', 'name'] },
        onUpdate: 'CASCADE',
      },
    ],
  },
  {
    name: 'model_version_tags',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'TEXT' },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'version', type: 'INTEGER', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'model_version_tag_pk', columns: ['workspace', 'key', 'name', 'version'] },
    foreignKeys: [
      {
        name: 'fk_model_version_tags_model_versions',
        columns: ['workspace', 'name', 'version'],
        references: { table: 'model_versions', columns: ['workspace', 'name', 'version'] },
        onUpdate: 'CASCADE',
      },
    ],
    indexes: [{ name: 'idx_model_version_tags_workspace_name_version', columns: ['workspace', 'name', 'version'] }],
  },
  {
    name: 'registered_model_aliases',
    columns: [
      { name: 'alias', type: 'VARCHAR(256)', notNull: true },
      { name: 'version', type: 'INTEGER', notNull: true },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'registered_model_alias_pk', columns: ['workspace', 'name', 'alias'] },
    foreignKeys: [
      {
        name: 'fk_registered_model_aliases_registered_models',
        columns: ['workspace', 'name'],
        references: { table: 'registered_models', columns: ['workspace', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
];

// Webhooks and the events they subscribe to.
const webhooks: readonly TableDef[] = [
  {
    name: 'webhooks',
    columns: [
      { name: 'webhook_id', type: 'VARCHAR(256)', notNull: true },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'description', type: 'VARCHAR(1000)' },
      { name: 'url', type: 'VARCHAR(500)', notNull: true },
      { name: 'status', type: 'VARCHAR(20)', notNull: true, default: "'ACTIVE'" },
      { name: 'secret', type: 'VARCHAR(1000)' },
      { name: 'creation_timestamp', type: 'BIGINT' },
      { name: 'last_updated_timestamp', type: 'BIGINT' },
      { name: 'deleted_timestamp', type: 'BIGINT' },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'webhook_pk', columns: ['webhook_id'] },
    indexes: [
      { name: 'idx_webhooks_status', columns: ['status'] },
      { name: 'idx_webhooks_name', columns: ['name'] },
      { name: 'idx_webhooks_workspace', columns: ['workspace'] },
    ],
  },
  {
    name: 'webhook_events',
    columns: [
      { name: 'webhook_id', type: 'VARCHAR(256)', notNull: true },
      { name: 'entity', type: 'VARCHAR(50)', notNull: true },
      { name: 'action', type: 'VARCHAR(50)', notNull: true },
    ],
    primaryKey: { name: 'webhook_event_pk', columns: ['webhook_id', 'entity', 'action'] },
    foreignKeys: [
      { columns: ['webhook_id'], references: { table: 'webhooks', columns: ['webhook_id'] }, onDelete: 'CASCADE' },
    ],
    indexes: [
      { name: 'idx_webhook_events_entity', columns: ['entity'] },
      { name: 'idx_webhook_events_action', columns: ['action'] },
      { name: 'idx_webhook_events_entity_action', columns: ['entity', 'action'] },
    ],
  },
];

// AI gateway: secrets, endpoints, model definitions, bindings, budgets and guardrails.
const gateway: readonly TableDef[] = [
  {
    name: 'secrets',
    columns: [
      { name: 'secret_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'secret_name', type: 'VARCHAR(255)', notNull: true },
      { name: 'encrypted_value', type: 'BLOB', notNull: true },
      { name: 'wrapped_dek', type: 'BLOB', notNull: true },
      { name: 'kek_version', type: 'INTEGER', notNull: true },
      { name: 'masked_value', type: 'VARCHAR(500)', notNull: true },
      { name: 'provider', type: 'VARCHAR(64)' },
      { name: 'auth_config', type: 'TEXT' },
      { name: 'description', type: 'TEXT' },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'secrets_pk', columns: ['secret_id'] },
    uniques: [{ name: 'uq_secrets_workspace_secret_name', columns: ['workspace', 'secret_name'] }],
    indexes: [{ name: 'idx_secrets_workspace', columns: ['workspace'] }],
    // secret_id and secret_name are the AAD of the AES-GCM encryption: changing them breaks decryption.
    triggers: [
      {
        name: 'prevent_secrets_aad_mutation',
        columns: ['secret_id', 'secret_name'],
        message: 'secret_id and secret_name are immutable (used as AAD in encryption)',
      },
    ],
  },
  {
    name: 'endpoints',
    columns: [
      { name: 'endpoint_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'name', type: 'VARCHAR(255)' },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
      { name: 'routing_strategy', type: 'VARCHAR(64)' },
      { name: 'fallback_config_json', type: 'TEXT' },
      { name: 'experiment_id', type: 'INTEGER' },
      { name: 'usage_tracking', type: 'BOOLEAN', notNull: true, default: "'0'" },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'endpoints_pk', columns: ['endpoint_id'] },
    uniques: [{ name: 'uq_endpoints_workspace_name', columns: ['workspace', 'name'] }],
    foreignKeys: [
      {
        name: 'fk_endpoints_experiment_id',
        columns: ['experiment_id'],
        references: { table: 'experiments', columns: ['experiment_id'] },
        onDelete: 'SET NULL',
      },
    ],
    indexes: [{ name: 'idx_endpoints_workspace', columns: ['workspace'] }],
  },
  {
    name: 'model_definitions',
    columns: [
      { name: 'model_definition_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'name', type: 'VARCHAR(255)', notNull: true },
      { name: 'secret_id', type: 'VARCHAR(36)' },
      { name: 'provider', type: 'VARCHAR(64)', notNull: true },
      { name: 'model_name', type: 'VARCHAR(256)', notNull: true },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'model_definitions_pk', columns: ['model_definition_id'] },
    uniques: [{ name: 'uq_model_definitions_workspace_name', columns: ['workspace', 'name'] }],
    foreignKeys: [
      {
        name: 'fk_model_definitions_secret_id',
        columns: ['secret_id'],
        references: { table: 'secrets', columns: ['secret_id'] },
        onDelete: 'SET NULL',
      },
    ],
    indexes: [
      { name: 'index_model_definitions_secret_id', columns: ['secret_id'] },
      { name: 'index_model_definitions_provider', columns: ['provider'] },
      { name: 'idx_model_definitions_workspace', columns: ['workspace'] },
    ],
  },
  {
    name: 'endpoint_model_mappings',
    columns: [
      { name: 'mapping_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'endpoint_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'model_definition_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'weight', type: 'FLOAT', notNull: true },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'linkage_type', type: 'VARCHAR(64)', notNull: true, default: "'PRIMARY'" },
      { name: 'fallback_order', type: 'INTEGER' },
    ],
    primaryKey: { name: 'endpoint_model_mappings_pk', columns: ['mapping_id'] },
    foreignKeys: [
      {
        name: 'fk_endpoint_model_mappings_endpoint_id',
        columns: ['endpoint_id'],
        references: { table: 'endpoints', columns: ['endpoint_id'] },
        onDelete: 'CASCADE',
      },
      {
        name: 'fk_endpoint_model_mappings_model_definition_id',
        columns: ['model_definition_id'],
        references: { table: 'model_definitions', columns: ['model_definition_id'] },
      },
    ],
    indexes: [
      { name: 'index_endpoint_model_mappings_endpoint_id', columns: ['endpoint_id'] },
      { name: 'index_endpoint_model_mappings_model_definition_id', columns: ['model_definition_id'] },
      {
        name: 'unique_endpoint_model_linkage_mapping',
        columns: ['endpoint_id', 'model_definition_id', 'linkage_type'],
        unique: true,
      },
    ],
  },
  {
    name: 'endpoint_bindings',
    columns: [
      { name: 'endpoint_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'resource_type', type: 'VARCHAR(50)', notNull: true },
      { name: 'resource_id', type: 'VARCHAR(255)', notNull: true },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'display_name', type: 'VARCHAR(255)' },
    ],
    primaryKey: { name: 'endpoint_bindings_pk', columns: ['endpoint_id', 'resource_type', 'resource_id'] },
    foreignKeys: [
      {
        name: 'fk_endpoint_bindings_endpoint_id',
        columns: ['endpoint_id'],
        references: { table: 'endpoints', columns: ['endpoint_id'] },
        onDelete: 'CASCADE',
      },
    ],
  },
  {
    name: 'endpoint_tags',
    columns: [
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(5000)' },
      { name: 'endpoint_id', type: 'VARCHAR(36)', notNull: true },
    ],
    primaryKey: { name: 'endpoint_tag_pk', columns: ['key', 'endpoint_id'] },
    foreignKeys: [
      {
        name: 'fk_endpoint_tags_endpoint_id',
        columns: ['endpoint_id'],
        references: { table: 'endpoints', columns: ['endpoint_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_endpoint_tags_endpoint_id', columns: ['endpoint_id'] }],
  },
  {
    name: 'budget_policies',
    columns: [
      { name: 'budget_policy_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'budget_unit', type: 'VARCHAR(32)', notNull: true },
      { name: 'budget_amount', type: 'FLOAT', notNull: true },
      { name: 'duration_unit', type: 'VARCHAR(32)', notNull: true },
      { name: 'duration_value', type: 'INTEGER', notNull: true },
      { name: 'target_scope', type: 'VARCHAR(32)', notNull: true },
      { name: 'budget_action', type: 'VARCHAR(32)', notNull: true },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'target_value', type: 'VARCHAR(255)' },
    ],
    primaryKey: { name: 'budget_policies_pk', columns: ['budget_policy_id'] },
    indexes: [
      { name: 'idx_budget_policies_workspace', columns: ['workspace'] },
      { name: 'idx_budget_policies_target_value', columns: ['target_value'] },
    ],
  },
  {
    name: 'guardrails',
    columns: [
      { name: 'guardrail_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'name', type: 'VARCHAR(255)', notNull: true },
      { name: 'scorer_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'scorer_version', type: 'INTEGER', notNull: true },
      { name: 'stage', type: 'VARCHAR(32)', notNull: true },
      { name: 'action', type: 'VARCHAR(32)', notNull: true },
      { name: 'action_endpoint_id', type: 'VARCHAR(36)' },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_by', type: 'VARCHAR(255)' },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'guardrails_pk', columns: ['guardrail_id'] },
    foreignKeys: [
      {
        name: 'fk_guardrails_scorer_version',
        columns: ['scorer_id', 'scorer_version'],
        references: { table: 'scorer_versions', columns: ['scorer_id', 'scorer_version'] },
      },
      {
        name: 'fk_guardrails_action_endpoint_id',
        columns: ['action_endpoint_id'],
        references: { table: 'endpoints', columns: ['endpoint_id'] },
        onDelete: 'SET NULL',
      },
    ],
    indexes: [
      { name: 'idx_guardrails_workspace', columns: ['workspace'] },
      { name: 'idx_guardrails_scorer', columns: ['scorer_id', 'scorer_version'] },
    ],
  },
  {
    name: 'guardrail_configs',
    columns: [
      { name: 'endpoint_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'guardrail_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'execution_order', type: 'INTEGER' },
      { name: 'created_by', type: 'VARCHAR(255)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
    ],
    primaryKey: { name: 'guardrail_configs_pk', columns: ['endpoint_id', 'guardrail_id'] },
    foreignKeys: [
      {
        name: 'fk_guardrail_configs_endpoint_id',
        columns: ['endpoint_id'],
        references: { table: 'endpoints', columns: ['endpoint_id'] },
        onDelete: 'CASCADE',
      },
      {
        name: 'fk_guardrail_configs_guardrail_id',
        columns: ['guardrail_id'],
        references: { table: 'guardrails', columns: ['guardrail_id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'idx_guardrail_configs_endpoint_id', columns: ['endpoint_id'] },
      { name: 'idx_guardrail_configs_guardrail_id', columns: ['guardrail_id'] },
    ],
  },
];

// Background jobs, job locks and scheduler leases.
const jobs: readonly TableDef[] = [
  {
    name: 'jobs',
    columns: [
      { name: 'id', type: 'VARCHAR(36)', notNull: true },
      { name: 'creation_time', type: 'BIGINT', notNull: true },
      { name: 'job_name', type: 'VARCHAR(500)', notNull: true },
      { name: 'params', type: 'TEXT', notNull: true },
      { name: 'timeout', type: 'FLOAT' },
      { name: 'status', type: 'INTEGER', notNull: true },
      { name: 'result', type: 'TEXT' },
      { name: 'retry_count', type: 'INTEGER', notNull: true },
      { name: 'last_update_time', type: 'BIGINT', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'status_details', type: 'JSON' },
      { name: 'creator', type: 'VARCHAR(255)' },
      { name: 'executor_backend', type: 'VARCHAR(255)' },
      { name: 'lease_expires_at', type: 'BIGINT' },
      { name: 'status_message', type: 'TEXT' },
      { name: 'progress', type: 'JSON' },
      { name: 'progress_updated_at', type: 'BIGINT' },
      { name: 'token_hash', type: 'VARCHAR(64)' },
      { name: 'scoped_permissions', type: 'JSON' },
      { name: 'next_attempt_at', type: 'BIGINT' },
    ],
    primaryKey: { name: 'jobs_pk', columns: ['id'] },
    indexes: [
      { name: 'index_jobs_name_status_creation_time', columns: ['job_name', 'workspace', 'status', 'creation_time'] },
      { name: 'index_jobs_status_lease_expires_at', columns: ['status', 'lease_expires_at'] },
    ],
  },
  {
    name: 'job_locks',
    columns: [
      { name: 'lock_key', type: 'VARCHAR(255)', notNull: true },
      { name: 'job_id', type: 'VARCHAR(36)', notNull: true },
      { name: 'acquired_at', type: 'BIGINT', notNull: true },
    ],
    primaryKey: { name: 'job_locks_pk', columns: ['lock_key'] },
    foreignKeys: [
      {
        name: 'fk_job_locks_job_id',
        columns: ['job_id'],
        references: { table: 'jobs', columns: ['id'] },
        onDelete: 'CASCADE',
      },
    ],
    indexes: [{ name: 'index_job_locks_job_id', columns: ['job_id'] }],
  },
  {
    name: 'scheduler_leases',
    columns: [
      { name: 'lease_key', type: 'VARCHAR(255)', notNull: true },
      { name: 'acquired_at', type: 'BIGINT', notNull: true },
      { name: 'ttl_seconds', type: 'INTEGER', notNull: true },
    ],
    primaryKey: { name: 'scheduler_leases_pk', columns: ['lease_key'] },
  },
];

// MCP server registry: servers, versions, tags, aliases and access endpoints.
const mcp: readonly TableDef[] = [
  {
    name: 'mcp_servers',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'display_name', type: 'VARCHAR(256)' },
      { name: 'description', type: 'TEXT' },
      { name: 'icons', type: 'JSON' },
      { name: 'created_by', type: 'VARCHAR(256)' },
      { name: 'last_updated_by', type: 'VARCHAR(256)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
    ],
    primaryKey: { name: 'mcp_servers_pk', columns: ['workspace', 'name'] },
  },
  {
    name: 'mcp_server_versions',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'version', type: 'VARCHAR(128)', notNull: true },
      { name: 'version_major', type: 'INTEGER', notNull: true },
      { name: 'version_minor', type: 'INTEGER', notNull: true },
      { name: 'version_patch', type: 'INTEGER', notNull: true },
      { name: 'version_prerelease_sort_key', type: 'VARCHAR(512)', notNull: true },
      { name: 'server_json', type: 'JSON', notNull: true },
      { name: 'status', type: 'VARCHAR(20)', notNull: true, default: "'draft'" },
      { name: 'tools', type: 'JSON' },
      { name: 'source', type: 'VARCHAR(512)' },
      { name: 'connect_options', type: 'JSON' },
      { name: 'created_by', type: 'VARCHAR(256)' },
      { name: 'last_updated_by', type: 'VARCHAR(256)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
    ],
    primaryKey: { name: 'mcp_server_versions_pk', columns: ['workspace', 'name', 'version'] },
    foreignKeys: [
      {
        name: 'mcp_server_versions_server_fkey',
        columns: ['workspace', 'name'],
        references: { table: 'mcp_servers', columns: ['workspace', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
    indexes: [
      {
        name: 'idx_mcp_server_versions_latest',
        columns: [
          'workspace',
          'name',
          'status',
          { column: 'version_major', desc: true },
          { column: 'version_minor', desc: true },
          { column: 'version_patch', desc: true },
        ],
      },
    ],
  },
  {
    name: 'mcp_server_tags',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(5000)' },
    ],
    primaryKey: { name: 'mcp_server_tags_pk', columns: ['workspace', 'name', 'key'] },
    foreignKeys: [
      {
        name: 'mcp_server_tags_server_fkey',
        columns: ['workspace', 'name'],
        references: { table: 'mcp_servers', columns: ['workspace', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
  {
    name: 'mcp_server_version_tags',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'version', type: 'VARCHAR(128)', notNull: true },
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'VARCHAR(5000)' },
    ],
    primaryKey: { name: 'mcp_server_version_tags_pk', columns: ['workspace', 'name', 'version', 'key'] },
    foreignKeys: [
      {
        name: 'mcp_server_version_tags_version_fkey',
        columns: ['workspace', 'name', 'version'],
        references: { table: 'mcp_server_versions', columns: ['workspace', 'name', 'version'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
  {
    name: 'mcp_server_aliases',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'name', type: 'VARCHAR(256)', notNull: true },
      { name: 'alias', type: 'VARCHAR(256)', notNull: true },
      { name: 'version', type: 'VARCHAR(128)', notNull: true },
    ],
    primaryKey: { name: 'mcp_server_aliases_pk', columns: ['workspace', 'name', 'alias'] },
    foreignKeys: [
      {
        name: 'mcp_server_aliases_server_fkey',
        columns: ['workspace', 'name'],
        references: { table: 'mcp_servers', columns: ['workspace', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
  {
    name: 'mcp_access_endpoints',
    columns: [
      { name: 'id', type: 'VARCHAR(36)', notNull: true },
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'server_name', type: 'VARCHAR(256)', notNull: true },
      { name: 'server_version', type: 'VARCHAR(128)' },
      { name: 'server_alias', type: 'VARCHAR(256)' },
      { name: 'url', type: 'VARCHAR(2048)', notNull: true },
      { name: 'transport_type', type: 'VARCHAR(32)', notNull: true, default: "'streamable-http'" },
      { name: 'created_by', type: 'VARCHAR(256)' },
      { name: 'last_updated_by', type: 'VARCHAR(256)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
    ],
    primaryKey: { name: 'mcp_access_endpoints_pk', columns: ['id'] },
    foreignKeys: [
      {
        name: 'mcp_access_endpoints_server_fkey',
        columns: ['workspace', 'server_name'],
        references: { table: 'mcp_servers', columns: ['workspace', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'ix_mcp_access_endpoints_server_name', columns: ['workspace', 'server_name'] },
      { name: 'ix_mcp_access_endpoints_version', columns: ['workspace', 'server_name', 'server_version'] },
      { name: 'ix_mcp_access_endpoints_alias', columns: ['workspace', 'server_name', 'server_alias'] },
    ],
  },
];

// Skills registry: skills, versions, tags and aliases.
const skills: readonly TableDef[] = [
  {
    name: 'skills',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'organization', type: 'VARCHAR(64)', notNull: true, default: "''" },
      { name: 'name', type: 'VARCHAR(128)', notNull: true },
      { name: 'description', type: 'TEXT' },
      { name: 'icons', type: 'JSON' },
      { name: 'search_text', type: 'TEXT' },
      { name: 'created_by', type: 'VARCHAR(256)' },
      { name: 'last_updated_by', type: 'VARCHAR(256)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
    ],
    primaryKey: { name: 'skills_pk', columns: ['workspace', 'organization', 'name'] },
  },
  {
    name: 'skill_versions',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'organization', type: 'VARCHAR(64)', notNull: true, default: "''" },
      { name: 'name', type: 'VARCHAR(128)', notNull: true },
      { name: 'version', type: 'INTEGER', notNull: true },
      { name: 'source_type', type: 'VARCHAR(20)' },
      { name: 'source', type: 'VARCHAR(2048)' },
      { name: 'ref', type: 'VARCHAR(2048)' },
      { name: 'subpath', type: 'VARCHAR(2048)' },
      { name: 'digest', type: 'VARCHAR(64)' },
      { name: 'status', type: 'VARCHAR(20)', notNull: true, default: "'active'" },
      { name: 'created_by', type: 'VARCHAR(256)' },
      { name: 'last_updated_by', type: 'VARCHAR(256)' },
      { name: 'created_at', type: 'BIGINT', notNull: true },
      { name: 'last_updated_at', type: 'BIGINT', notNull: true },
    ],
    primaryKey: { name: 'skill_versions_pk', columns: ['workspace', 'organization', 'name', 'version'] },
    foreignKeys: [
      {
        name: 'skill_versions_skill_fkey',
        columns: ['workspace', 'organization', 'name'],
        references: { table: 'skills', columns: ['workspace', 'organization', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
    indexes: [
      { name: 'ix_skill_versions_latest_lookup', columns: ['workspace', 'organization', 'name', 'status', 'version'] },
      { name: 'ix_skill_versions_digest', columns: ['workspace', 'organization', 'name', 'digest'] },
    ],
  },
  {
    name: 'skill_tags',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'organization', type: 'VARCHAR(64)', notNull: true, default: "''" },
      { name: 'name', type: 'VARCHAR(128)', notNull: true },
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'TEXT' },
    ],
    primaryKey: { name: 'skill_tags_pk', columns: ['workspace', 'organization', 'name', 'key'] },
    foreignKeys: [
      {
        name: 'skill_tags_skill_fkey',
        columns: ['workspace', 'organization', 'name'],
        references: { table: 'skills', columns: ['workspace', 'organization', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
  {
    name: 'skill_version_tags',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'organization', type: 'VARCHAR(64)', notNull: true, default: "''" },
      { name: 'name', type: 'VARCHAR(128)', notNull: true },
      { name: 'version', type: 'INTEGER', notNull: true },
      { name: 'key', type: 'VARCHAR(250)', notNull: true },
      { name: 'value', type: 'TEXT' },
    ],
    primaryKey: { name: 'skill_version_tags_pk', columns: ['workspace', 'organization', 'name', 'version', 'key'] },
    foreignKeys: [
      {
        name: 'skill_version_tags_version_fkey',
        columns: ['workspace', 'organization', 'name', 'version'],
        references: { table: 'skill_versions', columns: ['workspace', 'organization', 'name', 'version'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
  {
    name: 'skill_aliases',
    columns: [
      { name: 'workspace', type: 'VARCHAR(63)', notNull: true, default: "'default'" },
      { name: 'organization', type: 'VARCHAR(64)', notNull: true, default: "''" },
      { name: 'name', type: 'VARCHAR(128)', notNull: true },
      { name: 'alias', type: 'VARCHAR(256)', notNull: true },
      { name: 'version', type: 'INTEGER', notNull: true },
    ],
    primaryKey: { name: 'skill_aliases_pk', columns: ['workspace', 'organization', 'name', 'alias'] },
    foreignKeys: [
      {
        name: 'skill_aliases_skill_fkey',
        columns: ['workspace', 'organization', 'name'],
        references: { table: 'skills', columns: ['workspace', 'organization', 'name'] },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ],
  },
];

// Workspaces (multi-tenancy); seeded with the `default` workspace.
const workspaces: readonly TableDef[] = [
  {
    name: 'workspaces',
    columns: [
      { name: 'name', type: 'VARCHAR(63)', notNull: true },
      { name: 'description', type: 'TEXT' },
      { name: 'default_artifact_root', type: 'TEXT' },
      { name: 'trace_archival_location', type: 'TEXT' },
      { name: 'trace_archival_retention', type: 'VARCHAR(32)' },
    ],
    primaryKey: { name: 'workspaces_pk', columns: ['name'] },
    seedRows: [{ name: 'default', description: 'Default workspace for legacy resources' }],
  },
];

// Alembic's migration bookkeeping.
const bookkeeping: readonly TableDef[] = [
  {
    name: 'alembic_version',
    columns: [{ name: 'version_num', type: 'VARCHAR(32)', notNull: true }],
    primaryKey: { name: 'alembic_version_pkc', columns: ['version_num'] },
  },
];

/** Every table of MLflow 3.18.0's SQLite tracking database, grouped by area. */
export const MLFLOW_TABLES: readonly TableDef[] = [
  ...tracking,
  ...traces,
  ...rollups,
  ...loggedModels,
  ...datasets,
  ...scorers,
  ...labeling,
  ...issues,
  ...registry,
  ...webhooks,
  ...gateway,
  ...jobs,
  ...mcp,
  ...skills,
  ...workspaces,
  ...bookkeeping,
];

// ---------------------------------------------------------------------------------------------
// DDL generation.
// ---------------------------------------------------------------------------------------------

// Words that must be quoted to be used as identifiers (SQL keywords we, or a future table, might use).
const RESERVED_WORDS = new Set(
  (
    'add all alter and as between by case check collate column constraint create default delete ' +
    'distinct drop else exists foreign from group having in index insert into is join key limit not ' +
    'null on or order primary references select set table then to union unique update using values ' +
    'when where'
  ).split(' '),
);

/** Quotes `name` as an SQL identifier when it is a keyword or not a plain lower-case name. */
export function quoteIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED_WORDS.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** Renders a JS value as an SQL literal: strings single-quoted, numbers as-is, null as NULL. */
export function sqlLiteral(value: SeedValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot render ${value} as an SQL literal`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

const identList = (names: readonly string[]): string => names.map(quoteIdentifier).join(', ');

const constraintPrefix = (name: string | undefined): string =>
  name === undefined ? '' : `CONSTRAINT ${quoteIdentifier(name)} `;

function columnSql(column: ColumnDef): string {
  let sql = `${quoteIdentifier(column.name)} ${column.type}`;
  if (column.generated) {
    sql += ` GENERATED ALWAYS AS (${column.generated.expression}) ${column.generated.stored ? 'STORED' : 'VIRTUAL'}`;
  }
  if (column.default !== undefined) sql += ` DEFAULT ${column.default}`;
  if (column.notNull) sql += ' NOT NULL';
  return sql;
}

function foreignKeySql(fk: ForeignKeyDef): string {
  let sql =
    `${constraintPrefix(fk.name)}FOREIGN KEY(${identList(fk.columns)}) ` +
    `REFERENCES ${quoteIdentifier(fk.references.table)} (${identList(fk.references.columns)})`;
  if (fk.onDelete && fk.onDelete !== 'NO ACTION') sql += ` ON DELETE ${fk.onDelete}`;
  if (fk.onUpdate && fk.onUpdate !== 'NO ACTION') sql += ` ON UPDATE ${fk.onUpdate}`;
  return sql;
}

/**
 * `CREATE TABLE` for one table. One column or constraint per line, constraints in the order
 * primary key, uniques, checks, foreign keys — the layout SQLAlchemy's SQLite reflection parses,
 * so MLflow's later migrations see the same constraint names as in a database MLflow made.
 */
export function createTableSql(table: TableDef): string {
  const lines = table.columns.map(columnSql);
  lines.push(`${constraintPrefix(table.primaryKey.name)}PRIMARY KEY (${identList(table.primaryKey.columns)})`);
  for (const unique of table.uniques ?? []) {
    lines.push(`${constraintPrefix(unique.name)}UNIQUE (${identList(unique.columns)})`);
  }
  for (const check of table.checks ?? []) {
    const values = check.oneOf.map(sqlLiteral).join(', ');
    lines.push(`${constraintPrefix(check.name)}CHECK (${quoteIdentifier(check.column)} IN (${values}))`);
  }
  for (const fk of table.foreignKeys ?? []) lines.push(foreignKeySql(fk));
  return `CREATE TABLE ${quoteIdentifier(table.name)} (\n\t${lines.join(',\n\t')}\n)`;
}

/** `CREATE [UNIQUE] INDEX` for one named index of `table`. */
export function createIndexSql(table: TableDef, index: IndexDef): string {
  const columns = index.columns
    .map((c) => (typeof c === 'string' ? quoteIdentifier(c) : `${quoteIdentifier(c.column)} DESC`))
    .join(', ');
  const where = index.where === undefined ? '' : ` WHERE ${index.where}`;
  return (
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ` +
    `ON ${quoteIdentifier(table.name)} (${columns})${where}`
  );
}

/** `CREATE TRIGGER` aborting updates that change any of the trigger's immutable columns. */
export function createTriggerSql(table: TableDef, trigger: ImmutableColumnsTriggerDef): string {
  const changed = trigger.columns.map((c) => `OLD.${quoteIdentifier(c)} != NEW.${quoteIdentifier(c)}`).join(' OR ');
  return (
    `CREATE TRIGGER ${quoteIdentifier(trigger.name)}\n` +
    `BEFORE UPDATE ON ${quoteIdentifier(table.name)}\n` +
    'FOR EACH ROW\n' +
    `WHEN ${changed}\n` +
    `BEGIN\n    SELECT RAISE(ABORT, ${sqlLiteral(trigger.message)});\nEND`
  );
}

/** `INSERT` of one seed row into `table`. */
export function insertRowSql(table: TableDef, row: Readonly<Record<string, SeedValue>>): string {
  const names = Object.keys(row);
  const values = names.map((n) => sqlLiteral(row[n] ?? null));
  return `INSERT INTO ${quoteIdentifier(table.name)} (${identList(names)}) VALUES (${values.join(', ')})`;
}

// Throws when the description references a column or table it does not define.
function validate(tables: readonly TableDef[]): void {
  const byName = new Map(tables.map((t) => [t.name, t]));
  if (byName.size !== tables.length) throw new Error('duplicate table name in schema description');
  for (const table of tables) {
    const columns = new Set(table.columns.map((c) => c.name));
    const where = `schema description of table ${table.name}`;
    if (columns.size !== table.columns.length) throw new Error(`${where}: duplicate column`);
    const need = (names: Iterable<string>, what: string, cols: ReadonlySet<string> = columns, in_ = table.name) => {
      for (const n of names) if (!cols.has(n)) throw new Error(`${where}: ${what} names unknown column ${in_}.${n}`);
    };
    for (const c of table.columns) {
      if (c.generated && c.default !== undefined) throw new Error(`${where}: generated column ${c.name} has a default`);
    }
    need(table.primaryKey.columns, 'primary key');
    for (const u of table.uniques ?? []) need(u.columns, `unique ${u.name ?? ''}`);
    for (const c of table.checks ?? []) need([c.column], `check ${c.name ?? ''}`);
    for (const i of table.indexes ?? [])
      need(
        i.columns.map((c) => (typeof c === 'string' ? c : c.column)),
        i.name,
      );
    for (const t of table.triggers ?? []) need(t.columns, t.name);
    for (const r of table.seedRows ?? []) need(Object.keys(r), 'seed row');
    for (const fk of table.foreignKeys ?? []) {
      const target = byName.get(fk.references.table);
      if (!target) throw new Error(`${where}: foreign key references unknown table ${fk.references.table}`);
      if (fk.columns.length !== fk.references.columns.length) throw new Error(`${where}: foreign key arity mismatch`);
      need(fk.columns, 'foreign key');
      need(fk.references.columns, 'foreign key', new Set(target.columns.map((c) => c.name)), target.name);
    }
  }
}

/** `tables` reordered so every table comes after the tables its foreign keys reference. */
export function tablesInDependencyOrder(tables: readonly TableDef[] = MLFLOW_TABLES): TableDef[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: TableDef[] = [];
  const visit = (table: TableDef): void => {
    if (done.has(table.name)) return;
    if (visiting.has(table.name)) throw new Error(`foreign-key cycle through table ${table.name}`);
    visiting.add(table.name);
    for (const fk of table.foreignKeys ?? []) {
      const target = byName.get(fk.references.table);
      if (target && target !== table) visit(target);
    }
    visiting.delete(table.name);
    done.add(table.name);
    ordered.push(table);
  };
  tables.forEach(visit);
  return ordered;
}

/**
 * The DDL creating MLflow 3.18.0's schema in an empty SQLite database: tables (referenced tables
 * first) each followed by its indexes and triggers, then the seed rows, then the
 * `alembic_version` row stamping {@link MLFLOW_SCHEMA_HEAD}. Run them in one transaction.
 */
export function schemaStatements(tables: readonly TableDef[] = MLFLOW_TABLES): string[] {
  validate(tables);
  const ordered = tablesInDependencyOrder(tables);
  const statements: string[] = [];
  for (const table of ordered) {
    statements.push(createTableSql(table));
    for (const index of table.indexes ?? []) statements.push(createIndexSql(table, index));
    for (const trigger of table.triggers ?? []) statements.push(createTriggerSql(table, trigger));
  }
  for (const table of ordered) {
    for (const row of table.seedRows ?? []) statements.push(insertRowSql(table, row));
  }
  statements.push(`INSERT INTO alembic_version (version_num) VALUES (${sqlLiteral(MLFLOW_SCHEMA_HEAD)})`);
  return statements;
}
