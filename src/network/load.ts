/**
 * Resolve a `--network` argument: a built-in name or a GML file path.
 */
import { existsSync } from 'node:fs';
import { DflsimInputError, expectString } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { builtinNetworkNames, builtinUnderlay, paperNetworkHint } from './builtin.js';
import { didYouMean } from '../suggest.js';
import { underlayFromGml, type GmlUnderlayOptions, type Underlay } from './underlay.js';
import { shapeNetwork, type NetworkShapeOptions } from './silos.js';
import { MAX_GML_BYTES } from './gml.js';

/** Options of {@link loadUnderlay}: how GML is read, which nodes hold silos, which component is kept. */
export type LoadUnderlayOptions = GmlUnderlayOptions & NetworkShapeOptions;

/**
 * Load an underlay by built-in name or from a GML file, choose its silos (the others are
 * routers) and component ({@link shapeNetwork}), and check its silos are connected.
 * @param spec `gaia-cities`, `aws-na-cities`, or a path such as `../shared/networks/ebone.gml`
 * @param where what to name when `spec` is neither (default `--network`; a config passes `file: network`)
 * @param options GML reading options (nodes without coordinates: `error`, `drop` or `neighbours`),
 *   the nodes that hold silos (`silos`) and the component kept (`component: 'largest'`)
 */
export function loadUnderlay(spec: string, where = '--network', options: LoadUnderlayOptions = {}): Underlay {
  expectString(spec, 'loadUnderlay: spec', 'a built-in network name or a GML file path');
  const builtin = builtinUnderlay(spec);
  let u: Underlay;
  if (builtin) {
    u = builtin;
  } else if (/\.gml$/i.test(spec) || existsSync(spec)) {
    // its size bounded before it is read (and its nesting by the parser, at the first list too deep)
    const text = readInputFile(spec, 'network file', where === '--network' ? spec : where, MAX_GML_BYTES);
    u = underlayFromGml(text, spec, undefined, options);
  } else {
    throw new DflsimInputError(
      where,
      paperNetworkHint(spec) ??
        `unknown network "${spec}"${didYouMean(spec, builtinNetworkNames())}: give a built-in name (${builtinNetworkNames().join(', ')}) or a .gml file`,
    );
  }
  return shapeNetwork(u, options);
}
