/** Report renderers: Vega-Lite plots as SVG, Markdown tables, HTML, reading a results directory. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import type { CycleTimeReport } from '../../src/experiment/cycle-times.js';
import type { RunSummary } from '../../src/experiment/runner.js';
import type { TopologyDrawing } from '../../src/experiment/topology-file.js';
import type { MetricRow } from '../../src/learning/dpasgd.js';
import { prefixSvgIds, renderHtml } from '../../src/report/html.js';
import {
  cycleTimeNote,
  cycleTimeTables,
  markdownTable,
  renderMarkdown,
  trainingTable,
  type ReportData,
  type ReportRun,
} from '../../src/report/markdown.js';
import {
  cycleTimeSpec,
  multigraphStatesSpec,
  parseSweepLabel,
  renderSvg,
  ringOrder,
  siloLayout,
  topologySpec,
  trainingCurvesSpec,
} from '../../src/report/plots.js';
import { readResults, writeReport } from '../../src/report/write.js';

/** Count the rendered items of each ARIA role description (`bar`, `point`, `rule mark`, ...). */
function roles(svg: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of svg.matchAll(/aria-roledescription="([^"]+)"/g)) out[m[1]] = (out[m[1]] ?? 0) + 1;
  return out;
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { width: Number(m?.[1]), height: Number(m?.[2]) };
}

function report(network: string, times: Record<string, number>): CycleTimeReport {
  return {
    network,
    silos: 4,
    workload: {
      name: 'femnist',
      modelSizeBits: 4843243,
      computeMs: 4.6,
      rounds: 6400,
      localUpdates: 1,
      uploadGbps: 10,
      downloadGbps: 10,
      coreGbps: 1,
    },
    results: Object.entries(times).map(([topology, cycleTimeMs]) => ({ topology, cycleTimeMs, criticalCircuit: [], overlayEdges: 4 })),
  };
}

const SILOS = ['Paris', 'Berlin', 'Rome', 'Madrid'];
/** A 4-silo ring with a multigraph of 3 states; silo 3 isolated in state 1. */
const RING: TopologyDrawing = {
  network: 'toy',
  topology: 'ring',
  silos: SILOS.map((name) => ({ name, latitude: null, longitude: null })),
  edges: [
    [0, 2],
    [2, 1],
    [1, 3],
    [3, 0],
  ],
};
const MULTIGRAPH: TopologyDrawing = {
  ...RING,
  topology: 'multigraph-ring',
  multiplicity: [2, 1, 1, 2],
  cycleTimeMs: 10,
  states: [
    {
      state: 0,
      strong: [
        [0, 2],
        [2, 1],
        [1, 3],
        [3, 0],
      ],
      isolated: [],
    },
    {
      state: 1,
      strong: [
        [0, 2],
        [2, 1],
      ],
      isolated: [3],
    },
    {
      state: 2,
      strong: [
        [0, 2],
        [3, 0],
      ],
      isolated: [],
    },
  ],
};

function metrics(rounds: number, rmse: (r: number) => number): MetricRow[] {
  return Array.from({ length: rounds }, (_, r) => ({
    round: r,
    simulatedMs: 50 * (r + 1),
    wallMs: 3 * r,
    trainLoss: 1,
    testLoss: r % 2 ? rmse(r) ** 2 : null,
    testRmse: r % 2 ? rmse(r) : null,
    consensus: null,
    siloTestRmse: null,
    isolated: 0,
  }));
}

function runSummary(name: string, topology: string, rows: MetricRow[], outDir: string): RunSummary {
  const final = [...rows].reverse().find((m) => m.testRmse !== null) ?? null;
  return {
    name,
    topology,
    network: 'toy',
    silos: 4,
    rounds: rows.length,
    completed: true,
    interrupted: false,
    final,
    constantPredictorRmse: 0.5,
    rmseRatioToConstant: final?.testRmse ? final.testRmse / 0.5 : null,
    simulatedMs: rows.at(-1)?.simulatedMs ?? 0,
    wallMs: 1234,
    shards: [],
    model: { name: 'linear', inputSize: 16, params: 17 },
    backend: { backend: 'cpu', threads: 1 },
    seed: 7,
    version: '9.9.9',
    outDir,
  };
}

function run(label: string, topology: string, rmse: (r: number) => number): ReportRun {
  const m = metrics(8, rmse);
  return {
    label,
    condition: label,
    seed: 7,
    summary: runSummary(`exp/topology=${topology}`, topology, m, `/elsewhere/topology=${topology}`),
    metrics: m,
    config: null,
    drawing: null,
  };
}

