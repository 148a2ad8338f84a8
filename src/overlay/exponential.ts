/**
 * The static exponential graph of Ying, Yuan, Chen, Hu, Pan and Yin, "Exponential Graph is
 * Provably Efficient for Decentralized Deep Training" (NeurIPS 2021), section 3: with
 * τ = ⌈log₂ n⌉, silo i sends to i + 2⁰, i + 2¹, …, i + 2^(τ−1) (mod n) and mixes with
 * weight 1/(τ+1) on itself and on each of the τ models it receives (from i − 2^m). The
 * hops 2^m < n are distinct and non-zero mod n, so every silo has τ in- and τ out-
 * neighbours and W is a doubly stochastic circulant with eigenvalues
 * λ_j = (1 + Σ_m ω^(j·2^m)) / (τ+1), ω = e^(2πi/n); for n a power of two the paper
 * states ρ = max_{j≠0} |λ_j| = 1 − 2/(1+τ), i.e. a spectral gap of
 * 2/(1 + log₂ n).
 */
import { checkCount, periodicSequence, type MixingSequence } from './mixing-sequence.js';

/** τ = ⌈log₂ n⌉ (0 for n = 1), computed with integers. */
export function ceilLog2(n: number): number {
  checkCount(n, 'ceilLog2.n', 1);
  let tau = 0;
  while (2 ** tau < n) tau++;
  return tau;
}

/** The exponential graph's hops 2⁰, 2¹, …, 2^(τ−1) for n silos (empty for n = 1). */
export function exponentialHops(n: number): number[] {
  return Array.from({ length: ceilLog2(n) }, (_, m) => 2 ** m);
}

/**
 * Out-neighbours of every position in the static exponential graph.
 * @param n number of silos (>= 1)
 * @returns `peers[i]` = [i + 1, i + 2, i + 4, …] mod n, hop by hop
 */
export function exponentialPeers(n: number): number[][] {
  checkCount(n, 'exponentialPeers.n', 1);
  const hops = exponentialHops(n);
  return Array.from({ length: n }, (_, i) => hops.map((h) => (i + h) % n));
}

/**
 * The static exponential graph as a sequence of period 1, weights 1/(τ+1) (self
 * included). Edges are listed hop by hop, silo by silo: (i, i + 2^m).
 * @param n number of silos (>= 1)
 */
export function exponentialSequence(n: number): MixingSequence {
  checkCount(n, 'exponentialSequence.n', 1);
  const hops = exponentialHops(n);
  const w = 1 / (hops.length + 1);
  const edges: [number, number][] = [];
  for (const h of hops) for (let i = 0; i < n; i++) edges.push([i, (i + h) % n]);
  return periodicSequence(n, [{ edges, weights: edges.map(() => w), selfWeights: new Array<number>(n).fill(w) }]);
}
