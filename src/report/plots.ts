/**
 * The report's plots: Vega-Lite specifications, compiled to Vega and rendered to SVG
 * strings in Node with `vega` + `vega-lite` (no browser, no canvas). Spec builders are pure
 * functions; {@link renderSvg} and {@link reportPlots} do the rendering.
 *
 * Plots: training curves (test loss and test RMSE against rounds and simulated time, the
 * constant predictor's RMSE as a rule), cycle time per topology (bars, grouped by network,
 * or lines against a swept value), each overlay drawn on the silos' coordinates (or on a
 * circle in RING order when the network has none), and the multigraph's graph states.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TopologyDrawing } from '../experiment/topology-file.js';
import { findTopology } from '../overlay/catalogue.js';
import { meanCurves } from '../analysis/training.js';
import type { ReportCycleTimes, ReportData, ReportRun } from './markdown.js';

/** A Vega-Lite specification as plain data (cast to `TopLevelSpec` when compiled). */
export type VlSpec = Record<string, unknown>;

/** A rendered plot. */
export interface Plot {
  /** Stable identifier (`training-testRmse`, `topology-gaia-ring`, ...). */
  id: string;
  /** What the plot shows, one line. */
  caption: string;
  /** The SVG document as a string. */
  svg: string;
  /** The network a topology drawing belongs to (groups figures in the HTML). */
  network?: string;
}

/** Most multigraph states drawn in one figure; the rest are counted in the caption. */
export const MAX_DRAWN_STATES = 12;

/**
 * Colour-blind-safe categorical colours: Okabe and Ito's palette (without black and yellow,
 * too dark and too light for lines on white), then Paul Tol's "muted" scheme; beyond 15
 * categories the colours repeat.
 */
export const CATEGORY_COLOURS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#D55E00',
  '#56B4E9',
  '#332288',
  '#117733',
  '#882255',
  '#999933',
  '#44AA99',
  '#AA4499',
  '#DDCC77',
  '#88CCEE',
  '#CC6677',
];

/**
 * A colour scale over `labels`: a label that names a topology with its own colour
 * (`display.colour`) takes it; otherwise the i-th distinct label takes the i-th palette
 * colour, so every topology (or run) of a plot has its own colour; a report passes its
 * labels in one order to every plot, so a topology keeps its colour across them.
 */
export function colourScale(labels: string[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(labels)];
  return { domain, range: domain.map((l, i) => findTopology(l)?.display?.colour ?? CATEGORY_COLOURS[i % CATEGORY_COLOURS.length]) };
}

const BASE_CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240, titleLimit: 320 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' },
};

/** Vega-Lite's compiler warnings go nowhere (a report is not the place); errors throw. */
const QUIET: vega.LoggerInterface = {
  level(): vega.LoggerInterface {
    return QUIET;
  },
  error(...args: readonly unknown[]): vega.LoggerInterface {
    throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
  },
  warn(): vega.LoggerInterface {
    return QUIET;
  },
  info(): vega.LoggerInterface {
    return QUIET;
  },
  debug(): vega.LoggerInterface {
    return QUIET;
  },
} as vega.LoggerInterface;

