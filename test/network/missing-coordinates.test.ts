/**
 * Topology Zoo files with nodes that have no Latitude/Longitude: refused by default with
 * a message naming --missing-coordinates; `drop` removes them and their links (and checks
 * connectivity); `neighbours` places them at the mean position of placed neighbours.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { loadUnderlay } from '../../src/network/load.js';
import { geodesicKm, underlayFromGml } from '../../src/network/underlay.js';
import { loadConfig } from '../../src/experiment/config.js';
import { runTraining } from '../../src/experiment/runner.js';
import { validateConfig, type TrainConfig } from '../../src/experiment/config.js';
import { fakeTrainer } from '../learning/fake-trainer.js';
import { ROOT } from '../helpers.js';

function errorOf(f: () => unknown): DflsimInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof DflsimInputError) return e;
    throw e;
  }
  throw new Error('expected an input error');
}

// A (0,0) - B (0,2) - C (no coordinates) - D (2,2); C - E (no coordinates) - F (no coordinates); lengths from coordinates
const ZOO = `graph [
  node [ id 0 label "A" Latitude 0 Longitude 0 ]
  node [ id 1 label "B" Latitude 0 Longitude 2 ]
  node [ id 2 label "C" ]
  node [ id 3 label "D" Latitude 2 Longitude 2 ]
  node [ id 4 label "E" ]
  node [ id 5 label "F" ]
  edge [ source 0 target 1 ]
  edge [ source 1 target 2 ]
  edge [ source 2 target 3 ]
  edge [ source 2 target 4 ]
  edge [ source 4 target 5 ]
  edge [ source 0 target 3 ]
]`;

describe('--missing-coordinates', () => {
  it('error (the default) refuses a link that needs a missing coordinate, naming the option', () => {
    const e = errorOf(() => underlayFromGml(ZOO, 'zoo.gml'));
    expect(e.where).toBe('zoo.gml: line 9');
    expect(e.message).toMatch(/edge 1-2 has no "distance" and C has no Latitude\/Longitude; give --missing-coordinates drop or neighbours/);
    expect(errorOf(() => underlayFromGml(ZOO, 'zoo.gml', undefined, { missingCoordinates: 'error' })).message).toMatch(
      /--missing-coordinates/,
    );
  });

  it('a link with a distance needs no coordinates, whatever the mode', () => {
    const text = 'graph [ node [ id 0 ] node [ id 1 Latitude 1 Longitude 1 ] edge [ source 0 target 1 distance 12.5 ] ]';
    expect(underlayFromGml(text, 'd.gml').links).toEqual([{ a: 0, b: 1, distanceKm: 12.5 }]);
  });

  it('neighbours: C at the mean of B and D (its placed neighbours), then E at C, then F at E', () => {
    const u = underlayFromGml(ZOO, 'zoo.gml', undefined, { missingCoordinates: 'neighbours' });
    expect(u.silos).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    // round 1: C has placed neighbours B (0,2) and D (2,2); E's only neighbours C, F are unplaced
    expect(u.coordinates[2]).toEqual({ latitude: 1, longitude: 2 });
    // round 2: E's placed neighbour is C; round 3: F's is E
    expect(u.coordinates[4]).toEqual({ latitude: 1, longitude: 2 });
    expect(u.coordinates[5]).toEqual({ latitude: 1, longitude: 2 });
    expect(u.links).toHaveLength(6);
    const bc = u.links.find((l) => l.a === 1 && l.b === 2)!;
    expect(bc.distanceKm).toBe(geodesicKm({ latitude: 0, longitude: 2 }, { latitude: 1, longitude: 2 }));
    // E and F coincide with C: zero-length links
    expect(u.links.find((l) => l.a === 4 && l.b === 5)!.distanceKm).toBe(0);
  });

  it('neighbours: a group with no placed neighbour ever is an error naming a node', () => {
    const text = `graph [ node [ id 0 Latitude 0 Longitude 0 ] node [ id 1 Latitude 0 Longitude 1 ]
      node [ id 2 label "X" ] node [ id 3 label "Y" ]
      edge [ source 0 target 1 ] edge [ source 2 target 3 distance 5 ] ]`;
    const e = errorOf(() => underlayFromGml(text, 'iso.gml', undefined, { missingCoordinates: 'neighbours' }));
    expect(e.where).toBe('iso.gml: line 2');
    expect(e.message).toMatch(/node X has no Latitude\/Longitude and no neighbour with a position .* \(and 1 more: Y\)/);
  });

  it('drop removes the nodes without coordinates and their links, renumbering the rest', () => {
    const u = underlayFromGml(ZOO, 'zoo.gml', undefined, { missingCoordinates: 'drop' });
    expect(u.silos).toEqual(['A', 'B', 'D']);
    expect(u.coordinates).toEqual([
      { latitude: 0, longitude: 0 },
      { latitude: 0, longitude: 2 },
      { latitude: 2, longitude: 2 },
    ]);
    expect(u.links.map((l) => [l.a, l.b])).toEqual([
      [0, 1],
      [0, 2],
    ]);
  });

  it('drop then checks connectivity: a network cut in two by the dropped node is refused', () => {
    const text = `graph [ node [ id 0 label "P" Latitude 0 Longitude 0 ] node [ id 1 label "Q" ] node [ id 2 label "R" Latitude 0 Longitude 1 ]
      edge [ source 0 target 1 ] edge [ source 1 target 2 ] ]`;
    const e = errorOf(() => underlayFromGml(text, 'cut.gml', undefined, { missingCoordinates: 'drop' }));
    expect(e.where).toBe('cut.gml');
    expect(e.message).toMatch(/disconnected \(2 components\)/);
    const one = 'graph [ node [ id 0 Latitude 0 Longitude 0 ] node [ id 1 ] edge [ source 0 target 1 ] ]';
    expect(errorOf(() => underlayFromGml(one, 'one.gml', undefined, { missingCoordinates: 'drop' })).message).toMatch(
      /leaves 1 node with coordinates/,
    );
  });

  it('loadUnderlay threads the option; a config takes "missingCoordinates"', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-missing-'));
    const f = path.join(dir, 'zoo.gml');
    writeFileSync(f, ZOO);
    expect(() => loadUnderlay(f)).toThrow(/--missing-coordinates/);
    expect(loadUnderlay(f, '--network', { missingCoordinates: 'drop' }).silos).toHaveLength(3);
    expect(loadUnderlay(f, '--network', { missingCoordinates: 'neighbours' }).silos).toHaveLength(6);
    const cfgFile = path.join(dir, 'c.json');
    const cfg = { kind: 'cycle-times', name: 'zoo', networks: ['zoo.gml'], missingCoordinates: 'neighbours' };
    writeFileSync(cfgFile, JSON.stringify(cfg));
    expect((loadConfig(cfgFile) as { missingCoordinates: string }).missingCoordinates).toBe('neighbours');
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, missingCoordinates: 'guess' }));
    expect(() => loadConfig(cfgFile)).toThrow(/missingCoordinates/);
    writeFileSync(cfgFile, JSON.stringify({ kind: 'cycle-times', name: 'zoo', networks: ['zoo.gml'] }));
    expect((loadConfig(cfgFile) as { missingCoordinates: string }).missingCoordinates).toBe('error');
  });

  it('CLI: exit 2 naming --missing-coordinates by default; drop and neighbours time the network', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-missing-cli-'));
    const f = path.join(dir, 'zoo.gml');
    writeFileSync(f, ZOO);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), 'cycle-time', '-n', f, '-t', 'mst', '--format', 'json', ...args], {
        encoding: 'utf8',
      });
    const bad = run();
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      `dflsim: ${f}: line 9: edge 1-2 has no "distance" and C has no Latitude/Longitude; give --missing-coordinates drop or neighbours (config field "missingCoordinates")\n`,
    );
    expect(bad.stdout).toBe('');
    const dropped = run('--missing-coordinates', 'drop');
    expect(dropped.status).toBe(0);
    expect(JSON.parse(dropped.stdout).silos).toBe(3);
    const placed = run('--missing-coordinates', 'neighbours');
    expect(placed.status).toBe(0);
    expect(JSON.parse(placed.stdout).silos).toBe(6);
    const wrong = run('--missing-coordinates', 'guess');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/missing-coordinates/);
  });

  it("a training config's missingCoordinates reaches the run (validation and training load the network alike)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-missing-train-'));
    const gml = path.join(dir, 'zoo.gml');
    writeFileSync(gml, ZOO);
    const file = path.join(dir, 'train.json');
    const raw = {
      kind: 'train',
      network: gml,
      missingCoordinates: 'neighbours',
      topology: 'ring',
      model: { name: 'linear', inputSize: 16 },
      dataset: { kind: 'synthetic-driving', sequences: 12, framesPerSequence: 4 },
      rounds: 2,
      batchSize: 2,
      evalEvery: 1,
      workers: 1,
    };
    writeFileSync(file, JSON.stringify(raw));
    const cfg = validateConfig(raw, file) as TrainConfig;
    const s = await runTraining(cfg, file, { outDir: path.join(dir, 'out'), trainer: fakeTrainer(16 * 16) });
    expect(s.silos).toBe(6);
    expect(s.completed).toBe(true);
  });
});
