#!/usr/bin/env node
/**
 * Compare two conditions of published results (folders written by `dflsim report <results>
 * --publish <folder>`), seed by seed: the metric at the last round both evaluated and the
 * roughness of the curves over the second half (mean change between evaluations).
 *
 *   node scripts/compare-published.mjs docs/results/fadnet-comparison-long ring docs/results/dronet-dfl-long ring
 *
 * Run `npm run build` first. Exit 2 with one line on bad input.
 */
import { comparePublished, readPublishedCondition, isInputError } from '../dist/src/index.js';

const args = process.argv.slice(2);
if (args.length !== 4) {
  process.stderr.write('usage: node scripts/compare-published.mjs <folder A> <condition A> <folder B> <condition B>\n');
  process.exit(2);
}
try {
  const a = readPublishedCondition(args[0], args[1]);
  const b = readPublishedCondition(args[2], args[3]);
  const c = comparePublished(a, b);
  const pct = c.metric === 'testAccuracy';
  const f = (x) => (Number.isFinite(x) ? (pct ? (100 * x).toFixed(2) : x.toFixed(4)) : '');
  const unit = pct ? 'test accuracy (%)' : "test RMSE / constant predictor's";
  const ci = (t) =>
    `${f(t.meanDiff)} [${f(t.low)}, ${f(t.high)}], p = ${Number.isFinite(t.p) ? t.p.toFixed(3) : 'n/a'}${t.low > 0 || t.high < 0 ? '' : ': the data do not decide'}`;
  const out = [
    `A = ${a.label}; B = ${b.label}; ${unit} after ${c.round + 1} rounds; roughness: mean change between successive evaluations over rounds ${Math.ceil(c.round / 2) + 1}-${c.round + 1}`,
    '',
    '| seed | A final | B final | A roughness | B roughness |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...c.seeds.map((s, i) => `| ${s} | ${f(c.a.final[i])} | ${f(c.b.final[i])} | ${f(c.a.roughness[i])} | ${f(c.b.roughness[i])} |`),
    '',
    `B minus A, paired by seed (mean [95% interval]): final ${ci(c.finalDiff)}; roughness ${ci(c.roughnessDiff)}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
} catch (e) {
  if (isInputError(e)) {
    process.stderr.write(`compare-published: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
