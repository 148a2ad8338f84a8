/*
 * dflsim's native addon, its N-API side: each export reads its arguments, checks that
 * every operand lies inside its buffer (offsets in floats into the TensorFlow.js wasm
 * backend's heap, checked against its length) before any work, and calls the kernel that
 * computes it (gemm.c, conv.c, weights.c, layers.c). Nothing here computes a result.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "conv.h"
#include "gemm.h"
#include "layers.h"
#include "thread_pool.h"
#include "weights.h"

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "dflsim native: bad arguments");    \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static int get_heap(napi_env env, napi_value v, float **heap, size_t *len) {
  napi_typedarray_type type;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &ab, &off) != napi_ok || type != napi_float32_array) return 0;
  *heap = (float *)data;
  return 1;
}

static int get_ints(napi_env env, napi_value *argv, size_t from, size_t n, int64_t *out) {
  for (size_t i = 0; i < n; i++)
    if (napi_get_value_int64(env, argv[from + i], &out[i]) != napi_ok) return 0;
  return 1;
}

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int span_ok(int64_t off, int64_t n, size_t len) { return off >= 0 && n >= 0 && (uint64_t)(off + n) <= len; }

static int geom_ok(const conv_geom *q) {
  return q->B >= 0 && q->H > 0 && q->W > 0 && q->C > 0 && q->KH > 0 && q->KW > 0 && q->CO > 0 && q->SH > 0 && q->SW > 0 &&
         q->PT >= 0 && q->PL >= 0 && q->OH >= 0 && q->OW >= 0 && (long)(q->OH - 1) * q->SH - q->PT <= q->H + q->KH &&
         (long)(q->OW - 1) * q->SW - q->PL <= q->W + q->KW;
}

/* gemm(heap, M, N, K, aOff, rsa, csa, bOff, rsb, csb, cOff, ldc, acc, threads) */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  pool_bind_env(env);
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) return fail(env, "dflsim native gemm: expected 14 arguments");
  float *heap;
  size_t len;
  int64_t v[13];
  if (!get_heap(env, argv[0], &heap, &len) || !get_ints(env, argv, 1, 13, v)) return fail(env, "dflsim native gemm: bad arguments");
  const int64_t M = v[0], N = v[1], K = v[2];
  if (M < 0 || N < 0 || K < 0 || M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) return fail(env, "dflsim native gemm: bad sizes");
  const int64_t amax = (M > 0 ? (M - 1) * v[4] : 0) + (K > 0 ? (K - 1) * v[5] : 0);
  const int64_t bmax = (K > 0 ? (K - 1) * v[7] : 0) + (N > 0 ? (N - 1) * v[8] : 0);
  if (v[4] < 0 || v[5] < 0 || v[7] < 0 || v[8] < 0 || v[10] < N ||
      (M > 0 && K > 0 && !span_ok(v[3], amax + 1, len)) || (K > 0 && N > 0 && !span_ok(v[6], bmax + 1, len)) ||
      (M > 0 && N > 0 && !span_ok(v[9], (M - 1) * v[10] + N, len)))
    return fail(env, "dflsim native gemm: operand outside the heap");
  gemm_args g = {(int)M, (int)N, (int)K, heap + v[3], v[4], v[5], heap + v[6], v[7], v[8], heap + v[9], v[10], (int)v[11]};
  if (!gemm_run(&g, (int)v[12])) return fail(env, "dflsim native gemm: out of memory");
  return NULL;
}

/* conv2d(heap, op, B, H, W, C, KH, KW, CO, SH, SW, PT, PL, OH, OW, xOff, fOff, outOff, biasOff, act, alpha, threads)
 * op 0: out = act(conv(x = input, f) + bias); op 1: out = dx from x = dy; op 2: out = dW from x = input, f = dy */
