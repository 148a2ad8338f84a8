/**
 * The static and one-peer exponential graphs (Ying et al., NeurIPS 2021): peers, double
 * stochasticity, the spectral gap 2/(1 + log2 n) for n a power of two (circulant formula
 * and a dense check), and the one-peer graph's finite-time averaging.
 */
import { describe, expect, it } from 'vitest';
import { DflsimInputError } from '../../src/errors.js';
import { ceilLog2, exponentialPeers, exponentialSequence } from '../../src/overlay/exponential.js';
import { distanceFromAverage, mixingMatrix, sequenceProduct } from '../../src/overlay/mixing-sequence.js';
import { onePeerExponentialSequence } from '../../src/overlay/one-peer-exponential.js';
import { largestEigenvalue } from '../../src/graph/symmetric-eigen.js';

const powersOfTwo = Array.from({ length: 10 }, (_, i) => 2 ** (i + 1)); // 2 .. 1024

/** |λ_j| of the exponential graph's circulant: |1 + Σ_m ω^(j 2^m)| / (τ+1). */
function circulantModulus(n: number, j: number): number {
  const tau = ceilLog2(n);
  let re = 1,
    im = 0;
  for (let m = 0; m < tau; m++) {
    const angle = (2 * Math.PI * ((j * 2 ** m) % n)) / n;
    re += Math.cos(angle);
    im += Math.sin(angle);
  }
  return Math.hypot(re, im) / (tau + 1);
}

/** max over j != 0 of |λ_j|. */
function secondModulus(n: number): number {
  let worst = 0;
  for (let j = 1; j < n; j++) worst = Math.max(worst, circulantModulus(n, j));
  return worst;
}

describe('static exponential graph', () => {
  it('ceil(log2 n) and the peers (hand cases)', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 1024, 1025].map(ceilLog2)).toEqual([0, 1, 2, 2, 3, 3, 4, 10, 11]);
    expect(exponentialPeers(1)).toEqual([[]]);
    expect(exponentialPeers(2)).toEqual([[1], [0]]);
    // n = 6: tau = 3, hops 1, 2, 4
    expect(exponentialPeers(6)).toEqual([
      [1, 2, 4],
      [2, 3, 5],
      [3, 4, 0],
      [4, 5, 1],
      [5, 0, 2],
      [0, 1, 3],
    ]);
    expect(exponentialPeers(8)[5]).toEqual([6, 7, 1]);
  });

  it('n = 4 mixing matrix written out: weights 1/3, self included', () => {
    const seq = exponentialSequence(4);
    expect(seq.period).toBe(1);
    const t = 1 / 3;
    // silo i receives from i - 1 and i - 2
    expect(mixingMatrix(seq.round(7), 4).map((r) => Array.from(r))).toEqual([
      [t, 0, t, t],
      [t, t, 0, t],
      [t, t, t, 0],
      [0, t, t, t],
    ]);
  });

  it('is doubly stochastic with tau distinct in- and out-peers, n = 1..130', () => {
    for (let n = 1; n <= 130; n++) {
      const tau = ceilLog2(n);
      const w = mixingMatrix(exponentialSequence(n).round(0), n);
      for (let i = 0; i < n; i++) {
        let row = 0,
          col = 0,
          rowNonZero = 0;
        for (let j = 0; j < n; j++) {
          row += w[i][j];
          col += w[j][i];
          if (w[i][j] > 0) rowNonZero++;
        }
        expect(Math.abs(row - 1)).toBeLessThan(1e-15); // measured: 2.2e-16 at worst
        expect(Math.abs(col - 1)).toBeLessThan(1e-15);
        expect(rowNonZero).toBe(tau + 1); // no two hops coincide mod n
      }
    }
  });

  it('spectral gap is 2/(1 + log2 n) for n = 2, 4, ..., 1024 (circulant formula, to 1e-12)', () => {
    // Ying et al. state rho(W - J) = 1 - 2/(1 + log2 n) for n a power of two; measured
    // max |error| = 1.1e-16 over these n.
    for (const n of powersOfTwo) {
      const tau = Math.log2(n);
      expect(Math.abs(1 - secondModulus(n) - 2 / (1 + tau))).toBeLessThan(1e-12);
    }
    // Beyond powers of two the closed form does not apply: for n = 6 the worst j = 3 gives
    // |1 + w^3 + w^6 + w^12|/4 = |1 - 1 + 1 + 1|/4 = 1/2, a gap of 1/2 (not 2/(1 + log2 6)).
    expect(1 - secondModulus(6)).toBeCloseTo(0.5, 12);
  });

  it('dense check for n <= 64: the Fourier vectors are eigenvectors and ||W - J||_2 matches', () => {
    for (const n of [2, 3, 4, 5, 6, 7, 8, 12, 16, 32, 64]) {
      const w = mixingMatrix(exponentialSequence(n).round(0), n);
      // W v_j = λ_j v_j with v_j[l] = ω^(j l), λ_j = (1 + Σ_m ω^(-j 2^m))/(τ+1) for W[to][from], to = from + 2^m.
      const tau = ceilLog2(n);
      for (let j = 0; j < n; j++) {
        let lre = 1,
          lim = 0;
        for (let m = 0; m < tau; m++) {
          const a = (-2 * Math.PI * ((j * 2 ** m) % n)) / n;
          lre += Math.cos(a);
          lim += Math.sin(a);
        }
        lre /= tau + 1;
        lim /= tau + 1;
        expect(Math.abs(Math.hypot(lre, lim) - circulantModulus(n, j))).toBeLessThan(1e-14);
        for (let i = 0; i < n; i++) {
          let re = 0,
            im = 0;
          for (let l = 0; l < n; l++) {
            const a = (2 * Math.PI * ((j * l) % n)) / n;
            re += w[i][l] * Math.cos(a);
            im += w[i][l] * Math.sin(a);
          }
          const a = (2 * Math.PI * ((j * i) % n)) / n;
          expect(Math.abs(re - (lre * Math.cos(a) - lim * Math.sin(a)))).toBeLessThan(1e-12);
          expect(Math.abs(im - (lre * Math.sin(a) + lim * Math.cos(a)))).toBeLessThan(1e-12);
        }
      }
      // W is a circulant, hence normal: ||W - J||_2 = max_{j != 0} |λ_j| = sqrt(λmax((W - J)ᵀ(W - J))).
      const d = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = w[i][j] - 1 / n;
      const g = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let l = 0; l < n; l++) s += d[l * n + i] * d[l * n + j];
          g[i * n + j] = s;
        }
      expect(Math.abs(Math.sqrt(Math.max(0, largestEigenvalue(g, n))) - secondModulus(n))).toBeLessThan(1e-12); // measured: 2.1e-14 at worst
    }
  });

  it('rejects n < 1', () => {
    expect(() => exponentialSequence(0)).toThrow(DflsimInputError);
    expect(() => exponentialPeers(2.5)).toThrow(DflsimInputError);
  });
});

