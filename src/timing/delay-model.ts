/**
 * The delay model (`../shared/spec/cycle-time-model.md`, section 3), in one module: the
 * per-silo times it reads ({@link SiloTimes}), the delay `d(i,j)` of a model exchange and
 * its transmission term, its degree-free part `d1(i,j)`, and the edge weights the builders
 * optimise (the MST weight and δ-MBST's round-trip weight). Every builder, clock and
 * topology takes its delays from here. The sender's compute and upload and the receiver's
 * download are per silo:
 *
 *   d(i,j) = C_i + latency(i,j) + max(outdeg(i) · M/up(i), indeg(j) · M/down(j), M / bandwidth(i,j))
 *
 * and the self-loop of silo j is C_j. Without a silo profile every silo has the workload's
 * C, up and down (the papers' model, computed with the same floating-point operations).
 * The undirected builders' weights (MST, δ-MBST's round trip) are symmetric: they take the
 * mean (C_i + C_j) / 2 of the two ends' compute (C itself when every silo has the same),
 * and the round trip uses each direction's own access links.
 */
import type { ConnectivityGraph } from '../network/connectivity.js';

/** Per-silo times of the delay model (ms), one entry per silo index. */
export interface SiloTimes {
  /** Number of silos. */
  n: number;
  /** C_j: one round's local steps at silo j (local updates × computeMs(j)) (ms). */
  computeMs: Float64Array;
  /** M / up(j): one model copy over silo j's upload link at its full capacity (ms). */
  uploadMs: Float64Array;
  /** M / down(j): one model copy over silo j's download link at its full capacity (ms). */
  downloadMs: Float64Array;
  /** M, the size of one model copy (bits). */
  modelSizeBits: number;
  /**
   * The times come from a silo profile. Then a silo's own compute C_j is a circuit of its
   * own: cycle times and multigraph rounds are at least max_j C_j, and the builders that
   * need symmetric weights average the two directions. Absent: the papers' uniform model
   * as published (every silo the workload's times).
   */
  profile?: boolean;
}

/** The largest C_j (ms): the uniform C without a profile; 0 for no silo. */
export function maxComputeMs(s: SiloTimes): number {
  let m = s.n > 0 ? -Infinity : 0;
  for (let i = 0; i < s.n; i++) if (s.computeMs[i] > m) m = s.computeMs[i];
  return m;
}

/** Index of the silo with the largest C_j (the first on ties; 0 without a profile). */
export function slowestSilo(s: SiloTimes): number {
  let w = 0;
  for (let i = 1; i < s.n; i++) if (s.computeMs[i] > s.computeMs[w]) w = i;
  return w;
}

/**
 * `max(upShare · M/up(i), downShare · M/down(j), M / bandwidth)`: the time one model copy
 * i -> j takes over the access links and the path when the sender's upload link is shared
 * by `upShare` copies and the receiver's download link by `downShare` (ms).
 * @param i sender silo index
 * @param j receiver silo index
 * @param bandwidthBitsPerMs bandwidth of the path (bit/ms)
 */
export function transmissionMs(s: SiloTimes, i: number, j: number, bandwidthBitsPerMs: number, upShare: number, downShare: number): number {
  return Math.max(upShare * s.uploadMs[i], downShare * s.downloadMs[j], s.modelSizeBits / bandwidthBitsPerMs);
}

/**
 * `d = C_i + latency + max(outDegree · up(i), inDegree · down(j), M / bandwidth)` of one exchange i -> j (ms).
 * @param i sender silo index (its compute and upload link)
 * @param j receiver silo index (its download link)
 * @param latencyMs latency of the exchange (ms)
 * @param bandwidthBitsPerMs bandwidth of the exchange (bit/ms)
 * @param outDegree number of models the sender sends this round
 * @param inDegree number of models the receiver receives this round
 */
export function exchangeDelayMs(
  s: SiloTimes,
  i: number,
  j: number,
  latencyMs: number,
  bandwidthBitsPerMs: number,
  outDegree: number,
  inDegree: number,
): number {
  return s.computeMs[i] + latencyMs + transmissionMs(s, i, j, bandwidthBitsPerMs, outDegree, inDegree);
}

/**
 * `d(i,j)` on the connectivity graph with the given degrees (ms).
 * @param outDegree out-degree of i in the round's graph
 * @param inDegree in-degree of j in the round's graph
 */
