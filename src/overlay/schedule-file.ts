/**
 * Schedule files: a user's own time-varying topology as JSON, a list of overlays in the
 * overlay-file format, one per round of a period (round k uses entry k mod the list's
 * length):
 *
 *   [ {"silos": [...], "directed": false, "edges": [["A", "B"], ...]},
 *     {"silos": [...], "directed": false, "edges": [["A", "C"], ...]} ]
 *
 * Every entry is checked like an overlay file (its errors name the file and the entry),
 * except that one round need not connect every silo: the union of the period's rounds
 * must be strongly connected.
 */
import { DflsimInputError } from '../errors.js';
import { parseJsonInput, readInputFile } from '../input-file.js';
import type { ConnectivityGraph } from '../network/connectivity.js';
import type { Overlay } from './overlay.js';
import { overlayFromObject, unreachedSilos } from './overlay-file.js';

/**
 * Parse and check a schedule file against the network's silos.
 * @param text file contents
 * @param file path for errors
 * @returns one overlay per round of the period
 */
export function parseScheduleFile(text: string, file: string, cg: ConnectivityGraph, topology = 'schedule'): Overlay[] {
  const raw = parseJsonInput(text, file);
  if (!Array.isArray(raw))
    throw new DflsimInputError(file, 'expected a JSON list of overlays (one {"silos", "directed", "edges"} object per round)');
  if (raw.length === 0) throw new DflsimInputError(file, 'the schedule lists no rounds');
  const rounds = raw.map((entry, i) =>
    overlayFromObject(entry, `${file}: entry ${i}`, cg, topology, { stronglyConnected: false, allowEmpty: true }),
  );
  const union = rounds.flatMap((o) => o.edges.map((e) => [e.from, e.to] as [number, number]));
  if (union.length === 0) throw new DflsimInputError(file, 'no round has an edge: the silos would never exchange models');
  const unreached = unreachedSilos(cg.n, union, false);
  if (unreached) {
    const [from, to] = unreached;
    throw new DflsimInputError(
      file,
      `the rounds together are not strongly connected: the model of "${cg.silos[from]}" never reaches "${cg.silos[to]}"`,
    );
  }
  return rounds;
}

/** Read a schedule file from disk. */
export function readScheduleFile(file: string, cg: ConnectivityGraph, topology = 'schedule'): Overlay[] {
  return parseScheduleFile(readInputFile(file, 'schedule file'), file, cg, topology);
}
