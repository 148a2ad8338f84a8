/**
 * A few SIMD loops over the wasm backend's own memory, for the channel-wise passes of
 * batch norm and the leading-axes reductions of bias gradients. The package has no
 * such kernels and plain JS loops are 5-10x slower, so we assemble a tiny WebAssembly
 * module (f32x4) here, byte by byte, that imports the backend's memory.
 *
 * All loops walk a row-major `[rows, C]` block (channel innermost, `C % 4 === 0`) with a
 * per-channel vector index that wraps every `C` floats. Pointers are byte offsets.
 */
import { type WasmBackendLike } from './util.js';

/** The exported loops (pointers in bytes; `end` = first byte past the walked block). */
export interface SimdLoops {
  /** out[c] += x[r, c] */
  colsum(x: number, end: number, cb: number, out: number): void;
  /** out[c] += (x[r, c] - m[c])^2 */
  colsqdev(x: number, end: number, cb: number, m: number, out: number): void;
  /** out[c] += dy[r, c] * (x[r, c] - m[c]) (end is dy's) */
  colprodDev(dy: number, x: number, end: number, cb: number, m: number, out: number): void;
  /** y[r, c] = (x[r, c] - m[c]) * a[c] + k[c] */
  affine(x: number, end: number, cb: number, m: number, a: number, k: number, y: number): void;
  /**
   * out[r, c] = (dy[r, c] - d[c]) * a[c] + (x[r, c] - m[c]) * b[c] + k[c] in float64 (end is
   * dy's; m, a, b, k, d are float64 vectors, cb2 = 8 * C; C even)
   */
  affine2(dy: number, x: number, end: number, cb2: number, m: number, a: number, b: number, k: number, d: number, out: number): void;
  /**
   * One max-pool window, all channels: for each channel, the first tap (in the order of
   * the i32 byte offsets in `[taps, tapsEnd)`) whose x equals y (the window's maximum)
   * gets dx[tap] += g. x, dx: the image's first byte; y, g: the window's channel vectors.
   * Returns 1 when every channel found its maximum (0: a NaN window, redo in JS).
   */
  poolGradWindow(x: number, y: number, g: number, dx: number, taps: number, tapsEnd: number, cb: number): number;
  /**
   * One Adam step over float32 vectors, two elements at a time in float64, exactly as the
   * scalar JS loop computes it: mi = b1*m + c1*g; vi = b2*v + (c2*g)*g; m = f32(mi);
   * v = f32(vi); w = f32(w - (lrT*mi) / (sqrt(vi) + eps)). `k` points at six float64 pairs
   * (each constant twice): b1, c1, b2, c2, lrT, eps. `end` is g's end; the length is even.
   */
  adam(g: number, m: number, v: number, w: number, end: number, k: number): void;
  /** dst[i] = src[i * sb / 4] for the floats of [dst, end) (a strided row gather; sb in bytes) */
  strided(dst: number, src: number, end: number, sb: number): void;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

// opcodes
const GET = (i: number) => [0x20, ...uleb(i)];
const SET = (i: number) => [0x21, ...uleb(i)];
const TEE = (i: number) => [0x22, ...uleb(i)];
const I32 = (n: number) => [0x41, ...sleb(n)];
const ADD = [0x6a];
const EQ = [0x46];
const GE_U = [0x4f];
const LOAD = [0xfd, 0x00, 0x00, 0x00]; // v128.load align=1 offset=0
const STORE = [0xfd, 0x0b, 0x00, 0x00];
const FADD = [0xfd, ...uleb(228)];
const FSUB = [0xfd, ...uleb(229)];
const FMUL = [0xfd, ...uleb(230)];
const DADD = [0xfd, ...uleb(240)];
const DSUB = [0xfd, ...uleb(241)];
const DMUL = [0xfd, ...uleb(242)];
const LOAD64Z = [0xfd, ...uleb(93), 0x00, 0x00]; // v128.load64_zero: 2 floats into the low lanes
const STORE64L0 = [0xfd, ...uleb(91), 0x00, 0x00, 0x00]; // v128.store64_lane lane 0
const DEMOTE = [0xfd, ...uleb(94)]; // f32x4.demote_f64x2_zero
const PROMOTE = [0xfd, ...uleb(95)]; // f64x2.promote_low_f32x4
const FEQ = [0xfd, ...uleb(65)]; // f32x4.eq
const ANDNOT = [0xfd, ...uleb(79)]; // v128.andnot: a & ~b
const OR = [0xfd, ...uleb(80)];
const BITSELECT = [0xfd, ...uleb(82)]; // (a & c) | (b & ~c)
const ALL_TRUE = [0xfd, ...uleb(163)]; // i32x4.all_true
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const I32_LOAD = [0x28, 0x02, 0x00];
const DDIV = [0xfd, ...uleb(243)];
const DSQRT = [0xfd, ...uleb(239)];
/** v128.load with a constant byte offset */
const LOAD_AT = (off: number) => [0xfd, 0x00, 0x00, ...uleb(off)];
const I32_AND = [0x71];
/** v128 at (pointer param p) + j */
const AT = (p: number, j: number) => [...GET(p), ...GET(j), ...ADD];
const LD = (p: number, j: number) => [...AT(p, j), ...LOAD];

/**
 * A loop over `[x, end)` in 16-byte steps: `body` runs with local `j` the channel byte
 * offset; `advance` lists the pointer params stepped by 16 along with x.
 */
function loopFn(nParams: number, x: number, end: number, cb: number, advance: number[], body: number[], step = 16, jStep = 16): number[] {
  const j = nParams; // one i32 local
  const code = [
    ...[0x02, 0x40], // block
    ...[0x03, 0x40], // loop
    ...GET(x),
    ...GET(end),
    ...GE_U,
    0x0d,
    0x01, // br_if 1 when x >= end
    ...body,
    ...advance.flatMap((p) => [...GET(p), ...I32(step), ...ADD, ...SET(p)]),
    ...GET(j),
    ...I32(jStep),
    ...ADD,
    ...TEE(j),
    ...GET(cb),
    ...EQ,
    ...[0x04, 0x40],
    ...I32(0),
    ...SET(j),
    0x0b, // if j == cb: j = 0
    0x0c,
    0x00, // br 0
    0x0b, // end loop
    0x0b, // end block
    0x0b, // end function
  ];
  const locals = vec([[0x01, 0x7f]]); // 1 x i32
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/**
 * poolGradWindow(x, y, g, dx, taps, tapsEnd, cb) -> i32. Channel vectors outermost (the
 * found-mask stays in a v128 local), taps inside in order: m = (x[tap] == y) & ~found;
 * dx[tap] = m ? dx[tap] + g : dx[tap]; found |= m.
 */
function poolGradWindowFn(): number[] {
  const [x, y, g, dx, taps, tend, cb] = [0, 1, 2, 3, 4, 5, 6];
  const [j, t, off, ok, addr] = [7, 8, 9, 10, 11];
  const [found, m] = [12, 13];
  const code = [
    ...I32(1),
    ...SET(ok),
    ...I32(0),
    ...SET(j),
    ...[0x02, 0x40],
    ...[0x03, 0x40], // block loop (channel vectors)
    ...GET(j),
    ...GET(cb),
    ...GE_U,
    0x0d,
    0x01,
    ...V128_ZERO,
    ...SET(found),
    ...GET(taps),
    ...SET(t),
    ...[0x02, 0x40],
    ...[0x03, 0x40], // block loop (taps)
    ...GET(t),
    ...GET(tend),
    ...GE_U,
    0x0d,
    0x01,
    ...GET(t),
    ...I32_LOAD,
    ...GET(j),
    ...ADD,
    ...SET(off),
    ...GET(x),
    ...GET(off),
    ...ADD,
    ...LOAD,
    ...LD(y, j),
    ...FEQ,
    ...GET(found),
    ...ANDNOT,
    ...SET(m),
    ...GET(dx),
    ...GET(off),
    ...ADD,
    ...SET(addr),
    ...GET(addr),
    ...GET(addr),
    ...LOAD,
    ...LD(g, j),
    ...FADD,
    ...GET(addr),
    ...LOAD,
    ...GET(m),
    ...BITSELECT,
    ...STORE,
    ...GET(found),
    ...GET(m),
    ...OR,
    ...SET(found),
    ...GET(t),
    ...I32(4),
    ...ADD,
    ...SET(t),
    0x0c,
    0x00,
    0x0b,
    0x0b, // br loop; end loop; end block
    ...GET(ok),
    ...GET(found),
    ...ALL_TRUE,
    ...I32_AND,
    ...SET(ok),
    ...GET(j),
    ...I32(16),
    ...ADD,
    ...SET(j),
    0x0c,
    0x00,
    0x0b,
    0x0b,
    ...GET(ok),
    0x0b, // end function
  ];
  const locals = vec([
    [0x05, 0x7f],
    [0x02, 0x7b],
  ]); // 5 x i32, 2 x v128
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/** adam(g, m, v, w, end, k): see {@link SimdLoops.adam}. */
function adamFn(): number[] {
  const [g, m, v, w, end, k] = [0, 1, 2, 3, 4, 5];
  const [gi, mi, vi] = [6, 7, 8];
  const K = (i: number) => [...GET(k), ...LOAD_AT(16 * i)];
  const P = (p: number) => [...GET(p), ...LOAD64Z, ...PROMOTE];
  const code = [
    ...[0x02, 0x40],
    ...[0x03, 0x40],
    ...GET(g),
    ...GET(end),
    ...GE_U,
    0x0d,
    0x01,
    ...P(g),
    ...SET(gi),
    ...K(0),
    ...P(m),
    ...DMUL,
    ...K(1),
    ...GET(gi),
    ...DMUL,
    ...DADD,
    ...SET(mi),
    ...K(2),
    ...P(v),
    ...DMUL,
    ...K(3),
    ...GET(gi),
    ...DMUL,
    ...GET(gi),
    ...DMUL,
    ...DADD,
    ...SET(vi),
    ...GET(m),
    ...GET(mi),
    ...DEMOTE,
    ...STORE64L0,
    ...GET(v),
    ...GET(vi),
    ...DEMOTE,
    ...STORE64L0,
    ...GET(w),
    ...P(w),
    ...K(4),
    ...GET(mi),
    ...DMUL,
    ...GET(vi),
    ...DSQRT,
    ...K(5),
    ...DADD,
    ...DDIV,
    ...DSUB,
    ...DEMOTE,
    ...STORE64L0,
    ...[g, m, v, w].flatMap((q) => [...GET(q), ...I32(8), ...ADD, ...SET(q)]),
    0x0c,
    0x00,
    0x0b,
    0x0b,
    0x0b,
  ];
  const locals = vec([[0x03, 0x7b]]);
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/** strided(dst, src, end, sb): scalar float copies, src stepping by sb bytes. */
function stridedFn(): number[] {
  const [dst, src, end, sb] = [0, 1, 2, 3];
  const code = [
    ...[0x02, 0x40],
    ...[0x03, 0x40],
    ...GET(dst),
    ...GET(end),
    ...GE_U,
    0x0d,
    0x01,
    ...GET(dst),
    ...GET(src),
    0x2a,
    0x02,
    0x00,
    0x38,
    0x02,
    0x00, // f32.store(dst, f32.load(src))
    ...GET(dst),
    ...I32(4),
    ...ADD,
    ...SET(dst),
    ...GET(src),
    ...GET(sb),
    ...ADD,
    ...SET(src),
    0x0c,
    0x00,
    0x0b,
    0x0b,
    0x0b,
  ];
  const fn = [...vec([]), ...code];
  return [...uleb(fn.length), ...fn];
}

function buildModule(shared: boolean): Uint8Array {
  const fns: { name: string; params: number; results?: number; code: number[] }[] = [];
  // colsum(x, end, cb, out)
  fns.push({ name: 'colsum', params: 4, code: loopFn(4, 0, 1, 2, [0], [...AT(3, 4), ...LD(3, 4), ...GET(0), ...LOAD, ...FADD, ...STORE]) });
  // colsqdev(x, end, cb, m, out)
  {
    const d = [...GET(0), ...LOAD, ...LD(3, 5), ...FSUB];
    // out += d*d: compute d twice (cheap) to avoid v128 locals
    fns.push({
      name: 'colsqdev',
      params: 5,
      code: loopFn(5, 0, 1, 2, [0], [...AT(4, 5), ...LD(4, 5), ...d, ...d, ...FMUL, ...FADD, ...STORE]),
    });
  }
  // colprodDev(dy, x, end, cb, m, out)
  fns.push({
    name: 'colprodDev',
    params: 6,
    code: loopFn(
      6,
      0,
      2,
      3,
      [0, 1],
      [...AT(5, 6), ...LD(5, 6), ...GET(0), ...LOAD, ...GET(1), ...LOAD, ...LD(4, 6), ...FSUB, ...FMUL, ...FADD, ...STORE],
    ),
  });
  // affine(x, end, cb, m, a, k, y): y = (x - m) * a + k
  fns.push({
    name: 'affine',
    params: 7,
    code: loopFn(
      7,
      0,
      1,
      2,
      [0, 6],
      [...GET(6), ...GET(0), ...LOAD, ...LD(3, 7), ...FSUB, ...LD(4, 7), ...FMUL, ...LD(5, 7), ...FADD, ...STORE],
    ),
  });
  // affine2(dy, x, end, cb2, m, a, b, k, d, out): out = (dy - d) * a + (x - m) * b + k, two
  // floats at a time in float64 (one rounding per element); m, a, b, k, d are float64
  // vectors and cb2 = 8 * C their byte length
  fns.push({
    name: 'affine2',
    params: 10,
    code: loopFn(
      10,
      0,
      2,
      3,
      [0, 1, 9],
      [
        ...GET(9),
        ...GET(0),
        ...LOAD64Z,
        ...PROMOTE,
        ...LD(8, 10),
        ...DSUB,
        ...LD(5, 10),
        ...DMUL,
        ...GET(1),
        ...LOAD64Z,
        ...PROMOTE,
        ...LD(4, 10),
        ...DSUB,
        ...LD(6, 10),
        ...DMUL,
        ...DADD,
        ...LD(7, 10),
        ...DADD,
        ...DEMOTE,
        ...STORE64L0,
      ],
      8,
      16,
    ),
  });
  fns.push({ name: 'poolGradWindow', params: 7, results: 1, code: poolGradWindowFn() });
  fns.push({ name: 'adam', params: 6, code: adamFn() });
  fns.push({ name: 'strided', params: 4, code: stridedFn() });
  const sig = (f: { params: number; results?: number }) => `${f.params}:${f.results ?? 0}`;
  const sigs = [...new Set(fns.map(sig))];
  const types = sigs.map((k) => {
    const [n, r] = k.split(':').map(Number) as [number, number];
    return [0x60, ...vec(Array.from({ length: n }, () => [0x7f])), ...vec(Array.from({ length: r }, () => [0x7f]))];
  });
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, ...limits]])),
    ...section(3, vec(fns.map((f) => uleb(sigs.indexOf(sig(f)))))),
    ...section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.code))),
  ];
  return new Uint8Array(bytes);
}