static napi_value js_conv(napi_env env, napi_callback_info info) {
  pool_bind_env(env);
  size_t argc = 22;
  napi_value argv[22];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 22) return fail(env, "dflsim native conv2d: expected 22 arguments");
  float *heap;
  size_t len;
  int64_t v[19];
  double alpha;
  int64_t threads;
  if (!get_heap(env, argv[0], &heap, &len) || !get_ints(env, argv, 1, 19, v) || napi_get_value_double(env, argv[20], &alpha) != napi_ok ||
      napi_get_value_int64(env, argv[21], &threads) != napi_ok)
    return fail(env, "dflsim native conv2d: bad arguments");
  for (int i = 1; i < 14; i++)
    if (v[i] < 0 || v[i] > INT32_MAX) return fail(env, "dflsim native conv2d: bad geometry");
  const int op = (int)v[0];
  conv_geom q = {(int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7],
                 (int)v[8], (int)v[9], (int)v[10], (int)v[11], (int)v[12], (int)v[13]};
  if (!geom_ok(&q)) return fail(env, "dflsim native conv2d: bad geometry");
  const int64_t nx = (int64_t)q.B * q.H * q.W * q.C;
  const int64_t nf = (int64_t)q.KH * q.KW * q.C * q.CO;
  const int64_t ny = (int64_t)q.B * q.OH * q.OW * q.CO;
  int ok;
  if (op == 0) {
    if (!span_ok(v[14], nx, len) || !span_ok(v[15], nf, len) || !span_ok(v[16], ny, len) || (v[17] >= 0 && !span_ok(v[17], q.CO, len)) ||
        v[18] < 0 || v[18] > 3)
      return fail(env, "dflsim native conv2d: operand outside the heap");
    ok = conv_forward(&q, heap + v[14], heap + v[15], v[17] >= 0 ? heap + v[17] : NULL, (int)v[18], (float)alpha, heap + v[16], (int)threads);
  } else if (op == 1) {
    if (!span_ok(v[14], ny, len) || !span_ok(v[15], nf, len) || !span_ok(v[16], nx, len))
      return fail(env, "dflsim native conv2d: operand outside the heap");
    ok = conv_backprop_input(&q, heap + v[14], heap + v[15], heap + v[16], (int)threads);
  } else if (op == 2) {
    if (!span_ok(v[14], nx, len) || !span_ok(v[15], ny, len) || !span_ok(v[16], nf, len))
      return fail(env, "dflsim native conv2d: operand outside the heap");
    ok = conv_backprop_filter(&q, heap + v[14], heap + v[15], heap + v[16], (int)threads);
  } else {
    return fail(env, "dflsim native conv2d: bad op");
  }
  if (!ok) return fail(env, "dflsim native conv2d: out of memory");
  return NULL;
}

/* mix(out, [s0, s1, ...], weights): out[p] = f32(((0 + w0*s0[p]) + w1*s1[p]) + ...) in float64, the
 * terms in the given order: the same IEEE operations, element by element, as mixing.ts's loops */
#define MIX_MAX 64
static napi_value js_mix(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3) return fail(env, "dflsim native mix: expected 3 arguments");
  float *out;
  size_t n;
  if (!get_heap(env, argv[0], &out, &n)) return fail(env, "dflsim native mix: out must be a Float32Array");
  uint32_t k;
  bool isArr;
  if (napi_is_array(env, argv[1], &isArr) != napi_ok || !isArr || napi_get_array_length(env, argv[1], &k) != napi_ok || k < 1 || k > MIX_MAX)
    return fail(env, "dflsim native mix: sources must be an array of 1 to 64 Float32Arrays");
  napi_typedarray_type wt;
  size_t wn;
  void *wdata;
  napi_value wab;
  size_t woff;
  if (napi_get_typedarray_info(env, argv[2], &wt, &wn, &wdata, &wab, &woff) != napi_ok || wt != napi_float64_array || wn != k)
    return fail(env, "dflsim native mix: weights must be a Float64Array, one per source");
  const double *w = (const double *)wdata;
  const float *src[MIX_MAX];
  for (uint32_t q = 0; q < k; q++) {
    napi_value e;
    float *d;
    size_t len;
    if (napi_get_element(env, argv[1], q, &e) != napi_ok || !get_heap(env, e, &d, &len) || len != n)
      return fail(env, "dflsim native mix: every source must be a Float32Array as long as out");
    src[q] = d;
  }
  weights_mix(n, k, src, w, out);
  return NULL;
}

