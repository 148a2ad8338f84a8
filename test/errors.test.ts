import { describe, expect, it } from 'vitest';
import { DflsimInputError, printable } from '../src/errors.js';
import { computeCycleTimes } from '../src/experiment/cycle-times.js';
import { closestNames, didYouMean } from '../src/suggest.js';

describe('errors for people', () => {
  it('printable: control bytes escaped, newlines and text kept, long runs elided', () => {
    expect(printable('a\x1b[31mb\x07\n\tc')).toBe('a\\x1b[31mb\\x07\n\tc');
    expect(printable('\x85\ufffd')).toBe('\\x85\\ufffd');
    expect(printable('é ü 東京')).toBe('é ü 東京');
    expect(printable('\x01'.repeat(40))).toBe('\\x01'.repeat(16) + '...');
  });

  it('library calls get DflsimInputErrors naming the field, not TypeErrors', () => {
    const bad = (req: unknown, field: string, what: RegExp) => {
      let err: unknown;
      try {
        computeCycleTimes(req as Parameters<typeof computeCycleTimes>[0]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DflsimInputError);
      expect((err as DflsimInputError).where).toBe(field);
      expect((err as Error).message).toMatch(what);
    };
    bad({ network: 'gaia-cities', topologies: ['ring'] }, 'workload', /missing: give a preset name \(femnist/);
    bad({ network: 'gaia-cities', workload: { modelSizeBits: 1 } }, 'workload', /expected a preset name/);
    bad({ workload: 'femnist' }, 'network', /missing/);
    bad({ network: 'gaia-cities', workload: 'femnist', topologies: 'ring' }, 'topologies', /a list of topology names/);
    // a custom workload without rounds takes the default K
    expect(
      computeCycleTimes({
        network: 'gaia-cities',
        workload: { name: 'w', modelSizeBits: 1e6, computeMs: 1 } as never,
        topologies: ['ring'],
      }).results[0].cycleTimeMs,
    ).toBeGreaterThan(0);
  });

  it('did you mean: close misspellings first, containment only when nothing is close', () => {
    expect(closestNames('rign', ['ring', 'star', 'mst'])).toEqual(['ring']);
    expect(closestNames('multigraph', ['multigraph-ring', 'ring'])).toEqual(['multigraph-ring']);
    expect(closestNames('zzzz', ['ring', 'star'])).toEqual([]);
    expect(didYouMean('femnsit', ['femnist', 'sent140'])).toBe(' (did you mean "femnist"?)');
  });
});