interface WasmGlobal {
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

const cache = new WeakMap<object, SimdLoops | null>();

/** The backend's WebAssembly.Memory (threaded build: `wasmMemory`; else the module's export). */
function memoryOf(backend: WasmBackendLike): { buffer: ArrayBufferLike } | undefined {
  const w = backend.wasm as unknown as { wasmMemory?: { buffer: ArrayBufferLike }; asm?: { memory?: { buffer: ArrayBufferLike } } };
  return w.wasmMemory ?? w.asm?.memory;
}

/**
 * The SIMD loops bound to `backend`'s memory, or null where they cannot be built (then
 * callers use their composed fallbacks). Set env `DFLSIM_NO_SIMD_LOOPS=1` to disable.
 */
export function simdLoops(backend: WasmBackendLike): SimdLoops | null {
  if (process.env.DFLSIM_NO_SIMD_LOOPS === '1') return null;
  const mem = memoryOf(backend);
  if (!mem) return null;
  if (cache.has(mem)) return cache.get(mem)!;
  let loops: SimdLoops | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && mem.buffer instanceof SharedArrayBuffer;
    const wa = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;
    const inst = new wa.Instance(new wa.Module(buildModule(shared)), { env: { memory: mem } });
    loops = inst.exports as unknown as SimdLoops;
  } catch {
    loops = null;
  }
  cache.set(mem, loops);
  return loops;
}
