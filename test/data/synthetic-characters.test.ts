/**
 * The synthetic characters: deterministic by seed, writer by writer; FEMNIST's per-writer
 * counts and the stated class balance; writers' styles measurably different.
 */
import { describe, expect, it } from 'vitest';
import { CHARACTER_CLASSES, GLYPHS } from '../../src/data/character-glyphs.js';
import {
  FEMNIST_MEAN_SAMPLES,
  FEMNIST_STD_SAMPLES,
  generateSyntheticCharacters,
  writerSampleCount,
} from '../../src/data/synthetic-characters.js';
import { createRng } from '../../src/random.js';

describe('synthetic characters', () => {
  const ds = generateSyntheticCharacters({ writers: 30, seed: 7 });

  it('has 62 classes, each with strokes, and 28x28 images in [0, 1]', () => {
    expect(CHARACTER_CLASSES).toHaveLength(62);
    for (const c of CHARACTER_CLASSES) expect(GLYPHS[c]?.length).toBeGreaterThan(0);
    const w = ds.writers[0];
    expect(w.x.length).toBe(w.count * 784);
    expect(w.x.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(0);
    expect(w.x.reduce((m, v) => Math.max(m, v), -Infinity)).toBe(1);
    // every image has ink, and none is all ink
    for (let i = 0; i < w.count; i++) {
      let s = 0;
      for (let p = 0; p < 784; p++) s += w.x[i * 784 + p];
      expect(s).toBeGreaterThan(20);
      expect(s).toBeLessThan(500);
    }
  });

  it('is deterministic by seed, and writer w does not depend on how many writers there are', () => {
    const again = generateSyntheticCharacters({ writers: 30, seed: 7 });
    expect(Buffer.from(again.writers[5].x.buffer).equals(Buffer.from(ds.writers[5].x.buffer))).toBe(true);
    const fewer = generateSyntheticCharacters({ writers: 6, seed: 7 });
    expect(Array.from(fewer.writers[5].y)).toEqual(Array.from(ds.writers[5].y));
    expect(Buffer.from(fewer.writers[5].x.buffer).equals(Buffer.from(ds.writers[5].x.buffer))).toBe(true);
    const other = generateSyntheticCharacters({ writers: 6, seed: 8 });
    expect(Buffer.from(other.writers[5].x.buffer).equals(Buffer.from(ds.writers[5].x.buffer))).toBe(false);
  });

  it('draws each digit 3x as often as each letter: digits are 30/82 = 36.6% of images (within 2 points over ~6,800 images)', () => {
    let digits = 0,
      all = 0;
    for (const w of ds.writers)
      for (const y of w.y) {
        all++;
        if (y < 10) digits++;
      }
    expect(all).toBeGreaterThan(4000);
    expect(Math.abs(digits / all - 30 / 82)).toBeLessThan(0.02);
  });

  it("samples per writer: FEMNIST's mean 226.8 and standard deviation 88.9 (5,000 draws, within 3%, 8%)", () => {
    const rng = createRng(1);
    const xs = Array.from({ length: 5000 }, () => writerSampleCount(rng, FEMNIST_MEAN_SAMPLES, FEMNIST_STD_SAMPLES));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean / FEMNIST_MEAN_SAMPLES - 1)).toBeLessThan(0.03);
    expect(Math.abs(std / FEMNIST_STD_SAMPLES - 1)).toBeLessThan(0.08);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10);
  });

  it('writers write the same class differently: between-writer variance of ink mass far above within-writer (F > 10)', () => {
    // ink mass per image (all classes)
    const stats = ds.writers.map((w) => {
      const ink: number[] = [];
      for (let i = 0; i < w.count; i++) {
        let s = 0;
        for (let p = 0; p < 784; p++) s += w.x[i * 784 + p];
        ink.push(s);
      }
      return ink;
    });
    const groups = stats.filter((g) => g.length >= 5);
    const grand = groups.flat().reduce((a, b) => a + b, 0) / groups.flat().length;
    let between = 0,
      within = 0,
      nAll = 0;
    for (const g of groups) {
      const m = g.reduce((a, b) => a + b, 0) / g.length;
      between += g.length * (m - grand) ** 2;
      for (const x of g) within += (x - m) ** 2;
      nAll += g.length;
    }
    const F = between / (groups.length - 1) / (within / (nAll - groups.length));
    // measured: F = 102 on this seed; a style-free generator would give about 1 (stroke width and scale are per writer)
    expect(F).toBeGreaterThan(10);
  });

  it('refuses bad specs naming the field', () => {
    expect(() => generateSyntheticCharacters({ writers: 0, seed: 1 })).toThrow(/dataset\.writers/);
    expect(() => generateSyntheticCharacters({ writers: 2, seed: 1, digitWeight: -1 })).toThrow(/dataset\.digitWeight/);
  });
});
