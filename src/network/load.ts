/**
 * Resolve a `--network` argument: a built-in name or a GML file path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DflsimInputError } from '../errors.js';
import { builtinNetworkNames, builtinUnderlay } from './builtin.js';
import { assertConnected, underlayFromGml, type Underlay } from './underlay.js';

/**
 * Load an underlay by built-in name or from a GML file, and check it is connected.
 * @param spec `gaia`, `aws-na`, or a path such as `../shared/networks/ebone.gml`
 */
export function loadUnderlay(spec: string): Underlay {
  const builtin = builtinUnderlay(spec);
  let u: Underlay;
  if (builtin) {
    u = builtin;
  } else if (/\.gml$/i.test(spec) || existsSync(spec)) {
    if (!existsSync(spec)) throw new DflsimInputError(spec, 'network file not found');
    u = underlayFromGml(readFileSync(spec, 'utf8'), spec);
  } else {
    throw new DflsimInputError(
      '--network',
      `unknown network "${spec}": give a built-in name (${builtinNetworkNames().join(', ')}) or a .gml file`,
    );
  }
  assertConnected(u);
  return u;
}
