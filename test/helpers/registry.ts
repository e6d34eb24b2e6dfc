// The model registry interop scenario and its TypeScript side: a JSON list of MlflowClient registry
// calls that test/interop/py/registry_lib.py runs with Python MLflow and `replayOp` runs with the
// SDK, and a dump of a registry in the shape registry_lib.py prints.

import type Database from 'better-sqlite3';
import {
  isMlflowError,
  type MlflowClient,
  type ModelRegistryStore,
  type ModelVersion,
  type RegisteredModel,
} from '../../src/index.js';

/** One registry call: an MlflowClient method name (Python's spelling) and its keyword arguments. */
export interface RegistryOp {
  op: string;
  args?: Record<string, unknown>;
  /** The error message may differ in wording (driver texts, Python set order); the code may not. */
  loose?: boolean;
}

/** What an op gave: its dumped result, or MLflow's error. */
export type OpResult = { ok: unknown } | { error_code: string; message: string };

/** A search case, run through all its pages. */
export interface SearchCase {
  name: string;
  kind: 'models' | 'versions';
  /** `client` goes through MlflowClient (prompt filter added for models), `store` straight to the store. */
  via?: 'client' | 'store';
  filter?: string;
  order_by?: string[];
  max_results?: number;
  page_token?: string;
  /** Compare only the error code, not the message. */
  loose?: boolean;
}

/** Result of a search case. */
export type SearchOutcome = { ids: string[]; tokens: string[] } | { error_code: string; message: string };

const PROMPT = 'mlflow.prompt.is_prompt';

/**
 * The scenario: models with tags and descriptions, versions from every kind of source, stages and
 * archiving, aliases (set, moved, removed with their version), renames and deletes cascading, a
 * prompt, and bad input of every kind.
 */
