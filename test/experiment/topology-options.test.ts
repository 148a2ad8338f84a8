/**
 * The Base-(k+1) construction (`baseGraph`) and EquiDyn's η (`equidynEta`) reach the
 * topologies from a config and from a library request, and bad values are refused naming
 * the field. End-to-end CLI checks are in test/cli/topology-options.test.ts.
 */
import { getWorkload } from '../../src/timing/workload.js';
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { prepareContext } from '../../src/experiment/cycle-times.js';
import { validateConfig } from '../../src/experiment/config.js';
import { trainContextRequest } from '../../src/experiment/runner.js';
import { findTopology } from '../../src/overlay/catalogue.js';
import { baseGraphSequence } from '../../src/overlay/base-graph.js';
import { referenceBaseGraphSequence } from '../../src/overlay/base-graph-reference.js';
import { networkFile } from '../helpers.js';

const where = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DflsimInputError);
    return (e as DflsimInputError).where;
  }
  return 'no error';
};

describe('baseGraph: dflsim (default) or reference', () => {
  it("the plan's rounds are the chosen construction's, on the RING tour's positions", () => {
    for (const baseGraph of [undefined, 'dflsim', 'reference'] as const) {
      const ctx = prepareContext({ network: networkFile('gaia'), workload: 'femnist', rounds: 50, ...(baseGraph ? { baseGraph } : {}) });
      const plan = findTopology('base-2')!.build(ctx);
      const order = (plan.details!.order as string[]).map((s) => ctx.cg.silos.indexOf(s));
      const seq = (baseGraph === 'reference' ? referenceBaseGraphSequence : baseGraphSequence)(11, 1);
      expect(plan.details!.construction).toBe(baseGraph ?? 'dflsim');
      expect(plan.period).toBe(seq.period);
      for (let k = 0; k < seq.period!; k++) {
        const want = seq
          .round(k)
          .edges.map(([a, b]) => `${order[a]}>${order[b]}`)
          .sort();
        expect(
          plan
            .round(k)
            .strong.map(([a, b]) => `${a}>${b}`)
            .sort(),
          `${baseGraph} round ${k}`,
        ).toEqual(want);
      }
    }
  });

  it("a config's baseGraph and equidynEta reach the context; bad values name the field", () => {
    const cfg = validateConfig(
      { kind: 'train', network: networkFile('gaia'), topology: 'base-3', baseGraph: 'reference', equidynEta: 0.53 },
      'x.json',
    );
    if (cfg.kind !== 'train') throw new Error('a train config');
    const ctx = prepareContext(trainContextRequest(cfg, 'x.json', { workload: getWorkload('femnist') }));
    expect(ctx.baseGraph).toBe('reference');
    expect(ctx.equidynEta).toBe(0.53);
    expect(() => validateConfig({ kind: 'train', network: 'gaia-cities', baseGraph: 'authors' }, 'x.json')).toThrow(
      /x\.json: baseGraph: Invalid option: expected one of "dflsim"\|"reference"/,
    );
    expect(() => validateConfig({ kind: 'cycle-times', networks: ['gaia-cities'], equidynEta: 1.5 }, 'x.json')).toThrow(
      /x\.json: equidynEta: /,
    );
    expect(where(() => prepareContext({ network: 'gaia-cities', workload: 'femnist', baseGraph: 'authors' as 'reference' }))).toBe(
      '--base-graph',
    );
    expect(where(() => prepareContext({ network: 'gaia-cities', workload: 'femnist', equidynEta: 0 }))).toBe('--equidyn-eta');
  });
});

describe('equidynEta', () => {
  it('default n/(2(n-1)): each matched pair averages; a given eta sets the weights eta(n-1)/n and 1 - eta + eta/n', () => {
    const base = { network: networkFile('gaia'), workload: 'femnist', rounds: 20 };
    const byDefault = findTopology('equidyn')!.build(prepareContext(base));
    expect(byDefault.details!.eta).toBeCloseTo(11 / 20, 15);
    const r0 = byDefault.round(3).weights!;
    r0.weights.forEach((w) => expect(w).toBeCloseTo(0.5, 15));
    const given = findTopology('equidyn')!.build(prepareContext({ ...base, equidynEta: 1 }));
    expect(given.details!.eta).toBe(1);
    const r1 = given.round(3).weights!;
    r1.weights.forEach((w) => expect(w).toBeCloseTo(10 / 11, 15));
    r1.edges.forEach(([, to]) => expect(r1.selfWeights[to]).toBeCloseTo(1 / 11, 15));
    // η changes the weights, not who exchanges nor the timing
    expect(given.round(3).strong).toEqual(byDefault.round(3).strong);
    expect(given.cycleTimeMs).toBe(byDefault.cycleTimeMs);
  });
});
