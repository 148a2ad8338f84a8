/**
 * `dflsim cycle-time` and `dflsim compare`: time topologies on a network.
 */
import type { Argv } from 'yargs';
import { computeCycleTimes, defaultTopologies, type CycleTimeReport } from '../../experiment/cycle-times.js';
import { topologyNames, topologyPatternNames } from '../../overlay/catalogue.js';
import { csvTable, fmt, textTable } from '../../report/table.js';
import { formatOption, listFlag, networkOptions, requestFromArgs, type NetworkArgs } from '../common.js';

type Out = (s: string) => void;

function summaryLine(r: CycleTimeReport): string {
  const w = r.workload;
  return `network ${r.network} (${r.silos} silos), workload ${w.name}: model ${w.modelSizeBits} bits, compute ${w.computeMs} ms x ${w.localUpdates} local update(s), access ${w.uploadGbps}/${w.downloadGbps} Gbit/s up/down\n`;
}

/** Render a report as table, CSV or JSON. */
export function renderCycleTimes(r: CycleTimeReport, format: string, opts: { ratioToRing?: boolean; sort?: boolean } = {}): string {
  const results = opts.sort ? r.results.slice().sort((a, b) => a.cycleTimeMs - b.cycleTimeMs) : r.results;
  if (format === 'json') return JSON.stringify({ ...r, results }, null, 2) + '\n';
  const ring = r.results.find((x) => x.topology === 'ring')?.cycleTimeMs;
  const headers = ['topology', 'cycleTimeMs', 'overlayEdges', ...(opts.ratioToRing ? ['vsRing'] : []), 'criticalCircuit'];
  const rows = results.map((x) => [
    x.topology,
    format === 'csv' ? x.cycleTimeMs : fmt(x.cycleTimeMs, 2),
    x.overlayEdges,
    ...(opts.ratioToRing ? [ring ? (format === 'csv' ? x.cycleTimeMs / ring : `${(x.cycleTimeMs / ring).toFixed(2)}x`) : ''] : []),
    x.criticalCircuit.length > 8 && format !== 'csv'
      ? `${x.criticalCircuit.slice(0, 6).join(' > ')} > ... (${x.criticalCircuit.length} silos)`
      : x.criticalCircuit.join(' > '),
  ]);
  if (format === 'csv') return csvTable(headers, rows);
  return summaryLine(r) + '\n' + textTable(headers, rows);
}

/** Register the cycle-time command. */
export function cycleTimeCommand(y: Argv, out: Out): Argv {
  return y.command(
    'cycle-time',
    'cycle time of each topology on a network (exact, max-plus / Karp)',
    (c) =>
      formatOption(networkOptions(c))
        .option('topologies', { alias: 't', type: 'string', describe: `comma-separated topologies: ${topologyNames((t) => t.supports.cycleTime).join(', ')}, ${topologyPatternNames().join(', ')} (default: ${defaultTopologies().join(',')})` })
        .example('$0 cycle-time -n ../shared/networks/gaia.gml -t star,matcha,matcha+,mst,delta-mbst,ring,multigraph-ring', 'Table 3 (Do et al.) for Gaia, on the paper\'s file; RING and the multigraph on dflsim\'s own tour')
        .example('$0 cycle-time -n ../shared/networks/gaia.gml --overlay ../shared/reference/femnist/gaia.ring-overlay.json -t overlay,multigraph-overlay', 'Table 3\'s RING and multigraph columns: on the reference implementation\'s tour')
        .example('$0 cycle-time -n ../shared/networks/ebone.gml -t ring,multigraph-ring --format json', 'two topologies as JSON')
        .example('$0 cycle-time -n gaia-cities --workload femnist', 'the built-in Gaia rebuilt from city coordinates (not the paper\'s figures)'),
    (a) => {
      const args = a as unknown as NetworkArgs & { topologies?: string; format: string };
      const report = computeCycleTimes(requestFromArgs(args, listFlag(args.topologies, '--topologies')));
      out(renderCycleTimes(report, args.format));
    },
  );
}

/** Register the compare command. */
export function compareCommand(y: Argv, out: Out): Argv {
  return y.command(
    'compare',
    'compare every topology on a network: one table, best first, with the ratio to RING',
    (c) =>
      formatOption(networkOptions(c))
        .example('$0 compare --network gaia-cities --workload femnist', 'which topology trains fastest on the built-in Gaia')
        .example('$0 compare -n ../shared/networks/exodus.gml --access-gbps 1', 'slower access links'),
    (a) => {
      const args = a as unknown as NetworkArgs & { format: string };
      // every catalogue topology that needs no file of the user's
      const topologies = topologyNames((t) => t.supports.cycleTime && !t.needs.overlayFile && !t.needs.scheduleFile);
      const report = computeCycleTimes(requestFromArgs(args, topologies));
      out(renderCycleTimes(report, args.format, { ratioToRing: true, sort: true }));
    },
  );
}
