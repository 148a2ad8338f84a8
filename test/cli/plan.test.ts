/**
 * `dflsim plan`: every catalogue topology with a cycle time exported on gaia-cities and
 * read back: records conform to docs/plan.schema.json, mixing rows are stochastic (doubly
 * where the rule promises it), isolated silos receive nothing, down silos mix only
 * themselves, round ends are the clock's (the library's clocked plan, and the cycle time
 * `dflsim cycle-time --format json` reports), and the .npz holds the same numbers.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, main } from '../../src/cli/main.js';
import { parseNpy, parseNpz } from '../../src/data/numpy.js';
import { buildOnClock, prepareContext, timedTopology } from '../../src/experiment/cycle-times.js';
import { topologyNames } from '../../src/overlay/catalogue.js';
import { toOverlayFile } from '../../src/overlay/overlay-file.js';
import { ringOf } from '../../src/overlay/topology.js';
import { getWorkload } from '../../src/timing/workload.js';
import { checkJsonSchema } from '../json-schema-check.js';
import { ROOT } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dflsim-plan-'));
const schema = JSON.parse(readFileSync(path.join(ROOT, 'docs/plan.schema.json'), 'utf8')) as Record<string, unknown>;
const ROUNDS = 24;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '',
    err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

type Term = [number, number] | [number, number, 1];
interface Header {
  silos: string[];
  rounds: number;
  period?: number;
  doublyStochastic: boolean;
  cycleTimeMs: number;
  mixing: string;
}
interface Round {
  round: number;
  strong: [number, number][];
  weak: [number, number][];
  isolated: number[];
  down: number[];
  mixing: Term[][];
  startMs: number[];
  endMs: number[];
  roundEndMs: number;
  cycleTimeMs: number;
}

function readPlan(file: string): { header: Header; rounds: Round[]; lines: unknown[] } {
  const lines = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
  return { header: lines[0] as Header, rounds: lines.slice(1) as Round[], lines };
}

/** The checks every export passes; returns the largest row and column sum errors. */
function checkPlan(name: string, header: Header, rounds: Round[]): { row: number; col: number } {
  const n = header.silos.length;
  let rowErr = 0,
    colErr = 0;
  expect(rounds.map((r) => r.round)).toEqual(Array.from({ length: header.rounds }, (_, k) => k));
  for (const r of rounds) {
    const at = `${name} round ${r.round}`;
    expect(r.mixing.length, at).toBe(n);
    const col = new Float64Array(n);
    r.mixing.forEach((row, i) => {
      let s = 0;
      // weights may be negative: MATCHA's I - αL has 1 - α·deg on the diagonal
      for (const [j, w] of row) {
        s += w;
        col[j] += w;
      }
      rowErr = Math.max(rowErr, Math.abs(s - 1));
    });
    if (header.doublyStochastic) for (let j = 0; j < n; j++) colErr = Math.max(colErr, Math.abs(col[j] - 1));
    // isolated silos have no strong edge into them, and mix only themselves
    const receivers = new Set(r.strong.map(([, b]) => b));
    for (const i of r.isolated) {
      expect(receivers.has(i), `${at}: isolated silo ${i} receives`).toBe(false);
      expect(r.mixing[i].every(([j]) => j === i)).toBe(true);
    }
    // down silos keep their own model
    for (const i of r.down) expect(r.mixing[i], `${at}: down silo ${i}`).toEqual([[i, 1]]);
    // the round ends when its last silo does; every silo starts after it started
    expect(Math.max(...r.endMs)).toBeCloseTo(r.roundEndMs, 9);
    r.endMs.forEach((e, i) => expect(e).toBeGreaterThanOrEqual(r.startMs[i]));
    expect(r.cycleTimeMs).toBe(r.roundEndMs / (r.round + 1));
  }
  // rows sum to 1 to rounding (measured: at most 3.3e-16 on gaia-cities, the multigraph on STAR)
  expect(rowErr, name).toBeLessThan(1e-12);
  expect(colErr, name).toBeLessThan(1e-12);
  errors.push(`${name}: ${rowErr.toExponential(1)} ${header.doublyStochastic ? colErr.toExponential(1) : '-'}`);
  return { row: rowErr, col: colErr };
}

