import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFrames, frameOf } from '../../src/data/dataset.js';
import {
  DRIVING_CONDITION_NAMES,
  generateSyntheticDriving,
  renderExamplePgm,
  renderRoadFrame,
  tileFrames,
} from '../../src/data/synthetic-driving.js';
import { DflsimInputError } from '../../src/errors.js';
import { ROOT } from '../helpers.js';

/** Horizontal centroid (pixels from the centre) of the brightest pixels per row in the band below the horizon. */
function laneCentroid(f: Float32Array, S: number): number {
  let sw = 0,
    sx = 0;
  for (let r = Math.floor(0.38 * S); r < Math.floor(0.6 * S); r++) {
    let mean = 0,
      mx = 0;
    for (let c = 0; c < S; c++) {
      const v = f[r * S + c];
      mean += v;
      if (v > mx) mx = v;
    }
    mean /= S;
    const thr = mean + 0.5 * (mx - mean);
    for (let c = 0; c < S; c++) {
      const w = Math.max(0, f[r * S + c] - thr);
      sw += w;
      sx += w * (c + 0.5 - S / 2);
    }
  }
  return sw > 0 ? sx / sw : 0;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n,
    mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('synthetic driving dataset', () => {
  const opts = { size: 32, sequences: 8, framesPerSequence: 10, seed: 42 };

  it('is deterministic by seed: same seed, identical bytes; different seed, different bytes', () => {
    const a = generateSyntheticDriving(opts);
    const b = generateSyntheticDriving(opts);
    const c = generateSyntheticDriving({ ...opts, seed: 43 });
    expect(a.sequences.map((s) => s.id)).toEqual(b.sequences.map((s) => s.id));
    for (let i = 0; i < a.sequences.length; i++) {
      expect(Buffer.from(a.sequences[i].x.buffer).equals(Buffer.from(b.sequences[i].x.buffer))).toBe(true);
      expect(Buffer.from(a.sequences[i].y.buffer).equals(Buffer.from(b.sequences[i].y.buffer))).toBe(true);
      expect(Buffer.from(a.sequences[i].x.buffer).equals(Buffer.from(c.sequences[i].x.buffer))).toBe(false);
    }
    // A sequence does not depend on how many sequences were asked for.
    const more = generateSyntheticDriving({ ...opts, sequences: 9 });
    expect(Buffer.from(more.sequences[3].x.buffer).equals(Buffer.from(a.sequences[3].x.buffer))).toBe(true);
  });

  it('has the promised shape: pixels in [0, 255], steering in [-1, 1], one condition per sequence, balanced conditions', () => {
    const ds = generateSyntheticDriving({ size: 32, sequences: 16, framesPerSequence: 12, seed: 1 });
    expect(ds).toMatchObject({ height: 32, width: 32, channels: 1 });
    expect(countFrames(ds)).toBe(16 * 12);
    expect(DRIVING_CONDITION_NAMES.length).toBeGreaterThanOrEqual(6);
    const perCondition = new Map<string, number>();
    for (const s of ds.sequences) {
      expect(s.x.length).toBe(12 * 32 * 32);
      expect(s.y.length).toBe(12);
      let lo = Infinity,
        hi = -Infinity;
      for (const v of s.x) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(255);
      expect(hi - lo).toBeGreaterThan(100); // not a flat image
      for (const v of s.y) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      perCondition.set(s.condition, (perCondition.get(s.condition) ?? 0) + 1);
    }
    expect(perCondition.size).toBe(DRIVING_CONDITION_NAMES.length);
    for (const k of perCondition.values()) expect(k).toBe(2);
  });

  it('steering varies smoothly within a sequence (a random walk) and spans left and right turns', () => {
    const ds = generateSyntheticDriving({ size: 16, sequences: 16, framesPerSequence: 60, seed: 5 });
    let maxStep = 0,
      min = Infinity,
      max = -Infinity;
    for (const s of ds.sequences) {
      for (let i = 1; i < s.frames; i++) maxStep = Math.max(maxStep, Math.abs(s.y[i] - s.y[i - 1]));
      for (const v of s.y) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    expect(maxStep).toBeLessThan(0.35);
    expect(min).toBeLessThan(-0.4);
    expect(max).toBeGreaterThan(0.4);
  });

  it('makes the steering visible in the image: the lane centroid below the horizon tracks the curvature (64x64 and 32x32)', () => {
    for (const size of [64, 32]) {
      const ds = generateSyntheticDriving({ size, sequences: 16, framesPerSequence: 20, seed: 7 });
      const feature: number[] = [],
        steering: number[] = [];
      for (const s of ds.sequences) {
        for (let i = 0; i < s.frames; i++) {
          feature.push(laneCentroid(frameOf(ds, s, i), size));
          steering.push(s.y[i]);
        }
      }
      expect(feature.length).toBe(320);
      expect(pearson(feature, steering)).toBeGreaterThan(0.6);
    }
    // A clean left curve puts the far road left of centre, a right curve right of it.
    expect(laneCentroid(renderRoadFrame(64, -0.8, 'clear-noon', 1), 64)).toBeLessThan(-4);
    expect(laneCentroid(renderRoadFrame(64, 0.8, 'clear-noon', 1), 64)).toBeGreaterThan(4);
  });

  it('renders conditions differently: mean brightness differs between conditions', () => {
    const conditions = ['clear-noon', 'night', 'snow', 'rain-dusk', 'fog-morning', 'sunset-glare'];
    const ds = generateSyntheticDriving({ size: 32, sequences: 12, framesPerSequence: 8, seed: 3, conditions });
    const mean = new Map<string, number>();
    for (const s of ds.sequences) {
      const m = s.x.reduce((a, v) => a + v, 0) / s.x.length;
      mean.set(s.condition, (mean.get(s.condition) ?? 0) + m / 2);
    }
    expect(mean.get('night')!).toBeLessThan(50);
    expect(mean.get('snow')!).toBeGreaterThan(mean.get('clear-noon')! + 30);
    expect(mean.get('rain-dusk')!).toBeLessThan(mean.get('clear-noon')! - 30);
    const values = [...mean.values()].sort((a, b) => a - b);
    for (let i = 1; i < values.length; i++) expect(values[i] - values[i - 1]).toBeGreaterThan(2);
  });

  it('rejects bad options, naming the field', () => {
    expect(() => generateSyntheticDriving({ ...opts, size: 8 })).toThrow(DflsimInputError);
    expect(() => generateSyntheticDriving({ ...opts, sequences: 0 })).toThrow(/synthetic-driving\.sequences/);
    expect(() => generateSyntheticDriving({ ...opts, conditions: ['hail'] })).toThrow(/conditions\[0\].*unknown condition "hail"/);
  });

  it('writes PGM debug frames (saved under .dflsim-tmp/test-output/data for a person to look at)', () => {
    const ds = generateSyntheticDriving({ size: 64, sequences: 8, framesPerSequence: 4, seed: 11 });
    const pgm = renderExamplePgm(frameOf(ds, ds.sequences[0], 0), 64);
    expect(pgm.subarray(0, 13).toString('ascii')).toBe('P5\n64 64\n255\n');
    expect(pgm.length).toBe(13 + 64 * 64);
    const outDir = path.join(ROOT, '.dflsim-tmp', 'test-output', 'data');
    mkdirSync(outDir, { recursive: true });
    const sheet = tileFrames(
      ds.sequences.map((s) => frameOf(ds, s, 0)),
      64,
      64,
      4,
    );
    writeFileSync(path.join(outDir, 'synthetic-driving-conditions.pgm'), renderExamplePgm(sheet.pixels, sheet.width, sheet.height));
    for (const s of ds.sequences.slice(0, 3)) {
      writeFileSync(path.join(outDir, `${s.id}-${s.condition}.pgm`), renderExamplePgm(frameOf(ds, s, 0), 64));
    }
    expect(sheet.width).toBe(4 * 64 + 3 * 2);
  });
});