/* adam(heap, gOff, n, m, v, w, off, b1, c1, b2, c2, lrT, eps): one Adam step of n elements from the
 * gradient at gOff on the heap into m, v, w (Float32Arrays) from index off, in float64 exactly as
 * adam.ts's scalar loop: mi = b1*m + c1*g; vi = b2*v + (c2*g)*g; m = f32(mi); v = f32(vi);
 * w = f32(w - (lrT*mi) / (sqrt(vi) + eps)) */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) return fail(env, "dflsim native adam: expected 13 arguments");
  float *heap, *m, *v, *w;
  size_t hn, mn, vn, wn;
  int64_t g0, n, off;
  double k[6];
  if (!get_heap(env, argv[0], &heap, &hn) || !get_heap(env, argv[3], &m, &mn) || !get_heap(env, argv[4], &v, &vn) ||
      !get_heap(env, argv[5], &w, &wn) || napi_get_value_int64(env, argv[1], &g0) != napi_ok ||
      napi_get_value_int64(env, argv[2], &n) != napi_ok || napi_get_value_int64(env, argv[6], &off) != napi_ok)
    return fail(env, "dflsim native adam: bad arguments");
  for (int i = 0; i < 6; i++)
    if (napi_get_value_double(env, argv[7 + i], &k[i]) != napi_ok) return fail(env, "dflsim native adam: bad arguments");
  if (!span_ok(g0, n, hn) || !span_ok(off, n, mn) || !span_ok(off, n, vn) || !span_ok(off, n, wn))
    return fail(env, "dflsim native adam: operand out of range");
  weights_adam(n, heap + g0, m + off, v + off, w + off, k[0], k[1], k[2], k[3], k[4], k[5]);
  return NULL;
}

/* maxPoolGrad(heap, B, H, W, C, OH, OW, FH, FW, SH, SW, DH, DW, PT, PL, xOff, yOff, dyOff, dxOff):
 * dx = 0; for each image, window (row-major) and channel, dy goes to the first tap (row-major in
 * the window) whose x equals the window's maximum y; where none does (NaN), to the first tap of
 * the largest x by `>` (none: nowhere), as max-pool-grad.ts's JS loop */
static napi_value js_pool_grad(napi_env env, napi_callback_info info) {
  size_t argc = 19;
  napi_value argv[19];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 19) return fail(env, "dflsim native maxPoolGrad: expected 19 arguments");
  float *heap;
  size_t len;
  int64_t v[18];
  if (!get_heap(env, argv[0], &heap, &len) || !get_ints(env, argv, 1, 18, v)) return fail(env, "dflsim native maxPoolGrad: bad arguments");
  for (int i = 0; i < 14; i++)
    if (v[i] < 0 || v[i] > INT32_MAX) return fail(env, "dflsim native maxPoolGrad: bad geometry");
  const long B = v[0], H = v[1], W = v[2], C = v[3], OH = v[4], OW = v[5], FH = v[6], FW = v[7], SH = v[8], SW = v[9], DH = v[10],
             DW = v[11], PT = v[12], PL = v[13];
  if (SH < 1 || SW < 1 || DH < 1 || DW < 1 || C < 1) return fail(env, "dflsim native maxPoolGrad: bad geometry");
  if (!span_ok(v[14], B * H * W * C, len) || !span_ok(v[15], B * OH * OW * C, len) || !span_ok(v[16], B * OH * OW * C, len) ||
      !span_ok(v[17], B * H * W * C, len))
    return fail(env, "dflsim native maxPoolGrad: operand outside the heap");
  const pool_geom q = {B, H, W, C, OH, OW, FH, FW, SH, SW, DH, DW, PT, PL};
  if (!layer_max_pool_grad(&q, heap + v[14], heap + v[15], heap + v[16], heap + v[17]))
    return fail(env, "dflsim native maxPoolGrad: out of memory");
  return NULL;
}

/* ---------------------------------------------------------------- the other layers (layers.h, native-step/)
 * Each takes the heap, then its sizes and operands' offsets, then its float arguments. */

typedef struct {
  napi_env env;
  float *heap;
  size_t len;
  int64_t v[24];
  double d[4];
} args_t;

/* heap, then ni ints, then nd doubles */
static int read_args(napi_env env, napi_callback_info info, size_t ni, size_t nd, args_t *a, const char *name) {
  napi_value argv[32];
  size_t argc = 32;
  a->env = env;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 + ni + nd || !get_heap(env, argv[0], &a->heap, &a->len) ||
      !get_ints(env, argv, 1, ni, a->v)) {
    napi_throw_error(env, NULL, name);
    return 0;
  }
  for (size_t i = 0; i < nd; i++)
    if (napi_get_value_double(env, argv[1 + ni + i], &a->d[i]) != napi_ok) {
      napi_throw_error(env, NULL, name);
      return 0;
    }
  return 1;
}
#define SPAN(a, off, n) span_ok((a)->v[off], (n), (a)->len)

/* bnForward(heap, rows, C, x, gamma, beta, y, mean, var, eps): batch mean and biased variance
 * (float64 over rows, centred second pass), y = (x - mean) * gamma / sqrt(var + eps) + beta */
