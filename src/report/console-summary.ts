/**
 * The summary `dflsim run` prints when an experiment ends: the cycle-time table (and the
 * published table beside it), or each timing point's cycle times, what was simulated and a
 * line per training run with its baseline. A renderer: it formats an
 * {@link ExperimentResult} and computes nothing the result does not hold.
 */
import type { ExperimentResult } from '../experiment/experiment.js';
import type { RunSummary } from '../experiment/runner.js';
import { referenceCycleTime } from '../overlay/catalogue.js';
import { publishedSideBySide } from './markdown.js';
import { fmt, textTable } from './table.js';

/** The printable summary of an experiment's result (plain-text tables, ending with where the results are). */
export function experimentSummaryText(res: ExperimentResult): string {
  return res.kind === 'cycle-times' ? cycleTimeSummary(res) : trainingSummary(res);
}

/** A cycle-time experiment: one row per network (and sweep point), a column per topology (ms per round). */
function cycleTimeSummary(res: ExperimentResult): string {
  const reports = res.comparisons;
  const swept = res.sweepPoints > 1;
  const topologies = [...new Set(reports.flatMap((r) => r.report.results.map((x) => x.topology)))];
  const text = textTable(
    ['network', ...(swept ? ['sweep'] : []), ...topologies],
    reports.map(({ label, report }) => [
      report.network,
      ...(swept ? [label] : []),
      ...topologies.map((t) => fmt(report.results.find((x) => x.topology === t)?.cycleTimeMs, 1)),
    ]),
  );
  const side = publishedSideBySide(reports);
  const sideText = side ? `\n${side.title}\n${textTable(side.headers, side.rows)}` : '';
  return `cycle time (ms per round)\n${text}${sideText}results in ${res.outDir}\n`;
}

/** A training experiment: the trained topologies' cycle times per timing point, what was simulated, the runs and their baseline. */
function trainingSummary(res: ExperimentResult): string {
  const runs: RunSummary[] = res.runs ?? [];
  const classification = runs.some((r) => r.task === 'classification');
  const text = classification
    ? textTable(
        ['run', 'topology', 'rounds', 'simulatedS', 'cycleTimeMs', 'testAccuracy', 'isolatedPerRound', 'wallS'],
        runs.map((r) => [
          r.name,
          r.topology,
          r.rounds,
          fmt(r.simulatedMs / 1000, 3),
          fmt(r.cycleTimeMs ?? null, 2),
          fmt(r.testAccuracy ?? null, 4),
          fmt(r.meanIsolated ?? null, 2),
          fmt(r.wallMs / 1000, 1),
        ]),
      )
    : textTable(
        ['run', 'topology', 'rounds', 'simulatedS', 'testRmse', 'vsConstant', 'wallS'],
        runs.map((r) => [
          r.name,
          r.topology,
          r.rounds,
          fmt(r.simulatedMs / 1000, 3),
          fmt(r.final?.testRmse ?? null, 4),
          r.rmseRatioToConstant === null ? '' : `${r.rmseRatioToConstant.toFixed(2)}x`,
          fmt(r.wallMs / 1000, 1),
        ]),
      );
  // each seed draws its own data, so its own baseline
  const baselines = [...new Set(runs.map((r) => fmt((classification ? r.majorityClassAccuracy : r.constantPredictorRmse) ?? null, 4)))];
  const baseline = `${classification ? 'majority-class accuracy' : 'constant-predictor RMSE'} ${baselines.join(' / ')}${baselines.length > 1 ? ' (per seed)' : ''}`;
  const tables = res.comparisons.map(({ label, report }) => {
    const ring = referenceCycleTime(report.results)?.cycleTimeMs;
    const head = `cycle time per round on ${report.network} (${report.silos} silos${label === 'run' ? '' : `, ${label}`}; model ${report.workload.modelSizeBits.toLocaleString('en-US')} bits, ${report.workload.computeMs} ms per local step)`;
    return `${head}\n${textTable(
      ['topology', 'cycleTimeMs', ...(ring ? ['vsRing'] : [])],
      report.results
        .slice()
        .sort((a, b) => a.cycleTimeMs - b.cycleTimeMs)
        .map((r) => [r.topology, fmt(r.cycleTimeMs, 2), ...(ring ? [`${(r.cycleTimeMs / ring).toFixed(2)}x`] : [])]),
    )}`;
  });
  const sim = runs[0]?.simulated;
  const simulatedLine = sim
    ? `simulated: clock ${sim.clock}; model ${sim.modelSizeBits.toLocaleString('en-US')} bits (${sim.modelSizeSource}); ${sim.computeMs} ms per local step (${sim.computeMsSource.split(':')[0]})\n`
    : '';
  return `${tables.join('\n')}${tables.length ? '\n' : ''}${simulatedLine}training\n${text}${baseline}; results in ${res.outDir}\n`;
}
