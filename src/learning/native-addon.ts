/**
 * dflsim's native addon (`native/src/`, built into `build/Release/` by node-gyp from
 * `binding.gyp`, run by `scripts/build-native.mjs` at install), found by node-gyp-build
 * (a local build, else a prebuilt binary under `prebuilds/`) and loaded once per thread
 * on first use. Every function in it computes the same bits as the code it replaces or
 * as its own portable path (see native/src/gemm.h), so a run does not depend on whether
 * it is built; where it does (the convolutions, against XNNPACK), the run records which
 * kernels it used. `DFLSIM_NATIVE=0` turns it off.
 */
import { createRequire } from 'node:module';
import { projectRoot } from '../project-root.js';

/** node-gyp-build's loader: `path(dir)` finds a package's addon (throws when there is none). */
interface NodeGypBuild {
  path(dir: string): string;
}

/** The addon's exports. Offsets are in floats on the heap view. */
export interface NativeAddon {
  gemm(
    heap: Float32Array,
    M: number,
    N: number,
    K: number,
    aOff: number,
    rsa: number,
    csa: number,
    bOff: number,
    rsb: number,
    csb: number,
    cOff: number,
    ldc: number,
    acc: number,
    threads: number,
  ): void;
  conv2d(
    heap: Float32Array,
    op: number,
    B: number,
    H: number,
    W: number,
    C: number,
    KH: number,
    KW: number,
    CO: number,
    SH: number,
    SW: number,
    PT: number,
    PL: number,
    OH: number,
    OW: number,
    xOff: number,
    fOff: number,
    outOff: number,
    biasOff: number,
    act: number,
    alpha: number,
    threads: number,
  ): void;
  /**
   * The code path of the products: 'avx512', 'avx2' (with FMA) or 'portable' (the same bits);
   * with an argument, use that one or the widest below it the CPU has ('auto': the widest).
   * The environment variable DFLSIM_NATIVE_ISA caps the choice at load.
   */
  kernel(force?: 'portable' | 'avx2' | 'avx512' | 'auto'): string;
  /** The kernel family ('native-fma'); absent in addons built without fused multiply-add. */
  readonly family?: string;
  /** out[p] = f32(((0 + w0*s0[p]) + w1*s1[p]) + ...) in float64, terms in order */
  mix(out: Float32Array, sources: Float32Array[], weights: Float64Array): void;
  /** One Adam step of n elements, the gradient at gOff on the heap, m/v/w from index off (adam.ts's formula) */
  adam(
    heap: Float32Array,
    gOff: number,
    n: number,
    m: Float32Array,
    v: Float32Array,
    w: Float32Array,
    off: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    lrT: number,
    eps: number,
  ): void;
  /** batch norm, training: batch mean and biased variance (float64), y = (x - mean) gamma / sqrt(var + eps) + beta */
  bnForward(
    heap: Float32Array,
    rows: number,
    C: number,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    eps: number,
  ): void;
  /** its gradient: dx, dgamma, dbeta */
  bnBackward(
    heap: Float32Array,
    rows: number,
    C: number,
    dy: number,
    x: number,
    gamma: number,
    mean: number,
    variance: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    eps: number,
  ): void;
  relu(heap: Float32Array, n: number, x: number, y: number): void;
  /** f[i] = f32(f32(p[2i] + p[2i+1]) / 2) */
  pairMean(heap: Float32Array, n: number, p: number, f: number): void;
  /** dst[n, b, a] = src[n, a, b] */
  swapLast2(heap: Float32Array, N: number, A: number, B: number, src: number, dst: number): void;
  /** x[r, c] += bias[c] */
  biasAdd(heap: Float32Array, rows: number, C: number, x: number, bias: number): void;
  /** y = f32(f32(x * a) + b), a and b rounded to float32 */
  affine(heap: Float32Array, n: number, x: number, y: number, a: number, b: number): void;
  /** dx = y > 0 ? dy : 0 */
  reluGrad(heap: Float32Array, n: number, y: number, dy: number, dx: number): void;
  /** out = a + b, or out += a with acc = 1 */
  add(heap: Float32Array, n: number, a: number, b: number, out: number, acc: number): void;
  /** out[c] = sum over rows of x[r, c] (float64) */
  colSums(heap: Float32Array, rows: number, C: number, x: number, out: number): void;
  /** y = x m (dropout with its scaled mask, and its gradient) */
  mul(heap: Float32Array, n: number, x: number, m: number, y: number): void;
  /** y = act(x): kind 1 ReLU, 2 ReLU6, 3 leaky ReLU (slope alpha), 4 sigmoid (see native/src/layers.h) */
  act(heap: Float32Array, kind: number, n: number, x: number, y: number, alpha: number): void;
  /** the activation's gradient from its output y */
  actGrad(heap: Float32Array, kind: number, n: number, y: number, dy: number, dx: number, alpha: number): void;
  /** row-wise softmax */
  softmax(heap: Float32Array, rows: number, C: number, x: number, y: number): void;
  /** its gradient from the output y */
  softmaxGrad(heap: Float32Array, rows: number, C: number, y: number, dy: number, dx: number): void;
  /** average pooling (taps inside the image; float64 sums) */
  avgPool(
    heap: Float32Array,
    B: number,
    H: number,
    W: number,
    C: number,
    OH: number,
    OW: number,
    FH: number,
    FW: number,
    SH: number,
    SW: number,
    PT: number,
    PL: number,
    x: number,
    y: number,
  ): void;
  /** its gradient (dx overwritten) */
  avgPoolGrad(
    heap: Float32Array,
    B: number,
    H: number,
    W: number,
    C: number,
    OH: number,
    OW: number,
    FH: number,
    FW: number,
    SH: number,
    SW: number,
    PT: number,
    PL: number,
    dy: number,
    dx: number,
  ): void;
  /** y[b, c] = mean over the S positions of x[b, s, c] (float64) */
  spatialMean(heap: Float32Array, B: number, S: number, C: number, x: number, y: number): void;
  /** its gradient: dx[b, s, c] = dy[b, c] / S */
  spatialMeanGrad(heap: Float32Array, B: number, S: number, C: number, dy: number, dx: number): void;
  /** dst[r * dstride + c] = src[r * sstride + c] for c < C */
  copyCols(heap: Float32Array, rows: number, C: number, src: number, sstride: number, dst: number, dstride: number): void;
  /** a loss (kind 0 MSE, 1 softmax cross-entropy from logits, 2 categorical and 3 binary cross-entropy on probabilities) and its gradient; returns the loss */
  loss(heap: Float32Array, kind: number, B: number, K: number, out: number, y: number, dout: number): number;
  /** dp[2i] = dp[2i+1] = f32(df[i] / 2) */
  pairMeanGrad(heap: Float32Array, n: number, df: number, dp: number): void;
  /** FADNet's Accumulation of Q <= 8 inputs (offsets f0..f7, unused ones ignored) */
  accumulate(
    heap: Float32Array,
    n: number,
    Q: number,
    f0: number,
    f1: number,
    f2: number,
    f3: number,
    f4: number,
    f5: number,
    f6: number,
    f7: number,
    k: number,
    kb: number,
    out: number,
  ): void;
  /** its gradient (df offsets -1 where not wanted) */
  accumulateGrad(heap: Float32Array, n: number, Q: number, dc: number, ...offsets: number[]): void;
  /** FADNet's Aggregation with the MSE loss, forward and backward in one pass; returns the loss */
  aggregationMse(
    heap: Float32Array,
    B: number,
    F: number,
    fs: number,
    fc: number,
    y: number,
    out: number,
    dfs: number,
    dfc: number,
  ): number;
  maxPool(
    heap: Float32Array,
    B: number,
    H: number,
    W: number,
    C: number,
    OH: number,
    OW: number,
    FH: number,
    FW: number,
    SH: number,
    SW: number,
    PT: number,
    PL: number,
    x: number,
    y: number,
  ): void;
  /** dx of a max pool (max-pool-grad.ts's rule and order) */
  maxPoolGrad(
    heap: Float32Array,
    B: number,
    H: number,
    W: number,
    C: number,
    OH: number,
    OW: number,
    FH: number,
    FW: number,
    SH: number,
    SW: number,
    DH: number,
    DW: number,
    PT: number,
    PL: number,
    xOff: number,
    yOff: number,
    dyOff: number,
    dxOff: number,
  ): void;
}

let addon: NativeAddon | null | undefined;
let loadError = '';

/** The addon, loaded once (null when disabled or missing; {@link nativeLoadError} says why). */
export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (process.env.DFLSIM_NATIVE === '0') {
    loadError = 'disabled by DFLSIM_NATIVE=0';
    return addon;
  }
  try {
    const require = createRequire(import.meta.url);
    const gypBuild = require('node-gyp-build') as NodeGypBuild;
    const root = projectRoot();
    let file: string;
    try {
      file = gypBuild.path(root);
    } catch {
      loadError = `not built in ${root}/build/Release (npm install builds it with the C compiler; see scripts/build-native.mjs)`;
      return addon;
    }
    addon = require(file) as NativeAddon;
  } catch (e) {
    loadError = (e as Error).message.split('\n')[0]!;
  }
  return addon;
}

/** Why the addon is not in use ('' when it is). */
export function nativeLoadError(): string {
  nativeAddon();
  return loadError;
}
