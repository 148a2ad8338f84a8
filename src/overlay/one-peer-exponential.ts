/**
 * The one-peer exponential graph of Ying, Yuan, Chen, Hu, Pan and Yin, "Exponential Graph
 * is Provably Efficient for Decentralized Deep Training" (NeurIPS 2021), section 4: in
 * round k every silo i sends to i + 2^(k mod τ) (mod n), τ = ⌈log₂ n⌉, and averages with
 * weight 1/2 on itself and 1/2 on the one model it receives (from i − 2^(k mod τ)). For n
 * a power of two, any τ consecutive rounds multiply to exactly (1/n) 11ᵀ (the paper's
 * finite-time result: each round halves the number of distinct values, like a hypercube all-reduce);
 * for other n they do not.
 */
import { ceilLog2 } from './exponential.js';
import { checkCount, periodicSequence, type MixingSequence, type WeightedRound } from './mixing-sequence.js';

/**
 * The one-peer exponential graph, period τ = ⌈log₂ n⌉ (1 for n = 1, a round without
 * edges). Round k's edges are (i, i + 2^(k mod τ)) for i = 0..n−1, weights 1/2.
 * @param n number of silos (>= 1)
 */
export function onePeerExponentialSequence(n: number): MixingSequence {
  checkCount(n, 'onePeerExponentialSequence.n', 1);
  const tau = ceilLog2(n);
  if (tau === 0) return periodicSequence(n, [{ edges: [], weights: [], selfWeights: [1] }]);
  const rounds: WeightedRound[] = [];
  for (let m = 0; m < tau; m++) {
    const hop = 2 ** m;
    const edges = Array.from({ length: n }, (_, i) => [i, (i + hop) % n] as [number, number]);
    rounds.push({ edges, weights: edges.map(() => 0.5), selfWeights: new Array<number>(n).fill(0.5) });
  }
  return periodicSequence(n, rounds);
}