/**
 * Compile a Vega-Lite spec and render it to an SVG string (headless, `renderer: 'none'`).
 * @param spec a Vega-Lite specification with inline data only
 */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    ...spec,
    config: { ...BASE_CONFIG, ...(spec.config as object | undefined) },
  };
  const compiled = compile(full as unknown as TopLevelSpec, { logger: QUIET }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// ---------------------------------------------------------------- training curves

/** Which metric a training plot shows. */
export type CurveMetric = 'testLoss' | 'testRmse' | 'testAccuracy';

/** Points of the training curves: one per evaluated round and run. */
export function curvePoints(
  runs: readonly ReportRun[],
  metric: CurveMetric,
): { run: string; round: number; simulatedS: number; value: number }[] {
  return runs.flatMap((r) =>
    r.metrics
      .filter((m) => m[metric] != null && Number.isFinite(m[metric] as number))
      .map((m) => ({
        run: r.label,
        round: m.round + 1,
        simulatedS: m.simulatedMs / 1000,
        value: m[metric] as number,
      })),
  );
}

function useLog(values: number[]): boolean {
  const pos = values.filter((v) => Number.isFinite(v));
  if (!pos.length || pos.some((v) => v <= 0)) return false;
  return Math.max(...pos) / Math.min(...pos) > 20;
}

/**
 * Test loss, RMSE or accuracy against rounds (left) and simulated time in seconds (right):
 * one line per run, or, when conditions ran several seeds, the mean over seeds per
 * condition with a band (its Student-t interval at `level`); the trivial baseline (constant
 * predictor's RMSE, majority class's accuracy) as a dashed rule. The y axis is logarithmic
 * when the values span more than a factor of 20.
 */
export function trainingCurvesSpec(runs: readonly ReportRun[], metric: CurveMetric, level = 0.95): VlSpec {
  const seeded = new Set(runs.map((r) => r.condition)).size < runs.length;
  const baselineValues = runs
    .map((r) =>
      metric === 'testRmse' ? r.summary.constantPredictorRmse : metric === 'testAccuracy' ? r.summary.majorityClassAccuracy : undefined,
    )
    .filter((b): b is number => b !== undefined && b !== null && Number.isFinite(b));
  const sameBaseline = baselineValues.every((b) => b === baselineValues[0]);
  // seeds that drew their own data have their own constant predictors: RMSE is shown relative to each run's own
  const relative = metric === 'testRmse' && !sameBaseline && baselineValues.length === runs.length;
  if (relative) {
    runs = runs.map((r) => ({
      ...r,
      metrics: r.metrics.map((m) => ({ ...m, testRmse: m.testRmse == null ? m.testRmse : m.testRmse / r.summary.constantPredictorRmse })),
    }));
  }
  // one dashed rule when every run has the same baseline; the mean (labelled so) otherwise
  const constant = relative ? 1 : baselineValues.length ? baselineValues.reduce((a, b) => a + b, 0) / baselineValues.length : undefined;
  const baselineName = `${metric === 'testAccuracy' ? 'majority class' : 'constant predictor'}${sameBaseline || relative ? '' : ' (mean over seeds)'}`;
  const labels = seeded ? [...new Set(runs.map((r) => r.condition))] : runs.map((r) => r.label);
  const yTitle =
    metric === 'testRmse'
      ? relative
        ? "test RMSE / its constant predictor's"
        : 'test RMSE'
      : metric === 'testAccuracy'
        ? 'test accuracy'
        : 'test loss';
  const colour = { field: 'run', type: 'nominal', title: seeded ? 'mean over seeds' : 'run', scale: colourScale(labels), sort: labels };
  const width = 340;
  const panelData = (x: 'round' | 'simulatedS'): { run: string; x: number; value: number; low?: number; high?: number }[] =>
    seeded
      ? meanCurves(runs, metric, x, level).map((p) => ({ run: p.condition, x: p.x, value: p.mean, low: p.low, high: p.high }))
      : curvePoints(runs, metric).map((p) => ({ run: p.run, x: x === 'round' ? p.round : p.simulatedS, value: p.value }));
  const all = [...panelData('round'), ...panelData('simulatedS')];
  const log =
    metric !== 'testAccuracy' &&
    useLog([
      ...all.flatMap((p) => [p.value, ...(p.low !== undefined ? [p.low, p.high!] : [])]),
      ...(constant !== undefined ? [constant] : []),
    ]);
  const perRun = Math.max(0, ...labels.map((l) => all.filter((p) => p.run === l).length / 2));
  const y = {
    field: 'value',
    type: 'quantitative',
    title: yTitle + (log ? ' (log scale)' : ''),
    scale: log ? { type: 'log' } : { zero: false },
  };
  const panel = (x: 'round' | 'simulatedS', xTitle: string): VlSpec => {
    const points = panelData(x);
    return {
      width,
      height: 240,
      layer: [
        ...(seeded
          ? [
              {
                data: { values: points.filter((p) => p.low !== undefined && p.low > (log ? 0 : -Infinity)) },
                mark: { type: 'area', opacity: 0.18 },
                encoding: {
                  x: { field: 'x', type: 'quantitative', title: xTitle },
                  y: { field: 'low', type: 'quantitative', scale: y.scale, title: y.title },
                  y2: { field: 'high' },
                  color: colour,
                },
              },
            ]
          : []),
        {
          data: { values: points },
          mark: { type: 'line', point: perRun <= 40, strokeWidth: 2 },
          encoding: { x: { field: 'x', type: 'quantitative', title: xTitle }, y, color: colour },
        },
        ...(constant !== undefined
          ? [
              {
                data: { values: [{ constant, label: baselineName }] },
                mark: { type: 'rule', strokeDash: [6, 4], color: '#333', strokeWidth: 1.5 },
                encoding: { y: { field: 'constant', type: 'quantitative' } },
              },
              {
                data: { values: [{ constant, label: `${baselineName} ${constant.toPrecision(3)}` }] },
                mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, color: '#333', fontSize: 11 },
                encoding: { y: { field: 'constant', type: 'quantitative' }, x: { value: width - 4 }, text: { field: 'label' } },
              },
            ]
          : []),
      ],
    };
  };
  return { hconcat: [panel('round', 'round'), panel('simulatedS', 'simulated time (s)')], resolve: { scale: { y: 'shared' } } };
}

