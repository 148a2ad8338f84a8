/**
 * The native convolutions' fused multiply-adds: every code path (portable fmaf, AVX2 + FMA,
 * AVX-512, each forced) and thread count gives the same bits on problems of awkward sizes
 * (ragged tiles, odd channels, strides 1 and 2, padding same and valid); the results lie
 * within a stated tolerance of a float64 reference; DFLSIM_NATIVE_ISA caps the path at
 * load; and the kernel family runs record does not name the path.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddon, nativeKernels } from '../../../src/learning/tf/kernels/native.js';
import { projectRoot } from '../../../src/project-root.js';
import { randn } from './helpers.js';

const addon = nativeAddon();
const PATHS = ['portable', 'avx2', 'avx512'] as const;

interface Case {
  b: number;
  h: number;
  w: number;
  c: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { b: 1, h: 1, w: 1, c: 1, co: 1, k: 1, s: 1, pad: 'valid' },
  { b: 2, h: 7, w: 9, c: 3, co: 5, k: 3, s: 1, pad: 'same' },
  { b: 3, h: 13, w: 6, c: 17, co: 33, k: 3, s: 2, pad: 'same' },
  { b: 2, h: 11, w: 12, c: 5, co: 7, k: 5, s: 2, pad: 'valid' },
  { b: 1, h: 9, w: 8, c: 64, co: 47, k: 3, s: 1, pad: 'same' }, // K = 576: several reduction blocks
  { b: 3, h: 21, w: 21, c: 17, co: 33, k: 3, s: 1, pad: 'same' }, // large enough to be split across threads
  { b: 2, h: 10, w: 10, c: 7, co: 13, k: 2, s: 2, pad: 'same' }, // even kernel: padding only after
  { b: 2, h: 8, w: 8, c: 9, co: 40, k: 1, s: 1, pad: 'valid' }, // 1x1: the product without patches
  { b: 2, h: 9, w: 9, c: 4, co: 20, k: 1, s: 2, pad: 'same' },
];

/** Output size and top/left padding, as TensorFlow computes them. */
function geometry(q: Case): { oh: number; ow: number; pt: number; pl: number } {
  const out = (n: number) => (q.pad === 'same' ? Math.ceil(n / q.s) : Math.ceil((n - q.k + 1) / q.s));
  const oh = out(q.h);
  const ow = out(q.w);
  const before = (n: number, o: number) => (q.pad === 'same' ? Math.floor(Math.max((o - 1) * q.s + q.k - n, 0) / 2) : 0);
  return { oh, ow, pt: before(q.h, oh), pl: before(q.w, ow) };
}

/** One problem's operands on one heap: x, the filter, dy, the bias, and room for each result. */
function problem(q: Case, seed: number) {
  const g = geometry(q);
  const nx = q.b * q.h * q.w * q.c;
  const nf = q.k * q.k * q.c * q.co;
  const ny = q.b * g.oh * g.ow * q.co;
  const parts = { x: randn(nx, seed), f: randn(nf, seed + 1), dy: randn(ny, seed + 2), bias: randn(q.co, seed + 3) };
  // signed zeros among the operands
  for (let i = 0; i < nx; i += 29) parts.x[i] = -0;
  const off = { x: 1, f: 1 + nx, dy: 1 + nx + nf, bias: 1 + nx + nf + ny, y: 1 + nx + nf + ny + q.co };
  const o = { ...off, dx: off.y + ny, dw: off.y + ny + nx, end: off.y + ny + nx + nf };
  const heap = new Float32Array(o.end + 1);
  heap.set(parts.x, o.x);
  heap.set(parts.f, o.f);
  heap.set(parts.dy, o.dy);
  heap.set(parts.bias, o.bias);
  return { g, heap, o, nx, nf, ny, ...parts };
}

type Problem = ReturnType<typeof problem>;

/** The three convolutions on the addon: forward (bias, ReLU), input gradient, filter gradient. */
function run(p: Problem, q: Case, threads: number, fused: boolean): { y: Float32Array; dx: Float32Array; dw: Float32Array } {
  const { g, heap, o } = p;
  const dims = [q.b, q.h, q.w, q.c, q.k, q.k, q.co, q.s, q.s, g.pt, g.pl, g.oh, g.ow] as const;
  heap.fill(NaN, o.y); // every output element must be written
  addon!.conv2d(heap, 0, ...dims, o.x, o.f, o.y, fused ? o.bias : -1, fused ? 1 : 0, 0, threads);
  addon!.conv2d(heap, 1, ...dims, o.dy, o.f, o.dx, -1, 0, 0, threads);
  addon!.conv2d(heap, 2, ...dims, o.x, o.dy, o.dw, -1, 0, 0, threads);
  return {
    y: heap.slice(o.y, o.y + p.ny),
    dx: heap.slice(o.dx, o.dx + p.nx),
    dw: heap.slice(o.dw, o.dw + p.nf),
  };
}

