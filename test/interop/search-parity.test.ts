// Run and experiment search parity with MLflow 3.18.0: a Python script builds a SQLite tracking
// database through MlflowClient, Python's SqlAlchemyStore answers each case (all pages), and our
// SQL (buildSearchRunsSql / buildSearchExperimentsSql on a read-only better-sqlite3 connection)
// must return the same ids in the same order, the same page tokens, or the same error code.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMlflowError } from '../../src/tracking/errors.js';
import {
  createPageToken,
  parseStartOffsetFromPageToken,
  validateMaxResults,
} from '../../src/tracking/search/page-token.js';
import {
  buildSearchExperimentsSql,
  buildSearchRunsSql,
  type SearchViewType,
} from '../../src/tracking/sqlite/search-sql.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPython, runPythonJson } from '../helpers/python.js';

interface Fixture {
  experiments: Record<'a' | 'b' | 'c' | 'd', string>;
  runs: Record<string, string>;
  artifact_uris: Record<string, string>;
}

interface Case {
  name: string;
  kind?: 'runs' | 'experiments';
  experiment_ids?: string[];
  filter?: string;
  order_by?: string[] | null;
  view_type?: SearchViewType;
  max_results?: number;
  page_token?: string;
}

type Outcome = { ids: string[]; tokens: string[] } | { error_code: string; message: string };

const AB = ['{{A}}', '{{B}}'];