// ---------------------------------------------------------------- cycle times

/** Parse a sweep label (`tMax=3`) into its value, as a number when it is one. */
export function parseSweepLabel(label: string): string | number {
  const m = /^[^=,]+=([^,]*)$/.exec(label);
  const v = m ? m[1] : label;
  return v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/**
 * Cycle time per topology: horizontal bars best first for one network; bars grouped by
 * network for several; for a sweep, lines of cycle time against the swept value (one panel
 * per network).
 */
export function cycleTimeSpec(cycleTimes: readonly ReportCycleTimes[], sweepAxes: readonly string[] = []): VlSpec {
  const rows = cycleTimes.flatMap(({ label, report }) =>
    report.results.map((r) => ({
      network: report.network,
      sweep: parseSweepLabel(label),
      topology: r.topology,
      cycleTimeMs: r.cycleTimeMs,
      label: r.cycleTimeMs.toFixed(1),
    })),
  );
  const networks = [...new Set(rows.map((r) => r.network))];
  const topologies = [...new Set(rows.map((r) => r.topology))];
  const colour = { field: 'topology', type: 'nominal', title: 'topology', scale: colourScale(topologies), sort: topologies };
  const points = new Set(cycleTimes.map((c) => c.label));
  if (sweepAxes.length > 0 && points.size > 1) {
    const numeric = rows.every((r) => typeof r.sweep === 'number');
    const inner = {
      width: 300,
      height: 220,
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: {
          field: 'sweep',
          type: numeric ? 'quantitative' : 'ordinal',
          title: sweepAxes.join(', '),
          ...(numeric ? { axis: { tickMinStep: 1 } } : { sort: null }),
        },
        y: { field: 'cycleTimeMs', type: 'quantitative', title: 'cycle time (ms)' },
        color: colour,
      },
    };
    if (networks.length === 1) return { data: { values: rows }, ...inner, title: networks[0] };
    return {
      data: { values: rows },
      facet: { field: 'network', type: 'nominal', title: null, sort: networks },
      columns: 3,
      spec: inner,
      resolve: { scale: { y: 'independent' } },
    };
  }
  if (networks.length > 1) {
    return {
      data: { values: rows },
      width: Math.min(900, Math.max(360, networks.length * topologies.length * 14)),
      height: 260,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'network', type: 'nominal', title: 'network', sort: networks, axis: { labelAngle: 0 } },
        xOffset: { field: 'topology', type: 'nominal', sort: topologies },
        y: { field: 'cycleTimeMs', type: 'quantitative', title: 'cycle time (ms)' },
        color: colour,
      },
    };
  }
  return {
    data: { values: rows },
    width: 420,
    height: { step: 22 },
    encoding: {
      y: {
        field: 'topology',
        type: 'nominal',
        title: null,
        sort: [...rows].sort((a, b) => a.cycleTimeMs - b.cycleTimeMs).map((r) => r.topology),
      },
      x: { field: 'cycleTimeMs', type: 'quantitative', title: 'cycle time (ms per round)' },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { color: { ...colour, legend: null } } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 11 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

// ---------------------------------------------------------------- topology drawings

/** Silo positions of a drawing: geographic (longitude, latitude) or a unit circle. */
export interface SiloLayout {
  /** `geo`: x is longitude and y latitude; `circle`: a unit circle. */
  kind: 'geo' | 'circle';
  x: number[];
  y: number[];
}

/**
 * The order of a tour in a set of drawings (the order to place silos on a circle): the
 * first drawing of a topology whose overlay is a tour (`display.tour`: RING, then the
 * multigraph on it), else the silos' own order.
 */
export function ringOrder(drawings: readonly TopologyDrawing[], n: number): number[] {
  const tours = drawings.filter((d) => findTopology(d.topology)?.display?.tour);
  const ring = tours.find((d) => findTopology(d.topology)?.family !== 'multigraph') ?? tours[0];
  if (!ring || ring.edges.length < n) return Array.from({ length: n }, (_, i) => i);
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of ring.edges) {
    if (a < n && b < n) {
      adj[a].push(b);
      adj[b].push(a);
    }
  }
  const order = [0];
  const seen = new Set([0]);
  for (let cur = 0; order.length < n;) {
    const next = adj[cur].find((v) => !seen.has(v));
    if (next === undefined) break;
    order.push(next);
    seen.add(next);
    cur = next;
  }
  for (let i = 0; i < n; i++) if (!seen.has(i)) order.push(i);
  return order;
}

/**
 * Where to draw each silo: on its coordinates when every silo has them, else on a circle
 * with the silos in RING-tour order (so RING is the circle and other overlays its chords).
 * @param drawings every drawing of the network (used to find the RING tour)
 */
export function siloLayout(drawing: TopologyDrawing, drawings: readonly TopologyDrawing[] = [drawing]): SiloLayout {
  const n = drawing.silos.length;
  if (
    n > 0 &&
    drawing.silos.every((s) => s.latitude !== null && s.longitude !== null && Number.isFinite(s.latitude) && Number.isFinite(s.longitude))
  ) {
    return { kind: 'geo', x: drawing.silos.map((s) => s.longitude as number), y: drawing.silos.map((s) => s.latitude as number) };
  }
  const order = ringOrder(drawings, n);
  const x = new Array<number>(n).fill(0);
  const y = new Array<number>(n).fill(0);
  order.forEach((silo, k) => {
    const a = Math.PI / 2 - (2 * Math.PI * k) / Math.max(1, n);
    x[silo] = Math.cos(a);
    y[silo] = Math.sin(a);
  });
  return { kind: 'circle', x, y };
}

/** Undirected edges (each pair once) with the largest value of `weight` over its directions. */
function undirected(edges: readonly [number, number][], weight: (i: number) => number = () => 1): { a: number; b: number; w: number }[] {
  const m = new Map<string, { a: number; b: number; w: number }>();
  edges.forEach(([p, q], i) => {
    const a = Math.min(p, q),
      b = Math.max(p, q);
    const k = `${a}-${b}`;
    const e = m.get(k);
    if (e) e.w = Math.max(e.w, weight(i));
    else m.set(k, { a, b, w: weight(i) });
  });
  return [...m.values()];
}

interface Frame {
  x: VlSpec;
  y: VlSpec;
  width: number;
  height: number;
}

/** Scales and size giving a geographic layout roughly equal-area proportions. */
function frame(layout: SiloLayout, width: number): Frame {
  if (layout.kind === 'circle') {
    const d = [-1.35, 1.35];
    return {
      width,
      height: width,
      x: { scale: { domain: d, nice: false, zero: false }, axis: null },
      y: { scale: { domain: d, nice: false, zero: false }, axis: null },
    };
  }
  const pad = (lo: number, hi: number): [number, number] => {
    const p = Math.max(1, (hi - lo) * 0.08);
    return [lo - p, hi + p];
  };
  const [x0, x1] = pad(Math.min(...layout.x), Math.max(...layout.x));
  const [y0, y1] = pad(Math.min(...layout.y), Math.max(...layout.y));
  const k = Math.cos(((y0 + y1) / 2) * (Math.PI / 180));
  const height = Math.round(Math.min(width * 1.1, Math.max(width * 0.45, (width * (y1 - y0)) / ((x1 - x0) * Math.max(0.2, k)))));
  return {
    width,
    height,
    x: { scale: { domain: [x0, x1], nice: false, zero: false }, axis: { title: 'longitude', grid: false, tickCount: 5 } },
    y: { scale: { domain: [y0, y1], nice: false, zero: false }, axis: { title: 'latitude', grid: false, tickCount: 5 } },
  };
}

function siloPoints(
  d: TopologyDrawing,
  layout: SiloLayout,
  isolated: ReadonlySet<number> = new Set(),
): { silo: string; x: number; y: number; status: string }[] {
  return d.silos.map((s, i) => ({
    silo: s.label ?? s.name,
    x: layout.x[i],
    y: layout.y[i],
    status: isolated.has(i) ? 'isolated' : 'active',
  }));
}

function edgeRows(es: { a: number; b: number; w: number }[], layout: SiloLayout, kind: string): Record<string, number | string>[] {
  return es.map((e) => ({ x: layout.x[e.a], y: layout.y[e.a], x2: layout.x[e.b], y2: layout.y[e.b], w: e.w, edge: kind }));
}

/** Short silo label (GML names such as `London,+UnitedKingdom209` shortened to `London`). */
export function shortName(name: string): string {
  const s = name.replace(/\+/g, ' ').replace(/\d+$/, '');
  return (s.split(',')[0] || name).trim();
}

function labelLayer(points: { silo: string }[], fontSize: number): VlSpec {
  return {
    data: { values: points.map((p) => ({ ...p, short: shortName(p.silo) })) },
    mark: { type: 'text', align: 'left', baseline: 'middle', dx: 5, fontSize, color: '#333' },
    encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'short' } },
  };
}

