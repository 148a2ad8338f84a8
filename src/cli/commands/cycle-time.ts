/**
 * `dflsim cycle-time` and `dflsim compare`: time topologies on a network.
 */
import type { Argv } from 'yargs';
import { computeCycleTimes, defaultTopologies, type CycleTimeReport, type CycleTimeRequest } from '../../experiment/cycle-times.js';
import { referenceCycleTime, topologyNames, topologyPatternNames } from '../../overlay/catalogue.js';
import { csvTable, fmt, textTable } from '../../report/table.js';
import { displayLabel, displayLabelsIn } from '../../network/labels.js';
import {
  clockOptions,
  clockRequestFromArgs,
  formatOption,
  listFlag,
  networkOptions,
  requestFromArgs,
  type ClockArgs,
  type NetworkArgs,
} from '../common.js';

type Out = (s: string) => void;

function summaryLine(r: CycleTimeReport): string {
  const w = r.workload;
  const routers = r.routers ? `, ${r.routers} router${r.routers === 1 ? '' : 's'}` : '';
  let line = `network ${r.network} (${r.silos} silos${routers}), workload ${w.name}: model ${w.modelSizeBits} bits, compute ${w.computeMs} ms x ${w.localUpdates} local update(s), access ${w.uploadGbps}/${w.downloadGbps} Gbit/s up/down\n`;
  if (w.linkCapacities === 'gml') line += 'link capacities: from the GML (bandwidth = bottleneck link / hops)\n';
  if (r.clock)
    line += `clock: ${r.clock} (cycle time: the clock's own rate per round, exact in its periodic regime, else estimated as cycleTimeEstimate says; no critical circuit on the event clock)\n`;
  const p = r.profile;
  if (p) {
    const col = (c: { min: number; median: number; max: number }): string => `${fmt(c.min, 2)}/${fmt(c.median, 2)}/${fmt(c.max, 2)}`;
    line += `silo profile (${p.source}), min/median/max: compute ${col(p.computeMs)} ms per step, upload ${col(p.uploadGbps)} Gbit/s, download ${col(p.downloadGbps)} Gbit/s; slowest: ${p.slowestCompute.map((x) => `${displayLabel(x.silo)} ${fmt(x.computeMs, 2)} ms`).join(', ')}\n`;
  }
  return line;
}

/** Render a report as table, CSV or JSON. */
export function renderCycleTimes(r: CycleTimeReport, format: string, opts: { ratioToRing?: boolean; sort?: boolean } = {}): string {
  const results = opts.sort ? r.results.slice().sort((a, b) => a.cycleTimeMs - b.cycleTimeMs) : r.results;
  if (format === 'json') return JSON.stringify({ ...r, results }, null, 2) + '\n';
  const ring = referenceCycleTime(r.results)?.cycleTimeMs;
  const heterogeneous = r.profile !== undefined || r.workload.linkCapacities === 'gml';
  // the event clock says how it obtained each cycle time (exact periodic regime, or an estimate)
  const estimated = r.clock !== undefined;
  const headers = [
    'topology',
    'cycleTimeMs',
    ...(estimated ? ['cycleTimeEstimate'] : []),
    'overlayEdges',
    ...(opts.ratioToRing ? ['vsRing'] : []),
    'criticalCircuit',
    ...(heterogeneous ? ['bottleneck'] : []),
  ];
  const rows = results.map((x) => [
    x.topology,
    format === 'csv' ? x.cycleTimeMs : fmt(x.cycleTimeMs, 2),
    ...(estimated ? [typeof x.details?.cycleTime === 'string' ? x.details.cycleTime : ''] : []),
    x.overlayEdges,
    ...(opts.ratioToRing ? [ring ? (format === 'csv' ? x.cycleTimeMs / ring : `${(x.cycleTimeMs / ring).toFixed(2)}x`) : ''] : []),
    x.criticalCircuit.length > 8 && format !== 'csv'
      ? `${x.criticalCircuit.slice(0, 6).map(displayLabel).join(' > ')} > ... (${x.criticalCircuit.length} silos)`
      : x.criticalCircuit.map(displayLabel).join(' > '),
    ...(heterogeneous ? [displayLabelsIn(x.bottleneck ?? '')] : []),
  ]);
  if (format === 'csv') return csvTable(headers, rows);
  return summaryLine(r) + '\n' + textTable(headers, rows);
}