static napi_value js_bn_forward(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 8, 1, &a, "dflsim native bnForward: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 1 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, C) || !SPAN(&a, 4, C) || !SPAN(&a, 5, R * C) || !SPAN(&a, 6, C) || !SPAN(&a, 7, C))
    return fail(env, "dflsim native bnForward: operand outside the heap");
  const float *x = a.heap + a.v[2], *g = a.heap + a.v[3], *b = a.heap + a.v[4];
  float *y = a.heap + a.v[5], *mo = a.heap + a.v[6], *vo = a.heap + a.v[7];
  const double eps = a.d[0];
  if (!layer_bn_forward(R, C, x, g, b, y, mo, vo, eps)) return fail(env, "dflsim native bnForward: out of memory");
  return NULL;
}

/* bnBackward(heap, rows, C, dy, x, gamma, mean, var, dx, dgamma, dbeta, eps):
 * dbeta = sum dy; dgamma = inv sum dy (x - mean); dx = gamma inv (dy - dbeta / M - (x - mean) inv dgamma / M) */
static napi_value js_bn_backward(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 10, 1, &a, "dflsim native bnBackward: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 1 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, R * C) || !SPAN(&a, 4, C) || !SPAN(&a, 5, C) || !SPAN(&a, 6, C) ||
      !SPAN(&a, 7, R * C) || !SPAN(&a, 8, C) || !SPAN(&a, 9, C))
    return fail(env, "dflsim native bnBackward: operand outside the heap");
  const float *dy = a.heap + a.v[2], *x = a.heap + a.v[3], *g = a.heap + a.v[4], *mean = a.heap + a.v[5], *var = a.heap + a.v[6];
  float *dx = a.heap + a.v[7], *dg = a.heap + a.v[8], *db = a.heap + a.v[9];
  const double eps = a.d[0];
  if (!layer_bn_backward(R, C, dy, x, g, mean, var, dx, dg, db, eps)) return fail(env, "dflsim native bnBackward: out of memory");
  return NULL;
}

/* affine(heap, n, x, y, a, b): y = f32(f32(x * a) + b) (a, b rounded to float32) */
static napi_value js_affine(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 3, 2, &a, "dflsim native affine: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 2, n)) return fail(env, "dflsim native affine: operand outside the heap");
  layer_affine(n, a.heap + a.v[1], a.heap + a.v[2], (float)a.d[0], (float)a.d[1]);
  return NULL;
}

/* pairMean(heap, n, p, f): f[i] = f32(f32(p[2i] + p[2i+1]) / 2) (a support branch's mean of adjacent pairs) */
static napi_value js_pair_mean(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 3, 0, &a, "dflsim native pairMean: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, 2 * n) || !SPAN(&a, 2, n)) return fail(env, "dflsim native pairMean: operand outside the heap");
  const float *p = a.heap + a.v[1];
  float *f = a.heap + a.v[2];
  layer_pair_mean(n, p, f);
  return NULL;
}

/* swapLast2(heap, N, A, B, src, dst): dst[n, b, a] = src[n, a, b] */
static napi_value js_swap_last2(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 5, 0, &a, "dflsim native swapLast2: bad arguments")) return NULL;
  const int64_t N = a.v[0], A = a.v[1], Bd = a.v[2];
  if (N < 0 || A < 0 || Bd < 0 || !SPAN(&a, 3, N * A * Bd) || !SPAN(&a, 4, N * A * Bd)) return fail(env, "dflsim native swapLast2: operand outside the heap");
  const float *src = a.heap + a.v[3];
  float *dst = a.heap + a.v[4];
  layer_swap_last2(N, A, Bd, src, dst);
  return NULL;
}

/* biasAdd(heap, rows, C, x, bias): x[r, c] = x[r, c] + bias[c] */
static napi_value js_bias_add(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native biasAdd: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 0 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, C)) return fail(env, "dflsim native biasAdd: operand outside the heap");
  float *x = a.heap + a.v[2];
  const float *b = a.heap + a.v[3];
  layer_bias_add(R, C, x, b);
  return NULL;
}