/**
 * One overlay drawn on its silos: edges as rules (width by multiplicity for the
 * multigraph), silos as labelled points. Silo labels are left out above 40 silos.
 */
export function topologySpec(drawing: TopologyDrawing, layout: SiloLayout, width = 360): VlSpec {
  const f = frame(layout, width);
  const mult = drawing.multiplicity;
  const edges = edgeRows(
    undirected(drawing.edges, (i) => mult?.[i] ?? 1),
    layout,
    'overlay',
  );
  const points = siloPoints(drawing, layout);
  const multi = !!mult && edges.some((e) => e.w !== 1);
  const xy = { x: { field: 'x', type: 'quantitative', ...f.x }, y: { field: 'y', type: 'quantitative', ...f.y } };
  return {
    width: f.width,
    height: f.height,
    ...(layout.kind === 'circle' ? { config: { view: { stroke: null } } } : {}),
    layer: [
      {
        data: { values: edges },
        mark: { type: 'rule', color: '#4c78a8', opacity: 0.75, ...(multi ? {} : { strokeWidth: 1.5 }) },
        encoding: {
          ...xy,
          x2: { field: 'x2' },
          y2: { field: 'y2' },
          ...(multi
            ? { strokeWidth: { field: 'w', type: 'ordinal', title: 'edge multiplicity', scale: { range: [1.2, 3, 4.8, 6.6, 8.4, 10.2] } } }
            : {}),
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: points.length > 40 ? 25 : 50, color: '#222', opacity: 1 },
        encoding: xy,
      },
      ...(points.length <= 40 ? [labelLayer(points, points.length > 20 ? 9 : 10)] : []),
    ],
  };
}