export const REGISTRY_OPS: RegistryOp[] = [
  { op: 'create_run' },
  { op: 'create_logged_model' },
  {
    op: 'create_registered_model',
    args: { name: 'chat-bot', tags: { team: 'a', env: 'prod' }, description: 'Chat model' },
  },
  { op: 'create_registered_model', args: { name: 'Chat-Big', tags: { team: 'b' } } },
  { op: 'create_registered_model', args: { name: 'sklearn_model' } },
  { op: 'create_registered_model', args: { name: 'my model.v2', tags: { team: 'a', note: 'star*q?' } } },
  { op: 'create_registered_model', args: { name: 'ünï-cödé', tags: { team: 'A' } } },
  {
    op: 'store_create_registered_model',
    args: { name: 'greeting-prompt', tags: { [PROMPT]: 'true', team: 'a' }, description: 'A prompt' },
  },
  {
    op: 'store_create_model_version',
    args: {
      name: 'greeting-prompt',
      source: 'prompt-template',
      tags: { [PROMPT]: 'true', 'mlflow.prompt.text': 'Hello {{name}}' },
    },
  },
  {
    op: 'create_model_version',
    args: {
      name: 'chat-bot',
      source: 's3://bucket/chat/1',
      run_id: '{{run_id}}',
      tags: { stage: 'x', framework: 'langchain' },
      run_link: 'http://example.com/run',
      description: 'first',
    },
  },
  { op: 'create_model_version', args: { name: 'chat-bot', source: 'runs:/{{run_id}}/model', run_id: '{{run_id}}' } },
  { op: 'create_model_version', args: { name: 'chat-bot', source: 'models:/{{model_id}}' } },
  { op: 'create_model_version', args: { name: 'chat-bot', source: 'models:/chat-bot/1', tags: { stage: 'y' } } },
  { op: 'create_model_version', args: { name: 'Chat-Big', source: 's3://bucket/big/1' } },
  { op: 'create_model_version', args: { name: 'Chat-Big', source: 's3://bucket/big/2', description: 'two' } },
  { op: 'create_model_version', args: { name: 'Chat-Big', source: 's3://bucket/big/3' } },
  {
    op: 'create_model_version',
    args: { name: 'sklearn_model', source: 'file:///tmp/sk/model', model_id: '{{model_id}}' },
  },
  { op: 'create_model_version', args: { name: 'my model.v2', source: 'gs://b/m', tags: { stage: 'x' } } },
  // Stages, archiving, latest versions.
  { op: 'transition_model_version_stage', args: { name: 'chat-bot', version: '1', stage: 'Production' } },
  { op: 'transition_model_version_stage', args: { name: 'chat-bot', version: '2', stage: 'staging' } },
  {
    op: 'transition_model_version_stage',
    args: { name: 'chat-bot', version: '3', stage: 'production', archive_existing_versions: true },
  },
  { op: 'transition_model_version_stage', args: { name: 'Chat-Big', version: '1', stage: 'Archived' } },
  { op: 'get_latest_versions', args: { name: 'chat-bot' } },
  { op: 'get_latest_versions', args: { name: 'chat-bot', stages: ['production', 'Staging'] } },
  { op: 'get_latest_versions', args: { name: 'chat-bot', stages: ['bogus'] } },
  // Aliases, including `latest`.
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'champion', version: '3' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'challenger', version: '2' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'challenger', version: '4' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'old', version: '1' } },
  { op: 'delete_registered_model_alias', args: { name: 'chat-bot', alias: 'old' } },
  { op: 'delete_registered_model_alias', args: { name: 'chat-bot', alias: 'never-set' } },
  { op: 'set_registered_model_alias', args: { name: 'Chat-Big', alias: 'doomed', version: '2' } },
  { op: 'get_model_version_by_alias', args: { name: 'chat-bot', alias: 'champion' } },
  { op: 'get_model_version_by_alias', args: { name: 'chat-bot', alias: 'latest' } },
  { op: 'get_model_version_by_alias', args: { name: 'chat-bot', alias: 'LATEST' } },
  { op: 'get_model_version_by_alias', args: { name: 'chat-bot', alias: 'missing' } },
  // Tags and descriptions.
  { op: 'set_registered_model_tag', args: { name: 'chat-bot', key: 'env', value: 'staging' } },
  { op: 'set_registered_model_tag', args: { name: 'Chat-Big', key: 'owner', value: 'ml-team' } },
  { op: 'delete_registered_model_tag', args: { name: 'Chat-Big', key: 'team' } },
  { op: 'delete_registered_model_tag', args: { name: 'Chat-Big', key: 'never-set' } },
  { op: 'set_model_version_tag', args: { name: 'chat-bot', version: '2', key: 'validated', value: 'true' } },
  { op: 'set_model_version_tag', args: { name: 'chat-bot', version: '1', key: 'stage', value: 'z' } },
  { op: 'delete_model_version_tag', args: { name: 'chat-bot', version: '1', key: 'framework' } },
  { op: 'update_registered_model', args: { name: 'Chat-Big', description: 'The big one' } },
  { op: 'update_model_version', args: { name: 'chat-bot', version: '2', description: 'second' } },
  { op: 'update_model_version', args: { name: 'chat-bot', version: '1', description: null } },
  // Soft delete of a version: its alias goes, its number is never reused.
  { op: 'delete_model_version', args: { name: 'Chat-Big', version: '2' } },
  { op: 'create_model_version', args: { name: 'Chat-Big', source: 's3://bucket/big/4' } },
  { op: 'get_model_version', args: { name: 'Chat-Big', version: '2' } },
  // Rename and delete cascade to versions, tags and aliases.
  { op: 'set_registered_model_alias', args: { name: 'sklearn_model', alias: 'prod', version: '1' } },
  { op: 'set_model_version_tag', args: { name: 'sklearn_model', version: '1', key: 'k', value: 'v' } },
  { op: 'set_registered_model_tag', args: { name: 'sklearn_model', key: 'k', value: 'v' } },
  { op: 'rename_registered_model', args: { name: 'sklearn_model', new_name: 'sk-model' } },
  { op: 'get_model_version', args: { name: 'sk-model', version: '1' } },
  { op: 'create_registered_model', args: { name: 'temp', tags: { x: '1' } } },
  { op: 'create_model_version', args: { name: 'temp', source: 's3://t/1', tags: { y: '2' } } },
  { op: 'set_registered_model_alias', args: { name: 'temp', alias: 'a', version: '1' } },
  { op: 'delete_registered_model', args: { name: 'temp' } },
  // Download URIs.
  { op: 'get_model_version_download_uri', args: { name: 'chat-bot', version: '1' } },
  { op: 'get_model_version_download_uri', args: { name: 'chat-bot', version: '2' } },
  { op: 'get_model_version_download_uri', args: { name: 'chat-bot', version: '3' } },
  { op: 'get_model_version_download_uri', args: { name: 'chat-bot', version: '4' } },
  { op: 'get_model_version_download_uri', args: { name: 'sk-model', version: '1' } },
  // Full entities: latest versions per stage (get and search order them differently), aliases, tags.
  { op: 'get_registered_model', args: { name: 'chat-bot' } },
  { op: 'get_registered_model', args: { name: 'Chat-Big' } },
  { op: 'search_registered_models', args: { filter_string: "name ILIKE 'chat%'" } },
  { op: 'search_registered_models', args: { filter_string: "name ILIKE 'chat%'", max_results: 1 } },
  { op: 'search_model_versions', args: { filter_string: "name = 'chat-bot'" } },
  // Bad input and missing things.
  { op: 'get_registered_model', args: { name: 'temp' } },
  { op: 'get_registered_model', args: { name: 'greeting-prompt' } },
  { op: 'create_registered_model', args: { name: 'chat-bot' } },
  { op: 'create_registered_model', args: { name: 'greeting-prompt' } },
  { op: 'store_create_registered_model', args: { name: 'chat-bot', tags: { [PROMPT]: 'true' } } },
  { op: 'create_registered_model', args: { name: 'a/b' } },
  { op: 'create_registered_model', args: { name: '  ' } },
  { op: 'create_registered_model', args: { name: 'x', tags: { [PROMPT]: 'true' } } },
  { op: 'create_registered_model', args: { name: 'bad-tag', tags: { 'bad key!': 'v' } } },
  { op: 'create_model_version', args: { name: 'nope', source: 's3://x' } },
  { op: 'create_model_version', args: { name: 'chat-bot', source: 'models:/no-such-model-id' } },
  { op: 'create_model_version', args: { name: 'chat-bot', source: 'models:/chat-bot/99' } },
  { op: 'create_model_version', args: { name: 'chat-bot', source: 'models:/chat-bot@champion' } },
  { op: 'create_model_version', args: { name: 'chat-bot', source: 'models:/a/b/c' } },
  { op: 'get_model_version', args: { name: 'chat-bot', version: '99' } },
  { op: 'get_model_version', args: { name: 'chat-bot', version: 'abc' } },
  { op: 'get_model_version', args: { name: 'greeting-prompt', version: '1' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'latest', version: '1' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'V12', version: '1' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'bad alias', version: '1' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'ok', version: '99' } },
  { op: 'set_registered_model_alias', args: { name: 'Chat-Big', alias: 'gone', version: '2' } },
  { op: 'transition_model_version_stage', args: { name: 'chat-bot', version: '1', stage: 'Shipped' } },
  {
    op: 'transition_model_version_stage',
    args: { name: 'chat-bot', version: '1', stage: 'None', archive_existing_versions: true },
  },
  { op: 'transition_model_version_stage', args: { name: 'chat-bot', version: '1', stage: ' ' } },
  { op: 'rename_registered_model', args: { name: 'chat-bot', new_name: 'Chat-Big' }, loose: true },
  { op: 'rename_registered_model', args: { name: 'chat-bot', new_name: 'x:y' } },
  { op: 'rename_registered_model', args: { name: 'nope', new_name: 'other' } },
  { op: 'delete_model_version', args: { name: 'chat-bot', version: '99' } },
  { op: 'set_model_version_tag', args: { name: 'chat-bot', version: '1', key: 'k', value: 'x'.repeat(100_001) } },
  { op: 'set_registered_model_tag', args: { name: 'chat-bot', key: 'k'.repeat(251), value: 'v' } },
  { op: 'get_model_version_by_alias', args: { name: 'temp', alias: 'latest' } },
  { op: 'get_model_version_by_alias', args: { name: 'chat-bot', alias: '' } },
  { op: 'search_registered_models', args: { order_by: ['creation_timestamp'] }, loose: true },
  { op: 'search_model_versions', args: { max_results: 0 } },
];

