/**
 * Bad input through the built `dflsim` binary: each case exits 2 with `dflsim: <where>: <what>`
 * naming the file and line or the field, prints no stack trace, and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkFile, ROOT } from '../helpers.js';

const GAIA = networkFile('gaia');
const GAIA_SILOS = [
  'Virginia',
  'California',
  'Oregon',
  'Dublin',
  'Frankfurt',
  'Tokyo',
  'Seoul',
  'Singapore',
  'Sydney',
  'Mumbai',
  'Sao Paulo',
];
let dir: string;

function dflsim(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Exit 2, the message on stderr, no stack frame, nothing on stdout. */
function expectBad(r: ReturnType<typeof dflsim>, message: RegExp | string): void {
  expect(r.err).toMatch(typeof message === 'string' ? message : message);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^dflsim: /);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err).not.toMatch(/unexpected error|TypeError|RangeError|EISDIR|ENOTDIR/);
  expect(r.out).toBe('');
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  return f;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dflsim-bad-'));
});

describe('a directory where a file is expected', () => {
  it('as the GML network', () => {
    const d = path.join(dir, 'net.gml');
    mkdirSync(d, { recursive: true });
    expectBad(dflsim(['cycle-time', '-n', d]), `dflsim: ${d}: is a directory, not a network file\n`);
  });

  it('as the overlay file', () => {
    expectBad(dflsim(['cycle-time', '-n', GAIA, '--overlay', dir]), `dflsim: ${dir}: is a directory, not an overlay file\n`);
  });

  it('as the config file, writing no results', () => {
    const cfg = path.join(dir, 'cfgdir.json');
    mkdirSync(cfg, { recursive: true });
    const out = path.join(dir, 'out-cfgdir');
    expectBad(dflsim(['run', cfg, '--out', out]), `dflsim: ${cfg}: is a directory, not a config file\n`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('GML content', () => {
  it('100,000 nested "[" are refused at the first list nested too deep, naming its line; an unclosed list names its line', () => {
    const f = file('deep.gml', `graph [\n${'a [\n'.repeat(100_000)}`);
    expectBad(
      dflsim(['cycle-time', '-n', f]),
      `dflsim: ${f}: line 33: lists nested deeper than 32 levels (a network file nests 3 or 4: graph, node, graphics)\n`,
    );
    const open = file('open.gml', `graph [\n${'a [\n'.repeat(10)}`);
    expectBad(dflsim(['cycle-time', '-n', open]), `dflsim: ${open}: line 11: unbalanced "[": the list opened here is never closed\n`);
  });

  it('a latitude or longitude out of range names the file and line', () => {
    const lat = file(
      'lat.gml',
      'graph [\n  node [ id 0 label "A" Latitude 12 Longitude 3 ]\n  node [ id 1 label "B" Latitude -91 Longitude 3 ]\n  edge [ source 0 target 1 ]\n]\n',
    );
    expectBad(dflsim(['cycle-time', '-n', lat]), `dflsim: ${lat}: line 3: node 1 has Latitude -91, outside [-90, 90] degrees\n`);
    const lon = file(
      'lon.gml',
      'graph [\n  node [ id 0 label "A" Latitude 12\n    Longitude 200 ]\n  node [ id 1 label "B" Latitude 1 Longitude 3 ]\n  edge [ source 0 target 1 ]\n]\n',
    );
    expectBad(dflsim(['cycle-time', '-n', lon]), `dflsim: ${lon}: line 3: node 0 has Longitude 200, outside [-180, 180] degrees\n`);
  });

  it('a single-silo network', () => {
    const f = file('one.gml', 'graph [\n  node [ id 0 label "Solo" Latitude 1 Longitude 1 ]\n]\n');
    expectBad(dflsim(['cycle-time', '-n', f]), `dflsim: ${f}: the graph has a single node (Solo): a network needs at least 2 silos\n`);
  });
});

describe('flags given twice', () => {
  it('a list flag twice joins the lists (-t ring -t star = -t ring,star)', () => {
    const twice = dflsim(['cycle-time', '-n', GAIA, '-t', 'ring', '--topologies', 'star', '-f', 'csv']);
    const once = dflsim(['cycle-time', '-n', GAIA, '-t', 'ring,star', '-f', 'csv']);
    expect(twice.err).toBe('');
    expect(twice.code).toBe(0);
    expect(twice.out).toBe(once.out);
    expect(
      twice.out
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    ).toEqual(['topology', 'ring', 'star']);
  });

  it('--sweep-t twice joins the values', () => {
    const r = dflsim(['multigraph', '-n', GAIA, '--sweep-t', '1..2', '--sweep-t', '4', '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).sweep.map((s: { tMax: number }) => s.tMax)).toEqual([1, 2, 4]);
  });

  it.each([
    [['cycle-time', '-n', GAIA, '--seed', '1', '--seed', '2'], 'dflsim: --seed: given twice (1, 2); give it once\n'],
    [['cycle-time', '-n', GAIA, '-n', GAIA], '--network: given twice'],
    [
      ['cycle-time', '-n', GAIA, '--model-size-bits', '5', '--model-size-bits', '6', '--workload', 'custom', '--compute-ms', '1'],
      'dflsim: --model-size-bits: given twice (5, 6); give it once\n',
    ],
    [
      ['cycle-time', '-n', GAIA, '-w', 'femnist', '--workload', 'sent140', '--workload', 'synthetic'],
      '--workload: given 3 times ("femnist", "sent140", "synthetic")',
    ],
    [['multigraph', '-n', GAIA, '--overlay-of', 'ring', '--overlay-of', 'mst'], '--overlay-of: given twice'],
  ])('a scalar flag twice is an error naming it: %j', (args, message) => {
    expectBad(dflsim(args as string[]), message as string);
  });

  it('--out twice on run: an error, nothing written', () => {
    const a = path.join(dir, 'out-a'),
      b = path.join(dir, 'out-b');
    expectBad(
      dflsim(['run', path.join(ROOT, 'experiments/quick-demo.json'), '--out', a, '--out', b]),
      `dflsim: --out: given twice ("${a}", "${b}"); give it once\n`,
    );
    expect(existsSync(a) || existsSync(b)).toBe(false);
  });
});

describe('--out and --seed', () => {
  it('--out naming an existing file', () => {
    const f = file('results.txt', 'keep me\n');
    expectBad(
      dflsim(['run', path.join(ROOT, 'experiments/quick-demo.json'), '--out', f]),
      `dflsim: --out: ${f} is a file, not a directory (give a results directory)\n`,
    );
    expect(readFileSync(f, 'utf8')).toBe('keep me\n');
    const sub = path.join(f, 'run1');
    expectBad(
      dflsim(['run', path.join(ROOT, 'experiments/quick-demo.json'), '--out', sub]),
      `dflsim: --out: ${sub} cannot be created: ${f} is a file`,
    );
  });

  it.each([['-1'], ['1.5'], ['abc']])('--seed %s is refused: a non-negative integer', (seed) => {
    expectBad(dflsim(['cycle-time', '-n', GAIA, '--seed', seed]), /^dflsim: --seed: must be a non-negative integer, got /);
  });
});

describe('overlay files', () => {
  const ring = GAIA_SILOS.map((s, i) => [s, GAIA_SILOS[(i + 1) % GAIA_SILOS.length]]);

  it('not strongly connected', () => {
    const f = file('path.json', JSON.stringify({ silos: GAIA_SILOS, directed: true, edges: ring.slice(0, -1) }));
    expectBad(
      dflsim(['cycle-time', '-n', GAIA, '-t', 'ring', '--overlay', f]),
      `dflsim: ${f}: the overlay is not strongly connected: the model of "California" never reaches "Virginia"`,
    );
  });

  it('no edges', () => {
    const f = file('empty.json', JSON.stringify({ silos: GAIA_SILOS, edges: [] }));
    expectBad(dflsim(['cycle-time', '-n', GAIA, '--overlay', f]), `dflsim: ${f}: field "edges": the overlay has no edges`);
  });

  it('a duplicate edge, with its index', () => {
    const f = file('dup.json', JSON.stringify({ silos: GAIA_SILOS, edges: [...ring, ['Tokyo', 'Seoul']] }));
    expectBad(
      dflsim(['cycle-time', '-n', GAIA, '--overlay', f]),
      `dflsim: ${f}: edges[11]: duplicate edge ["Tokyo", "Seoul"] (already given as edges[5])\n`,
    );
  });

  it('a JSON syntax error gives line and column', () => {
    const f = file('syntax.json', '{\n  "silos": ["Virginia"],\n  "edges": [["Virginia", "Oregon"],]\n}\n');
    // line 3 is `  "edges": [["Virginia", "Oregon"],]`: the last "]" is column 36
    expectBad(
      dflsim(['cycle-time', '-n', GAIA, '--overlay', f]),
      `dflsim: ${f}: line 3, column 36: cannot parse JSON: expected a value, found "]" (a trailing comma?)\n`,
    );
  });
});

describe('experiment configs', () => {
  it('a JSON syntax error gives line and column', () => {
    const f = file('cfg/syntax.json', '{\n  "kind": "cycle-times",\n  "networks" ["gaia"]\n}\n');
    const out = path.join(dir, 'out-syntax');
    expectBad(
      dflsim(['run', f, '--out', out]),
      `dflsim: ${f}: line 3, column 14: cannot parse JSON: expected ":" after the property name, found "["\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a YAML syntax error gives line and column', () => {
    const f = file('cfg/syntax.yaml', 'kind: cycle-times\nnetworks: [gaia\n');
    const out = path.join(dir, 'out-syntax-yaml');
    expectBad(dflsim(['run', f, '--out', out]), new RegExp(`^dflsim: ${esc(f)}: line 3, column 1: cannot parse YAML: `));
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown network names the config file and field, never --network', () => {
    const train = file('cfg/nosuch.json', JSON.stringify({ kind: 'train', network: 'nosuch', rounds: 1 }));
    const out = path.join(dir, 'out-nosuch');
    const r = dflsim(['run', 'nosuch.json', '--out', out], path.dirname(train));
    expectBad(r, /^dflsim: nosuch\.json: network: unknown network "nosuch"/);
    expect(r.err).not.toMatch(/--network/);
    const ct = file('cfg/nosuch-ct.json', JSON.stringify({ kind: 'cycle-times', networks: [GAIA, 'nosuch'] }));
    const r2 = dflsim(['run', ct, '--out', out]);
    expectBad(r2, new RegExp(`^dflsim: ${esc(ct)}: networks\\[1\\]: unknown network "nosuch"`));
    expect(r2.err).not.toMatch(/--network/);
    expect(existsSync(out)).toBe(false);
  });

  it('a cycle-time config timing "overlay" without an overlay file names the field', () => {
    const f = file('cfg/no-overlay-ct.json', JSON.stringify({ kind: 'cycle-times', networks: [GAIA], topologies: ['ring', 'overlay'] }));
    const out = path.join(dir, 'out-no-overlay-ct');
    const r = dflsim(['run', f, '--out', out]);
    expectBad(r, `dflsim: ${f}: overlay: topology "overlay" (in topologies) needs an overlay file`);
    expect(r.err).not.toMatch(/--topologies|--overlay/);
    expect(existsSync(out)).toBe(false);
  });

  it('a training sweep [ring, mst, overlay] without an overlay file fails before the first run trains', () => {
    const f = file(
      'cfg/sweep.json',
      JSON.stringify({
        kind: 'train',
        network: GAIA,
        rounds: 2,
        model: { name: 'linear', inputSize: 8 },
        dataset: { kind: 'synthetic-driving', sequences: 30, framesPerSequence: 2 },
        sweep: { topology: ['ring', 'mst', 'overlay'] },
      }),
    );
    const out = path.join(dir, 'out-sweep');
    const r = dflsim(['run', f, '--out', out]);
    expectBad(
      r,
      `dflsim: ${f}: overlay: topology "overlay" (sweep.topology[2]) needs an overlay file: set "overlay": "<file.json>" (sweep point 3 of 3: topology=overlay)\n`,
    );
    expect(r.err).not.toMatch(/--topologies|--overlay/);
    expect(existsSync(out)).toBe(false);
  });

  it('a training sweep whose overlay file is bad fails before training, naming the overlay file', () => {
    const ring = GAIA_SILOS.map((s, i) => [s, GAIA_SILOS[(i + 1) % GAIA_SILOS.length]]);
    const ov = file('cfg/ring-dup.json', JSON.stringify({ silos: GAIA_SILOS, edges: [...ring, ring[0]] }));
    const f = file(
      'cfg/sweep-bad-overlay.json',
      JSON.stringify({
        kind: 'train',
        network: GAIA,
        rounds: 2,
        overlay: 'ring-dup.json',
        model: { name: 'linear', inputSize: 8 },
        dataset: { kind: 'synthetic-driving', sequences: 30, framesPerSequence: 2 },
        sweep: { topology: ['ring', 'overlay'] },
      }),
    );
    const out = path.join(dir, 'out-sweep-bad-overlay');
    expectBad(
      dflsim(['run', f, '--out', out]),
      `dflsim: ${ov}: edges[11]: duplicate edge ["Virginia", "California"] (already given as edges[0]) (sweep point 1 of 2: topology=ring)\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a DroNet sequence folder without images/ is named', () => {
    const root = path.join(dir, 'cfg/dronet');
    mkdirSync(path.join(root, 'seq1'), { recursive: true });
    const f = file(
      'cfg/dronet.json',
      JSON.stringify({
        kind: 'train',
        network: GAIA,
        rounds: 1,
        model: { name: 'linear', inputSize: 8 },
        dataset: { kind: 'dronet', root: 'dronet' },
      }),
    );
    const out = path.join(dir, 'out-dronet');
    expectBad(dflsim(['run', f, '--out', out]), `dflsim: ${path.join(root, 'seq1')}: is not a sequence folder: it has no images/ folder`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root)).toEqual(['seq1']);
  });
});

describe('absurd values, binary junk, fields named as written', () => {
  it('a GML link of 1e308 km is refused naming the line', () => {
    const text = readFileSync(GAIA, 'utf8');
    const i = text.indexOf('distance');
    const j = text.indexOf('\n', i);
    const f = file('huge.gml', `${text.slice(0, i)}distance 1e308${text.slice(j)}`);
    const line = text.slice(0, i).split('\n').length;
    expectBad(
      dflsim(['cycle-time', '-n', f]),
      new RegExp(`${esc(f)}: line ${line}: edge 0-1 has distance 1e\\+308 km, more than 100,000 km`),
    );
  });

  it('times so long that a cycle time would overflow are refused', () => {
    expectBad(
      dflsim(['cycle-time', '-n', GAIA, '--model-size-bits', '1e308', '-t', 'ring']),
      /workload: the upload of one model takes [\d.e+]+ ms, more than 1000000000000000 ms/,
    );
  });

  it('binary junk in a GML is shown escaped, never raw on the terminal', () => {
    const f = path.join(dir, 'junk.gml');
    writeFileSync(f, Buffer.from('graph [\n node [ id 0 label "a" ]\n \x1b[31m\x07\x01\x02 ]\n', 'latin1'));
    const r = dflsim(['cycle-time', '-n', f]);
    expectBad(r, /junk\.gml: line 3: unexpected text "\\x1b" \(binary data: is this a GML file\?\)/);
    // no control character but the final newline reached stderr
    expect(r.err.replace(/\n$/, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('a model that cannot be built names model.inputSize, not a dataset field, and writes nothing', () => {
    const cfg = file('small-input.json', JSON.stringify({ network: 'gaia-cities', model: { name: 'fadnet', inputSize: 8 }, rounds: 2 }));
    const out = path.join(dir, 'out-small-input');
    expectBad(
      dflsim(['run', cfg, '--out', out]),
      `dflsim: ${cfg}: model.inputSize: fadnet: model.inputSize must be an integer >= 16 pixels, got 8\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('fewer sequences than silos names the config file and dataset.sequences, and says how many went to the test set', () => {
    const cfg = file(
      'few.json',
      JSON.stringify({
        network: 'gaia-cities',
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 5 },
        rounds: 2,
        computeMs: 1,
      }),
    );
    const out = path.join(dir, 'out-few');
    expectBad(
      dflsim(['run', cfg, '--out', out]),
      new RegExp(
        `^dflsim: ${esc(cfg)}: dataset\\.sequences: 5 sequences: 1 went to the test set \\(testFraction 0\\.2\\) and 4 are left for 11 silos`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('config messages teach: what a workload accepts, a list of topologies points at sweep, misspellings get suggestions', () => {
    const run = (name: string, cfg: object) => dflsim(['run', file(name, JSON.stringify(cfg)), '--out', path.join(dir, `out-${name}`)]);
    expectBad(
      run('w.json', { network: 'gaia-cities', workload: 'femnsit' }),
      /workload: expected a preset name \("femnist", .*\) or an object \{"name"\?, "modelSizeBits", "computeMs", "rounds"\?\} \(bits, ms per local update\), got "femnsit" \(did you mean "femnist"\?\)/,
    );
    expectBad(
      run('w2.json', { network: 'gaia-cities', workload: { modelSizeBits: -3, computeMs: 2 } }),
      /workload\.modelSizeBits: Too small/,
    );
    expectBad(
      run('t.json', { network: 'gaia-cities', topology: ['ring', 'mst'] }),
      /topology: takes one topology name; to train several, list them in "sweep": \{"topology": \[\.\.\.\]\}/,
    );
    expectBad(
      run('t2.json', { network: 'gaia-cities', topology: 'multigraph-rng' }),
      /unknown topology "multigraph-rng" \(did you mean "multigraph-ring"/,
    );
    expectBad(run('f.json', { network: 'gaia-cities', rouns: 3 }), /unknown field "rouns" \(did you mean "rounds"\?\)/);
    expectBad(
      run('d.json', { network: 'gaia-cities', dataset: { kind: 'synthetic-driving', sequence: 3 } }),
      /dataset: unknown field "sequence" \(did you mean "sequences"\?\)/,
    );
    expectBad(run('n.json', { network: 'gaia-citys' }), /unknown network "gaia-citys" \(did you mean "gaia-cities"\?\)/);
  });
});