/**
 * The multigraph's graph states (at most `maxStates`), each drawn on the silos: strong
 * edges solid, weak edges faint and dashed, isolated silos in red.
 * @returns the spec and how many states were left out
 */
export function multigraphStatesSpec(
  drawing: TopologyDrawing,
  layout: SiloLayout,
  maxStates = MAX_DRAWN_STATES,
): { spec: VlSpec; omitted: number } {
  const states = drawing.states ?? [];
  const shown = states.slice(0, maxStates);
  const panelWidth = drawing.silos.length > 30 ? 220 : 180;
  const f = frame(layout, panelWidth);
  const xy = { x: { field: 'x', type: 'quantitative', ...f.x, axis: null }, y: { field: 'y', type: 'quantitative', ...f.y, axis: null } };
  const all = undirected(drawing.edges);
  const panels = shown.map((s) => {
    const strong = undirected(s.strong);
    const strongKeys = new Set(strong.map((e) => `${e.a}-${e.b}`));
    const weak = all.filter((e) => !strongKeys.has(`${e.a}-${e.b}`));
    const isolated = new Set(s.isolated);
    const points = siloPoints(drawing, layout, isolated);
    return {
      title: `state ${s.state}${s.isolated.length ? ` (${s.isolated.length} isolated)` : ''}`,
      width: f.width,
      height: f.height,
      layer: [
        {
          data: {
            values: [
              ...edgeRows(strong, layout, 'strong').map((e) => ({ ...e, opacity: 0.9, width: 2 })),
              ...edgeRows(weak, layout, 'weak').map((e) => ({ ...e, opacity: 0.4, width: 1 })),
            ],
          },
          mark: { type: 'rule' },
          encoding: {
            ...xy,
            x2: { field: 'x2' },
            y2: { field: 'y2' },
            strokeDash: {
              field: 'edge',
              type: 'nominal',
              title: 'edge',
              scale: {
                domain: ['strong', 'weak'],
                range: [
                  [1, 0],
                  [4, 3],
                ],
              },
            },
            // opacity and width as raw values: a legend:null channel on the same field would hide the dash legend
            opacity: { field: 'opacity', type: 'quantitative', scale: null, legend: null },
            strokeWidth: { field: 'width', type: 'quantitative', scale: null, legend: null },
            color: { value: '#555' },
          },
        },
        {
          data: { values: points.map((p) => ({ ...p, size: p.status === 'isolated' ? 80 : 30 })) },
          mark: { type: 'point', filled: true, opacity: 1 },
          encoding: {
            ...xy,
            color: {
              field: 'status',
              type: 'nominal',
              title: 'silo',
              scale: { domain: ['active', 'isolated'], range: ['#4c78a8', '#e45756'] },
            },
            size: { field: 'size', type: 'quantitative', scale: null, legend: null },
          },
        },
        ...(points.length <= 40 && isolated.size
          ? [
              labelLayer(
                points.filter((p) => p.status === 'isolated'),
                9,
              ),
            ]
          : []),
      ],
    };
  });
  return { spec: { concat: panels, columns: drawing.silos.length > 30 ? 3 : 4, spacing: 12 }, omitted: states.length - shown.length };
}