/** Search parity cases (run after REGISTRY_OPS). */
export const SEARCH_CASES: SearchCase[] = [
  { name: 'models: everything, default order', kind: 'models' },
  { name: 'models: name =', kind: 'models', filter: "name = 'chat-bot'" },
  { name: 'models: name !=', kind: 'models', filter: "name != 'chat-bot'" },
  { name: 'models: name LIKE is case-sensitive', kind: 'models', filter: "name LIKE 'chat%'" },
  { name: 'models: name ILIKE', kind: 'models', filter: "name ILIKE 'chat%'" },
  { name: 'models: LIKE with _ wildcard', kind: 'models', filter: "name LIKE '%_model'" },
  { name: 'models: name IN', kind: 'models', filter: "name IN ('chat-bot', 'sk-model', 'nope')" },
  { name: 'models: name NOT IN', kind: 'models', filter: "name NOT IN ('chat-bot')" },
  { name: 'models: tag =', kind: 'models', filter: "tags.team = 'a'" },
  { name: 'models: tag != skips untagged', kind: 'models', filter: "tags.team != 'a'" },
  { name: 'models: two tags', kind: 'models', filter: "tags.team = 'a' AND tags.env = 'staging'" },
  { name: 'models: tag ILIKE, backticks', kind: 'models', filter: "tag.`team` ILIKE 'A'" },
  { name: 'models: tag LIKE with * and ?', kind: 'models', filter: "tags.note LIKE 'star*q?'" },
  { name: 'models: ILIKE folds ASCII only', kind: 'models', filter: "name ILIKE '%CöDé'" },
  { name: 'models: name and tag', kind: 'models', filter: "name LIKE '%a%' AND tags.team = 'a'" },
  { name: 'models: order name DESC', kind: 'models', order_by: ['name DESC'] },
  { name: 'models: order timestamp DESC', kind: 'models', order_by: ['timestamp DESC'] },
  { name: 'models: order last_updated ASC', kind: 'models', order_by: ['last_updated_timestamp ASC'] },
  {
    name: 'models: order last_updated DESC, name DESC',
    kind: 'models',
    order_by: ['last_updated_timestamp DESC', 'name DESC'],
  },
  { name: 'models: pages of 2', kind: 'models', max_results: 2 },
  { name: 'models: pages of 2 from a token', kind: 'models', max_results: 2, page_token: 'eyJvZmZzZXQiOiAyfQ==' },
  { name: 'store: prompts only', kind: 'models', via: 'store', filter: `tags.\`${PROMPT}\` = 'true'` },
  {
    name: 'store: prompt tag = false excludes prompts',
    kind: 'models',
    via: 'store',
    filter: `tags.\`${PROMPT}\` = 'false'`,
  },
  { name: 'store: no filter excludes prompts', kind: 'models', via: 'store' },
  { name: 'models: tag filter on a prompt tag key', kind: 'models', filter: `tags.\`${PROMPT}\` != 'false'` },
  { name: 'models error: creation_timestamp order', kind: 'models', order_by: ['creation_timestamp'], loose: true },
  { name: 'models error: numeric value', kind: 'models', filter: 'name = 1' },
  { name: 'models error: IS NULL', kind: 'models', filter: 'tags.x IS NULL' },
  { name: 'models error: max_results over 1000', kind: 'models', max_results: 1001 },
  { name: 'models error: duplicate order', kind: 'models', order_by: ['name', 'name DESC'] },
  { name: 'models error: attributes prefix', kind: 'models', filter: "attributes.name = 'x'" },
  { name: 'models error: comparator on tag', kind: 'models', filter: "tags.team > 'a'" },
  { name: 'models error: OR', kind: 'models', filter: "name = 'a' OR name = 'b'" },
  { name: 'models error: bad page token', kind: 'models', page_token: 'not-a-token' },
  { name: 'versions: everything, default order', kind: 'versions' },
  { name: 'versions: by name', kind: 'versions', filter: "name = 'chat-bot'" },
  { name: 'versions: version_number >', kind: 'versions', filter: "version_number > 1 AND name = 'chat-bot'" },
  { name: 'versions: version_number as a string', kind: 'versions', filter: "version_number = '2'" },
  { name: 'versions: run_id', kind: 'versions', filter: "run_id = '{{run_id}}'" },
  { name: 'versions: run_id IN', kind: 'versions', filter: "run_id IN ('{{run_id}}', 'x')" },
  { name: 'versions: source_path LIKE', kind: 'versions', filter: "source_path LIKE 's3://%'" },
  { name: 'versions: tag =', kind: 'versions', filter: "tags.stage = 'x'" },
  { name: 'versions: tag ILIKE', kind: 'versions', filter: "tags.stage ILIKE 'Y'" },
  { name: 'versions: name LIKE and version <=', kind: 'versions', filter: "name LIKE 'Chat%' AND version_number <= 2" },
  { name: 'versions: order version ASC', kind: 'versions', order_by: ['version_number ASC'] },
  { name: 'versions: order creation DESC, name', kind: 'versions', order_by: ['creation_timestamp DESC', 'name'] },
  { name: 'versions: pages of 3', kind: 'versions', max_results: 3 },
  { name: 'versions: prompts only', kind: 'versions', via: 'store', filter: `tags.\`${PROMPT}\` = 'true'` },
  { name: 'versions error: float version', kind: 'versions', filter: 'version_number = 1.5' },
  { name: 'versions error: IN on source_path', kind: 'versions', filter: "source_path IN ('a')" },
  { name: 'versions error: max_results 0', kind: 'versions', max_results: 0 },
  { name: 'versions error: order by tag', kind: 'versions', order_by: ['tags.x'], loose: true },
  { name: 'versions error: unknown attribute', kind: 'versions', filter: "status = 'READY'", loose: true },
];

