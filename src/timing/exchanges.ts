/**
 * The hand-over between topologies and clocks: one round's timed model exchanges
 * (transfers), read with the per-silo times of the delay model (`./delay-model.ts`) by both
 * clocks: the per-silo max-plus recursion (`./max-plus.ts`, exact) and the event-driven
 * clock (`./event-clock.ts`, which adds fair sharing, stragglers and failures and equals
 * max-plus under fixed sharing).
 *
 * A transfer i -> j of round k starts when silo i has finished computing in its round
 * `launchRound` (k for every topology but the multigraph, whose transfer on an edge starts
 * in the round after the edge's previous strong round and may stay in flight over weak
 * rounds). Under the papers' fixed sharing it takes
 *
 *   x(i,j) = latency(i,j) + max(upShare · M / up(i), downShare · M / down(j), M / bandwidth(i,j))
 *
 * so that `d(i,j) = C_i + x(i,j)` is the delay model's (`timing/delay-model.ts`), with
 * `upShare`, `downShare` the sender's out-degree and the receiver's in-degree the topology
 * counts for the round.
 */
import { exchangeDelayMs, transmissionMs, type SiloTimes } from './delay-model.js';

/**
 * How a round's silos start it:
 * - `async`: every silo on its own clock, `t_j(k+1) = max(t_j(k) + C_j, arrivals at j)`
 *   (static overlays, time-varying sequences, the multigraph);
 * - `barrier`: every silo starts round k when round k-1 has ended everywhere; the round
 *   ends when its last silo has computed and received (MATCHA);
 * - `round-trip`: a barrier round in which each transfer i -> j is answered by j -> i
 *   once it has arrived (gather then broadcast); the answer is listed as a transfer of
 *   its own with `answers` set. The round ends with the last answer (STAR).
 */
export type RoundSync = 'async' | 'barrier' | 'round-trip';

/** One round's transfers (structure of arrays, one entry per transfer). */
export interface RoundExchanges {
  sync: RoundSync;
  /** Sender silo of each transfer. */
  from: Int32Array;
  /** Receiver silo of each transfer. */
  to: Int32Array;
  /** Latency of the transfer's path (ms). */
  latencyMs: Float64Array;
  /** Bandwidth of the transfer's path, the bottleneck of its links (bit/ms). */
  pathBitsPerMs: Float64Array;
  /** Number of copies sharing the sender's upload link under fixed sharing (its out-degree). */
  upShare: Int32Array;
  /** Number of copies sharing the receiver's download link under fixed sharing (its in-degree). */
  downShare: Int32Array;
  /** The sender's round whose compute end starts the transfer (default: this round). */
  launchRound?: Int32Array;
  /** `round-trip` only: index of the transfer this one answers (-1: a first leg). */
  answers?: Int32Array;
}

/** Fixed-sharing transmission time of transfer e (ms), without latency: `max(upShare·up, downShare·down, M/bandwidth)`. */
export function fixedTransmissionMs(s: SiloTimes, r: RoundExchanges, e: number): number {
  return transmissionMs(s, r.from[e], r.to[e], r.pathBitsPerMs[e], r.upShare[e], r.downShare[e]);
}

/** Fixed-sharing time of transfer e (ms): latency + transmission, `x(i,j)` above. */
export function fixedTransferMs(s: SiloTimes, r: RoundExchanges, e: number): number {
  return r.latencyMs[e] + fixedTransmissionMs(s, r, e);
}

/** The delays `d(i,j) = C_i + x(i,j)` of a round's transfers at their shares (ms), in transfer order (the delay model's formula). */
export function exchangeDelaysMs(s: SiloTimes, r: RoundExchanges): Float64Array {
  const d = new Float64Array(r.from.length);
  for (let e = 0; e < d.length; e++)
    d[e] = exchangeDelayMs(s, r.from[e], r.to[e], r.latencyMs[e], r.pathBitsPerMs[e], r.upShare[e], r.downShare[e]);
  return d;
}

/** Per-silo clock of one round: when each silo started and finished it (ms since the start). */
export interface SiloRoundTimes {
  /** t_j(k): when silo j started round k. */
  startMs: Float64Array;
  /** t_j(k+1): when silo j finished round k. */
  endMs: Float64Array;
}

/** When each round ends: what every clock reports. */
export interface RoundEnds {
  /** The end of round k everywhere (ms since the start), k >= 0. */
  roundEndMs(round: number): number;
}

/** A lazily extended per-silo clock over rounds. */
export interface RoundClock extends RoundEnds {
  /** Each silo's start and end of round k. */
  silos(round: number): SiloRoundTimes;
}
