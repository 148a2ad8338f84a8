/**
 * Published cycle times that experiments can be compared against, side by side.
 *
 * `do2023-table3`: Do et al., "Reducing Training Time in Cross-Silo Federated Learning
 * using Multigraph Topology", ICCV 2023, Table 3: cycle time (ms per round) of seven
 * topologies on the five networks of the paper, FEMNIST workload, 10 Gbit/s access links,
 * t = 5, one local update. The figures are the paper's, rounded as printed; the network
 * keys are the names of its GML files (`../shared/networks/<name>.gml`).
 */

/** A published table of cycle times. */
export interface PublishedCycleTimes {
  /** Where the figures come from. */
  source: string;
  /** Workload the figures are for. */
  workload: string;
  /** Digits after the decimal point as printed. */
  digits: number;
  /** Network name (the GML file's base name) -> topology -> cycle time (ms). */
  cycleTimeMs: Record<string, Record<string, number>>;
}

/** Topologies whose cycle time depends on the RING tour (the rest do not). */
export const TOUR_TOPOLOGIES: Readonly<Record<string, string>> = { ring: 'overlay', 'multigraph-ring': 'multigraph-overlay' };

/** Published tables by name. */
export const PUBLISHED: Readonly<Record<string, PublishedCycleTimes>> = {
  'do2023-table3': {
    source: 'Do et al., ICCV 2023, Table 3 (cycle time in ms; FEMNIST, access links 10 Gbit/s, t = 5, one local update)',
    workload: 'femnist',
    digits: 1,
    cycleTimeMs: {
      gaia: { star: 289.8, matcha: 166.4, 'matcha+': 166.4, mst: 77.2, 'delta-mbst': 77.2, ring: 57.2, 'multigraph-ring': 15.7 },
      amazon_us: { star: 98.8, matcha: 57.7, 'matcha+': 57.7, mst: 28.7, 'delta-mbst': 28.7, ring: 20.3, 'multigraph-ring': 13.6 },
      geantdistance: { star: 132.2, matcha: 46.9, 'matcha+': 102.3, mst: 40.1, 'delta-mbst': 40.1, ring: 27.7, 'multigraph-ring': 12.0 },
      exodus: { star: 265.2, matcha: 84.7, 'matcha+': 211.5, mst: 84.4, 'delta-mbst': 84.4, ring: 24.7, 'multigraph-ring': 12.1 },
      ebone: { star: 190.9, matcha: 61.5, 'matcha+': 112.6, mst: 60.9, 'delta-mbst': 60.9, ring: 18.5, 'multigraph-ring': 12.7 },
    },
  },
};

/** Names of the published tables. */
export const PUBLISHED_NAMES = Object.keys(PUBLISHED) as [string, ...string[]];