function substitute(value: unknown, ctx: Record<string, string>): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const [k, v] of Object.entries(ctx)) out = out.replaceAll(`{{${k}}}`, v);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ctx)]));
  }
  return value;
}

function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const opt = (v: string | null): string | null => (v === '' ? null : v);

/** A model version as registry_lib.dump_version prints it. */
export function dumpVersion(mv: ModelVersion, downloadUri?: string): Record<string, unknown> {
  const d: Record<string, unknown> = {
    name: mv.name,
    version: mv.version,
    creation_timestamp: mv.creationTimestamp,
    last_updated_timestamp: mv.lastUpdatedTimestamp,
    description: mv.description,
    user_id: opt(mv.userId),
    current_stage: mv.currentStage,
    source: mv.source,
    run_id: opt(mv.runId),
    status: mv.status,
    status_message: opt(mv.statusMessage),
    tags: sorted(mv.tags),
    run_link: opt(mv.runLink),
    aliases: [...mv.aliases].sort(),
  };
  if (downloadUri !== undefined) d.download_uri = downloadUri;
  return d;
}

/** A registered model as registry_lib.dump_model prints it. */
export function dumpModel(rm: RegisteredModel): Record<string, unknown> {
  return {
    name: rm.name,
    creation_timestamp: rm.creationTimestamp,
    last_updated_timestamp: rm.lastUpdatedTimestamp,
    description: opt(rm.description),
    tags: sorted(rm.tags),
    aliases: sorted(Object.fromEntries(rm.aliases.map((a) => [a.alias, a.version]))),
    latest_versions: rm.latestVersions.map((mv) => dumpVersion(mv)),
  };
}