export function delayMs(cg: ConnectivityGraph, k: SiloTimes, i: number, j: number, outDegree: number, inDegree: number): number {
  const key = i * cg.n + j;
  return exchangeDelayMs(k, i, j, cg.latencyMs[key], cg.bandwidthBitsPerMs[key], outDegree, inDegree);
}

/** `d1(i,j) = C_i + latency + max(up(i), down(j), M / bandwidth)`: the delay without degree factors (ms). */
export function d1Ms(cg: ConnectivityGraph, k: SiloTimes, i: number, j: number): number {
  return delayMs(cg, k, i, j, 1, 1);
}

/** The compute term of a symmetric weight: (C_i + C_j) / 2 (ms), exactly C when both silos have the same. */
function pairComputeMs(k: SiloTimes, i: number, j: number): number {
  return (k.computeMs[i] + k.computeMs[j]) / 2;
}

/** `C + latency + M / bandwidth`: the MST (and STAR path) weight (ms), symmetric (C = (C_i + C_j) / 2). */
export function mstWeightMs(cg: ConnectivityGraph, k: SiloTimes, i: number, j: number): number {
  const key = i * cg.n + j;
  return pairComputeMs(k, i, j) + cg.latencyMs[key] + k.modelSizeBits / cg.bandwidthBitsPerMs[key];
}

/**
 * `C + latency + max(up, down, M/bw) + max(up, down, M/bw)`: the round-trip weight of δ-MBST
 * (ms), symmetric: C = (C_i + C_j) / 2 and the two maxima are those of i -> j
 * (up(i), down(j)) and j -> i (up(j), down(i)).
 */
export function roundTripWeightMs(cg: ConnectivityGraph, k: SiloTimes, i: number, j: number): number {
  const key = i * cg.n + j;
  const bw = cg.bandwidthBitsPerMs[key];
  return pairComputeMs(k, i, j) + cg.latencyMs[key] + transmissionMs(k, i, j, bw, 1, 1) + transmissionMs(k, j, i, bw, 1, 1);
}

/** What the delay of an exchange is made of (ms): `d = computeMs + latencyMs + max(uploadMs, downloadMs, pathMs)`. */
export interface DelayTerms {
  /** C_i, the sender's compute. */
  computeMs: number;
  latencyMs: number;
  /** outdeg(i) · M / up(i). */
  uploadMs: number;
  /** indeg(j) · M / down(j). */
  downloadMs: number;
  /** M / bandwidth(i,j). */
  pathMs: number;
  /** The sender's out-degree (copies on its upload link). */
  outDegree: number;
  /** The receiver's in-degree (copies on its download link). */
  inDegree: number;
}

/** The terms of the delay of exchange i -> j (see {@link exchangeDelayMs}). */
export function delayTerms(
  k: SiloTimes,
  i: number,
  j: number,
  latencyMs: number,
  bandwidthBitsPerMs: number,
  outDegree: number,
  inDegree: number,
): DelayTerms {
  return {
    computeMs: k.computeMs[i],
    latencyMs,
    uploadMs: outDegree * k.uploadMs[i],
    downloadMs: inDegree * k.downloadMs[j],
    pathMs: k.modelSizeBits / bandwidthBitsPerMs,
    outDegree,
    inDegree,
  };
}

/**
 * A short description of what sets an exchange's delay, largest term first, e.g.
 * `"A->B 31.2 ms: upload of A (3 copies) 14.5 + latency 12.1 + compute at A 4.6"`.
 * @param names silo names
 */
export function describeDelay(names: readonly string[], i: number, j: number, t: DelayTerms): string {
  const fmt = (x: number): string => (Math.round(x * 1000) / 1000).toString();
  const tx = Math.max(t.uploadMs, t.downloadMs, t.pathMs);
  const txName =
    tx === t.uploadMs
      ? `upload of ${names[i]} (${t.outDegree} ${t.outDegree === 1 ? 'copy' : 'copies'})`
      : tx === t.downloadMs
        ? `download at ${names[j]} (${t.inDegree} ${t.inDegree === 1 ? 'copy' : 'copies'})`
        : `path ${names[i]}-${names[j]} bandwidth`;
  const parts: [string, number][] = [
    [txName, tx],
    ['latency', t.latencyMs],
    [`compute at ${names[i]}`, t.computeMs],
  ];
  parts.sort((a, b) => b[1] - a[1]);
  return `${names[i]}->${names[j]} ${fmt(t.computeMs + t.latencyMs + tx)} ms: ${parts.map(([w, v]) => `${w} ${fmt(v)}`).join(' + ')}`;
}
