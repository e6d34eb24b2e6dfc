import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/tracking/errors.js';
import {
  parseExperimentFilter,
  parseExperimentId,
  parseExperimentOrderBy,
  resolveExperimentOrderBy,
} from '../../../src/tracking/search/experiments.js';
import { buildSearchExperimentsSql } from '../../../src/tracking/sqlite/search-sql.js';
import { invalidParameterThrownBy } from '../../helpers/errors.js';

describe('parseExperimentFilter', () => {
  it('returns [] for an empty filter', () => {
    expect(parseExperimentFilter('')).toEqual([]);
    expect(parseExperimentFilter(undefined)).toEqual([]);
  });

  it.each([
    ["name = 'a'", { type: 'attribute', key: 'name', comparator: '=', value: 'a' }],
    ["attribute.name LIKE 'a%'", { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'a%' }],
    ["attributes.name ilike 'A%'", { type: 'attribute', key: 'name', comparator: 'ILIKE', value: 'A%' }],
    ["tags.x = 'y'", { type: 'tag', key: 'x', comparator: '=', value: 'y' }],
    ["tag.`a b` != 'y'", { type: 'tag', key: 'a b', comparator: '!=', value: 'y' }],
    ['tags.x IS NULL', { type: 'tag', key: 'x', comparator: 'IS NULL', value: null }],
    ['tags.x IS NOT NULL', { type: 'tag', key: 'x', comparator: 'IS NOT NULL', value: null }],
    ["experiment_id = '1'", { type: 'attribute', key: 'experiment_id', comparator: '=', value: 1 }],
    ["experiment_id IN ('1', '2')", { type: 'attribute', key: 'experiment_id', comparator: 'IN', value: [1, 2] }],
    ["experiment_id NOT IN ('3')", { type: 'attribute', key: 'experiment_id', comparator: 'NOT IN', value: [3] }],
    ['creation_time > 0', { type: 'attribute', key: 'creation_time', comparator: '>', value: 0 }],
    [
      'last_update_time <= 99999999999999',
      { type: 'attribute', key: 'last_update_time', comparator: '<=', value: 99999999999999 },
    ],
  ])('%s', (filter, clause) => {
    expect(parseExperimentFilter(filter)).toEqual([clause]);
  });

  it('parses AND chains', () => {
    expect(parseExperimentFilter("name = 'a' AND tags.x = 'y'")).toHaveLength(2);
  });

  it.each([
    ["name = 'a' OR name = 'b'", 'Invalid clause(s) in filter string: OR'],
    ["name IN ('a')", "Only ['experiment_id'] attributes support comparison with a list of quoted string values."],
    ["name > 'a'", "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN'}'"],
    [
      "attr.name = 'a'",
      "Invalid entity type 'attr'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')",
    ],
    [
      "`attributes`.name = 'a'",
      "Invalid entity type '`attributes`'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')",
    ],
    [
      'metrics.x > 1',
      "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')",
    ],
    ['name IS NULL', "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'"],
    ["tags.x IN ('a')", "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')"],
    ["tags.x > 'a'", 'Invalid comparator for tag: >'],
    ['experiment_id = 1', 'Expected a quoted string value for attributes. Got value 1'],
    ["experiment_id = 'abc'", "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."],
    ["experiment_id LIKE '1'", 'Invalid comparator for experiment_id: LIKE'],
    ["experiment_id > '1'", 'Invalid comparator for experiment_id: >'],
    ['creation_time > 1.5', "Invalid value for numeric attribute 'creation_time': '1.5'"],
    ['creation_time > 1e3', "Invalid value for numeric attribute 'creation_time': '1000.0'"],
    ["creation_time > '1'", "Expected numeric value type for numeric attribute: creation_time. Found '1'"],
    ['creation_time IN (1)', 'Expected numeric value type for numeric attribute: creation_time. Found (1)'],
  ])('rejects %s', (filter, message) => {
    const error = invalidParameterThrownBy(() => parseExperimentFilter(filter));
    expect(error.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(error.message).toBe(message);
  });

  it('names the valid attribute keys', () => {
    expect(invalidParameterThrownBy(() => parseExperimentFilter("lifecycle_stage = 'active'")).message).toMatch(
      /^Invalid attribute key 'lifecycle_stage' specified\. Valid keys are '\{'creation_time', 'experiment_id', 'last_update_time', 'name'\}'$/,
    );
  });
});

describe('experiment order_by', () => {
  it.each([
    ['name', 'name', true],
    ['name DESC', 'name', false],
    ['attributes.name', 'name', true],
    ['experiment_id', 'experiment_id', true],
    ['creation_time DESC', 'creation_time', false],
    ['last_update_time ASC', 'last_update_time', true],
  ])('%s', (orderBy, key, ascending) => {
    expect(parseExperimentOrderBy(orderBy)).toEqual({ type: 'attribute', key, ascending });
  });

  it.each([
    ['tags.x', 'Invalid order_by entity: tag'],
    ['name UP', "Invalid ordering key in order_by clause 'name UP'."],
  ])('rejects %s', (orderBy, message) => {
    expect(invalidParameterThrownBy(() => parseExperimentOrderBy(orderBy)).message).toBe(message);
  });

  it('defaults to creation_time DESC, experiment_id ASC', () => {
    expect(resolveExperimentOrderBy(undefined)).toEqual([
      { type: 'attribute', key: 'creation_time', ascending: false },
      { type: 'attribute', key: 'experiment_id', ascending: true },
    ]);
    expect(resolveExperimentOrderBy([])).toEqual(resolveExperimentOrderBy(null));
  });

  it('appends experiment_id DESC as tie-breaker unless present', () => {
    expect(resolveExperimentOrderBy(['name'])).toEqual([
      { type: 'attribute', key: 'name', ascending: true },
      { type: 'attribute', key: 'experiment_id', ascending: false },
    ]);
    expect(resolveExperimentOrderBy(['experiment_id ASC', 'name'])).toHaveLength(2);
  });
});

describe('parseExperimentId', () => {
  it('parses like Python int()', () => {
    expect(parseExperimentId('12')).toBe(12);
    expect(parseExperimentId(' 7 ')).toBe(7);
    expect(parseExperimentId('1_0')).toBe(10);
    expect(parseExperimentId(3)).toBe(3);
    expect(() => parseExperimentId('1.5')).toThrow(
      "Invalid experiment ID '1.5'. Experiment ID must be a valid integer.",
    );
  });
});

describe('buildSearchExperimentsSql', () => {
  it('binds values and orders by the resolved clauses', () => {
    const { sql, params } = buildSearchExperimentsSql({
      viewType: 'ALL',
      filterString: "name LIKE 'a%' AND tags.`k'` = 'v' AND experiment_id IN ('1','2')",
      orderBy: ['name DESC'],
      offset: 4,
      limit: 3,
    });
    expect(sql).toMatch(/ORDER BY experiments\.name DESC, experiments\.experiment_id DESC LIMIT \? OFFSET \?$/);
    expect(sql).not.toContain("k'");
    expect(params).toEqual(['a*', "k'", 'v', 1, 2, 'active', 'deleted', 3, 4]);
  });
});
