/**
 * `dflsim cycle-time` and `dflsim compare`: time topologies on a network.
 */
import type { Argv } from 'yargs';
import { computeCycleTimes, defaultTopologies, type CycleTimeReport } from '../../experiment/cycle-times.js';
import { referenceCycleTime, topologyNames, topologyPatternNames } from '../../overlay/catalogue.js';
import { csvTable, fmt, textTable } from '../../report/table.js';
import { LINK_CAPACITIES_MODES, type LinkCapacities } from '../../network/connectivity.js';
import { formatOption, listFlag, networkOptions, requestFromArgs, type NetworkArgs } from '../common.js';

type Out = (s: string) => void;

function summaryLine(r: CycleTimeReport): string {
  const w = r.workload;
  let line = `network ${r.network} (${r.silos} silos), workload ${w.name}: model ${w.modelSizeBits} bits, compute ${w.computeMs} ms x ${w.localUpdates} local update(s), access ${w.uploadGbps}/${w.downloadGbps} Gbit/s up/down\n`;
  if (w.linkCapacities === 'gml') line += 'link capacities: from the GML (bandwidth = bottleneck link / hops)\n';
  if (r.clock)
    line += `clock: ${r.clock} (cycle time: the clock's own rate per round, exact in its periodic regime, else estimated as cycleTimeEstimate says; no critical circuit on the event clock)\n`;
  const p = r.profile;
  if (p) {
    const col = (c: { min: number; median: number; max: number }): string => `${fmt(c.min, 2)}/${fmt(c.median, 2)}/${fmt(c.max, 2)}`;
    line += `silo profile (${p.source}), min/median/max: compute ${col(p.computeMs)} ms per step, upload ${col(p.uploadGbps)} Gbit/s, download ${col(p.downloadGbps)} Gbit/s; slowest: ${p.slowestCompute.map((x) => `${x.silo} ${fmt(x.computeMs, 2)} ms`).join(', ')}\n`;
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
      ? `${x.criticalCircuit.slice(0, 6).join(' > ')} > ... (${x.criticalCircuit.length} silos)`
      : x.criticalCircuit.join(' > '),
    ...(heterogeneous ? [x.bottleneck ?? ''] : []),
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
        .option('topologies', {
          alias: 't',
          type: 'string',
          describe: `comma-separated topologies: ${topologyNames((t) => t.supports.cycleTime).join(', ')}, ${topologyPatternNames().join(', ')} (default: ${defaultTopologies().join(',')})`,
        })
        .option('silo-profile', {
          type: 'string',
          describe:
            "CSV of per-silo compute and access links: header silo,computeMs,uploadGbps,downloadGbps (any subset of the value columns; computeMs per local step); missing values take the workload's, and it overrides GML node attributes",
        })
        .option('link-capacities', {
          type: 'string',
          choices: LINK_CAPACITIES_MODES as unknown as string[],
          default: 'ignore',
          describe:
            "ignore: core / hops (the papers'); gml: each pair's bandwidth is its path's bottleneck GML link capacity (capacity bit/s or capacityGbps; core for links without) / hops",
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
        .option('clock', {
          type: 'string',
          choices: ['max-plus', 'events'],
          default: 'max-plus',
          describe:
            "max-plus: exact, the papers' model; events: the event-driven clock, whose cycle time is its own rate per round, exact once its rounds repeat (fixed sharing on a static overlay equals max-plus), else a mean with a 95% confidence interval, as the cycleTimeEstimate column says (stragglers and failures come from a config file: dflsim run)",
        })
        .option('sharing', {
          type: 'string',
          choices: ['fixed', 'fair'],
          default: 'fixed',
          describe: 'event clock: access links divided by degree (fixed) or shared max-min fairly by concurrent transfers (fair)',
        })
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
        ),
    (a) => {
      const args = a as unknown as NetworkArgs & {
        topologies?: string;
        format: string;
        'silo-profile'?: string;
        'link-capacities'?: string;
        clock: 'max-plus' | 'events';
        sharing: 'fixed' | 'fair';
      };
      const report = computeCycleTimes({
        ...requestFromArgs(args, listFlag(args.topologies, '--topologies')),
        ...(args['silo-profile'] !== undefined ? { siloProfile: args['silo-profile'], siloProfileField: '--silo-profile' } : {}),
        ...(args['link-capacities'] !== undefined ? { linkCapacities: args['link-capacities'] as LinkCapacities } : {}),
        clock: args.clock,
        sharing: args.sharing,
        clockField: '--',
      });
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