const RUN_CASES: Case[] = [
  // Metrics: every comparator, NaN (stored as 0 with is_nan) and ±inf (stored as ±DBL_MAX).
  { name: 'metric >', filter: 'metrics.acc > 0.5' },
  { name: 'metric >= (no spaces)', filter: 'metrics.acc>=0.5' },
  { name: 'metric < negative', filter: 'metrics.acc < -0.5' },
  { name: 'metric <=', filter: 'metric.acc <= 0' },
  { name: 'metric = 0 does not match NaN', filter: 'metrics.acc = 0' },
  { name: 'metric != matches NaN', filter: 'metrics.acc != 0' },
  { name: 'metric > huge value (inf stored as DBL_MAX)', filter: 'metrics.acc > 1e300' },
  { name: 'metric backtick key', filter: 'metrics.`my metric` >= 5' },
  { name: 'metric double-quoted key', filter: 'metrics."my metric" < 10' },
  // Params.
  { name: 'param =', filter: "params.optimizer = 'adam'" },
  { name: 'param != (double-quoted value)', filter: 'params.optimizer != "adam"' },
  { name: 'param LIKE is case-sensitive', filter: "params.optimizer LIKE 'a%'" },
  { name: 'param ILIKE is case-insensitive', filter: "params.optimizer ILIKE 'a%'" },
  { name: 'param LIKE _ wildcard', filter: "params.optimizer LIKE 'sgd_momentum'" },
  { name: 'param lowercase like operator', filter: "param.optimizer like '%AM'" },
  { name: 'param IS NULL', filter: 'params.lr IS NULL' },
  { name: 'param IS NOT NULL', filter: 'parameters.lr is not null' },
  // Tags.
  { name: 'tag =', filter: "tags.team = 'ml'" },
  { name: 'tag != excludes runs without the tag', filter: "tags.team != 'ml'" },
  { name: 'tag ILIKE', filter: "tags.team ILIKE 'ML'" },
  { name: 'tag LIKE with literal [ and ]', filter: "tags.note LIKE '%[done]'" },
  { name: 'tag LIKE with literal * and ?', filter: "tags.note LIKE 'star*q?'" },
  { name: 'tag LIKE % prefix', filter: "tags.note LIKE '%0%'" },
  { name: 'tag ILIKE non-ASCII folds ASCII only', filter: "tags.note ILIKE 'ünïCODE'" },
  { name: 'tag key with space (backticks)', filter: "tags.`my tag` = 'x y'" },
  { name: 'tag dotted key unquoted', filter: "tags.a.b = 'dotted'" },
  { name: 'tag dotted key backticked, ILIKE', filter: "tag.`a.b` ILIKE 'DOT%'" },
  { name: 'tag IS NULL', filter: 'tags.team IS NULL' },
  { name: 'nested runs: parentRunId =', filter: "tags.mlflow.parentRunId = '{{r0}}'" },
  { name: 'nested runs: parentRunId IS NOT NULL', filter: 'tags.`mlflow.parentRunId` IS NOT NULL' },
  // Attributes.
  { name: 'status =', filter: "attributes.status = 'FINISHED'" },
  { name: 'status != (bare attribute)', filter: "status != 'RUNNING'" },
  { name: 'status LIKE lowercase pattern (case-sensitive)', filter: "attribute.status LIKE 'fin%'" },
  { name: 'status ILIKE', filter: "run.status ILIKE 'fin%'" },
  { name: 'run_name = (through the mlflow.runName tag)', filter: "run_name = 'alpha-0'" },
  { name: 'run_name LIKE', filter: "attributes.run_name LIKE 'alpha%'" },
  { name: '`Run name` ILIKE alias', filter: "`Run name` ILIKE 'ALPHA%'" },
  { name: 'run name LIKE with literal % and _', filter: "`run name` LIKE '50%_done'" },
  { name: 'run_id IN', filter: "run_id IN ('{{r1}}', '{{r3}}', '{{r20}}', 'nope')" },
  { name: 'run_id NOT IN', filter: 'attr.run_id NOT IN (\'{{r1}}\', "{{r3}}")' },
  { name: 'run_id =', filter: "run_id = '{{r7}}'" },
  { name: 'start_time >=', filter: 'attributes.start_time >= 1700000300000' },
  { name: 'created alias <', filter: 'created < 1700000180000' },
  { name: 'end_time > (NULL end times excluded)', filter: 'end_time > 1700000000000' },
  { name: 'user_id =', filter: "user_id = 'alice'" },
  { name: 'user_id ILIKE', filter: "user_id ILIKE 'c%'" },
  { name: 'artifact_uri =', filter: "artifact_uri = '{{uri:r2}}'" },
  { name: 'artifact_uri LIKE', filter: "artifact_uri LIKE '%artifacts'" },
  // Datasets.
  { name: 'dataset name =', filter: "datasets.name = 'train-ds'" },
  { name: 'dataset digest IN', filter: "dataset.digest IN ('d0', 'd2')" },
  { name: 'dataset context LIKE', filter: "datasets.context LIKE 'train%'" },
  { name: 'dataset context ILIKE', filter: "datasets.context ILIKE 'EVAL'" },
  // AND chains.
  {
    name: 'AND chain over four entity types',
    filter: "metrics.acc > -3 AND params.optimizer ILIKE '%a%' and tags.team != 'data' AND status != 'KILLED'",
  },
  { name: 'AND chain on the same metric', filter: 'metrics.acc >= 0 AND metrics.acc <= 0.9' },
  // Ordering.
  { name: 'default order (start_time DESC, run_uuid)' },
  { name: 'order metric DESC (NaN then missing last)', order_by: ['metrics.acc DESC'] },
  { name: 'order metric ASC (NaN then missing last)', order_by: ['metrics.acc'] },
  { name: 'order metric then param', order_by: ['metrics.acc ASC', 'params.lr DESC'] },
  { name: 'order param (string order)', order_by: ['params.layers'] },
  { name: 'order tag DESC', order_by: ['tags.team DESC'] },
  { name: 'order backticked tag key', order_by: ['tags.`my tag` DESC', 'metrics.loss'] },
  { name: 'order start_time ASC', order_by: ['attributes.start_time ASC'] },
  { name: 'order end_time DESC (NULLs last)', order_by: ['end_time DESC'] },
  { name: 'order run_name', order_by: ['run_name'] },
  { name: 'order status then user_id', order_by: ['status DESC', 'user_id'] },
  { name: 'order created alias DESC', order_by: ['created DESC'] },
  { name: 'order multiple keys with filter', filter: 'metrics.acc > -10', order_by: ['tags.team', 'metrics.acc DESC'] },
  // Pagination.
  { name: 'pages of 3, default order', max_results: 3 },
  { name: 'pages of 3, metric order', max_results: 3, order_by: ['metrics.acc DESC'] },
  { name: 'pages of 3, filtered', max_results: 3, filter: "tags.team ILIKE 'm%'" },
  { name: 'pages of 4 from a page token', max_results: 4, page_token: '{{token:8}}' },
  // View types and experiment selection.
  { name: 'DELETED_ONLY', view_type: 'DELETED_ONLY' },
  { name: 'ALL view type', view_type: 'ALL', order_by: ['run_name'] },
  { name: 'single experiment', experiment_ids: ['{{B}}'] },
  { name: 'deleted experiment still searchable', experiment_ids: ['{{C}}', '{{D}}'] },
  // Errors.
  { name: 'error: OR', filter: "metrics.acc > 0 OR params.lr = '0.1'" },
  { name: 'error: LIKE on a metric', filter: "metrics.acc LIKE '0%'" },
  { name: 'error: IS NULL on a metric', filter: 'metrics.acc IS NULL' },
  { name: 'error: unknown entity', filter: 'foo.bar = 1' },
  { name: 'error: invalid attribute key', filter: "experiment_id = '1'" },
  { name: 'error: unquoted string value', filter: 'params.lr = 0.1' },
  { name: 'error: bare word value', filter: 'status = FINISHED' },
  { name: 'error: numeric attribute with string', filter: "start_time > '5'" },
  { name: 'error: IN on status', filter: "status IN ('FINISHED')" },
  { name: 'error: empty IN list', filter: 'run_id IN ()' },
  { name: 'error: > on a param', filter: "params.lr > '0'" },
  { name: 'error: parenthesised clause', filter: "(params.lr = '0.1')" },
  { name: 'error: whitespace-only filter', filter: '   ' },
  { name: 'error: two statements', filter: "params.lr = '0.1'; tags.a = 'b'" },
  { name: 'error: order_by NULLS LAST', order_by: ['metrics.acc DESC NULLS LAST'] },
  { name: 'error: order_by bad direction', order_by: ['metrics.acc DOWN'] },
  { name: 'error: order_by on dataset', order_by: ['datasets.name'] },
  { name: 'error: duplicate order_by (INTERNAL_ERROR)', order_by: ['created', 'start_time DESC'] },
  { name: 'error: max_results 0', max_results: 0 },
  { name: 'error: max_results above 50000', max_results: 50001 },
  { name: 'error: malformed page token', page_token: 'not-a-token' },
  { name: 'error: page token without offset', page_token: 'eyJmb28iOiAxfQ==' },
  { name: 'error: bad experiment id', experiment_ids: ['abc'] },
];