// ---------------------------------------------------------------- timelines and profiles

/** Most silos drawn as rows of a timeline (the slowest first rounds are kept). */
export const MAX_TIMELINE_SILOS = 40;

/**
 * The timeline rows of a drawing: one bar per silo, round and phase: `compute` (its local
 * steps), `send` (from its compute end until its uploads of the round are done, within its
 * round) and `wait` (the rest of its round: waiting for its neighbours' models).
 */
export function timelineRows(
  d: TopologyDrawing,
  maxSilos = MAX_TIMELINE_SILOS,
): { silo: string; round: number; phase: string; startMs: number; endMs: number }[] {
  const tl = d.timeline;
  if (!tl) return [];
  const order = tl.silos.map((_, i) => i);
  if (order.length > maxSilos) {
    // keep the silos whose last shown round ends latest (the ones that set the pace)
    const last = (i: number): number => tl.silos[i].endMs[tl.silos[i].endMs.length - 1] ?? 0;
    order.sort((a, b) => last(b) - last(a) || a - b);
    order.length = maxSilos;
    order.sort((a, b) => a - b);
  }
  const rows: { silo: string; round: number; phase: string; startMs: number; endMs: number }[] = [];
  for (const i of order) {
    const s = tl.silos[i];
    const name = shortName(d.silos[i]?.label ?? d.silos[i]?.name ?? String(i));
    for (let k = 0; k < s.startMs.length; k++) {
      const sendEnd = Math.min(Math.max(s.sendEndMs[k], s.computeEndMs[k]), s.endMs[k]);
      const phases: [string, number, number][] = [
        ['compute', s.startMs[k], s.computeEndMs[k]],
        ['send', s.computeEndMs[k], sendEnd],
        ['wait', sendEnd, s.endMs[k]],
      ];
      for (const [phase, a, b] of phases) if (b > a) rows.push({ silo: name, round: k, phase, startMs: a, endMs: b });
    }
  }
  return rows;
}

/** A Gantt chart of a drawing's timeline: one row per silo, compute / send / wait over the first rounds. */
export function timelineSpec(d: TopologyDrawing, maxSilos = MAX_TIMELINE_SILOS): VlSpec {
  const rows = timelineRows(d, maxSilos);
  const silos = [...new Set(rows.map((r) => r.silo))];
  return {
    data: { values: rows },
    width: 560,
    height: { step: silos.length > 25 ? 10 : 16 },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'silo', type: 'nominal', title: null, sort: silos, axis: { labelFontSize: silos.length > 25 ? 8 : 10 } },
      x: { field: 'startMs', type: 'quantitative', title: 'simulated time (ms)' },
      x2: { field: 'endMs' },
      color: {
        field: 'phase',
        type: 'nominal',
        title: 'phase',
        scale: { domain: ['compute', 'send', 'wait'], range: ['#4c78a8', '#f58518', '#d8d8d8'] },
      },
      opacity: { field: 'round', type: 'ordinal', legend: null, scale: { range: [1, 0.8] } },
    },
  };
}

