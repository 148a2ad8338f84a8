/**
 * `dflsim report <results-dir>`: write `report.md` and `report.html` (tables and plots)
 * into a results directory written by `dflsim run`.
 */
import type { Argv } from 'yargs';

/** Register the report command. */
export function reportCommand(y: Argv, out: (s: string) => void, _err: (s: string) => void): Argv {
  return y.command(
    'report <results-dir>',
    'write report.md and report.html (tables and plots) into a results directory',
    (c) =>
      c
        .positional('results-dir', { type: 'string', demandOption: true, describe: 'results directory written by "dflsim run"' })
        .option('target', {
          type: 'number',
          describe:
            "the level every topology is timed to, overriding the config's verdict.target: a test accuracy in (0, 1] (e.g. 0.9) or a test RMSE; default the best level every run reached",
        })
        .option('publish', {
          type: 'string',
          describe:
            "also write the small, committable results into this folder: report.md, each plot as SVG, runs.csv (with each run's metrics digest), evaluations.csv, summary.csv and summary.json; never checkpoints",
        })
        .example(
          '$0 report results/table4-long --target 0.9 --publish docs/results/table4-long',
          'the tables, plots and digests of a long sweep, every topology timed to 90% accuracy, ready to commit',
        )
        .example(
          '$0 report results/quick-demo',
          'after "npm start" (the quick demo, into results/quick-demo): rewrite its report.md and report.html',
        )
        .example(
          '$0 run experiments/table3-femnist.json --out results/t3 && $0 report results/t3',
          'cycle times of Table 3, then their report',
        ),
    async (a) => {
      const { resultsDir: dir, publish, target } = a as unknown as { resultsDir: string; publish?: string; target?: number };
      const options = target !== undefined ? { target } : {};
      const { markdownPath, htmlPath } = await (await import('../../report/write.js')).writeReport(dir, options);
      out(`wrote ${markdownPath}\nwrote ${htmlPath}\n`);
      if (publish !== undefined) {
        const { files } = await (await import('../../report/publish.js')).publishResults(dir, publish, options);
        out(`published ${files.length} files into ${publish}: ${files.join(', ')}\n`);
      }
    },
  );
}
