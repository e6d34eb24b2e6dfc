// The registry's search grammar and input rules on their own (SearchModelUtils,
// SearchModelVersionUtils and validation.py's registry checks). Results against Python MLflow on a
// real database are in test/interop/registry.test.ts.

import { describe, expect, it } from 'vitest';
import {
  getCanonicalStage,
  InvalidParameterError,
  MlflowError,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
} from '../../../src/index.js';
import { isQueryingPrompts } from '../../../src/tracking/registry/search.js';
import {
  validateAliasName,
  validateAliasNameReserved,
  validateModelName,
  validateModelVersion,
} from '../../../src/tracking/registry/validation.js';
import { invalidParameterThrownBy } from '../../helpers/errors.js';

describe('registered model filters', () => {
  it('parses names, tags and lists into typed clauses', () => {
    expect(
      parseRegisteredModelFilter(
        "name ILIKE 'chat%' and tags.team = 'a' AND tag.`my key` != \"b\" AND name IN ('x', 'y') AND attribute.name like 'c'",
      ),
    ).toEqual([
      { type: 'attribute', key: 'name', comparator: 'ILIKE', value: 'chat%' },
      { type: 'tag', key: 'team', comparator: '=', value: 'a' },
      { type: 'tag', key: 'my key', comparator: '!=', value: 'b' },
      { type: 'attribute', key: 'name', comparator: 'IN', value: ['x', 'y'] },
      { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'c' },
    ]);
    expect(parseRegisteredModelFilter('')).toEqual([]);
    expect(parseRegisteredModelFilter(undefined)).toEqual([]);
    expect(parseRegisteredModelFilter("tags.mlflow.prompt.is_prompt = 'true'")).toEqual([
      { type: 'tag', key: 'mlflow.prompt.is_prompt', comparator: '=', value: 'true' },
    ]);
  });

  it.each([
    ["attributes.name = 'x'", "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')"],
    ["params.x = 'x'", "Invalid entity type 'params'"],
    ['creation_timestamp > 1', "Invalid attribute key 'creation_timestamp' specified. Valid keys are '{'name'}'"],
    ['name = 1', 'Expected a quoted string value or a list of quoted string values for attributes. Got value 1'],
    ['name = abc', 'Parameter value is either not quoted or unidentified quote types used for string value abc.'],
    ["tags.t IN ('a')", "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')"],
    ['name IS NULL', 'IS NULL / IS NOT NULL is not supported for registered model search.'],
    ["name = 'a' OR name = 'b'", 'Invalid clause(s) in filter string: OR'],
    ["name > 'a'", 'Invalid comparator for attribute: >'],
    ["tags.t NOT IN ('a')", "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')"],
    ['name IN ()', 'expected a non-empty list of string values, but got empty list'],
  ])('refuses %s', (filter, message) => {
    expect(invalidParameterThrownBy(() => parseRegisteredModelFilter(filter)).message).toContain(message);
  });
});

describe('model version filters', () => {
  it('parses versions as integers, strings that are integers too', () => {
    expect(
      parseModelVersionFilter(
        "version_number >= 2 AND version_number != '3' AND run_id IN ('r') AND source_path LIKE 's3%'",
      ),
    ).toEqual([
      { type: 'attribute', key: 'version_number', comparator: '>=', value: 2 },
      { type: 'attribute', key: 'version_number', comparator: '!=', value: 3 },
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['r'] },
      { type: 'attribute', key: 'source_path', comparator: 'LIKE', value: 's3%' },
    ]);
  });

  it.each([
    ['version_number = 1.0', "Invalid value for numeric attribute 'version_number': 1.0"],
    ["version_number = 'one'", "Invalid value for numeric attribute 'version_number': 'one'"],
    [
      "version_number IN ('1')",
      "Only ['name', 'run_id'] attributes support comparison with a list of quoted string values.",
    ],
    ["version_number ILIKE '1'", 'Invalid comparator for attribute version_number: ILIKE'],
    ['run_id = 7', "Only the '{'creation_timestamp', 'last_updated_timestamp', 'version_number'}' attributes support"],
    ["status = 'READY'", "Invalid attribute key 'status' specified."],
    ['tags.x IS NOT NULL', 'IS NULL / IS NOT NULL is not supported for model version search.'],
  ])('refuses %s', (filter, message) => {
    expect(invalidParameterThrownBy(() => parseModelVersionFilter(filter)).message).toContain(message);
  });
});