const errors: string[] = [];
const names = topologyNames((t) => t.supports.cycleTime);
let overlayFile = '',
  scheduleFile = '';

beforeAll(() => {
  // the user's overlay (RING's tour) and schedule (its two halves) on gaia-cities
  const ctx = prepareContext({ network: 'gaia-cities', workload: 'femnist' });
  const ring = ringOf(ctx).overlay;
  overlayFile = path.join(dir, 'overlay.json');
  writeFileSync(overlayFile, JSON.stringify(toOverlayFile(ring)));
  const half = (p: number) => ({ ...ring, edges: ring.edges.filter((_, i) => i % 2 === p) });
  scheduleFile = path.join(dir, 'schedule.json');
  writeFileSync(scheduleFile, JSON.stringify([toOverlayFile(half(0)), toOverlayFile(half(1))]));
});

afterAll(() => {
  if (process.env.DFLSIM_PLAN_ERRORS) console.log(errors.join('\n'));
  // nothing but the outputs is left: no temporary files beside them
  expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
});

describe('dflsim plan', () => {
  it('covers the catalogue', () => {
    expect(names).toEqual(
      expect.arrayContaining(['star', 'matcha', 'ring', 'multigraph-ring', 'equidyn', 'base-2', 'overlay', 'schedule']),
    );
  });

  it("exports every catalogue topology with a cycle time on gaia-cities; round ends are the clock's, the cycle time cycle-time's", async () => {
    const files = ['--overlay', overlayFile, '--schedule', scheduleFile];
    // the cycle-time command's figures for every topology at once
    const ct = await cli([
      'cycle-time',
      '-n',
      'gaia-cities',
      '-t',
      names.join(','),
      '--rounds',
      String(ROUNDS),
      ...files,
      '--format',
      'json',
    ]);
    expect(ct.code, ct.err).toBe(0);
    const cycle = new Map(
      (JSON.parse(ct.out) as { results: { topology: string; cycleTimeMs: number }[] }).results.map((r) => [r.topology, r.cycleTimeMs]),
    );
    const ctx = prepareContext({
      network: 'gaia-cities',
      workload: getWorkload('femnist'),
      rounds: ROUNDS,
      overlayFile,
      scheduleFile,
    });
    for (const name of names) {
      const file = path.join(dir, `${name}.jsonl`);
      const r = await cli(['plan', '-n', 'gaia-cities', '-t', name, '--rounds', String(ROUNDS), ...files, '-o', file]);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      const { header, rounds, lines } = readPlan(file);
      for (const [i, l] of lines.entries()) expect(checkJsonSchema(l, schema), `${name} line ${i + 1}`).toEqual([]);
      expect(header.rounds).toBe(ROUNDS);
      checkPlan(name, header, rounds);
      // the library's clocked plan on the same request: the same round ends (1e-9 relative)
      const plan = buildOnClock(timedTopology(name), ctx);
      for (const x of rounds) expect(Math.abs(x.roundEndMs / plan.roundEndMs(x.round) - 1), `${name} round ${x.round}`).toBeLessThan(1e-9);
      expect(Math.abs(header.cycleTimeMs / cycle.get(name)! - 1), name).toBeLessThan(1e-9);
    }
  });

  it('exports one period by default and says so; a static overlay is one round', async () => {
    const mg = path.join(dir, 'mg.jsonl');
    expect((await cli(['plan', '-n', 'gaia-cities', '-t', 'multigraph-ring', '-o', mg])).code).toBe(0);
    const { header, rounds } = readPlan(mg);
    expect(header.period).toBeGreaterThan(1);
    expect(rounds.length).toBe(header.period);
    const ring = path.join(dir, 'ring1.jsonl');
    expect((await cli(['plan', '-n', 'gaia-cities', '-t', 'ring', '-o', ring])).code).toBe(0);
    const r = readPlan(ring);
    expect([r.header.rounds, r.header.period, r.header.mixing, r.header.doublyStochastic]).toEqual([1, 1, 'uniform', true]);
    // RING's (A + I) / 2, by hand: each silo keeps half and takes half of its predecessor's
    for (const [to, row] of r.rounds[0].mixing.entries()) {
      const from = r.rounds[0].strong.find(([, b]) => b === to)![0];
      expect(row).toEqual([
        [to, 0.5],
        [from, 0.5],
      ]);
    }
  });

  it('on the event clock with failures: down silos mix only themselves and leave the edges', async () => {
    const file = path.join(dir, 'fail.jsonl');
    const failures = JSON.stringify({ silos: [{ silo: 'Tokyo', fromRound: 2, toRound: 4 }] });
    const r = await cli([
      'plan',
      '-n',
      'gaia-cities',
      '-t',
      'equidyn',
      '--rounds',
      '8',
      '--clock',
      'events',
      '--failures',
      failures,
      '-o',
      file,
    ]);
    expect(r.code, r.err).toBe(0);
    const { header, rounds } = readPlan(file);
    expect(header.doublyStochastic).toBe(false);
    const tokyo = header.silos.indexOf('Tokyo');
    expect(rounds.map((x) => x.down)).toEqual([[], [], [tokyo], [tokyo], [tokyo], [], [], []]);
    for (const x of rounds.slice(2, 5)) expect(x.strong.some(([a, b]) => a === tokyo || b === tokyo)).toBe(false);
    checkPlan('equidyn with failures', header, rounds);
  });

  it('the .npz holds the JSON Lines export, dense and sparse', async () => {
    for (const name of ['multigraph-ring', 'star', 'matcha']) {
      const base = ['plan', '-n', 'gaia-cities', '-t', name, '--rounds', '13'];
      const jf = path.join(dir, `${name}-np.jsonl`),
        nf = path.join(dir, `${name}.npz`),
        sf = path.join(dir, `${name}-sparse.npz`);
      expect((await cli([...base, '-o', jf])).code).toBe(0);
      expect((await cli([...base, '-o', nf, '--format', 'npz'])).code).toBe(0);
      expect((await cli([...base, '-o', sf, '--format', 'npz', '--sparse'])).code).toBe(0);
      const { header, rounds } = readPlan(jf);
      const n = header.silos.length,
        R = rounds.length;
      const all = [
        'mixing',
        'silos',
        'header_json',
        'round_end_ms',
        'round_start_ms',
        'cycle_time_ms',
        'strong_rounds',
        'strong_from',
        'strong_to',
        'isolated',
        'down',
        'stale_rounds',
        'stale_rows',
        'stale_cols',
      ];
      const m = parseNpz(readFileSync(nf), nf, all);
      const arr = (k: string, prec: 32 | 64 = 64) => parseNpy(m.get(k)!, k, { precision: prec });
      expect(arr('silos').values).toEqual(header.silos);
      expect(arr('silos').descr).toBe(`<U${Math.max(...header.silos.map((s) => [...s].length))}`);
      expect(JSON.parse((arr('header_json').values as string[])[0])).toEqual(header);
      const mix = arr('mixing');
      expect(mix.shape).toEqual([R, n, n]);
      const dense = new Float64Array(R * n * n);
      rounds.forEach((r) => r.mixing.forEach((row, i) => row.forEach(([j, w]) => (dense[(r.round * n + i) * n + j] += w))));
      expect(Array.from(mix.values as Float64Array)).toEqual(Array.from(dense));
      expect(Array.from(arr('round_end_ms').values as Float64Array)).toEqual(rounds.flatMap((r) => r.endMs));
      expect(Array.from(arr('round_start_ms').values as Float64Array)).toEqual(rounds.flatMap((r) => r.startMs));
      expect(Array.from(arr('cycle_time_ms').values as Float64Array)).toEqual(rounds.map((r) => r.cycleTimeMs));
      const strong = [arr('strong_rounds'), arr('strong_from'), arr('strong_to')].map((a) => Array.from(a.values as Float64Array));
      expect(strong[0].map((k, e) => [k, strong[1][e], strong[2][e]])).toEqual(
        rounds.flatMap((r) => r.strong.map(([a, b]) => [r.round, a, b])),
      );
      const mask = (key: 'isolated' | 'down') => rounds.flatMap((r) => Array.from({ length: n }, (_, i) => (r[key].includes(i) ? 1 : 0)));
      expect(Array.from(arr('isolated').values as Float64Array)).toEqual(mask('isolated'));
      expect(Array.from(arr('down').values as Float64Array)).toEqual(mask('down'));
      const stale = ['stale_rounds', 'stale_rows', 'stale_cols'].map((k) => Array.from(arr(k).values as Float64Array));
      expect(stale[0].map((k, e) => [k, stale[1][e], stale[2][e]])).toEqual(
        rounds.flatMap((r) => r.mixing.flatMap((row, i) => row.filter((t) => t.length === 3).map(([j]) => [r.round, i, j]))),
      );
      if (name === 'multigraph-ring') expect(stale[0].length).toBeGreaterThan(0);
      // sparse: the same terms as COO
      const s = parseNpz(readFileSync(sf), sf, ['rounds', 'rows', 'cols', 'weights']);
      const coo = ['rounds', 'rows', 'cols', 'weights'].map((k) =>
        Array.from(parseNpy(s.get(k)!, k, { precision: 64 }).values as Float64Array),
      );
      expect(coo[0].map((k, e) => [k, coo[1][e], coo[2][e], coo[3][e]])).toEqual(
        rounds.flatMap((r) => r.mixing.flatMap((row, i) => row.map(([j, w]) => [r.round, i, j, w]))),
      );
    }
  });

  it('refuses bad input with one line and exit code 2, writing nothing', async () => {
    const sub = path.join(dir, 'bad');
    mkdirSync(sub);
    const file = path.join(sub, 'p.jsonl');
    const cases: [string[], RegExp][] = [
      [['-t', 'nosuch', '-o', file], /--topology: unknown topology "nosuch"/],
      [['-t', 'local', '-o', file], /--topology: topology "local" has no cycle time/],
      [['-t', 'ring', '--rounds', '0', '-o', file], /--rounds: must be a positive integer, got 0/],
      [['-t', 'ring', '-o', sub], /--out: .* is a directory/],
      [['-t', 'ring', '-o', path.join(sub, 'missing', 'p.jsonl')], /--out: .* does not exist/],
      [
        ['-t', 'ring', '--failures', '{"silos": [{"silo": "Atlantis", "fromRound": 1, "toRound": 2}]}', '-o', file],
        /(--failures|--clock|failures).*/,
      ],
      [['-t', 'ring', '--clock', 'events', '--stragglers', '{"model": "lognormal"}', '-o', file], /--stragglers/],
      [['-t', 'ring', '--sparse', '-o', file], /--sparse: applies to --format npz only/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(['plan', '-n', 'gaia-cities', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err, args.join(' ')).toMatch(msg);
    }
    expect(readdirSync(sub)).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });

  it('shows its examples in --help', async () => {
    let help = '';
    const y = buildCli({ out: () => {}, err: () => {} });
    const log = console.log;
    console.log = (...a: unknown[]) => (help += a.join(' '));
    try {
      await y.parseAsync(['plan', '--help']);
    } finally {
      console.log = log;
    }
    expect(help).toMatch(/--format/);
    expect(help).toMatch(/dflsim plan -n gaia-cities -t ring -o ring.jsonl/);
  });
});
