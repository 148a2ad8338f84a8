/**
 * FADNet's hand-written training step (forward, loss, backward), kept as the reference the
 * general native step (src/learning/tf/native-step/, FADNet's layers as custom ops) must
 * match bit for bit. It was the trainer's FADNet step before the general one: a fixed
 * sequence of native kernels over one arena, with the head (dropout, Accumulation,
 * Aggregation, MSE loss and their gradients) in {@link fadnetHead}, the same float32 and
 * float64 operations as the native kernel it used.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../../../src/learning/native-addon.js';
import { fadnetGeometry } from '../../../../src/learning/tf/models/fadnet.js';
import { nativeThreads } from '../../../../src/learning/tf/kernels/native.js';
import type { WeightSlot } from '../../../../src/learning/tf/native-step/index.js';

const f32 = Math.fround;

/**
 * FADNet's head on the heap (offsets as the old native kernel's): fs = z mask;
 * fc = f32(f32(f32(f1 k0) + f32(f2 k1)) + f32(f3 k2)) + kb; out_b = f32(sum fs fc / F) (float64);
 * loss = mean (out - y)^2; s_b = 2 (out_b - y_b) / B / F; dfs = f32(s fc mask); dc = f32(s fs);
 * dp_q[2j] = dp_q[2j+1] = f32(f32(dc k_q) / 2); gk_q = sum dc f_q; gkb = sum dc (float64).
 */
function fadnetHead(h: Float32Array, B: number, F: number, o: Record<string, number>): number {
  const [k0, k1, k2] = [h[o.k!]!, h[o.k! + 1]!, h[o.k! + 2]!];
  const kb = h[o.kb!]!;
  const kk = [k0, k1, k2];
  const dps = [o.dp1!, o.dp2!, o.dp3!];
  let loss = 0;
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let gb = 0;
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let j = 0; j < F; j++) {
      const i = b * F + j;
      h[o.fs! + i] = f32(h[o.z! + i]! * h[o.mask! + i]!);
      const t0 = f32(f32(h[o.f1! + i]! * k0) + f32(h[o.f2! + i]! * k1));
      const t1 = f32(t0 + f32(h[o.f3! + i]! * k2));
      h[o.fc! + i] = f32(t1 + kb);
      sum += h[o.fs! + i]! * h[o.fc! + i]!;
    }
    const out = f32(sum / F);
    const d = out - h[o.y! + b]!;
    loss += d * d;
    const sb = (2 * d) / B / F;
    for (let j = 0; j < F; j++) {
      const i = b * F + j;
      h[o.dfs! + i] = f32(sb * h[o.fc! + i]! * h[o.mask! + i]!);
      const dc = f32(sb * h[o.fs! + i]!);
      g0 += dc * h[o.f1! + i]!;
      g1 += dc * h[o.f2! + i]!;
      g2 += dc * h[o.f3! + i]!;
      gb += dc;
      for (let q = 0; q < 3; q++) {
        const half = f32(f32(dc * kk[q]!) / 2);
        h[dps[q]! + 2 * i] = half;
        h[dps[q]! + 2 * i + 1] = half;
      }
    }
  }
  h[o.gk!] = f32(g0);
  h[o.gk! + 1] = f32(g1);
  h[o.gk! + 2] = f32(g2);
  h[o.gkb!] = f32(gb);
  return loss / B;
}

/** The result of one step. */
export interface FadnetStepResult {
  loss: number;
  /** Gradients, one per trainable float, in the flat vector's order (a view: valid until the next step). */
  grads: Float32Array;
  /** Batch mean and biased variance of each batch norm, in the model's order (res1_bn1, res1_bn2, ...). */
  bnStats: { name: string; mean: Float32Array; variance: Float32Array }[];
}

/** A FADNet training step for one input size, any batch size. */
export interface FadnetStepper {
  /**
   * @param weights the trainable weights (flat, the model's order; only the first paramCount are read)
   * @param x pixels [B, size, size, 1]; y steering [B, 1]; mask the dropout's scaled mask [B, featureLength]
   */
  step(weights: Float32Array, x: Float32Array, y: Float32Array, batch: number, mask: Float32Array): FadnetStepResult;
}

const BN_EPS = 1e-5;
const BLOCKS = ['res1', 'res2', 'res3'] as const;
const FILTERS = [32, 64, 128] as const;

interface Conv {
  info: tf.backend_util.Conv2DInfo;
}