describe('order_by', () => {
  it('registered models: name or the last update (timestamp), name added as tie-breaker', () => {
    expect(parseRegisteredModelOrderBy(undefined)).toEqual([{ column: 'name', ascending: true }]);
    expect(parseRegisteredModelOrderBy(['timestamp DESC'])).toEqual([
      { column: 'last_updated_time', ascending: false },
      { column: 'name', ascending: true },
    ]);
    expect(parseRegisteredModelOrderBy(['name desc', 'last_updated_timestamp'])).toEqual([
      { column: 'name', ascending: false },
      { column: 'last_updated_time', ascending: true },
    ]);
    expect(invalidParameterThrownBy(() => parseRegisteredModelOrderBy(['creation_timestamp'])).message).toBe(
      "Invalid order by key 'creation_timestamp' specified. Valid keys are '{'name', 'timestamp'}'",
    );
    expect(() => parseRegisteredModelOrderBy(['timestamp', 'last_updated_timestamp DESC'])).toThrow(MlflowError);
    expect(invalidParameterThrownBy(() => parseRegisteredModelOrderBy(['name UP'])).message).toBe(
      "Invalid ordering key in order_by clause 'name UP'.",
    );
  });

  it('model versions: MLflow’s default, then name ASC and version DESC as tie-breakers', () => {
    expect(parseModelVersionOrderBy([])).toEqual([
      { column: 'last_updated_time', ascending: false },
      { column: 'name', ascending: true },
      { column: 'version', ascending: false },
    ]);
    expect(parseModelVersionOrderBy(['creation_timestamp'])).toEqual([
      { column: 'creation_time', ascending: true },
      { column: 'name', ascending: true },
      { column: 'version', ascending: false },
    ]);
    expect(parseModelVersionOrderBy(['attribute.version_number DESC', 'name DESC'])).toEqual([
      { column: 'version', ascending: false },
      { column: 'name', ascending: false },
    ]);
    const dup = (() => {
      try {
        parseModelVersionOrderBy(['name', 'name DESC']);
      } catch (e) {
        return e as MlflowError;
      }
    })();
    expect(dup?.errorCode).toBe('INTERNAL_ERROR');
    expect(dup?.message).toBe("`order_by` contains duplicate fields: ['name', 'name DESC']");
  });
});

describe('prompts in filters', () => {
  it("asks for prompts only with = 'true' or != 'false' (any case) on the first prompt-tag clause", () => {
    const q = (f: string) => isQueryingPrompts(parseRegisteredModelFilter(f));
    expect(q("tags.`mlflow.prompt.is_prompt` = 'TRUE'")).toBe(true);
    expect(q("tags.`mlflow.prompt.is_prompt` != 'false'")).toBe(true);
    expect(q("tags.`mlflow.prompt.is_prompt` = 'false'")).toBe(false);
    expect(q("tags.`mlflow.prompt.is_prompt` LIKE 'true'")).toBe(false);
    expect(q("name = 'x'")).toBe(false);
  });
});

describe('registry input rules', () => {
  it('model names', () => {
    expect(() => validateModelName('fine name-1.0')).not.toThrow();
    expect(invalidParameterThrownBy(() => validateModelName('')).message).toBe(
      "Missing value for required parameter 'name'.",
    );
    expect(invalidParameterThrownBy(() => validateModelName(null)).message).toBe(
      "Missing value for required parameter 'name'.",
    );
    expect(invalidParameterThrownBy(() => validateModelName('a:b')).message).toBe(
      "Invalid model name 'a:b'. Names cannot contain '/' or ':'.",
    );
    expect(invalidParameterThrownBy(() => validateModelName('.')).message).toContain("This name would resolve to '.'");
  });

  it('versions read as Python int() reads them', () => {
    expect(validateModelVersion('7')).toBe(7);
    expect(validateModelVersion(' +1_0 ')).toBe(10);
    expect(validateModelVersion(3)).toBe(3);
    expect(invalidParameterThrownBy(() => validateModelVersion('1e3')).message).toBe(
      "Parameter 'version' must be an integer, got '1e3'.",
    );
  });

  it('aliases', () => {
    expect(() => validateAliasName('champion_2-b')).not.toThrow();
    expect(() => validateAliasName('ünï')).not.toThrow();
    expect(invalidParameterThrownBy(() => validateAliasName('a.b')).message).toBe(
      "Invalid alias name: 'a.b'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
    );
    expect(invalidParameterThrownBy(() => validateAliasNameReserved('Latest')).message).toBe(
      "'latest' alias name (case insensitive) is reserved.",
    );
    expect(invalidParameterThrownBy(() => validateAliasNameReserved('v0')).message).toBe(
      "Version alias name 'v0' is reserved.",
    );
    expect(() => validateAliasNameReserved('version1')).not.toThrow();
  });

  it('stages', () => {
    expect(getCanonicalStage('ARCHIVED')).toBe('Archived');
    expect(getCanonicalStage('none')).toBe('None');
    expect(() => getCanonicalStage('Deleted_Internal')).toThrow(InvalidParameterError);
  });
});