/** Time a request, print its table (its warnings to `err`), and with `--out` write the results directory and its report. */
async function timeAndPrint(
  req: CycleTimeRequest,
  args: ClockArgs & { format: string },
  command: string,
  io: { out: Out; err: Out },
  render: { ratioToRing?: boolean; sort?: boolean } = {},
): Promise<void> {
  let report: CycleTimeReport;
  if (args.out !== undefined) {
    const { writeCycleTimeComparison } = await import('../../experiment/experiment.js');
    const { _: _positional, $0: _script, ...flags } = args as unknown as Record<string, unknown>;
    // each flag once, by its long name (not the camel-case copies and aliases yargs adds)
    const given = Object.fromEntries(Object.entries(flags).filter(([k, v]) => k.length > 1 && k === k.toLowerCase() && v !== undefined));
    report = writeCycleTimeComparison(req, args.out, { name: `${command} ${String(flags.network ?? '')}`.trim(), command, ...given });
  } else report = computeCycleTimes(req);
  for (const w of report.warnings ?? []) io.err(`warning: ${w}\n`);
  io.out(renderCycleTimes(report, args.format, render));
  if (args.out !== undefined) {
    const { writeReport } = await import('../../report/write.js');
    const { htmlPath } = await writeReport(args.out);
    io.err(`report: ${htmlPath}\n`);
  }
}

/** Register the cycle-time command. */
export function cycleTimeCommand(y: Argv, out: Out, err: Out = () => {}): Argv {
  return y.command(
    'cycle-time',
    'cycle time of each topology on a network (exact, max-plus / Karp)',
    (c) =>
      clockOptions(formatOption(networkOptions(c)))
        .option('topologies', {
          alias: 't',
          type: 'string',
          describe: `comma-separated topologies: ${topologyNames((t) => t.supports.cycleTime).join(', ')}, ${topologyPatternNames().join(', ')} (default: ${defaultTopologies().join(',')})`,
        })
        .example(
          '$0 cycle-time -n ../shared/networks/gaia.gml -t star,matcha,matcha+,mst,delta-mbst,ring,multigraph-ring',
          "Table 3 (Do et al.) for Gaia, on the paper's file; RING and the multigraph on dflsim's own tour",
        )
        .example(
          '$0 cycle-time -n ../shared/networks/gaia.gml --overlay ../shared/reference/femnist/gaia.ring-overlay.json -t overlay,multigraph-overlay',
          "Table 3's RING and multigraph columns: on the reference implementation's tour",
        )
        .example('$0 cycle-time -n ../shared/networks/ebone.gml -t ring,multigraph-ring --format json', 'two topologies as JSON')
        .example(
          '$0 cycle-time -n gaia-cities --workload femnist',
          "the built-in Gaia rebuilt from city coordinates (not the paper's figures)",
        )
        .example(
          '$0 cycle-time -n ../shared/networks/geantdistance.gml --silo-profile experiments/geant-slow-silos.csv',
          "three slow silos on Géant (IS, CY, MT: 23 ms per step, 1 Gbit/s links); the table names each topology's bottleneck",
        )
        .example(
          '$0 cycle-time -n ../shared/networks/geantdistance.gml --silo-profile experiments/geant-slow-silos.csv --clock events --sharing fair',
          'the same on the event clock, transfers sharing access links max-min fairly',
        )
        .example(
          '$0 cycle-time -n ../shared/networks/gaia.gml --link-capacities gml',
          "the GML link capacities (a pair's bandwidth: its path's bottleneck link / hops)",
        )
        .example(
          '$0 cycle-time -n ../shared/networks/geantdistance.gml --silos NL,DE,FR,IT,ES,PL',
          'six silos on Géant; its other nodes are routers (they carry traffic, hold no model); --largest-component and --link-capacities gml read a Topology Zoo file as it comes',
        ),
    async (a) => {
      const args = a as unknown as NetworkArgs & ClockArgs & { topologies?: string; format: string };
      const req: CycleTimeRequest = {
        ...requestFromArgs(args, listFlag(args.topologies, '--topologies')),
        ...clockRequestFromArgs(args),
      };
      await timeAndPrint(req, args, 'cycle-time', { out, err });
    },
  );
}

/** Register the compare command. */
export function compareCommand(y: Argv, out: Out, err: Out = () => {}): Argv {
  return y.command(
    'compare',
    'compare every topology on a network: one table, best first, with the ratio to RING',
    (c) =>
      clockOptions(formatOption(networkOptions(c)))
        .example('$0 compare --network gaia-cities --workload femnist', 'which topology trains fastest on the built-in Gaia')
        .example('$0 compare -n ../shared/networks/exodus.gml --access-gbps 1', 'slower access links')
        .example(
          '$0 compare -n ../shared/networks/geantdistance.gml --silo-profile experiments/geant-slow-silos.csv --out results/geant-compare',
          'with slow silos, writing the results and their report (report.html)',
        ),
    async (a) => {
      const args = a as unknown as NetworkArgs & ClockArgs & { format: string };
      // every catalogue topology that needs no file of the user's
      const topologies = topologyNames((t) => t.supports.cycleTime && !t.needs.overlayFile && !t.needs.scheduleFile);
      const req: CycleTimeRequest = { ...requestFromArgs(args, topologies), ...clockRequestFromArgs(args) };
      await timeAndPrint(req, args, 'compare', { out, err }, { ratioToRing: true, sort: true });
    },
  );
}