/* relu(heap, n, x, y): y = max(x, 0); reluGrad(heap, n, y, dy, dx): dx = y > 0 ? dy : 0 (dx may be dy) */
static napi_value js_relu(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 3, 0, &a, "dflsim native relu: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 2, n)) return fail(env, "dflsim native relu: operand outside the heap");
  const float *x = a.heap + a.v[1];
  float *y = a.heap + a.v[2];
  layer_relu(n, x, y);
  return NULL;
}
static napi_value js_relu_grad(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native reluGrad: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 2, n) || !SPAN(&a, 3, n)) return fail(env, "dflsim native reluGrad: operand outside the heap");
  const float *y = a.heap + a.v[1], *dy = a.heap + a.v[2];
  float *dx = a.heap + a.v[3];
  layer_relu_grad(n, y, dy, dx);
  return NULL;
}

/* add(heap, n, a, b, out, acc): out = a + b; acc = 1: out += a (b ignored) */
static napi_value js_add(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 5, 0, &a, "dflsim native add: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 3, n) || (!a.v[4] && !SPAN(&a, 2, n))) return fail(env, "dflsim native add: operand outside the heap");
  const float *x = a.heap + a.v[1];
  float *out = a.heap + a.v[3];
  layer_add(n, x, a.v[4] ? out : a.heap + a.v[2], out);
  return NULL;
}

/* colSums(heap, rows, C, x, out): out[c] = sum over rows of x[r, c] (float64, in row order) */
static napi_value js_col_sums(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native colSums: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 0 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, C)) return fail(env, "dflsim native colSums: operand outside the heap");
  const float *x = a.heap + a.v[2];
  float *out = a.heap + a.v[3];
  if (!layer_col_sums(R, C, x, out)) return fail(env, "dflsim native colSums: out of memory");
  return NULL;
}

/* maxPool(heap, B, H, W, C, OH, OW, FH, FW, SH, SW, PT, PL, x, y): window maxima (taps outside the image skipped) */
static napi_value js_max_pool(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 14, 0, &a, "dflsim native maxPool: bad arguments")) return NULL;
  const int64_t B = a.v[0], H = a.v[1], W = a.v[2], C = a.v[3], OH = a.v[4], OW = a.v[5], FH = a.v[6], FW = a.v[7], SH = a.v[8],
                SW = a.v[9], PT = a.v[10], PL = a.v[11];
  if (B < 0 || H < 1 || W < 1 || C < 1 || OH < 0 || OW < 0 || FH < 1 || FW < 1 || SH < 1 || SW < 1 || !SPAN(&a, 12, B * H * W * C) ||
      !SPAN(&a, 13, B * OH * OW * C))
    return fail(env, "dflsim native maxPool: operand outside the heap");
  const pool_geom q = {B, H, W, C, OH, OW, FH, FW, SH, SW, 1, 1, PT, PL};
  layer_max_pool(&q, a.heap + a.v[12], a.heap + a.v[13]);
  return NULL;
}

/* ---------------------------------------------------------------- the general native step (native-step/, layers.h) */

/* mul(heap, n, x, m, y): y = x m */
static napi_value js_mul(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native mul: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (n < 0 || !SPAN(&a, 1, n) || !SPAN(&a, 2, n) || !SPAN(&a, 3, n)) return fail(env, "dflsim native mul: operand outside the heap");
  layer_mul(n, a.heap + a.v[1], a.heap + a.v[2], a.heap + a.v[3]);
  return NULL;
}

/* act(heap, kind, n, x, y, alpha) and actGrad(heap, kind, n, y, dy, dx, alpha) (layers.h's kinds) */
static napi_value js_act(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 1, &a, "dflsim native act: bad arguments")) return NULL;
  const int64_t n = a.v[1];
  if (a.v[0] < 0 || a.v[0] > 4 || n < 0 || !SPAN(&a, 2, n) || !SPAN(&a, 3, n)) return fail(env, "dflsim native act: operand outside the heap");
  layer_act_forward((int)a.v[0], n, a.heap + a.v[2], a.heap + a.v[3], (float)a.d[0]);
  return NULL;
}
static napi_value js_act_grad(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 5, 1, &a, "dflsim native actGrad: bad arguments")) return NULL;
  const int64_t n = a.v[1];
  if (a.v[0] < 0 || a.v[0] > 4 || n < 0 || !SPAN(&a, 2, n) || !SPAN(&a, 3, n) || !SPAN(&a, 4, n))
    return fail(env, "dflsim native actGrad: operand outside the heap");
  layer_act_backward((int)a.v[0], n, a.heap + a.v[2], a.heap + a.v[3], a.heap + a.v[4], (float)a.d[0]);
  return NULL;
}

