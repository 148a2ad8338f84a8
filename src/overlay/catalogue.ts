/**
 * The topology catalogue: every topology dflsim can time, train over and draw, as
 * {@link Topology} values, plus name patterns (`base-(k+1)`, `multigraph-<static overlay>`).
 * The CLI's `--topologies`, the config schema, the default comparison, the report's
 * drawings and the multigraph's bases all come from here. A new topology is one module
 * exporting one value, listed here or added with {@link registerTopology}.
 */
import { DflsimInputError, describeValue, expectObject } from '../errors.js';
import { multigraphPattern } from './topologies/multigraph.js';
import type { Topology, TopologyCatalogue, TopologyPattern } from './topology.js';
import { baseGraphPattern } from './topologies/base-graph.js';
import { centralisedTopology } from './topologies/centralised.js';
import { deltaMbstTopology } from './topologies/delta-mbst.js';
import { equidynTopology } from './topologies/equidyn.js';
import { exponentialTopology } from './topologies/exponential.js';
import { localTopology } from './topologies/local.js';
import { matchaPlusTopology, matchaTopology } from './topologies/matcha.js';
import { mstTopology } from './topologies/mst.js';
import { onePeerExponentialTopology } from './topologies/one-peer-exponential.js';
import { userOverlayTopology } from './topologies/overlay.js';
import { ringTopology } from './topologies/ring.js';
import { userScheduleTopology } from './topologies/schedule.js';
import { starTopology } from './topologies/star.js';

/** The listed topologies, in display order (Table 3's first). */
const listed: Topology[] = [
  starTopology,
  matchaTopology,
  matchaPlusTopology,
  mstTopology,
  deltaMbstTopology,
  ringTopology,
  exponentialTopology,
  onePeerExponentialTopology,
  equidynTopology,
  userOverlayTopology,
  userScheduleTopology,
  localTopology,
  centralisedTopology,
];

/** Name patterns, tried in order after the listed names. */
const patterns: TopologyPattern[] = [multigraphPattern, baseGraphPattern];

function isPattern(x: Topology | TopologyPattern): x is TopologyPattern {
  return (x as TopologyPattern).pattern instanceof RegExp;
}

/**
 * Add a topology (or a name pattern) to the catalogue; a listed topology of the same
 * name is replaced.
 */
export function registerTopology(t: Topology | TopologyPattern): void {
  expectObject(t, 'registerTopology: topology', 'a Topology value {name, build, ...} or a pattern {pattern, ...}');
  if (!isPattern(t) && (typeof t.name !== 'string' || t.name === '' || typeof t.build !== 'function'))
    throw new DflsimInputError(
      'registerTopology: topology',
      `expected a Topology value with a name and a build(context) function, got name ${describeValue(t.name)}`,
    );
  if (isPattern(t)) {
    patterns.push(t);
    return;
  }
  const i = listed.findIndex((x) => x.name === t.name);
  if (i >= 0) listed[i] = t;
  else listed.push(t);
}

/**
 * The reference cycle time of a set of results (the topology whose `display.reference` is
 * set: RING), or undefined when it was not timed: "vs RING" columns divide by it.
 */
export function referenceCycleTime(
  results: readonly { topology: string; cycleTimeMs: number }[],
): { topology: string; cycleTimeMs: number } | undefined {
  const r = results.find((x) => findTopology(x.topology)?.display?.reference);
  return r ? { topology: r.topology, cycleTimeMs: r.cycleTimeMs } : undefined;
}

/** Whether a name is the reference topology (`display.reference`: RING), the one others are compared with. */
export function isReferenceTopology(name: string): boolean {
  return Boolean(findTopology(name)?.display?.reference);
}

/** The topology of a name, or undefined. */
export function findTopology(name: string): Topology | undefined {
  const t = listed.find((x) => x.name === name);
  if (t) return t;
  for (const p of patterns) {
    if (!p.pattern.test(name)) continue;
    const r = p.resolve(name, findTopology);
    if (r) return r;
  }
  return undefined;
}

/** Every concrete name: the listed topologies, then each pattern's examples (multigraph on each static overlay, base-2..). */
function allNames(): string[] {
  const names = listed.map((t) => t.name);
  for (const p of patterns) for (const e of p.examples(listed)) if (!names.includes(e)) names.push(e);
  return names;
}

/**
 * Concrete topology names in display order, optionally filtered.
 * @param filter e.g. `(t) => t.supports.training`
 */
export function topologyNames(filter?: (t: Topology) => boolean): string[] {
  return allNames().filter((n) => !filter || filter(findTopology(n)!));
}

/** The patterns' display names (`base-(k+1)`, ...), for help texts. */
export function topologyPatternNames(): string[] {
  return patterns.map((p) => p.name);
}

/** JSON-Schema patterns of the open-ended name patterns (`^base-...$`). */
export function topologySchemaPatterns(): string[] {
  return patterns.flatMap((p) => (p.schemaPattern ? [p.schemaPattern] : []));
}

/** What names are accepted, in words, for error messages. */
export function expectedTopologies(filter?: (t: Topology) => boolean): string {
  return `${topologyNames(filter).join(', ')} (and ${topologyPatternNames().join(', ')})`;
}

/**
 * The topology of a name, with a clear error for an unknown one.
 * @param field where to point the error (a CLI flag or a config field)
 */
export function getTopologyValue(name: string, field = '--topologies'): Topology {
  const t = findTopology(name);
  if (!t) throw new DflsimInputError(field, `unknown topology "${name}"; expected one of ${expectedTopologies()}`);
  return t;
}

/** The catalogue as the lookup a context carries. */
export const catalogue: TopologyCatalogue = { find: findTopology, names: topologyNames };