const EXPERIMENT_CASES: Case[] = (
  [
    { name: 'experiments: default order' },
    { name: 'experiments: ALL view type', view_type: 'ALL' },
    { name: 'experiments: DELETED_ONLY', view_type: 'DELETED_ONLY' },
    { name: 'experiments: name LIKE is case-sensitive', filter: "name LIKE 'search-%'", view_type: 'ALL' },
    { name: 'experiments: name ILIKE', filter: "attributes.name ILIKE 'SEARCH-%'", view_type: 'ALL' },
    { name: 'experiments: tag =', filter: "tags.team = 'ml'", view_type: 'ALL' },
    { name: 'experiments: tag IS NULL', filter: 'tags.env IS NULL' },
    { name: 'experiments: tag LIKE with literal [', filter: "tag.note LIKE '%[beta]'" },
    { name: 'experiments: experiment_id IN', filter: "experiment_id IN ('{{A}}', '{{D}}', '{{C}}')" },
    { name: 'experiments: experiment_id !=', filter: "experiment_id != '{{A}}'" },
    { name: 'experiments: creation_time >', filter: 'creation_time > 0' },
    { name: 'experiments: order name DESC, pages of 2', order_by: ['name DESC'], max_results: 2 },
    { name: 'experiments: order last_update_time, experiment_id ASC', order_by: ['last_update_time', 'experiment_id'] },
    { name: 'experiments: error order by tag', order_by: ['tags.team'] },
    { name: 'experiments: error bad comparator', filter: "name > 'a'" },
    { name: 'experiments: error float time', filter: 'creation_time > 1.5' },
    { name: 'experiments: error bad experiment id', filter: "experiment_id = 'x'" },
    { name: 'experiments: error max_results 0', max_results: 0 },
  ] satisfies Case[]
).map((c) => ({ ...c, kind: 'experiments' as const }));

const ALL_CASES: Case[] = [...RUN_CASES, ...EXPERIMENT_CASES];

let fixture: Fixture;
let dbPath: string;
let db: Database.Database;
let cleanup: () => void;
const pyResults = new Map<string, Outcome>();

function substitute(text: string): string {
  return text.replace(/\{\{([^}]+)\}\}/g, (_, name: string) => {
    if (name.startsWith('uri:')) return fixture.artifact_uris[name.slice(4)] ?? name;
    if (name.startsWith('token:')) return createPageToken(Number(name.slice(6)));
    if (name.length === 1) return fixture.experiments[name.toLowerCase() as 'a'];
    return fixture.runs[name] ?? name;
  });
}

