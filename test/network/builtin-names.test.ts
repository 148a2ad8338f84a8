/** The built-in networks are named so that nobody takes them for the papers' GML files. */
import { describe, expect, it } from 'vitest';
import { builtinNetworkNames, paperNetworkHint } from '../../src/network/builtin.js';
import { loadUnderlay } from '../../src/network/load.js';
import { computeCycleTimes } from '../../src/experiment/cycle-times.js';

describe('built-in network names', () => {
  it('are the -cities networks only', () => {
    expect(builtinNetworkNames()).toEqual(['aws-na-cities', 'gaia-cities']);
    expect(loadUnderlay('gaia-cities').silos).toHaveLength(11);
    expect(loadUnderlay('aws-na-cities').silos).toHaveLength(22);
  });

  it.each(['gaia', 'amazon_us', 'aws-na', 'GAIA'])('refuse the paper name %s with a pointer to the GML file and the built-in', (name) => {
    expect(() => loadUnderlay(name)).toThrow(
      /is not a built-in network: the papers' network is the GML file (gaia|amazon_us)\.gml .* the built-in "(gaia|aws-na)-cities" is rebuilt from city coordinates/,
    );
    expect(paperNetworkHint(name)).toBeDefined();
  });

  it("gaia-cities differs from the paper's Gaia as documented (STAR 288.73, RING 57.59, multigraph 16.75 ms)", () => {
    const r = computeCycleTimes({ network: 'gaia-cities', workload: 'femnist', topologies: ['star', 'ring', 'multigraph-ring'] });
    expect(r.network).toBe('gaia-cities');
    const get = (t: string): number => r.results.find((x) => x.topology === t)!.cycleTimeMs;
    expect(get('star')).toBeCloseTo(288.73, 2);
    expect(get('ring')).toBeCloseTo(57.59, 2);
    expect(get('multigraph-ring')).toBeCloseTo(16.75, 2);
  });
});
