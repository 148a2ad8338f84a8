/**
 * The verdict as a new user meets it: their own 6-site GML, a YAML config, RING against the
 * multigraph on RING and the exponential graph, several seeds. When no model learns, no
 * topology is named; when they learn but differ by less than seed noise, none is named either
 * (the quick demo's test covers a clear winner).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportVerdict } from '../../src/report/markdown.js';
import { readResults } from '../../src/report/write.js';
import { ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin/dflsim.js');

/** Six sites of a small research network (coordinates of real cities), a ring of links and two chords. */
const GML = `graph [
  directed 0
  node [ id 0 label "Lisbon" Latitude 38.72 Longitude -9.14 ]
  node [ id 1 label "Madrid" Latitude 40.42 Longitude -3.70 ]
  node [ id 2 label "Lyon" Latitude 45.76 Longitude 4.84 ]
  node [ id 3 label "Milan" Latitude 45.46 Longitude 9.19 ]
  node [ id 4 label "Vienna" Latitude 48.21 Longitude 16.37 ]
  node [ id 5 label "Prague" Latitude 50.08 Longitude 14.44 ]
  edge [ source 0 target 1 ]
  edge [ source 1 target 2 ]
  edge [ source 2 target 3 ]
  edge [ source 3 target 4 ]
  edge [ source 4 target 5 ]
  edge [ source 5 target 0 ]
  edge [ source 1 target 3 ]
  edge [ source 2 target 5 ]
]
`;

function setUp(lr: number, rounds: number, sequences = 30, frames = 6): { dir: string; cfg: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dflsim-verdict-'));
  writeFileSync(path.join(dir, 'sites.gml'), GML);
  const cfg = path.join(dir, 'study.yaml');
  writeFileSync(
    cfg,
    [
      'kind: train',
      'name: study',
      'network: sites.gml',
      'model: {name: linear, inputSize: 16}',
      `dataset: {kind: synthetic-driving, sequences: ${sequences}, framesPerSequence: ${frames}}`,
      `rounds: ${rounds}`,
      'batchSize: 4',
      `lr: ${lr}`,
      'evalEvery: 1',
      'workers: 1',
      'seeds: [1, 2, 3]',
      'sweep: {topology: [ring, multigraph-ring, exponential]}',
      '',
    ].join('\n'),
  );
  return { dir, cfg };
}

function run(cfg: string, out: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', cfg, '--out', out], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('verdicts end to end', () => {
  it("nothing learned (a learning rate of 1e-7): no topology is named, the report says so, and lists exactly the trained topologies' cycle times", async () => {
    const { dir, cfg } = setUp(1e-7, 12);
    const out = path.join(dir, 'out');
    const r = run(cfg, out);
    expect(r.code, r.err).toBe(0);
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    const sentence =
      /No run beat the constant predictor by 5%: .* The data do not say which topology is faster: train longer, or check the learning rate\./;
    expect(r.out).toMatch(sentence);
    expect(md).toMatch(sentence);
    expect(md).not.toMatch(/sooner than/);
    expect(reportVerdict(readResults(out))?.outcome).toBe('nothing-learned');
    // the cycle-time section: the three trained topologies, no others
    const json = JSON.parse(readFileSync(path.join(out, 'cycle-times.json'), 'utf8')) as { report: { results: { topology: string }[] } }[];
    expect(json.flatMap((c) => c.report.results.map((x) => x.topology)).sort()).toEqual(['exponential', 'multigraph-ring', 'ring']);
    // the model size is the linear model's own (257 parameters: 16x16 weights and a bias, x 32 bits), said in the report
    expect(md).toMatch(/model size on the links \| 8,224 bits \(model: 257 parameters x 32 bits\)/);
  }, 120_000);

  it('models that learn but differ by less than seed noise: every run reached the common target, the multigraph was sooner on average, and still no topology is named', async () => {
    const { dir, cfg } = setUp(0.01, 60, 44, 10);
    const out = path.join(dir, 'out');
    const r = run(cfg, out);
    expect(r.code, r.err).toBe(0);
    const v = reportVerdict(readResults(out))!;
    expect(v.outcome).toBe('no-clear-difference');
    expect(v.winner).toBeUndefined();
    expect(v.targetSource).toBe('best level every run reached');
    expect(v.conditions.every((c) => c.reached === 3)).toBe(true);
    // on average ahead of RING, but the paired test over 3 seeds does not clear p < 0.05
    const vsRing = v.comparisons.find((c) => c.slower === 'ring')!;
    expect(vsRing.faster).toBe('multigraph-ring');
    expect(vsRing.ratio).toBeGreaterThan(1);
    expect(vsRing.p).toBeGreaterThan(0.05);
    expect(vsRing.ratioLow).toBeLessThan(1);
    expect(v.sentence).toMatch(
      /^No clear winner over 3 seeds in the time to reach a test RMSE .* multigraph-ring and ring do not differ clearly/,
    );
    // the printed sentence is the report's, and the rule is stated
    expect(r.out).toContain(v.sentence);
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain(`**${v.sentence}**`);
    expect(md).toContain('Verdict rule: a topology is named faster only when');
  }, 120_000);
});
