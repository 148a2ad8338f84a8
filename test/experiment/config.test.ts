import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../../src/experiment/config-reference.js';
import { configJsonSchema, expandSweep, loadConfig, validateConfig } from '../../src/experiment/config.js';
import { ROOT } from '../helpers.js';

const EXPERIMENTS = path.join(ROOT, 'experiments');
const shipped = readdirSync(EXPERIMENTS).filter((f) => /\.(json|ya?ml)$/.test(f) && !f.includes('schema'));

describe('experiment configs', () => {
  it.each(shipped)('shipped config %s validates', (f) => {
    const cfg = loadConfig(path.join(EXPERIMENTS, f));
    expect(['train', 'cycle-times']).toContain(cfg.kind);
  });

  it('the committed JSON Schema is the one the code emits', () => {
    const committed = JSON.parse(readFileSync(path.join(EXPERIMENTS, 'dflsim-config.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('the committed config reference is the one the schema generates, and lists every field with a meaning', () => {
    const committed = readFileSync(path.join(ROOT, 'docs', 'config-reference.md'), 'utf8');
    const generated = configReferenceMarkdown();
    expect(committed).toBe(generated);
    for (const field of [
      'seeds',
      'repeats',
      'evalEvery',
      'verdict.margin',
      'verdict.confidence',
      'verdict.target',
      'computeMs',
      'modelSizeBits',
      'simulatedBudgetMs',
      'dataset.sequences',
      'sweep.seed',
    ]) {
      expect(generated, field).toMatch(new RegExp(`\\| \`${field.replace('.', '\\.')}\` \\|`));
    }
    // every row has a meaning
    const rows = generated.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.filter((r) => /\|\s*(\("[a-z-]+"\))?\s*(\(required\))?\s*\|$/.test(r))).toEqual([]);
  });

  it('fills defaults and expands sweeps into one run per combination', () => {
    const cfg = validateConfig({ kind: 'train', network: 'gaia', sweep: { topology: ['ring', 'star'], tMax: [2, 3, 5] } }, 'x.json');
    expect(cfg.kind).toBe('train');
    if (cfg.kind !== 'train') return;
    expect(cfg.rounds).toBe(300);
    expect(cfg.model).toEqual({ name: 'fadnet', inputSize: 64 });
    const runs = expandSweep(cfg);
    expect(runs).toHaveLength(6);
    expect(runs.map((r) => r.label)).toContain('topology=star,tMax=3');
    expect(runs.find((r) => r.label === 'topology=star,tMax=3')!.config).toMatchObject({ topology: 'star', tMax: 3 });
  });

  it('reads YAML', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-cfg-'));
    const f = path.join(dir, 'c.yaml');
    writeFileSync(f, 'kind: cycle-times\nnetworks: [gaia]\ntopologies: [ring, mst]\naccessGbps: 1\n');
    const cfg = loadConfig(f);
    expect(cfg).toMatchObject({ kind: 'cycle-times', networks: ['gaia'], accessGbps: 1 });
  });

  const broken: [string, unknown, RegExp][] = [
    ['wrong type', { kind: 'train', network: 'gaia', rounds: 'many' }, /rounds: .*expected number/i],
    ['unknown topology', { kind: 'train', network: 'gaia', topology: 'hypercube' }, /topology: .*(expected one of|Invalid option)/i],
    ['negative rounds', { kind: 'train', network: 'gaia', rounds: -5 }, /rounds: Too small/i],
    ['unknown field', { kind: 'train', network: 'gaia', epochs: 3 }, /unknown field "epochs"/],
    ['nested bad value', { kind: 'train', network: 'gaia', model: { name: 'fadnet', inputSize: 0 } }, /model\.inputSize: Too small/],
    [
      'model too large',
      { kind: 'train', network: 'gaia', model: { name: 'linear', inputSize: 1e8 } },
      /model\.inputSize: Too big: expected number to be <=1024/,
    ],
    ['bad queue prefix', { kind: 'train', network: 'gaia', queuePrefix: 'a:b' }, /queuePrefix: /],
    ['bad sweep value', { kind: 'train', network: 'gaia', sweep: { tMax: [2, 0] } }, /sweep\.tMax\[1\]: Too small/],
    ['missing network file', { kind: 'train', network: 'networks/missing.gml' }, /network: file not found: .*missing\.gml/],
    [
      'missing network in a list',
      { kind: 'cycle-times', networks: ['gaia', '../shared/networks/nope.gml'] },
      /networks\[1\]: file not found/,
    ],
    ['unknown kind', { kind: 'benchmark', network: 'gaia' }, /kind/],
  ];

  it.each(broken)('rejects a config with %s, naming the field, exit 2, writing nothing', (_name, raw, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-cfg-'));
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify(raw));
    expect(() => loadConfig(f)).toThrow(message);
    const out = path.join(dir, 'out');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), 'run', f, '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('bad.json');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('rejects malformed JSON and YAML with the file name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-cfg-'));
    writeFileSync(path.join(dir, 'a.json'), '{ "kind": "train", ');
    writeFileSync(path.join(dir, 'b.yaml'), 'kind: [train\n');
    // '{ "kind": "train", ' ends at offset 19: line 1, column 20
    expect(() => loadConfig(path.join(dir, 'a.json'))).toThrow(/a\.json: line 1, column 20: cannot parse JSON: /);
    expect(() => loadConfig(path.join(dir, 'b.yaml'))).toThrow(/b\.yaml: line 2, column 1: cannot parse YAML: /);
    expect(() => loadConfig(path.join(dir, 'none.json'))).toThrow(/none\.json: config file not found/);
  });
});