async function capture(fn: () => Promise<unknown>): Promise<OpResult> {
  try {
    return { ok: await fn() };
  } catch (err) {
    if (!isMlflowError(err)) throw err;
    return { error_code: err.errorCode, message: err.message };
  }
}

/** Context of a replay: the run and LoggedModel ids the Python side created, and how to make the LoggedModel here. */
export interface ReplayContext {
  ctx: Record<string, string>;
  /** Creates the LoggedModel row the scenario refers to (embedded replays only). */
  createLoggedModel?: () => { model_id: string; artifact_location: string };
}

/** Runs one scenario op with the SDK's MlflowClient (or its registry store for `store_*` ops). */
export function replayOp(client: MlflowClient, op: RegistryOp, replay: ReplayContext): Promise<OpResult> {
  // biome-ignore lint/suspicious/noExplicitAny: the scenario's JSON arguments, typed by each call below.
  const a = substitute(op.args ?? {}, replay.ctx) as Record<string, any>;
  const store: ModelRegistryStore = client.registryStore;
  return capture(async () => {
    switch (op.op) {
      case 'create_run':
        return replay.ctx.run_id;
      case 'create_logged_model':
        return replay.createLoggedModel?.() ?? { model_id: replay.ctx.model_id };
      case 'store_create_registered_model':
        return dumpModel(await store.createRegisteredModel(a.name, { tags: a.tags, description: a.description }));
      case 'store_create_model_version':
        return dumpVersion(
          await store.createModelVersion({ name: a.name, source: a.source, tags: a.tags, description: a.description }),
        );
      case 'create_registered_model':
        return dumpModel(await client.createRegisteredModel(a.name, { tags: a.tags, description: a.description }));
      case 'get_registered_model':
        return dumpModel(await client.getRegisteredModel(a.name));
      case 'update_registered_model':
        return dumpModel(await client.updateRegisteredModel(a.name, a.description));
      case 'rename_registered_model':
        // Python's client returns None here.
        await client.renameRegisteredModel(a.name, a.new_name);
        return null;
      case 'delete_registered_model':
        return (await client.deleteRegisteredModel(a.name)) ?? null;
      case 'set_registered_model_tag':
        return (await client.setRegisteredModelTag(a.name, a.key, a.value)) ?? null;
      case 'delete_registered_model_tag':
        return (await client.deleteRegisteredModelTag(a.name, a.key)) ?? null;
      case 'get_latest_versions':
        return (await client.getLatestVersions(a.name, a.stages)).map((mv) => dumpVersion(mv));
      case 'create_model_version':
        return dumpVersion(
          await client.createModelVersion(a.name, a.source, {
            runId: a.run_id,
            tags: a.tags,
            runLink: a.run_link,
            description: a.description,
            modelId: a.model_id,
          }),
        );
      case 'get_model_version':
        return dumpVersion(await client.getModelVersion(a.name, a.version));
      case 'update_model_version':
        return dumpVersion(await client.updateModelVersion(a.name, a.version, a.description));
      case 'delete_model_version':
        return (await client.deleteModelVersion(a.name, a.version)) ?? null;
      case 'set_model_version_tag':
        return (await client.setModelVersionTag(a.name, a.version, a.key, a.value)) ?? null;
      case 'delete_model_version_tag':
        return (await client.deleteModelVersionTag(a.name, a.version, a.key)) ?? null;
      case 'get_model_version_download_uri':
        return client.getModelVersionDownloadUri(a.name, a.version);
      case 'transition_model_version_stage':
        return dumpVersion(
          await client.transitionModelVersionStage(a.name, a.version, a.stage, a.archive_existing_versions ?? false),
        );
      case 'set_registered_model_alias':
        return (await client.setRegisteredModelAlias(a.name, a.alias, a.version)) ?? null;
      case 'delete_registered_model_alias':
        return (await client.deleteRegisteredModelAlias(a.name, a.alias)) ?? null;
      case 'get_model_version_by_alias':
        return dumpVersion(await client.getModelVersionByAlias(a.name, a.alias));
      case 'search_registered_models': {
        const page = await client.searchRegisteredModels({
          filterString: a.filter_string,
          maxResults: a.max_results,
          orderBy: a.order_by,
          pageToken: a.page_token,
        });
        return { items: page.items.map(dumpModel), token: page.nextPageToken ?? null };
      }
      case 'search_model_versions': {
        const page = await client.searchModelVersions({
          filterString: a.filter_string,
          maxResults: a.max_results,
          orderBy: a.order_by,
          pageToken: a.page_token,
        });
        return { items: page.items.map((mv) => dumpVersion(mv)), token: page.nextPageToken ?? null };
      }
      default:
        throw new Error(`unknown op ${op.op}`);
    }
  });
}

