import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { jsonSyntaxError, lineColumn, parseJsonInput, parseYamlInput, readInputFile } from '../../src/input-file.js';

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

describe('input files', () => {
  it('reads a regular file; names a missing path, a directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-in-'));
    const f = path.join(dir, 'a.json');
    writeFileSync(f, '{}');
    expect(readInputFile(f, 'config file')).toBe('{}');
    expect(errorOf(() => readInputFile(path.join(dir, 'b.json'), 'config file')).message).toBe(
      `${path.join(dir, 'b.json')}: config file not found`,
    );
    mkdirSync(path.join(dir, 'd.gml'));
    expect(errorOf(() => readInputFile(path.join(dir, 'd.gml'), 'network file')).message).toBe(
      `${path.join(dir, 'd.gml')}: is a directory, not a network file`,
    );
    // a path under a file: not found (ENOTDIR), not a stack trace
    expect(errorOf(() => readInputFile(path.join(f, 'x.gml'), 'network file')).message).toBe(
      `${path.join(f, 'x.gml')}: network file not found`,
    );
    // a config field as the place
    const e = errorOf(() => readInputFile(path.join(dir, 'd.gml'), 'network file', 'x.json: network'));
    expect(e.where).toBe('x.json: network');
    expect(e.message).toBe(`x.json: network: ${path.join(dir, 'd.gml')} is a directory, not a network file`);
  });

  it('line and column of an offset', () => {
    expect(lineColumn('ab\ncd\n', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd\n', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab\ncd\n', 6)).toEqual({ line: 3, column: 1 });
  });

  it('finds no error in valid JSON, including 100,000 nested arrays', () => {
    for (const t of [
      '{}',
      ' [ 1 , -2.5e-3, true, null, "a\\u00e9\\n\\"" ] ',
      '{"a":[1,{"b":{}}],"c":""}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    ]) {
      expect(() => JSON.parse(t)).not.toThrow();
      expect(jsonSyntaxError(t)).toBeUndefined();
    }
  });

  it.each([
    ['{"a": 1,}', 8, 'expected a property name in double quotes, found "}" (a trailing comma?)'],
    ['[1 2]', 3, 'expected "," or "]", found "2"'],
    ['{"a" 1}', 5, 'expected ":" after the property name, found "1"'],
    ['{\n  "a": tru\n}', 9, 'expected a value, found "t"'],
    ['"ab\ncd"', 3, 'a control character (such as a line break) inside a string'],
    ['[1, "\\q"]', 5, 'bad escape "\\q" in a string'],
    ['{} {}', 3, 'unexpected "{" after the end of the JSON value'],
    ['{"a": [1, 2', 11, 'unexpected end of the file (a value, "]" or "}" is missing)'],
    ['', 0, 'unexpected end of the file (a value, "]" or "}" is missing)'],
  ])('locates the syntax error of %j', (text, offset, what) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonSyntaxError(text)).toEqual({ offset, what });
  });

  it('JSON and YAML syntax errors name file, line and column', () => {
    const j = errorOf(() => parseJsonInput('{\n  "kind": "train",\n  "rounds": 3,\n}\n', 'config.json'));
    expect(j.where).toBe('config.json: line 4, column 1');
    expect(j.message).toBe(
      'config.json: line 4, column 1: cannot parse JSON: expected a property name in double quotes, found "}" (a trailing comma?)',
    );
    const y = errorOf(() => parseYamlInput('kind: train\nrounds: 3\n  lr: 1\n', 'config.yaml'));
    expect(y.where).toMatch(/^config\.yaml: line \d+, column \d+$/);
    expect(y.message).toMatch(/cannot parse YAML: /);
    expect(parseJsonInput('{"a": [1]}', 'x.json')).toEqual({ a: [1] });
  });
});
