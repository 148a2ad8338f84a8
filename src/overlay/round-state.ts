/**
 * One description of a round: the format in which every topology (static overlays,
 * sequences, the multigraph, MATCHA) tells the training engine who exchanges models with
 * whom in round k and with which weights, and tells the clocks the round's timed transfers.
 * Round ends are not part of it: they come from a clock (`../timing/clock.ts`), which reads
 * the transfers.
 */
import type { RoundExchanges } from '../timing/exchanges.js';

/** A directed silo pair `[from, to]` (silo indices). */
export type SiloPair = [number, number];

/** What happens in one round: its graph (edges, weights) and its transfers. */
export interface RoundState {
  /** Round index k (0-based). */
  round: number;
  /** Index of the graph state used (multigraph: k mod S; MATCHA: the sample; static: 0). */
  state: number;
  /** Directed pairs whose exchange the receiver waits for this round. */
  strong: SiloPair[];
  /** Directed pairs present in the overlay but not waited for this round (multigraph). */
  weak: SiloPair[];
  /** Silos with no strong edge this round: they keep their own model. */
  isolated: number[];
  /**
   * Silos down this round (failures, event clock only): they neither train, send, receive
   * nor mix; their edges are left out of `strong` and `weak`, and they are not `isolated`.
   */
  down?: number[];
  /** Extra per-round data (MATCHA: active matchings and α). */
  extra?: Record<string, unknown>;
  /**
   * Mixing weights that are part of the topology (exponential, Base-(k+1), EquiDyn, ...):
   * silo `to` mixes `selfWeights[to] · x_to + Σ weights[e] · x_from` over the edges
   * `edges[e] = [from, to]`. Absent when the mixing rule derives the weights.
   */
  weights?: RoundWeights;
  /**
   * The round's timed model transfers (the strong edges', with the degrees the topology
   * counts as shares), what the clocks read. As planned: a clock that simulates failures
   * drops the down silos' and links' transfers itself.
   */
  exchanges: RoundExchanges;
}

/** Explicit mixing weights of one round (rows sum to 1). */
export interface RoundWeights {
  edges: SiloPair[];
  weights: number[];
  selfWeights: number[];
}

/** Silos that have no strong edge (in either direction) among `n` silos. */
export function isolatedSilos(n: number, strong: readonly SiloPair[]): number[] {
  const touched = new Uint8Array(n);
  for (const [a, b] of strong) {
    touched[a] = 1;
    touched[b] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!touched[i]) out.push(i);
  return out;
}