/* softmax(heap, rows, C, x, y) and softmaxGrad(heap, rows, C, y, dy, dx) */
static napi_value js_softmax(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native softmax: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 0 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, R * C)) return fail(env, "dflsim native softmax: operand outside the heap");
  layer_softmax(R, C, a.heap + a.v[2], a.heap + a.v[3]);
  return NULL;
}
static napi_value js_softmax_grad(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 5, 0, &a, "dflsim native softmaxGrad: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 0 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, R * C) || !SPAN(&a, 4, R * C))
    return fail(env, "dflsim native softmaxGrad: operand outside the heap");
  layer_softmax_backward(R, C, a.heap + a.v[2], a.heap + a.v[3], a.heap + a.v[4]);
  return NULL;
}

/* avgPool(heap, B, H, W, C, OH, OW, FH, FW, SH, SW, PT, PL, x, y) and avgPoolGrad(same, dy, dx) */
static napi_value avg_pool(napi_env env, napi_callback_info info, int grad) {
  args_t a;
  const char *name = grad ? "dflsim native avgPoolGrad: bad arguments" : "dflsim native avgPool: bad arguments";
  if (!read_args(env, info, 14, 0, &a, name)) return NULL;
  const int64_t B = a.v[0], H = a.v[1], W = a.v[2], C = a.v[3], OH = a.v[4], OW = a.v[5], FH = a.v[6], FW = a.v[7], SH = a.v[8],
                SW = a.v[9], PT = a.v[10], PL = a.v[11];
  if (B < 0 || H < 1 || W < 1 || C < 1 || OH < 0 || OW < 0 || FH < 1 || FW < 1 || SH < 1 || SW < 1 || PT < 0 || PL < 0 ||
      FH * FW > (1 << 20) || !SPAN(&a, 12, grad ? B * OH * OW * C : B * H * W * C) || !SPAN(&a, 13, grad ? B * H * W * C : B * OH * OW * C))
    return fail(env, "dflsim native avgPool: operand outside the heap");
  const pool_geom q = {B, H, W, C, OH, OW, FH, FW, SH, SW, 1, 1, PT, PL};
  if (grad)
    layer_avg_pool_grad(&q, a.heap + a.v[12], a.heap + a.v[13]);
  else
    layer_avg_pool(&q, a.heap + a.v[12], a.heap + a.v[13]);
  return NULL;
}
static napi_value js_avg_pool(napi_env env, napi_callback_info info) { return avg_pool(env, info, 0); }
static napi_value js_avg_pool_grad(napi_env env, napi_callback_info info) { return avg_pool(env, info, 1); }

/* spatialMean(heap, B, S, C, x, y) and spatialMeanGrad(heap, B, S, C, dy, dx) */
static napi_value spatial_mean(napi_env env, napi_callback_info info, int grad) {
  args_t a;
  if (!read_args(env, info, 5, 0, &a, "dflsim native spatialMean: bad arguments")) return NULL;
  const int64_t B = a.v[0], S = a.v[1], C = a.v[2];
  if (B < 0 || S < 1 || C < 1 || !SPAN(&a, 3, grad ? B * C : B * S * C) || !SPAN(&a, 4, grad ? B * S * C : B * C))
    return fail(env, "dflsim native spatialMean: operand outside the heap");
  if (grad)
    layer_spatial_mean_grad(B, S, C, a.heap + a.v[3], a.heap + a.v[4]);
  else if (!layer_spatial_mean(B, S, C, a.heap + a.v[3], a.heap + a.v[4]))
    return fail(env, "dflsim native spatialMean: out of memory");
  return NULL;
}
static napi_value js_spatial_mean(napi_env env, napi_callback_info info) { return spatial_mean(env, info, 0); }
static napi_value js_spatial_mean_grad(napi_env env, napi_callback_info info) { return spatial_mean(env, info, 1); }

/* copyCols(heap, rows, C, src, sstride, dst, dstride) */
static napi_value js_copy_cols(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 6, 0, &a, "dflsim native copyCols: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1], ss = a.v[3], ds = a.v[5];
  if (R < 0 || C < 0 || ss < C || ds < C) return fail(env, "dflsim native copyCols: bad sizes");
  if (R > 0 && C > 0 && (!SPAN(&a, 2, (R - 1) * ss + C) || !SPAN(&a, 4, (R - 1) * ds + C)))
    return fail(env, "dflsim native copyCols: operand outside the heap");
  if (R > 0 && C > 0) layer_copy_cols(R, C, a.heap + a.v[2], ss, a.heap + a.v[4], ds);
  return NULL;
}