/** The three convolutions in float64, each element with the sum of its terms' magnitudes. */
function reference(p: Problem, q: Case) {
  const { g, x, f, dy } = p;
  const y = new Float64Array(p.ny);
  const ya = new Float64Array(p.ny);
  const dx = new Float64Array(p.nx);
  const dxa = new Float64Array(p.nx);
  const dw = new Float64Array(p.nf);
  const dwa = new Float64Array(p.nf);
  for (let b = 0; b < q.b; b++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let kh = 0; kh < q.k; kh++) {
          const ih = oh * q.s + kh - g.pt;
          if (ih < 0 || ih >= q.h) continue;
          for (let kw = 0; kw < q.k; kw++) {
            const iw = ow * q.s + kw - g.pl;
            if (iw < 0 || iw >= q.w) continue;
            for (let c = 0; c < q.c; c++) {
              const xi = ((b * q.h + ih) * q.w + iw) * q.c + c;
              for (let co = 0; co < q.co; co++) {
                const yi = ((b * g.oh + oh) * g.ow + ow) * q.co + co;
                const fi = ((kh * q.k + kw) * q.c + c) * q.co + co;
                y[yi] += x[xi]! * f[fi]!;
                ya[yi] += Math.abs(x[xi]! * f[fi]!);
                dx[xi] += dy[yi]! * f[fi]!;
                dxa[xi] += Math.abs(dy[yi]! * f[fi]!);
                dw[fi] += x[xi]! * dy[yi]!;
                dwa[fi] += Math.abs(x[xi]! * dy[yi]!);
              }
            }
          }
        }
  return { y: [y, ya], dx: [dx, dxa], dw: [dw, dwa] } as const;
}

/** max over elements of |got - want| / (the sum of the magnitudes of its terms) */
function scaledErr(got: Float32Array, want: Float64Array, scale: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    worst = Math.max(worst, scale[i]! > 0 ? err / scale[i]! : err === 0 ? 0 : Infinity);
  }
  return worst;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe.skipIf(!addon)('native convolutions with fused multiply-adds', () => {
  afterAll(() => addon?.kernel('auto'));

  // the code paths this CPU has (the portable one always)
  const available = () => PATHS.filter((k) => addon!.kernel(k) === k);

  it('the portable path is always there, and asking for a missing one gives the widest below it', () => {
    expect(addon!.kernel('portable')).toBe('portable');
    expect(PATHS).toContain(addon!.kernel('avx512'));
    expect(addon!.kernel('auto')).toBe(addon!.kernel('avx512'));
  });

  for (const [n, q] of CASES.entries()) {
    it(`gives the same bits on every code path and thread count: ${JSON.stringify(q)}`, () => {
      const p = problem(q, 10 * n + 1);
      const paths = available();
      addon!.kernel('portable');
      const want = run(p, q, 1, true);
      for (const k of want.y) expect(Number.isNaN(k)).toBe(false);
      for (const path of paths) {
        addon!.kernel(path);
        for (const threads of [1, 2, 3]) {
          const got = run(p, q, threads, true);
          expect(bits(got.y).equals(bits(want.y)), `${path}, ${threads} threads: forward`).toBe(true);
          expect(bits(got.dx).equals(bits(want.dx)), `${path}, ${threads} threads: input gradient`).toBe(true);
          expect(bits(got.dw).equals(bits(want.dw)), `${path}, ${threads} threads: filter gradient`).toBe(true);
        }
      }
    });
  }

  it('lies within 4e-7 of a float64 reference, relative to the sum of the magnitudes of the terms', () => {
    addon!.kernel('auto');
    let worst = 0;
    for (const [n, q] of CASES.entries()) {
      const p = problem(q, 10 * n + 1);
      const got = run(p, q, 1, false);
      const ref = reference(p, q);
      worst = Math.max(worst, scaledErr(got.y, ...ref.y), scaledErr(got.dx, ...ref.dx), scaledErr(got.dw, ...ref.dw));
    }
    // one rounding per term in chains of up to 576 terms (plus the input gradient's float32
    // sums of up to 9 taps): measured 2.5e-7 at most (the worst-case bound, 576 x 2^-24 = 3.4e-5, is far off)
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(4e-7);
  });

  it('records one kernel family whatever the code path', () => {
    for (const path of PATHS) {
      addon!.kernel(path);
      expect(nativeKernels()).toBe('native-fma');
    }
    addon!.kernel('auto');
  });

  it('DFLSIM_NATIVE_ISA caps the code path chosen at load', () => {
    const root = projectRoot();
    const file = (createRequire(import.meta.url)('node-gyp-build') as { path(d: string): string }).path(root);
    const widest = addon!.kernel('auto');
    const atLoad = (isa: string | undefined) => {
      const env = { ...process.env };
      if (isa === undefined) delete env.DFLSIM_NATIVE_ISA;
      else env.DFLSIM_NATIVE_ISA = isa;
      const r = spawnSync(
        process.execPath,
        ['-e', `const a = require(${JSON.stringify(file)}); console.log(a.kernel(), a.kernel('avx512'))`],
        {
          env,
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    expect(atLoad('portable')).toBe('portable portable');
    const avx2 = PATHS.indexOf(widest as (typeof PATHS)[number]) >= 1 ? 'avx2' : 'portable';
    expect(atLoad('avx2')).toBe(`${avx2} ${avx2}`);
    expect(atLoad(undefined)).toBe(`${widest} ${widest}`);
  });
});