/** Silos on their layout, sized by one local step's compute and coloured by upload capacity. */
export function profileMapSpec(d: TopologyDrawing, layout: SiloLayout, width = 420): VlSpec {
  const p = d.profile!;
  const f = frame(layout, width);
  const xy = { x: { field: 'x', type: 'quantitative', ...f.x }, y: { field: 'y', type: 'quantitative', ...f.y } };
  const points = d.silos.map((s, i) => ({
    silo: s.label ?? s.name,
    short: shortName(s.label ?? s.name),
    x: layout.x[i],
    y: layout.y[i],
    computeMs: p.computeMs[i],
    uploadGbps: p.uploadGbps[i],
    downloadGbps: p.downloadGbps[i],
  }));
  return {
    width: f.width,
    height: f.height,
    ...(layout.kind === 'circle' ? { config: { view: { stroke: null } } } : {}),
    layer: [
      {
        data: { values: points },
        mark: { type: 'circle', opacity: 0.7, stroke: '#222', strokeWidth: 0.5 },
        encoding: {
          ...xy,
          size: { field: 'computeMs', type: 'quantitative', title: 'compute per step (ms)', scale: { range: [30, 500], zero: false } },
          color: { field: 'uploadGbps', type: 'quantitative', title: 'upload (Gbit/s)', scale: { scheme: 'viridis' } },
        },
      },
      // labels beside the largest circle's radius, on a white halo, so no circle hides them
      ...(points.length <= 40
        ? [
            {
              data: { values: points },
              mark: {
                type: 'text',
                align: 'left',
                baseline: 'middle',
                dx: 15,
                fontSize: 10,
                stroke: 'white',
                strokeWidth: 3,
                strokeOpacity: 0.9,
                color: 'white',
              },
              encoding: { ...xy, text: { field: 'short' } },
            },
            {
              data: { values: points },
              mark: { type: 'text', align: 'left', baseline: 'middle', dx: 15, fontSize: 10, color: '#222' },
              encoding: { ...xy, text: { field: 'short' } },
            },
          ]
        : []),
    ],
  };
}

// ---------------------------------------------------------------- all plots of a report