describe('one-peer exponential graph', () => {
  it('round k sends i -> i + 2^(k mod tau) with weights 1/2 (n = 8 hand case)', () => {
    const seq = onePeerExponentialSequence(8);
    expect(seq.period).toBe(3);
    const r = seq.round(5); // 5 mod 3 = 2: hop 4
    expect(r.edges).toEqual([
      [0, 4],
      [1, 5],
      [2, 6],
      [3, 7],
      [4, 0],
      [5, 1],
      [6, 2],
      [7, 3],
    ]);
    expect(r.weights).toEqual(new Array(8).fill(0.5));
    expect(r.selfWeights).toEqual(new Array(8).fill(0.5));
    expect(seq.round(1).edges[7]).toEqual([7, 1]);
  });

  it('for n = 2, 4, ..., 1024 the product of log2 n rounds from round 0 is exactly J (to 1e-12)', () => {
    // measured max |error| = 0 (every entry is a sum of exact dyadic fractions)
    for (const n of powersOfTwo) {
      const seq = onePeerExponentialSequence(n);
      expect(distanceFromAverage(sequenceProduct(seq, 0, Math.log2(n)))).toBeLessThan(1e-12);
    }
    // any window of tau consecutive rounds, e.g. rounds 2..5 for n = 16
    expect(distanceFromAverage(sequenceProduct(onePeerExponentialSequence(16), 2, 4))).toBeLessThan(1e-12);
  });

  it('for n = 6 the product of tau = 3 rounds is not J', () => {
    // By hand: P[i][i - s mod 6] = (1/8) #{t in 0..7 : t = s mod 6} (t = a sum of a subset of
    // the hops 1, 2, 4), i.e. 1/4 for s = 0, 1 and 1/8 otherwise: max |P_ij - 1/6| = 1/12.
    const p = sequenceProduct(onePeerExponentialSequence(6), 0, 3);
    for (let i = 0; i < 6; i++) for (let s = 0; s < 6; s++) expect(p[i][(i - s + 6) % 6]).toBe(s < 2 ? 0.25 : 0.125);
    expect(distanceFromAverage(p)).toBeCloseTo(1 / 12, 15);
  });

  it('n = 1 is one round without edges', () => {
    const seq = onePeerExponentialSequence(1);
    expect(seq.period).toBe(1);
    expect(seq.round(3)).toEqual({ edges: [], weights: [], selfWeights: [1] });
  });
});
