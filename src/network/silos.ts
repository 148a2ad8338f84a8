/**
 * Networks as they come: which nodes hold silos (the others are routers), which connected
 * component is kept, and how labels are shown.
 *
 * A router carries traffic and counts in shortest paths but holds no model. A node is a
 * router when its GML node says `silo 0` (or `router 1`), or when a `silos` list names the
 * nodes that hold silos (every other node is then a router). A disconnected network is an
 * error unless the largest component is kept (`component: 'largest'`), which says what it
 * dropped.
 *
 * Labels are shown decoded (`labels.ts`); a node is found by its raw label or as it is shown.
 */
import { DflsimInputError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { assertConnected, components, keepNodes, nodeCount, nodeNames, withSilos, type Underlay } from './underlay.js';
import { displayLabel, findLabel, someLabels } from './labels.js';

export { displayLabel, displayLabelsIn, findLabel } from './labels.js';

/** Which connected component of a network is used: `all` (default: a disconnected network is an error) or `largest`. */
export type ComponentChoice = 'all' | 'largest';

/** The choices of {@link ComponentChoice}. */
export const COMPONENT_CHOICES: readonly ComponentChoice[] = ['all', 'largest'];

/** The longest run of comma-joined pieces a label may have been split into by a comma-separated list. */
const MAX_COMMA_PIECES = 6;

/** Options of {@link shapeNetwork}. */
export interface NetworkShapeOptions {
  /** The nodes that hold silos (raw or displayed labels); every other node becomes a router. */
  silos?: readonly string[];
  /** Where `silos` comes from, for errors (default `silos`). */
  silosField?: string;
  /** `largest`: keep the largest connected component (by silos, then nodes); default `all`. */
  component?: ComponentChoice;
  /** Where `component` comes from, for errors (default `component`). */
  componentField?: string;
}

/**
 * The underlay with its silos chosen (`silos`: the listed nodes, every other one a router),
 * its largest component kept when asked (a note says what was dropped), and checked: at
 * least 2 silos, every silo reaching every other (else an error naming the option that
 * keeps the largest component). Pure: the input is not changed.
 */
export function shapeNetwork(u: Underlay, options: NetworkShapeOptions = {}): Underlay {
  let out = u;
  if (options.silos !== undefined) out = selectSilos(out, options.silos, options.silosField ?? 'silos');
  const component = options.component ?? 'all';
  if (!COMPONENT_CHOICES.includes(component))
    throw new DflsimInputError(
      options.componentField ?? 'component',
      `expected ${COMPONENT_CHOICES.map((c) => `"${c}"`).join(' or ')}, got ${JSON.stringify(component)}`,
    );
  if (component === 'largest') out = keepLargestComponent(out, options.silos !== undefined ? (options.silosField ?? 'silos') : undefined);
  checkSiloCount(out, options.silos !== undefined ? (options.silosField ?? 'silos') : out.source);
  assertConnected(out);
  return out;
}

/** At least 2 silos: a network of routers only, or with one silo, trains nothing. */
function checkSiloCount(u: Underlay, where: string): void {
  const n = u.silos.length;
  if (n >= 2) return;
  const routers = u.routers?.length ?? 0;
  throw new DflsimInputError(
    where,
    `${n === 0 ? 'no silo' : `a single silo (${displayLabel(u.silos[0])})`} among the ${nodeCount(u)} nodes of "${u.name}"${routers ? ` (${routers} router${routers === 1 ? '' : 's'})` : ''}: a network needs at least 2 silos`,
  );
}

/**
 * The underlay whose silos are the nodes named in `names` (raw or displayed labels), every
 * other node a router. An unknown or repeated name is an error naming `field` (with the
 * closest labels).
 */
export function selectSilos(u: Underlay, names: readonly string[], field = 'silos'): Underlay {
  if (!Array.isArray(names)) throw new DflsimInputError(field, 'expected a list of node labels');
  const all = nodeNames(u);
  const isSilo = new Array<boolean>(all.length).fill(false);
  const listed = field.startsWith('--') ? (k: number) => `${field} (item ${k + 1})` : (k: number) => `${field}[${k}]`;
  for (let k = 0; k < names.length;) {
    const name = names[k];
    const at = names.length > 1 ? listed(k) : field;
    if (typeof name !== 'string') throw new DflsimInputError(at, `expected a node label, got ${JSON.stringify(name)}`);
    let i = findLabel(all, name);
    let used = 1;
    // a label with commas (`New+York,+NY236`) split by a comma-separated list: join the pieces back
    for (let m = 2; i < 0 && m <= MAX_COMMA_PIECES && k + m <= names.length; m++) {
      const j = findLabel(all, names.slice(k, k + m).join(','));
      if (j >= 0) [i, used] = [j, m];
    }
    if (i < 0)
      throw new DflsimInputError(
        at,
        `unknown node "${name}" in "${u.name}"${didYouMean(name, [...all, ...all.map(displayLabel)])}; its nodes are ${someLabels(all, 12, true)}`,
      );
    if (isSilo[i]) throw new DflsimInputError(at, `"${name}" is listed twice`);
    isSilo[i] = true;
    k += used;
  }
  return withSilos(u, isSilo);
}

/**
 * The underlay's largest connected component (the one with the most silos; ties: the most
 * nodes, then the first in node order), with a note of what was dropped (count and first
 * labels); the underlay itself when it is connected.
 * @param silosField when the silos were chosen by a list: dropping one of them is an error naming the list
 */
export function keepLargestComponent(u: Underlay, silosField?: string): Underlay {
  const comps = components(u);
  if (comps.length <= 1) return u;
  const n = u.silos.length;
  const silosIn = (c: number[]): number => c.reduce((s, i) => s + (i < n ? 1 : 0), 0);
  let best = comps[0];
  for (const c of comps.slice(1)) {
    const d = silosIn(c) - silosIn(best) || c.length - best.length;
    if (d > 0) best = c;
  }
  const keep = new Array<boolean>(nodeCount(u)).fill(false);
  for (const i of best) keep[i] = true;
  const names = nodeNames(u);
  const dropped = names.filter((_, i) => !keep[i]);
  if (silosField !== undefined) {
    const lost = u.silos.filter((_, i) => !keep[i]);
    if (lost.length)
      throw new DflsimInputError(
        silosField,
        `${someLabels(lost)} cannot reach the largest component of "${u.name}" (${someLabels(
          u.silos.filter((_, i) => keep[i]),
          3,
        )}): every silo must reach every other`,
      );
  }
  const droppedSilos = u.silos.filter((_, i) => !keep[i]).length;
  const out = keepNodes(u, keep);
  const note =
    `${u.name}: kept the largest connected component (${best.length} of ${names.length} nodes); dropped ${comps.length - 1} other component${comps.length > 2 ? 's' : ''}: ` +
    `${dropped.length} node${dropped.length === 1 ? '' : 's'}${droppedSilos !== dropped.length ? ` (${droppedSilos} silo${droppedSilos === 1 ? '' : 's'})` : ''}: ${someLabels(dropped)}`;
  out.notes = [...(u.notes ?? []), note];
  return out;
}
