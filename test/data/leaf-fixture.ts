/** LEAF FEMNIST test fixtures: writers written in LEAF's layout, and the round-trip check. */
import { expect } from 'vitest';
import type { CharacterWriter } from '../../src/data/synthetic-characters.js';

/** Writers as LEAF stores them: dark ink on white (1 − ink), 6 decimals. */
export function leafText(writers: readonly CharacterWriter[], invert = true): string {
  const round = (v: number): number => Math.round(v * 1e6) / 1e6;
  return JSON.stringify({
    users: writers.map((w) => w.id),
    num_samples: writers.map((w) => w.count),
    user_data: Object.fromEntries(
      writers.map((w) => [
        w.id,
        {
          x: Array.from({ length: w.count }, (_, i) => Array.from(w.x.subarray(i * 784, (i + 1) * 784), (v) => round(invert ? 1 - v : v))),
          y: Array.from(w.y),
        },
      ]),
    ),
  });
}

/** Read writers equal the written ones: same ids and labels, pixels to the 6 decimals written. */
export function expectSameWriters(got: readonly CharacterWriter[], want: readonly CharacterWriter[]): void {
  expect(got.map((w) => w.id)).toEqual(want.map((w) => w.id));
  got.forEach((w, k) => {
    expect(Array.from(w.y)).toEqual(Array.from(want[k].y));
    let maxErr = 0;
    for (let i = 0; i < w.x.length; i++) maxErr = Math.max(maxErr, Math.abs(w.x[i] - want[k].x[i]));
    expect(maxErr).toBeLessThan(2e-6); // 6 decimals written
  });
}