/** Runs one search case through all its pages with the SDK. */
export async function runSearchCase(
  client: MlflowClient,
  c: SearchCase,
  ctx: Record<string, string>,
): Promise<SearchOutcome> {
  const filterString = c.filter === undefined ? undefined : (substitute(c.filter, ctx) as string);
  const ids: string[] = [];
  const tokens: string[] = [];
  let pageToken = c.page_token;
  try {
    for (let i = 0; i < 1000; i++) {
      const query = {
        ...(filterString === undefined ? {} : { filterString }),
        ...(c.order_by === undefined ? {} : { orderBy: c.order_by }),
        ...(c.max_results === undefined ? {} : { maxResults: c.max_results }),
        ...(pageToken === undefined ? {} : { pageToken }),
      };
      let next: string | undefined;
      if (c.kind === 'models') {
        const page =
          c.via === 'store'
            ? await client.registryStore.searchRegisteredModels(query)
            : await client.searchRegisteredModels(query);
        ids.push(...page.items.map((m) => m.name));
        next = page.nextPageToken;
      } else {
        const page =
          c.via === 'store'
            ? await client.registryStore.searchModelVersions(query)
            : await client.searchModelVersions(query);
        ids.push(...page.items.map((v) => `${v.name}/${v.version}`));
        next = page.nextPageToken;
      }
      if (!next) break;
      tokens.push(next);
      pageToken = next;
    }
  } catch (err) {
    if (!isMlflowError(err)) throw err;
    return { error_code: err.errorCode, message: err.message };
  }
  return { ids, tokens };
}