/* loss(heap, kind, B, K, out, y, dout) -> loss: kind 0 MSE, 1 softmax cross-entropy from logits,
 * 2 categorical cross-entropy on probabilities, 3 binary cross-entropy on probabilities (layers.h);
 * the class-index losses (1, 2) read B labels, the others B K targets */
static napi_value js_loss(napi_env env, napi_callback_info info) {
  args_t a;
  napi_value out;
  if (!read_args(env, info, 6, 0, &a, "dflsim native loss: bad arguments")) return NULL;
  const int64_t kind = a.v[0], B = a.v[1], K = a.v[2], n = B * K;
  if (kind < 0 || kind > 3 || B < 1 || K < 1 || !SPAN(&a, 3, n) || !SPAN(&a, 4, kind == 1 || kind == 2 ? B : n) || !SPAN(&a, 5, n))
    return fail(env, "dflsim native loss: operand outside the heap");
  const float *o = a.heap + a.v[3], *y = a.heap + a.v[4];
  float *d = a.heap + a.v[5];
  const double eps = 1e-7; /* Keras' epsilon() */
  const double loss = kind == 0   ? loss_mse(n, o, y, d)
                      : kind == 1 ? loss_softmax_xent(B, K, o, y, d)
                      : kind == 2 ? loss_categorical_xent(B, K, o, y, d, eps)
                                  : loss_binary_xent(n, o, y, d, eps);
  CHECK(napi_create_double(env, loss, &out));
  return out;
}

/* pairMeanGrad(heap, n, df, dp): dp[2i] = dp[2i+1] = f32(df[i] / 2) */
static napi_value js_pair_mean_grad(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 3, 0, &a, "dflsim native pairMeanGrad: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (n < 0 || !SPAN(&a, 1, n) || !SPAN(&a, 2, 2 * n)) return fail(env, "dflsim native pairMeanGrad: operand outside the heap");
  layer_pair_mean_grad(n, a.heap + a.v[1], a.heap + a.v[2]);
  return NULL;
}

#define ACC_MAX 8
/* accumulate(heap, n, Q, f0..f7, k, kb, out): FADNet's Accumulation of Q <= 8 inputs (unused offsets ignored) */
static napi_value js_accumulate(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 13, 0, &a, "dflsim native accumulate: bad arguments")) return NULL;
  const int64_t n = a.v[0], Q = a.v[1];
  if (n < 0 || Q < 1 || Q > ACC_MAX || !SPAN(&a, 10, Q) || !SPAN(&a, 11, 1) || !SPAN(&a, 12, n))
    return fail(env, "dflsim native accumulate: operand outside the heap");
  const float *f[ACC_MAX];
  for (int q = 0; q < Q; q++) {
    if (!SPAN(&a, 2 + q, n)) return fail(env, "dflsim native accumulate: operand outside the heap");
    f[q] = a.heap + a.v[2 + q];
  }
  layer_accumulate(n, (int)Q, f, a.heap + a.v[10], a.heap + a.v[11], a.heap + a.v[12]);
  return NULL;
}

/* accumulateGrad(heap, n, Q, dc, f0..f7, k, df0..df7 (-1: not wanted), gk, gkb) */
static napi_value js_accumulate_grad(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 22, 0, &a, "dflsim native accumulateGrad: bad arguments")) return NULL;
  const int64_t n = a.v[0], Q = a.v[1];
  if (n < 0 || Q < 1 || Q > ACC_MAX || !SPAN(&a, 2, n) || !SPAN(&a, 11, Q) || !SPAN(&a, 20, Q) || !SPAN(&a, 21, 1))
    return fail(env, "dflsim native accumulateGrad: operand outside the heap");
  const float *f[ACC_MAX];
  float *df[ACC_MAX];
  for (int q = 0; q < Q; q++) {
    if (!SPAN(&a, 3 + q, n) || (a.v[12 + q] >= 0 && !SPAN(&a, 12 + q, n)))
      return fail(env, "dflsim native accumulateGrad: operand outside the heap");
    f[q] = a.heap + a.v[3 + q];
    df[q] = a.v[12 + q] >= 0 ? a.heap + a.v[12 + q] : NULL;
  }
  layer_accumulate_grad(n, (int)Q, a.heap + a.v[2], f, a.heap + a.v[11], df, a.heap + a.v[20], a.heap + a.v[21]);
  return NULL;
}

