/**
 * RING's local search (src/overlay/ring.ts improveTour: 2-opt, then Or-opt) against brute
 * force for n <= 8: the result is 2-opt- and Or-opt-locally optimal (every move of both
 * kinds enumerated here, independently of the implementation), never better than the
 * brute-force optimum, and on convex instances (where a 2-opt-optimal tour has no
 * crossing and so is the hull order) it reaches the hand-computed optimum.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { improveTour, tourLength } from '../../src/overlay/ring.js';

const EPS = 1e-9;

function euclidean(points: [number, number][]): Float64Array {
  const n = points.length;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) w[i * n + j] = Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]);
  return w;
}

/** The best improvement of any 2-opt move (remove two non-adjacent tour edges, reconnect). */
function best2opt(t: readonly number[], w: Float64Array, n: number): number {
  const m = t.length;
  let best = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 2; j < m; j++) {
      if (i === 0 && j === m - 1) continue; // the two edges share t[0]
      const a = t[i],
        b = t[i + 1],
        c = t[j],
        d = t[(j + 1) % m];
      best = Math.min(best, w[a * n + c] + w[b * n + d] - w[a * n + b] - w[c * n + d]);
    }
  }
  return best;
}

/** The best improvement of any Or-opt move: a segment of 1..3 silos reinserted elsewhere, either way round. */
function bestOrOpt(t: readonly number[], w: Float64Array, n: number): number {
  const m = t.length;
  const cost = (tour: number[]): number => tourLength(tour, w, n);
  const base = cost(t.slice());
  let best = 0;
  for (let len = 1; len <= 3; len++) {
    for (let i = 0; i < m; i++) {
      const seg = Array.from({ length: len }, (_, k) => t[(i + k) % m]);
      const rest = Array.from({ length: m - len }, (_, k) => t[(i + len + k) % m]);
      for (let p = 0; p + 1 < rest.length; p++) {
        for (const ins of [seg, seg.slice().reverse()]) {
          const nt = [...rest.slice(0, p + 1), ...ins, ...rest.slice(p + 1)];
          best = Math.min(best, cost(nt) - base);
        }
      }
    }
  }
  return best;
}

function bruteForceOptimum(w: Float64Array, n: number): number {
  let best = Infinity;
  const rest = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const permute = (k: number): void => {
    if (k === rest.length) {
      best = Math.min(best, tourLength([0, ...rest], w, n));
      return;
    }
    for (let i = k; i < rest.length; i++) {
      [rest[k], rest[i]] = [rest[i], rest[k]];
      permute(k + 1);
      [rest[k], rest[i]] = [rest[i], rest[k]];
    }
  };
  permute(0);
  return best;
}

describe('2-opt + Or-opt local search', () => {
  it('random instances n = 5..8: locally optimal for both move kinds, a permutation, never below the optimum', () => {
    const rng = createRng(7);
    let reachedOptimum = 0;
    for (let trial = 0; trial < 60; trial++) {
      const n = 5 + (trial % 4);
      const pts = Array.from({ length: n }, () => [rng.next() * 100, rng.next() * 100] as [number, number]);
      const w = euclidean(pts);
      const start = Array.from({ length: n }, (_, i) => i);
      const t = improveTour(start, w, n);
      expect([...t].sort((a, b) => a - b)).toEqual(start);
      expect(t[0]).toBe(0);
      expect(best2opt(t, w, n)).toBeGreaterThanOrEqual(-EPS);
      expect(bestOrOpt(t, w, n)).toBeGreaterThanOrEqual(-EPS);
      const opt = bruteForceOptimum(w, n);
      const len = tourLength(t, w, n);
      expect(len).toBeGreaterThanOrEqual(opt - EPS);
      expect(len).toBeLessThanOrEqual(tourLength(start, w, n) + EPS);
      if (len <= opt + EPS) reachedOptimum++;
    }
    // local search is not exact, but on such small instances it mostly finds the optimum
    expect(reachedOptimum).toBeGreaterThan(30);
  });

  it('convex instances reach the hull tour: regular hexagon (perimeter 6) and octagon (16 sin(π/8)) from scrambled starts', () => {
    for (const n of [6, 8]) {
      const pts = Array.from(
        { length: n },
        (_, i) => [Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)] as [number, number],
      );
      const w = euclidean(pts);
      const start = n === 6 ? [0, 3, 1, 4, 2, 5] : [0, 4, 1, 5, 2, 6, 3, 7];
      const t = improveTour(start, w, n);
      const hand = n === 6 ? 6 : 16 * Math.sin(Math.PI / 8);
      expect(tourLength(t, w, n)).toBeCloseTo(hand, 12);
      expect(bruteForceOptimum(w, n)).toBeCloseTo(hand, 12);
      // the hull order, either direction, from silo 0
      const fwd = Array.from({ length: n }, (_, i) => i);
      expect([fwd, [0, ...fwd.slice(1).reverse()]]).toContainEqual(t);
    }
  });

  it('hand case: a square with a crossing tour 0-2-1-3 is uncrossed to the perimeter 4', () => {
    // n = 4 is below the local search's minimum (5): the tour is returned unchanged
    const sq = euclidean([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(improveTour([0, 2, 1, 3], sq, 4)).toEqual([0, 2, 1, 3]);
    // with a fifth point at the centre the optimum is 3 + √2 (visit the centre between two corners)
    const five = euclidean([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0.5, 0.5],
    ]);
    const t = improveTour([0, 2, 1, 3, 4], five, 5);
    expect(tourLength(t, five, 5)).toBeCloseTo(3 + Math.SQRT2, 12);
    expect(bruteForceOptimum(five, 5)).toBeCloseTo(3 + Math.SQRT2, 12);
  });
});