const PROMPTS_ONLY = `tags.\`${PROMPT}\` = 'true'`;

/** The whole registry through the SDK, in registry_lib.dump_registry's shape. */
export async function dumpRegistry(store: ModelRegistryStore): Promise<{ models: unknown[]; versions: unknown[] }> {
  const names: string[] = [];
  for (const filterString of [undefined, PROMPTS_ONLY]) {
    let pageToken: string | undefined;
    do {
      const page = await store.searchRegisteredModels({
        maxResults: 1000,
        ...(filterString ? { filterString } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      names.push(...page.items.map((m) => m.name));
      pageToken = page.nextPageToken;
    } while (pageToken);
  }
  const versions: ModelVersion[] = [];
  for (const filterString of [undefined, PROMPTS_ONLY]) {
    versions.push(
      ...(await store.searchModelVersions({ maxResults: 200_000, ...(filterString ? { filterString } : {}) })).items,
    );
  }
  const models = [];
  for (const name of names) models.push(dumpModel(await store.getRegisteredModel(name)));
  models.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  const outVersions = [];
  for (const v of versions) {
    const full = await store.getModelVersion(v.name, v.version);
    outVersions.push(dumpVersion(full, await store.getModelVersionDownloadUri(v.name, v.version)));
  }
  outVersions.sort((a, b) =>
    a.name === b.name ? Number(a.version) - Number(b.version) : (a.name as string) < (b.name as string) ? -1 : 1,
  );
  return { models, versions: outVersions };
}

/** The registry tables, every column but the timestamps, rows in primary-key order. */
export const REGISTRY_TABLES: Record<string, string> = {
  registered_models: 'workspace, name',
  registered_model_tags: 'workspace, "key", name',
  model_versions: 'workspace, name, version',
  model_version_tags: 'workspace, "key", name, version',
  registered_model_aliases: 'workspace, name, alias',
};

/** Rows of every registry table without their timestamp columns. */
export function registryRows(db: Database.Database): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [table, pk] of Object.entries(REGISTRY_TABLES)) {
    out[table] = (db.prepare(`SELECT * FROM ${table} ORDER BY ${pk}`).all() as Array<Record<string, unknown>>).map(
      (row) => {
        const { creation_time: _c, last_updated_time: _u, ...rest } = row;
        return rest;
      },
    );
  }
  return out;
}

/** Drops timestamps from a dumped value, recursively, for comparisons across two databases. */
export function withoutTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimestamps);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'creation_timestamp' && k !== 'last_updated_timestamp')
        .map(([k, v]) => [k, withoutTimestamps(v)]),
    );
  }
  return value;
}