const TRAIN: ReportData = {
  kind: 'train',
  name: 'exp',
  version: '9.9.9',
  config: { network: 'toy', workload: 'femnist', seed: 7, accessGbps: 10 },
  sweepAxes: ['topology'],
  cycleTimes: [{ label: 'run', report: report('toy', { star: 40, ring: 20, 'multigraph-ring': 10, mst: 25 }) }],
  runs: [run('ring', 'ring', (r) => 1 / (r + 1)), run('multigraph-ring', 'multigraph-ring', (r) => 0.8 / (r + 1))],
  drawings: [{ network: 'toy', drawings: [RING, MULTIGRAPH] }],
};

describe('plots (Vega-Lite rendered to SVG)', () => {
  it('training curves: one line per run in both panels, the constant predictor as a rule', async () => {
    const svg = await renderSvg(trainingCurvesSpec(TRAIN.runs, 'testRmse'));
    expect(svg.startsWith('<svg')).toBe(true);
    const size = svgSize(svg);
    expect(size.width).toBeGreaterThan(500);
    expect(size.height).toBeGreaterThan(200);
    const r = roles(svg);
    expect(r['line mark']).toBe(2 * 2); // two runs x (rounds, simulated time)
    expect(r['rule mark']).toBe(2); // the constant predictor in each panel
    expect(svg).toContain('constant predictor 0.500');
    expect(svg).toContain('simulated time (s)');
    expect(svg).toMatch(/legend titled 'run'.*ring, multigraph-ring/);
  });

  it('test loss curves have no constant-predictor rule', async () => {
    const svg = await renderSvg(trainingCurvesSpec(TRAIN.runs, 'testLoss'));
    expect(roles(svg)['line mark']).toBe(4);
    expect(roles(svg)['rule mark']).toBeUndefined();
  });

  it('cycle time of one network: one bar per topology, best first', async () => {
    const svg = await renderSvg(cycleTimeSpec(TRAIN.cycleTimes));
    // bars in drawing order, top to bottom by their y
    const bars = [
      ...svg.matchAll(/aria-label="[^"]*?; topology: ([^"]+)" role="graphics-symbol" aria-roledescription="bar" d="M[\d.-]+,([\d.-]+)/g),
    ];
    expect(bars).toHaveLength(4);
    expect(bars.sort((a, b) => Number(a[2]) - Number(b[2])).map((b) => b[1])).toEqual(['multigraph-ring', 'ring', 'mst', 'star']);
  });

  it('cycle time of several networks: bars grouped by network', async () => {
    const svg = await renderSvg(
      cycleTimeSpec([
        { label: 'run', report: report('a', { ring: 20, star: 40 }) },
        { label: 'run', report: report('b', { ring: 30, star: 50 }) },
      ]),
    );
    expect(roles(svg).bar).toBe(4);
    expect(svg).toMatch(/network: a/);
  });

  it('a sweep: lines of cycle time against the swept value', async () => {
    const points = [1, 2, 3].map((t) => ({ label: `tMax=${t}`, report: report('toy', { ring: 20, 'multigraph-ring': 20 / t }) }));
    const svg = await renderSvg(cycleTimeSpec(points, ['tMax']));
    expect(roles(svg)['line mark']).toBe(2);
    expect(roles(svg).point).toBe(6);
    expect(svg).toContain('tMax');
    expect(parseSweepLabel('tMax=3')).toBe(3);
    expect(parseSweepLabel('mixing=uniform')).toBe('uniform');
  });

  it('an overlay without coordinates is drawn on a circle in RING order, each link once', async () => {
    expect(ringOrder([RING], 4)).toEqual([0, 2, 1, 3]);
    const layout = siloLayout(RING);
    expect(layout.kind).toBe('circle');
    // RING order puts consecutive tour silos next to each other: Paris at the top, Rome next clockwise
    expect(layout.y[0]).toBeCloseTo(1, 9);
    expect(layout.x[2]).toBeCloseTo(1, 9);
    const svg = await renderSvg(topologySpec(RING, layout));
    const r = roles(svg);
    expect(r['rule mark']).toBe(4);
    expect(r.point).toBe(4);
    expect(r['text mark']).toBe(4);
    for (const s of SILOS) expect(svg).toContain(`>${s}<`);
    expect(svg).not.toContain('longitude');
  });

  it('an overlay with coordinates is drawn on longitude/latitude', async () => {
    const geo: TopologyDrawing = {
      ...RING,
      silos: [
        [48.9, 2.4],
        [52.5, 13.4],
        [41.9, 12.5],
        [40.4, -3.7],
      ].map(([lat, lon], i) => ({ name: SILOS[i], latitude: lat, longitude: lon })),
    };
    const layout = siloLayout(geo);
    expect(layout).toMatchObject({ kind: 'geo', x: [2.4, 13.4, 12.5, -3.7] });
    const svg = await renderSvg(topologySpec(geo, layout));
    expect(svg).toContain('longitude');
    expect(svg).toContain('latitude');
    expect(roles(svg)['rule mark']).toBe(4);
  });

  it('multigraph states: strong solid, weak dashed, isolated silos highlighted with a legend', async () => {
    const { spec, omitted } = multigraphStatesSpec(MULTIGRAPH, siloLayout(MULTIGRAPH, [RING, MULTIGRAPH]));
    expect(omitted).toBe(0);
    const svg = await renderSvg(spec);
    const r = roles(svg);
    expect(r['rule mark']).toBe(3 * 4); // every base link in every state, strong or weak
    expect(r.point).toBe(3 * 4); // every silo in every state
    expect(svg).toMatch(/stroke-dasharray="4,3"/); // weak edges
    expect(svg).toContain('#e45756'); // the isolated silo
    expect(svg).toMatch(/legend titled 'silo'.*active, isolated/);
    expect(svg).toMatch(/legend titled 'edge'.*strong, weak/);
    expect(svg).toContain('state 1 (1 isolated)');
    expect(svg).toContain('>Madrid<'); // the isolated silo is labelled
  });

  it('caps the states drawn and counts the rest', () => {
    const many: TopologyDrawing = {
      ...MULTIGRAPH,
      states: Array.from({ length: 30 }, (_, i) => ({ state: i, strong: [[0, 2]], isolated: [] })),
    };
    const { spec, omitted } = multigraphStatesSpec(many, siloLayout(many));
    expect((spec.concat as unknown[]).length).toBe(12);
    expect(omitted).toBe(18);
  });
});

describe('markdown', () => {
  it('cycle-time table: best first with the ratio to RING', () => {
    const [t] = cycleTimeTables(TRAIN);
    expect(t.headers).toEqual(['rank', 'topology', 'cycle time (ms)', 'vs RING', 'overlay edges']);
    expect(t.rows.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['multigraph-ring', '10.0', '0.50x'],
      ['ring', '20.0', '1.00x'],
      ['mst', '25.0', '1.25x'],
      ['star', '40.0', '2.00x'],
    ]);
  });

  it('cycle-time table on the event clock: the clock in the title, and how each cycle time was obtained', () => {
    const r = report('toy', { ring: 20, matcha: 30 });
    r.clock = 'events, fixed sharing';
    r.results[0].details = { cycleTime: 'exact: periodic regime after 3 rounds, cyclicity 4' };
    r.results[1].details = {
      cycleTime: 'estimate: mean round over rounds 640..6399, 95% CI ±0.2 ms (batch means, 20 batches of 288 rounds)',
    };
    const [t] = cycleTimeTables({ ...TRAIN, cycleTimes: [{ label: 'run', report: r }] });
    expect(t.title).toBe('toy (4 silos, femnist), clock: events, fixed sharing');
    expect(t.headers).toEqual(['rank', 'topology', 'cycle time (ms)', 'how (event clock)', 'vs RING', 'overlay edges']);
    expect(t.rows.map((x) => x[3])).toEqual([
      'exact: periodic regime after 3 rounds, cyclicity 4',
      'estimate: mean round over rounds 640..6399, 95% CI ±0.2 ms (batch means, 20 batches of 288 rounds)',
    ]);
    expect(t.numeric).toEqual([true, false, true, false, true, true]);
    // the note under the tables names each form of estimate once; the intervals stay in the table
    const two = report('toy', { ring: 20, matcha: 30, star: 40 });
    two.clock = 'events, fair sharing, stragglers (p 0.1, x4)';
    two.results.forEach((x, i) => {
      x.details = { cycleTime: `estimate: mean round over rounds 100..999, 95% CI ±${i + 1}.25 ms (batch means, 20 batches of 45 rounds)` };
    });
    const note = cycleTimeNote({ ...TRAIN, kind: 'cycle-times', cycleTimes: [{ label: 'run', report: two }] });
    expect(note).toContain(
      "(cycle time: estimate: mean round over rounds 100..999, with a 95% interval (batch means, 20 batches of 45 rounds); each topology's interval is in the table)",
    );
    expect(note.match(/estimate:/g)).toHaveLength(1);
  });

  it('training table: one row per run, final RMSE and the ratio to the constant predictor', () => {
    const t = trainingTable(TRAIN)!;
    expect(t.headers).toEqual(['topology', 'rounds', 'simulated time (s)', 'final test RMSE', 'vs constant predictor', 'wall time (s)']);
    expect(t.rows[0]).toEqual(['ring', '8', '0.400', '0.1250', '0.25x', '1.2']);
    expect(t.rows[1][0]).toBe('multigraph-ring');
  });

  it('renders GitHub tables with right-aligned numbers', () => {
    expect(markdownTable({ headers: ['a', 'n'], numeric: [false, true], rows: [['x|y', '1']] })).toBe(
      '| a | n |\n| --- | ---: |\n| x\\|y | 1 |\n',
    );
  });

  it('report.md has the configuration, both tables and the isolated silos', () => {
    const md = renderMarkdown(TRAIN);
    expect(md).toMatch(/^# exp: results\n/);
    expect(md).toContain('| backend | cpu, 1 thread |');
    expect(md).toContain('| seed | 7 |');
    expect(md).toContain('| dflsim version | 9.9.9 |');
    expect(md).toContain('| 1 | multigraph-ring | 10.0 | 0.50x | 4 |');
    expect(md).toContain('| ring | 8 | 0.400 | 0.1250 | 0.25x | 1.2 |');
    expect(md).toContain('multigraph-ring on toy: 3 graph states, 1 with isolated silos; isolated: Madrid (1/3).');
  });
});

describe('html', () => {
  it('is self-contained: inline CSS and SVG, every plot in a figure with a caption, unique ids', async () => {
    const svg = await renderSvg(trainingCurvesSpec(TRAIN.runs, 'testRmse'));
    const html = renderHtml(TRAIN, [
      { id: 'training-test-rmse', caption: 'RMSE & co', svg },
      { id: 'topology-toy-ring', caption: 'ring', svg, network: 'toy' },
    ]);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|@import|src=|url\((?!#)/i);
    expect(html.match(/<figure/g)).toHaveLength(2);
    expect(html.match(/<figcaption/g)).toHaveLength(2);
    expect(html).toContain('RMSE &amp; co');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('<td class="num">0.1250</td>');
  });

  it('prefixes SVG ids and their references', () => {
    expect(prefixSvgIds('<svg><clipPath id="c1"/><g clip-path="url(#c1)"/><g clip-path="url(#other)"/></svg>', 'f2')).toBe(
      '<svg><clipPath id="f2-c1"/><g clip-path="url(#f2-c1)"/><g clip-path="url(#other)"/></svg>',
    );
  });
});

describe('reading a results directory', () => {
  const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'dflsim-report-'));

  it('rejects a missing directory, a file, a directory without results and a broken summary, naming them', () => {
    const dir = tmp();
    const missing = path.join(dir, 'nope');
    expect(() => readResults(missing)).toThrow(DflsimInputError);
    expect(() => readResults(missing)).toThrow(`${missing}: results directory not found`);
    const file = path.join(dir, 'file.txt');
    writeFileSync(file, 'x');
    expect(() => readResults(file)).toThrow(`${file}: not a directory`);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expect(() => readResults(empty)).toThrow(`${empty}: not a dflsim results directory`);
    writeFileSync(path.join(empty, 'summary.json'), '{"kind": "train", ');
    expect(() => readResults(empty)).toThrow(`${path.join(empty, 'summary.json')}: invalid JSON`);
    writeFileSync(path.join(empty, 'summary.json'), '{"hello": 1}');
    expect(() => readResults(empty)).toThrow(/summary\.json: not a dflsim results summary/);
  });

  it('rejects a malformed metrics.csv naming the file and line', () => {
    const dir = tmp();
    const m = metrics(3, () => 1);
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(runSummary('solo', 'ring', m, dir)));
    writeFileSync(path.join(dir, 'metrics.csv'), 'round,simulatedMs,testRmse\n0,1,2\n1,abc,\n');
    expect(() => readResults(dir)).toThrow(`${path.join(dir, 'metrics.csv')}: line 3: column "simulatedMs" is not a number: "abc"`);
    // an unclosed quote is bad CSV, named with its file
    writeFileSync(path.join(dir, 'metrics.csv'), 'round,simulatedMs,testRmse\n0,1,"2\n');
    expect(() => readResults(dir)).toThrow(/metrics\.csv: line \d+: not valid CSV/);
  });

  it('reads RFC 4180 CSV: a quoted field may hold a comma and a newline (another column of a future dflsim)', () => {
    const dir = tmp();
    const m = metrics(2, () => 1);
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(runSummary('solo', 'ring', m, dir)));
    writeFileSync(path.join(dir, 'metrics.csv'), 'round,note,simulatedMs,testRmse\n0,"a, b\nc",1.5,0.25\n1,,3,0.125\n');
    // the note column is not a number: the parser must see one field, not three lines
    expect(() => readResults(dir)).toThrow(`${path.join(dir, 'metrics.csv')}: line 3: column "note" is not a number: "a, b\nc"`);
    writeFileSync(path.join(dir, 'metrics.csv'), 'round,simulatedMs,testRmse\r\n0,"1.5",0.25\r\n1,3,0.125\r\n');
    const runs = readResults(dir).runs;
    expect(runs[0].metrics.map((r) => [r.round, r.simulatedMs, r.testRmse])).toEqual([
      [0, 1.5, 0.25],
      [1, 3, 0.125],
    ]);
  });

  it('writes report.md and report.html for a training sweep moved away from where it ran', async () => {
    const dir = tmp();
    const runs = TRAIN.runs.map((r) => r.summary);
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ kind: 'train', name: 'exp', version: '9.9.9', runs }));
    writeFileSync(path.join(dir, 'cycle-times.json'), JSON.stringify(TRAIN.cycleTimes[0].report));
    writeFileSync(path.join(dir, 'topologies.json'), JSON.stringify(TRAIN.drawings));
    for (const r of TRAIN.runs) {
      const sub = path.join(dir, `topology=${r.summary.topology}`);
      mkdirSync(sub);
      writeFileSync(path.join(sub, 'summary.json'), JSON.stringify(r.summary));
      writeFileSync(
        path.join(sub, 'config.resolved.json'),
        JSON.stringify({ kind: 'train', network: 'toy', workload: 'femnist', seed: 7, topology: r.summary.topology }),
      );
      writeFileSync(
        path.join(sub, 'metrics.csv'),
        'round,simulatedMs,wallMs,trainLoss,testLoss,testRmse,consensus,siloTestRmse,isolated\n' +
          r.metrics
            .map((m) => [m.round, m.simulatedMs, m.wallMs, m.trainLoss, m.testLoss ?? '', m.testRmse ?? '', '', '', m.isolated].join(','))
            .join('\n') +
          '\n',
      );
    }
    const data = readResults(dir);
    expect(data.runs.map((r) => r.label)).toEqual(['ring', 'multigraph-ring']);
    expect(data.sweepAxes).toEqual(['topology']);
    expect(data.runs[0].metrics).toHaveLength(8);
    expect(data.runs[0].metrics[0].testRmse).toBeNull();
    const { markdownPath, htmlPath } = await writeReport(dir);
    expect(markdownPath).toBe(path.join(dir, 'report.md'));
    const md = readFileSync(markdownPath, 'utf8');
    expect(md).toContain('| multigraph-ring | 8 |');
    const html = readFileSync(htmlPath, 'utf8');
    // training RMSE and loss, cycle time, two overlays, the multigraph's states
    expect(html.match(/<figure/g)).toHaveLength(6);
    expect(html.match(/<figure[^>]*>\n<svg/g)).toHaveLength(6);
  });

  it('reads a cycle-time sweep', () => {
    const dir = tmp();
    const reports = [1, 2].map((t) => ({ label: `tMax=${t}`, report: report('toy', { ring: 20, 'multigraph-ring': 20 / t }) }));
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ kind: 'cycle-times', name: 'sw', version: '1', reports }));
    writeFileSync(
      path.join(dir, 'config.resolved.json'),
      JSON.stringify({ kind: 'cycle-times', name: 'sw', networks: ['toy'], workload: 'femnist', sweep: { tMax: [1, 2] } }),
    );
    const data = readResults(dir);
    expect(data).toMatchObject({ kind: 'cycle-times', name: 'sw', sweepAxes: ['tMax'] });
    const md = renderMarkdown(data);
    expect(md).toContain('### toy: cycle time (ms) against tMax');
    expect(md).toContain('| 2 | 20.0 | 10.0 |');
  });
});