function convGeom(x: [number, number, number, number], k: number, co: number, s: number): Conv {
  return { info: tf.backend_util.computeConv2DInfo(x, [k, k, x[3], co], s, 1, 'same') };
}

const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The arena layout of a FADNet step at batch size B (activations, their gradients, the weights' copy and the gradients). */
function arenaPlan(inputSize: number, paramCount: number, g: ReturnType<typeof fadnetGeometry>, B: number) {
  let top = 0;
  const alloc = (n: number) => {
    const o = top;
    top += n + ((16 - (n % 16)) % 16); // 64-byte steps
    return o;
  };
  const S = inputSize;
  const wOff = alloc(paramCount);
  const gOff = alloc(paramCount);
  const x0 = alloc(B * S * S);
  const stem = convGeom([B, S, S, 1], 5, 32, 2);
  const s1 = alloc(count(stem.info.outShape));
  const pool = tf.backend_util.computePool2DInfo(stem.info.outShape as [number, number, number, number], 3, 2, 1, 'valid');
  const x1 = alloc(count(pool.outShape));
  const blocks: {
    name: string;
    inShape: [number, number, number, number];
    xin: number;
    n1: number;
    m1: number;
    v1: number;
    r1: number;
    c1: Conv;
    o1: number;
    n2: number;
    m2: number;
    v2: number;
    r2: number;
    c2: Conv;
    o2: number;
    sc: Conv;
    osc: number;
    out: number;
  }[] = [];
  let inShape = pool.outShape as [number, number, number, number];
  let xin = x1;
  BLOCKS.forEach((name, i) => {
    const F = FILTERS[i]!;
    const n = count(inShape);
    const c1 = convGeom(inShape, 3, F, 2);
    const c2 = convGeom(c1.info.outShape as [number, number, number, number], 3, F, 1);
    const sc = convGeom(inShape, 1, F, 2);
    const n1 = alloc(n),
      m1 = alloc(inShape[3]),
      v1 = alloc(inShape[3]),
      r1 = alloc(n);
    const o1 = alloc(count(c1.info.outShape));
    const n2 = alloc(count(c1.info.outShape)),
      m2 = alloc(F),
      v2 = alloc(F),
      r2 = alloc(count(c1.info.outShape));
    const o2 = alloc(count(c2.info.outShape)),
      osc = alloc(count(sc.info.outShape)),
      out = alloc(count(c2.info.outShape));
    blocks.push({ name, inShape, xin, n1, m1, v1, r1, c1, o1, n2, m2, v2, r2, c2, o2, sc, osc, out });
    inShape = c2.info.outShape as [number, number, number, number];
    xin = out;
  });
  const x4Shape = inShape;
  const [, h4, w4, c4] = x4Shape;
  const rowsWD = B * h4 * c4;
  const t = alloc(rowsWD * w4);
  const z = alloc(rowsWD * w4); // relu(T K + b), also fs before dropout ([B, h*c*w])
  const F = g.featureLength;
  const supports = [1, 2, 3].map((i) => {
    const src = i === 1 ? x1 : blocks[i - 2]!.out;
    const shape =
      i === 1 ? (pool.outShape as [number, number, number, number]) : (blocks[i - 2]!.c2.info.outShape as [number, number, number, number]);
    const conv = convGeom(shape, 1, 256, g.supportStrides[i - 1]!);
    return { i, src, shape, conv, p: alloc(count(conv.info.outShape)), f: alloc(B * F), dp: alloc(count(conv.info.outShape)) };
  });
  const fs = alloc(B * F),
    fc = alloc(B * F),
    maskOff = alloc(B * F),
    yOff = alloc(B);
  // gradients of activations
  const dfs = alloc(B * F),
    dz = alloc(rowsWD * w4),
    dt = alloc(rowsWD * w4);
  const dx = [x1, ...blocks.map((b) => b.out)].map((_, i) =>
    alloc(i === 0 ? count(pool.outShape) : count(blocks[i - 1]!.c2.info.outShape)),
  );
  const tmp = alloc(Math.max(...blocks.map((b) => count(b.inShape))));
  const blockGrads = blocks.map((b) => ({
    dr2: alloc(count(b.c1.info.outShape)),
    dn2: alloc(count(b.c1.info.outShape)),
    dr1: alloc(count(b.inShape)),
    dn1: alloc(count(b.inShape)),
  }));
  const ds1 = alloc(count(stem.info.outShape));
  return {
    heap: new Float32Array(top),
    B,
    F,
    wOff,
    gOff,
    x0,
    stem,
    s1,
    pool,
    x1,
    blocks,
    x4Shape,
    rowsWD,
    t,
    z,
    supports,
    fs,
    fc,
    maskOff,
    yOff,
    dfs,
    dz,
    dt,
    dx,
    tmp,
    blockGrads,
    ds1,
  };
}

type Arena = ReturnType<typeof arenaPlan>;

/** What a step's passes use: the addon, the arena, the weights' and gradients' offsets by name, and a convolution. */
interface StepContext {
  addon: NativeAddon;
  p: Arena;
  h: Float32Array;
  B: number;
  w(name: string): number;
  gr(name: string): number;
  conv(op: number, c: Conv, x: number, f: number, out: number, bias: number): void;
}

/** The forward pass up to the head: stem, pool, the three residual blocks, the width dense layer and the supports. */
function forwardTrunk(c: StepContext): void {
  const { addon, p, h, B, w } = c;
  const F = p.F;
  c.conv(0, p.stem, p.x0, w('stem/kernel'), p.s1, w('stem/bias'));
  const pi = p.pool;
  addon.maxPool(
    h,
    B,
    pi.inHeight,
    pi.inWidth,
    pi.inChannels,
    pi.outHeight,
    pi.outWidth,
    pi.filterHeight,
    pi.filterWidth,
    pi.strideHeight,
    pi.strideWidth,
    pi.padInfo.top,
    pi.padInfo.left,
    p.s1,
    p.x1,
  );
  for (const b of p.blocks) {
    const n = count(b.inShape);
    const C = b.inShape[3];
    const rows = n / C;
    addon.bnForward(h, rows, C, b.xin, w(`${b.name}_bn1/gamma`), w(`${b.name}_bn1/beta`), b.n1, b.m1, b.v1, BN_EPS);
    addon.relu(h, n, b.n1, b.r1);
    c.conv(0, b.c1, b.r1, w(`${b.name}_conv1/kernel`), b.o1, w(`${b.name}_conv1/bias`));
    const n2 = count(b.c1.info.outShape);
    const F2 = b.c1.info.outChannels;
    addon.bnForward(h, n2 / F2, F2, b.o1, w(`${b.name}_bn2/gamma`), w(`${b.name}_bn2/beta`), b.n2, b.m2, b.v2, BN_EPS);
    addon.relu(h, n2, b.n2, b.r2);
    c.conv(0, b.c2, b.r2, w(`${b.name}_conv2/kernel`), b.o2, w(`${b.name}_conv2/bias`));
    c.conv(0, b.sc, b.xin, w(`${b.name}_short/kernel`), b.osc, w(`${b.name}_short/bias`));
    addon.add(h, count(b.c2.info.outShape), b.o2, b.osc, b.out, 0);
  }
  // width dense: T[(b, h, c), w] = x4[b, h, w, c]; z = relu(T K + bias) (= fs before dropout, [B, h*c*w])
  const [, H4, W4, C4] = p.x4Shape;
  const x4 = p.blocks[2]!.out;
  addon.swapLast2(h, B * H4, W4, C4, x4, p.t);
  addon.gemm(h, p.rowsWD, W4, W4, p.t, W4, 1, w('width_dense/kernel'), W4, 1, p.z, W4, 0, nativeThreads());
  addon.biasAdd(h, p.rowsWD, W4, p.z, w('width_dense/bias'));
  addon.relu(h, p.rowsWD * W4, p.z, p.z);
  // supports: 1x1 convolutions with stride, then the mean of adjacent pairs
  for (const s of p.supports) {
    c.conv(0, s.conv, s.src, w(`support${s.i}/kernel`), s.p, w(`support${s.i}/bias`));
    addon.pairMean(h, B * F, s.p, s.f);
  }
}

/** The backward pass below the head: width dense, the blocks last first with their supports, pool and stem. */
function backwardTrunk(c: StepContext): void {
  const { addon, p, h, B, w, gr } = c;
  const pi = p.pool;
  const [, H4, W4, C4] = p.x4Shape;
  // width dense: dz = relu'(z) dfs; dK = T^T dz; dbias = sums of dz; dT = dz K^T; dx4 = dT transposed back
  addon.reluGrad(h, p.rowsWD * W4, p.z, p.dfs, p.dz);
  addon.gemm(h, W4, W4, p.rowsWD, p.t, 1, W4, p.dz, W4, 1, gr('width_dense/kernel'), W4, 0, nativeThreads());
  addon.colSums(h, p.rowsWD, W4, p.dz, gr('width_dense/bias'));
  addon.gemm(h, p.rowsWD, W4, W4, p.dz, W4, 1, w('width_dense/kernel'), 1, W4, p.dt, W4, 0, nativeThreads());
  addon.swapLast2(h, B * H4, C4, W4, p.dt, p.dx[3]!);
  // supports: the 1x1 convolutions' gradients, the input's added to dxOff
  const supportInto = (s: (typeof p.supports)[number], dxOff: number) => {
    c.conv(2, s.conv, s.src, s.dp, gr(`support${s.i}/kernel`), -1);
    const co = s.conv.info.outChannels;
    addon.colSums(h, count(s.conv.info.outShape) / co, co, s.dp, gr(`support${s.i}/bias`));
    c.conv(1, s.conv, s.dp, w(`support${s.i}/kernel`), p!.tmp, -1);
    addon.add(h, count(s.shape), p!.tmp, 0, dxOff, 1);
  };
  // blocks, last first; the gradient reaching each block's input also gets its support's
  for (let bi = 2; bi >= 0; bi--) {
    const b = p.blocks[bi]!;
    const bg = p.blockGrads[bi]!;
    const dOut = p.dx[bi + 1]!;
    const dIn = p.dx[bi]!;
    const n2 = count(b.c1.info.outShape);
    const F2 = b.c1.info.outChannels;
    const no = count(b.c2.info.outShape);
    // conv2 and the shortcut both receive dOut
    c.conv(2, b.c2, b.r2, dOut, gr(`${b.name}_conv2/kernel`), -1);
    addon.colSums(h, no / F2, F2, dOut, gr(`${b.name}_conv2/bias`));
    c.conv(1, b.c2, dOut, w(`${b.name}_conv2/kernel`), bg.dr2, -1);
    addon.reluGrad(h, n2, b.r2, bg.dr2, bg.dn2);
    addon.bnBackward(
      h,
      n2 / F2,
      F2,
      bg.dn2,
      b.o1,
      w(`${b.name}_bn2/gamma`),
      b.m2,
      b.v2,
      bg.dn2,
      gr(`${b.name}_bn2/gamma`),
      gr(`${b.name}_bn2/beta`),
      BN_EPS,
    );
    c.conv(2, b.c1, b.r1, bg.dn2, gr(`${b.name}_conv1/kernel`), -1);
    addon.colSums(h, n2 / F2, F2, bg.dn2, gr(`${b.name}_conv1/bias`));
    const n = count(b.inShape);
    const C = b.inShape[3];
    c.conv(1, b.c1, bg.dn2, w(`${b.name}_conv1/kernel`), bg.dr1, -1);
    addon.reluGrad(h, n, b.r1, bg.dr1, bg.dn1);
    addon.bnBackward(
      h,
      n / C,
      C,
      bg.dn1,
      b.xin,
      w(`${b.name}_bn1/gamma`),
      b.m1,
      b.v1,
      dIn,
      gr(`${b.name}_bn1/gamma`),
      gr(`${b.name}_bn1/beta`),
      BN_EPS,
    );
    c.conv(2, b.sc, b.xin, dOut, gr(`${b.name}_short/kernel`), -1);
    addon.colSums(h, no / F2, F2, dOut, gr(`${b.name}_short/bias`));
    c.conv(1, b.sc, dOut, w(`${b.name}_short/kernel`), p.tmp, -1);
    addon.add(h, n, p.tmp, 0, dIn, 1);
    supportInto(p.supports[bi]!, dIn);
  }
  // pool and stem (the stem's input needs no gradient)
  addon.maxPoolGrad(
    h,
    B,
    pi.inHeight,
    pi.inWidth,
    pi.inChannels,
    pi.outHeight,
    pi.outWidth,
    pi.effectiveFilterHeight,
    pi.effectiveFilterWidth,
    pi.strideHeight,
    pi.strideWidth,
    pi.dilationHeight,
    pi.dilationWidth,
    pi.padInfo.top,
    pi.padInfo.left,
    p.s1,
    p.x1,
    p.dx[0]!,
    p.ds1,
  );
  c.conv(2, p.stem, p.x0, p.ds1, gr('stem/kernel'), -1);
  addon.colSums(h, count(p.stem.info.outShape) / 32, 32, p.ds1, gr('stem/bias'));
}

/**
 * Build the reference stepper for FADNet at `inputSize`, whose trainable weights lie as in `slots`.
 * Returns null when `slots` is not FADNet's layout.
 */
export function createFadnetStepper(
  addon: NativeAddon,
  inputSize: number,
  slots: readonly WeightSlot[],
  paramCount: number,
): FadnetStepper | null {
  const g = fadnetGeometry(inputSize);
  const slot = new Map(slots.map((s) => [s.name, s]));
  const need = ['stem/kernel', 'stem/bias', 'width_dense/kernel', 'width_dense/bias', 'accumulation/kernel', 'accumulation/bias'];
  for (const b of BLOCKS)
    for (const n of [
      'bn1/gamma',
      'bn1/beta',
      'conv1/kernel',
      'conv1/bias',
      'bn2/gamma',
      'bn2/beta',
      'conv2/kernel',
      'conv2/bias',
      'short/kernel',
      'short/bias',
    ])
      need.push(`${b}_${n}`);
  for (const i of [1, 2, 3]) need.push(`support${i}/kernel`, `support${i}/bias`);
  if (need.some((n) => !slot.has(n)) || slots.length !== need.length) return null;
  const W = (n: string) => slot.get(n)!.offset;
  const byBatch = new Map<number, Arena>();

  const conv = (p: Arena, op: number, c: Conv, x: number, f: number, out: number, bias: number) => {
    const i = c.info;
    addon.conv2d(
      p.heap,
      op,
      i.batchSize,
      i.inHeight,
      i.inWidth,
      i.inChannels,
      i.filterHeight,
      i.filterWidth,
      i.outChannels,
      i.strideHeight,
      i.strideWidth,
      i.padInfo.top,
      i.padInfo.left,
      i.outHeight,
      i.outWidth,
      x,
      f,
      out,
      bias,
      0,
      0,
      nativeThreads(),
    );
  };

  return {
    step(weights, x, y, B, mask) {
      let p = byBatch.get(B);
      if (!p) {
        // keep the arenas of the largest batch and of one other (a shard's shorter last batch)
        const largest = Math.max(0, ...byBatch.keys());
        for (const k of [...byBatch.keys()]) if (k !== largest) byBatch.delete(k);
        p = arenaPlan(inputSize, paramCount, g, B);
        byBatch.set(B, p);
      }
      const h = p.heap;
      const w = (n: string) => p!.wOff + W(n);
      const gr = (n: string) => p!.gOff + W(n);
      const F = g.featureLength;
      h.set(weights.subarray(0, paramCount), p.wOff);
      // pixels to [-1, 1] as PixelNormalization: x * (1 / 127.5) - 1 in float32
      h.set(x.subarray(0, B * inputSize * inputSize), p.x0);
      addon.affine(h, B * inputSize * inputSize, p.x0, p.x0, 1 / 127.5, -1);
      const ctx: StepContext = { addon, p, h, B, w, gr, conv: (op, c, xo, f, out, bias) => conv(p!, op, c, xo, f, out, bias) };
      forwardTrunk(ctx);
      // dropout, accumulation, aggregation, loss, and their gradients (dfs: before dropout; dp: the supports' outputs)
      h.set(mask.subarray(0, B * F), p.maskOff);
      h.set(y.subarray(0, B), p.yOff);
      const [s1, s2, s3] = p.supports as [(typeof p.supports)[number], (typeof p.supports)[number], (typeof p.supports)[number]];
      const loss = fadnetHead(h, B, F, {
        z: p.z,
        mask: p.maskOff,
        f1: s1.f,
        f2: s2.f,
        f3: s3.f,
        k: w('accumulation/kernel'),
        kb: w('accumulation/bias'),
        y: p.yOff,
        fs: p.fs,
        fc: p.fc,
        dfs: p.dfs,
        dp1: s1.dp,
        dp2: s2.dp,
        dp3: s3.dp,
        gk: gr('accumulation/kernel'),
        gkb: gr('accumulation/bias'),
      });
      backwardTrunk(ctx);
      const bnStats = p.blocks.flatMap((b) => {
        const C1 = b.inShape[3];
        const C2 = b.c1.info.outChannels;
        return [
          { name: `${b.name}_bn1`, mean: h.slice(b.m1, b.m1 + C1), variance: h.slice(b.v1, b.v1 + C1) },
          { name: `${b.name}_bn2`, mean: h.slice(b.m2, b.m2 + C2), variance: h.slice(b.v2, b.v2 + C2) },
        ];
      });
      return { loss, grads: h.subarray(p.gOff, p.gOff + paramCount), bnStats };
    },
  };
}
