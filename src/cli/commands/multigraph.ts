/**
 * `dflsim multigraph`: the multigraph's states, isolated silos and statistics; `--sweep-t`.
 */
import type { Argv } from 'yargs';
import { describeMultigraph, type MultigraphReport } from '../../experiment/multigraph-report.js';
import { topologyNames } from '../../overlay/catalogue.js';
import { fmt, textTable } from '../../report/table.js';
import { formatOption, intRange, networkOptions, requestFromArgs, type NetworkArgs } from '../common.js';

/** Text rendering of a multigraph report. */
export function renderMultigraph(r: MultigraphReport, maxStates = 60): string {
  const s = r.statistics;
  const lines: string[] = [];
  lines.push(`multigraph on ${r.overlayOf} of ${r.network} (${r.silos} silos), workload ${r.workload}, t = ${r.tMax}, ${r.rounds} rounds`);
  lines.push(
    `cycle time ${fmt(r.cycleTimeMs, 2)} ms vs ${fmt(r.overlayCycleTimeMs, 2)} ms for the ${r.overlayOf} itself (${r.speedupOverOverlay.toFixed(2)}x faster)`,
  );
  lines.push(
    `states ${s.states}; states with isolated silos ${s.statesWithIsolated}; rounds with isolated silos ${s.roundsWithIsolated} of ${r.rounds}; mean isolated silos per round ${s.meanIsolatedPerRound.toFixed(2)}; mean strong edges per state ${s.meanStrongEdgesPerState.toFixed(2)}`,
  );
  lines.push(`multiplicities (edges with m = 1..${r.tMax}): ${s.multiplicityHistogram.join(', ')}`);
  lines.push(`first rounds' τk (ms): ${r.firstRoundsCycleTimeMs.map((x) => x.toFixed(2)).join(', ')}`);
  lines.push('');
  lines.push(
    textTable(
      ['from', 'to', 'd1Ms', 'delayMs', 'm'],
      r.edges.map((e) => [e.from, e.to, fmt(e.d1Ms, 2), fmt(e.delayMs, 2), e.multiplicity]),
    ),
  );
  const shown = r.states.slice(0, maxStates);
  lines.push(
    textTable(
      ['state', 'strong', 'weak', 'isolated silos'],
      shown.map((st) => [st.state, st.strongEdges, st.weakEdges, st.isolatedSilos.join(', ')]),
    ),
  );
  if (r.states.length > shown.length) lines.push(`... ${r.states.length - shown.length} more states (use --format json for all)\n`);
  if (r.sweep) {
    lines.push('cycle time against t:');
    lines.push(
      textTable(
        ['t', 'states', 'cycleTimeMs', 'speedup', 'isolated/round'],
        r.sweep.map((x) => [
          x.tMax,
          x.states,
          fmt(x.cycleTimeMs, 2),
          `${x.speedupOverOverlay.toFixed(2)}x`,
          fmt(x.meanIsolatedPerRound, 2),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/** Register the multigraph command. */
export function multigraphCommand(y: Argv, out: (s: string) => void): Argv {
  return y.command(
    'multigraph',
    'the multigraph topology: states, isolated silos, statistics, and cycle time against t',
    (c) =>
      formatOption(networkOptions(c, { matcha: false }), ['table', 'json'])
        .option('overlay-of', {
          type: 'string',
          choices: topologyNames((t) => t.supports.multigraphBase),
          default: 'ring',
          describe: 'overlay the multigraph is built on ("overlay" = the --overlay file)',
        })
        .option('sweep-t', { type: 'string', describe: 'also print the cycle time for each t, e.g. 1..6' })
        .example('$0 multigraph --network gaia-cities --workload femnist', "the multigraph on Gaia's RING")
        .example('$0 multigraph -n gaia-cities --sweep-t 1..6', 'cycle time against t')
        .example(
          '$0 multigraph -n ../shared/networks/gaia.gml --overlay ../shared/reference/femnist/gaia.ring-overlay.json --overlay-of overlay',
          'on an overlay file (here the reference RING tour)',
        ),
    (a) => {
      const args = a as unknown as NetworkArgs & { format: string; 'overlay-of': string; 'sweep-t'?: string };
      const sweep = args['sweep-t'] !== undefined ? intRange(args['sweep-t'], '--sweep-t') : undefined;
      const report = describeMultigraph(requestFromArgs(args), args['overlay-of'], sweep);
      out(args.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderMultigraph(report));
    },
  );
}