function slug(s: string): string {
  return s
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

/** The drawings to show: the results' `topologies.json`, plus run topologies it does not cover. */
export function drawingsToShow(data: ReportData): { network: string; drawings: TopologyDrawing[] }[] {
  const out = data.drawings.map((g) => ({ network: g.network, drawings: [...g.drawings] }));
  for (const r of data.runs) {
    const d = r.drawing;
    // topologies not worth drawing (sampled rounds: MATCHA) stay out
    if (!d || d.edges.length === 0 || findTopology(d.topology)?.supports.drawing === false) continue;
    let g = out.find((x) => x.network === d.network);
    if (!g) {
      g = { network: d.network, drawings: [] };
      out.push(g);
    }
    if (!g.drawings.some((x) => x.topology === d.topology)) g.drawings.push(d);
  }
  return out;
}

/** Render every plot of a report, in the order the HTML shows them. */
export async function reportPlots(data: ReportData): Promise<Plot[]> {
  const plots: Plot[] = [];
  const evaluated = data.runs.filter((r) => r.metrics.some((m) => m.testRmse !== null));
  const classified = data.runs.filter((r) => r.metrics.some((m) => m.testAccuracy != null));
  const level =
    typeof (data.config.verdict as { confidence?: unknown } | undefined)?.confidence === 'number'
      ? (data.config.verdict as { confidence: number }).confidence
      : 0.95;
  const lines = (runs: readonly ReportRun[]): string => {
    const conditions = new Set(runs.map((r) => r.condition)).size;
    if (conditions === runs.length) return 'one line per run';
    const seeds = Math.round(runs.length / conditions);
    return `the mean over ${seeds} seeds per ${data.sweepAxes.every((a) => a === 'topology') ? 'topology' : 'sweep point'}, the band its ${Math.round(level * 100)}% interval (Student t)`;
  };
  const clock =
    data.config.clock === 'events'
      ? `the event clock (${data.config.sharing === 'fair' ? 'fair' : 'fixed'} sharing${data.config.stragglers ? ', stragglers' : ''}${data.config.failures ? ', failures' : ''})`
      : 'the max-plus clock';
  if (classified.length) {
    plots.push({
      id: 'training-test-accuracy',
      caption: `Test accuracy of the averaged model against rounds (left) and simulated time on ${clock} (right), ${lines(classified)}; dashed: always answering the most frequent training class.`,
      svg: await renderSvg(trainingCurvesSpec(classified, 'testAccuracy', level)),
    });
    plots.push({
      id: 'training-test-loss',
      caption: `Test loss (cross-entropy) of the averaged model against rounds (left) and simulated time on ${clock} (right), ${lines(classified)}.`,
      svg: await renderSvg(trainingCurvesSpec(classified, 'testLoss', level)),
    });
  }
  if (evaluated.length) {
    const baselines = new Set(evaluated.map((r) => r.summary.constantPredictorRmse));
    const rel = baselines.size > 1 ? " over each run's own constant predictor's (its seed drew its own data)" : '';
    plots.push({
      id: 'training-test-rmse',
      caption: `Test RMSE of the averaged model${rel} against rounds (left) and simulated time on ${clock} (right), ${lines(evaluated)}; dashed: the constant predictor (predicting the training mean).`,
      svg: await renderSvg(trainingCurvesSpec(evaluated, 'testRmse', level)),
    });
    plots.push({
      id: 'training-test-loss',
      caption: `Test loss of the averaged model against rounds (left) and simulated time on ${clock} (right), ${lines(evaluated)}.`,
      svg: await renderSvg(trainingCurvesSpec(evaluated, 'testLoss', level)),
    });
  }
  if (data.cycleTimes.length) {
    const networks = new Set(data.cycleTimes.map((c) => c.report.network)).size;
    const sweep = data.kind === 'cycle-times' && data.sweepAxes.length > 0 && new Set(data.cycleTimes.map((c) => c.label)).size > 1;
    const caption = sweep
      ? `Cycle time (ms per round) against ${data.sweepAxes.join(', ')}, one line per topology${networks > 1 ? ', one panel per network' : ''}.`
      : networks > 1
        ? 'Cycle time (ms per round) of each topology, grouped by network.'
        : `Cycle time (ms per round) of each topology on ${data.cycleTimes[0].report.network}, best first.`;
    plots.push({ id: 'cycle-times', caption, svg: await renderSvg(cycleTimeSpec(data.cycleTimes, data.sweepAxes)) });
  }
  for (const { network, drawings } of drawingsToShow(data)) {
    const profiled = drawings.find((d) => d.profile);
    if (profiled) {
      const layout = siloLayout(profiled, drawings);
      plots.push({
        network,
        id: `profile-${slug(network)}`,
        caption: `Silo profile on ${network}: circle area = compute time of one local step, colour = upload capacity${layout.kind === 'geo' ? '; silos at their coordinates' : '; silos on a circle in RING order'}.`,
        svg: await renderSvg(profileMapSpec(profiled, layout)),
      });
    }
    for (const d of drawings) {
      const layout = siloLayout(d, drawings);
      const where =
        layout.kind === 'geo'
          ? 'silos at their coordinates (longitude, latitude)'
          : 'the network has no coordinates: silos on a circle in RING order';
      const links = undirected(d.edges).length;
      const ct =
        d.cycleTimeMs ??
        data.cycleTimes.find((c) => c.report.network === network)?.report.results.find((r) => r.topology === d.topology)?.cycleTimeMs;
      plots.push({
        network,
        id: `topology-${slug(network)}-${slug(d.topology)}`,
        caption: `${d.topology} on ${network}: ${d.silos.length} silos, ${links} links${ct !== undefined ? `, cycle time ${ct.toFixed(1)} ms` : ''}${d.multiplicity ? ', line width = edge multiplicity' : ''}; ${where}.`,
        svg: await renderSvg(topologySpec(d, layout)),
      });
      if (d.timeline && d.timeline.silos.length) {
        const shown = Math.min(d.timeline.silos.length, MAX_TIMELINE_SILOS);
        plots.push({
          network,
          id: `timeline-${slug(network)}-${slug(d.topology)}`,
          caption: `${d.topology} on ${network}: each silo's first ${d.timeline.rounds} rounds on the ${d.timeline.clock} clock: computing (blue), sending its model (orange), waiting for its neighbours (grey)${shown < d.timeline.silos.length ? `; the ${shown} silos that finish last of ${d.timeline.silos.length}` : ''}.`,
          svg: await renderSvg(timelineSpec(d)),
        });
      }
      if (d.states?.length) {
        const { spec, omitted } = multigraphStatesSpec(d, layout);
        plots.push({
          network,
          id: `states-${slug(network)}-${slug(d.topology)}`,
          caption: `${d.topology} on ${network}: graph states (${d.states.length} in the period). Strong edges solid, weak edges dashed; isolated silos in red.${omitted > 0 ? ` ${omitted} more state${omitted === 1 ? '' : 's'} not shown.` : ''}`,
          svg: await renderSvg(spec),
        });
      }
    }
  }
  return plots;
}