/* aggregationMse(heap, B, F, fs, fc, y, out, dfs, dfc) -> loss: FADNet's Aggregation with the MSE loss (layers.h) */
static napi_value js_aggregation_mse(napi_env env, napi_callback_info info) {
  args_t a;
  napi_value out;
  if (!read_args(env, info, 8, 0, &a, "dflsim native aggregationMse: bad arguments")) return NULL;
  const int64_t B = a.v[0], F = a.v[1], n = B * F;
  if (B < 1 || F < 1 || !SPAN(&a, 2, n) || !SPAN(&a, 3, n) || !SPAN(&a, 4, B) || !SPAN(&a, 5, B) || !SPAN(&a, 6, n) || !SPAN(&a, 7, n))
    return fail(env, "dflsim native aggregationMse: operand outside the heap");
  float *h = a.heap;
  const double loss = layer_aggregation_mse(B, F, h + a.v[2], h + a.v[3], h + a.v[4], h + a.v[5], h + a.v[6], h + a.v[7]);
  CHECK(napi_create_double(env, loss, &out));
  return out;
}

/* kernel("portable" | "avx2" | "avx512" | "auto"): for tests, the code path (the widest the CPU has at
 * or below the one asked for; the same bits whichever); returns the one in use */
static napi_value js_kernel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc == 1) {
    char want[16] = {0};
    size_t n;
    CHECK(napi_get_value_string_utf8(env, argv[0], want, sizeof want, &n));
    gemm_select_kernel(want);
  }
  napi_value out;
  CHECK(napi_create_string_utf8(env, gemm_kernel_name(), NAPI_AUTO_LENGTH, &out));
  return out;
}

NAPI_MODULE_INIT() {
  gemm_init();
  napi_property_descriptor props[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, js_conv, NULL, NULL, NULL, napi_default, NULL},
      {"kernel", NULL, js_kernel, NULL, NULL, NULL, napi_default, NULL},
      {"mix", NULL, js_mix, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, js_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"bnForward", NULL, js_bn_forward, NULL, NULL, NULL, napi_default, NULL},
      {"bnBackward", NULL, js_bn_backward, NULL, NULL, NULL, napi_default, NULL},
      {"relu", NULL, js_relu, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, js_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"add", NULL, js_add, NULL, NULL, NULL, napi_default, NULL},
      {"colSums", NULL, js_col_sums, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool", NULL, js_max_pool, NULL, NULL, NULL, napi_default, NULL},
      {"affine", NULL, js_affine, NULL, NULL, NULL, napi_default, NULL},
      {"pairMean", NULL, js_pair_mean, NULL, NULL, NULL, napi_default, NULL},
      {"swapLast2", NULL, js_swap_last2, NULL, NULL, NULL, napi_default, NULL},
      {"biasAdd", NULL, js_bias_add, NULL, NULL, NULL, napi_default, NULL},
      {"mul", NULL, js_mul, NULL, NULL, NULL, napi_default, NULL},
      {"act", NULL, js_act, NULL, NULL, NULL, napi_default, NULL},
      {"actGrad", NULL, js_act_grad, NULL, NULL, NULL, napi_default, NULL},
      {"softmax", NULL, js_softmax, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxGrad", NULL, js_softmax_grad, NULL, NULL, NULL, napi_default, NULL},
      {"avgPool", NULL, js_avg_pool, NULL, NULL, NULL, napi_default, NULL},
      {"avgPoolGrad", NULL, js_avg_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"spatialMean", NULL, js_spatial_mean, NULL, NULL, NULL, napi_default, NULL},
      {"spatialMeanGrad", NULL, js_spatial_mean_grad, NULL, NULL, NULL, napi_default, NULL},
      {"copyCols", NULL, js_copy_cols, NULL, NULL, NULL, napi_default, NULL},
      {"loss", NULL, js_loss, NULL, NULL, NULL, napi_default, NULL},
      {"pairMeanGrad", NULL, js_pair_mean_grad, NULL, NULL, NULL, napi_default, NULL},
      {"accumulate", NULL, js_accumulate, NULL, NULL, NULL, napi_default, NULL},
      {"accumulateGrad", NULL, js_accumulate_grad, NULL, NULL, NULL, napi_default, NULL},
      {"aggregationMse", NULL, js_aggregation_mse, NULL, NULL, NULL, napi_default, NULL},
  };
  /* the kernel family runs record: results are the same bits on every code path */
  napi_value family;
  if (napi_create_string_utf8(env, GEMM_FAMILY, NAPI_AUTO_LENGTH, &family) != napi_ok ||
      napi_set_named_property(env, exports, "family", family) != napi_ok)
    return NULL;
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