function resolve(c: Case) {
  return {
    kind: c.kind ?? 'runs',
    experiment_ids: (c.experiment_ids ?? AB).map(substitute),
    filter: c.filter === undefined ? undefined : substitute(c.filter),
    order_by: c.order_by ?? null,
    view_type: c.view_type ?? 'ACTIVE_ONLY',
    max_results: c.max_results ?? 1000,
    page_token: c.page_token === undefined ? undefined : substitute(c.page_token),
  };
}

/** Our side: the store's paging loop (limit max_results + 1) over the generated SQL. */
function runOurs(c: ReturnType<typeof resolve>): Outcome {
  try {
    validateMaxResults(c.max_results, c.kind === 'runs');
    let offset = parseStartOffsetFromPageToken(c.page_token);
    const ids: string[] = [];
    const tokens: string[] = [];
    for (;;) {
      const query =
        c.kind === 'runs'
          ? buildSearchRunsSql({
              experimentIds: c.experiment_ids,
              filterString: c.filter,
              runViewType: c.view_type,
              orderBy: c.order_by,
              offset,
              limit: c.max_results + 1,
            })
          : buildSearchExperimentsSql({
              viewType: c.view_type,
              filterString: c.filter,
              orderBy: c.order_by,
              offset,
              limit: c.max_results + 1,
            });
      const rows = db.prepare(query.sql).all(...query.params) as Array<Record<string, unknown>>;
      const page = rows.map((r) => String(r.run_uuid ?? r.experiment_id));
      ids.push(...page.slice(0, c.max_results));
      if (page.length <= c.max_results) break;
      const token = createPageToken(offset + c.max_results);
      tokens.push(token);
      offset = parseStartOffsetFromPageToken(token);
    }
    return { ids, tokens };
  } catch (error) {
    if (isMlflowError(error)) return { error_code: error.errorCode, message: error.message };
    throw error;
  }
}

beforeAll(async () => {
  const tmp = makeTempDir('search-parity-');
  cleanup = tmp.cleanup;
  dbPath = join(tmp.dir, 'x.db');
  const { stdout } = await runPython('make_search_fixture.py', [dbPath], { cwd: tmp.dir });
  fixture = JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as Fixture;
  const results = await runPythonJson<Outcome[]>(
    'search_runs.py',
    { db: dbPath, cases: ALL_CASES.map(resolve) },
    { cwd: tmp.dir },
  );
  ALL_CASES.forEach((c, i) => {
    pyResults.set(c.name, results[i] as Outcome);
  });
  db = new Database(dbPath, { readonly: true });
});

afterAll(() => {
  db?.close();
  cleanup?.();
});

describe('search parity with MLflow 3.18.0 SqlAlchemyStore', () => {
  it('has distinct case names and enough cases', () => {
    expect(new Set(ALL_CASES.map((c) => c.name)).size).toBe(ALL_CASES.length);
    expect(RUN_CASES.length).toBeGreaterThanOrEqual(35);
    expect(EXPERIMENT_CASES.length).toBeGreaterThanOrEqual(6);
  });

  it.each(ALL_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const expected = pyResults.get(c.name);
    const actual = runOurs(resolve(c));
    if (expected !== undefined && 'error_code' in expected) {
      // Messages can differ (Python renders sets in hash order), the error code must not.
      expect(actual, `python: ${expected.message}`).toMatchObject({ error_code: expected.error_code });
    } else {
      expect(actual).toEqual(expected);
    }
  });

  it('decodes the page tokens Python produced to their offsets', () => {
    const paged = pyResults.get('pages of 3, default order');
    expect(paged && 'tokens' in paged).toBe(true);
    const tokens = paged && 'tokens' in paged ? paged.tokens : [];
    expect(tokens.length).toBeGreaterThan(2);
    tokens.forEach((token, i) => {
      expect(parseStartOffsetFromPageToken(token)).toBe(3 * (i + 1));
      expect(createPageToken(3 * (i + 1))).toBe(token);
    });
  });

  it('exercises non-trivial results (guards against vacuous parity)', () => {
    const nonEmpty = RUN_CASES.filter((c) => {
      const r = pyResults.get(c.name);
      return r !== undefined && 'ids' in r && r.ids.length > 0;
    });
    expect(nonEmpty.length).toBeGreaterThanOrEqual(50);
    const errors = ALL_CASES.filter((c) => {
      const r = pyResults.get(c.name);
      return r !== undefined && 'error_code' in r;
    });
    // Errors happen exactly in the cases named as error cases.
    expect(errors.map((c) => c.name)).toEqual(ALL_CASES.filter((c) => c.name.includes('error')).map((c) => c.name));
  });
});
