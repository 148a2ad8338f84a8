import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { buildConnectivityGraph } from '../../src/network/connectivity.js';
import { underlayFromGml } from '../../src/network/underlay.js';
import { parseOverlayFile, readOverlayFile } from '../../src/overlay/overlay-file.js';

const cg = buildConnectivityGraph(
  underlayFromGml(
    'graph [ node [ id 0 label "A" ] node [ id 1 label "B" ] node [ id 2 label "C" ] edge [ source 0 target 1 distance 100 ] edge [ source 1 target 2 distance 100 ] ]',
    'abc.gml',
  ),
);
const silos = ['A', 'B', 'C'];

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

const parse = (o: unknown): ReturnType<typeof parseOverlayFile> =>
  parseOverlayFile(typeof o === 'string' ? o : JSON.stringify(o), 'mine.json', cg);

describe('overlay files', () => {
  it('accepts a directed cycle and an undirected path (strongly connected)', () => {
    expect(
      parse({
        silos,
        edges: [
          ['A', 'B'],
          ['B', 'C'],
          ['C', 'A'],
        ],
      }).edges.map((e) => [e.from, e.to]),
    ).toEqual([
      [0, 1],
      [1, 2],
      [2, 0],
    ]);
    expect(
      parse({
        silos,
        directed: false,
        edges: [
          ['A', 'B'],
          ['B', 'C'],
        ],
      }).edges,
    ).toHaveLength(4);
  });

  it('refuses an overlay that is not strongly connected, naming the file and two silos', () => {
    // A -> B -> C: nothing returns to A
    const e = errorOf(() =>
      parse({
        silos,
        edges: [
          ['A', 'B'],
          ['B', 'C'],
        ],
      }),
    );
    expect(e.where).toBe('mine.json');
    expect(e.message).toMatch(/mine\.json: the overlay is not strongly connected: the model of "B" never reaches "A"/);
    // A <-> B with C alone (undirected)
    const u = errorOf(() => parse({ silos, directed: false, edges: [['A', 'B']] }));
    expect(u.message).toMatch(/the model of "A" never reaches "C"/);
  });

  it('refuses an overlay without edges', () => {
    const e = errorOf(() => parse({ silos, edges: [] }));
    expect(e.where).toBe('mine.json: field "edges"');
    expect(e.message).toMatch(/has no edges/);
  });

  it('refuses a duplicate edge, naming it and both indices', () => {
    const d = errorOf(() =>
      parse({
        silos,
        edges: [
          ['A', 'B'],
          ['B', 'C'],
          ['C', 'A'],
          ['A', 'B'],
        ],
      }),
    );
    expect(d.where).toBe('mine.json: edges[3]');
    expect(d.message).toMatch(/duplicate edge \["A", "B"\] \(already given as edges\[0\]\)/);
    // directed: B -> A is another edge than A -> B
    expect(
      parse({
        silos,
        edges: [
          ['A', 'B'],
          ['B', 'A'],
          ['B', 'C'],
          ['C', 'B'],
        ],
      }).edges,
    ).toHaveLength(4);
    // undirected: [B, A] is [A, B] again
    const u = errorOf(() =>
      parse({
        silos,
        directed: false,
        edges: [
          ['A', 'B'],
          ['B', 'C'],
          ['B', 'A'],
        ],
      }),
    );
    expect(u.where).toBe('mine.json: edges[2]');
    expect(u.message).toMatch(/duplicate edge \["B", "A"\] \(already given as edges\[0\]; with "directed": false/);
  });

  it('gives the line and column of a JSON syntax error', () => {
    // line 3: `  "edges" [` — the "[" after the key is at column 11
    const e = errorOf(() => parse('{\n  "silos": ["A", "B", "C"],\n  "edges" [["A", "B"]]\n}\n'));
    expect(e.where).toBe('mine.json: line 3, column 11');
    expect(e.message).toMatch(/^mine\.json: line 3, column 11: cannot parse JSON: /);
    expect(e.message).not.toMatch(/position/);
  });

  it('refuses a directory or a missing path given as the overlay file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-ov-'));
    expect(errorOf(() => readOverlayFile(dir, cg)).message).toBe(`${dir}: is a directory, not an overlay file`);
    expect(errorOf(() => readOverlayFile(path.join(dir, 'none.json'), cg)).message).toBe(
      `${path.join(dir, 'none.json')}: overlay file not found`,
    );
  });
});
