/*
 * dflsim's convolutions on its GEMM: patches (im2col) in chunks that stay in L2, one
 * product per chunk (the filter packed once per call), and the scatter back for the input
 * gradient (col2im). Work is split across threads by chunks of rows (forward), images
 * (input gradient) or output rows (filter gradient), so no sum is split.
 *
 * The order of every sum, fixed whatever the code path (portable fmaf, AVX2 + FMA,
 * AVX-512), the blocking and the thread count; fma(a, b, s) is a * b + s rounded once:
 *   forward     y[m, co] = fma chain over k = (kh, kw, c) in that order, from 0 (taps
 *               outside the image are zeros and take part), then f32(y + bias), then the
 *               activation;
 *   input grad  G[m, k] = fma chain over co in order, from 0; then dx[b, ih, iw, c] =
 *               f32 sum of its G terms in m order, then (kh, kw) order, from 0;
 *   filter grad dw[k, co] = fma chain over m = (b, oh, ow) in order, from 0.
 */
#include "conv.h"

#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "thread_pool.h"

/* Rows [m0, m0 + rows) of the patch matrix P[m, (kh, kw, c)] (zeros outside the image). */
static void im2col(const conv_geom *q, const float *x, long m0, int rows, float *p) {
  const int K = q->KH * q->KW * q->C;
  const int run = q->KW * q->C;
  for (int r = 0; r < rows; r++) {
    const long m = m0 + r;
    const int ow = (int)(m % q->OW);
    const int oh = (int)((m / q->OW) % q->OH);
    const int b = (int)(m / ((long)q->OW * q->OH));
    float *d = p + (long)r * K;
    const int iw0 = ow * q->SW - q->PL;
    for (int kh = 0; kh < q->KH; kh++, d += run) {
      const int ih = oh * q->SH + kh - q->PT;
      if (ih < 0 || ih >= q->H) {
        memset(d, 0, sizeof(float) * run);
        continue;
      }
      const float *src = x + (((long)b * q->H + ih) * q->W) * q->C;
      if (iw0 >= 0 && iw0 + q->KW <= q->W) {
        const float *s0 = src + (long)iw0 * q->C;
        if (run <= 32) /* the stem's runs of 5: a call to memcpy costs more than the copy */
          for (int t = 0; t < run; t++) d[t] = s0[t];
        else
          memcpy(d, s0, sizeof(float) * run);
      } else {
        for (int kw = 0; kw < q->KW; kw++) {
          const int iw = iw0 + kw;
          if (iw < 0 || iw >= q->W) memset(d + kw * q->C, 0, sizeof(float) * q->C);
          else memcpy(d + kw * q->C, src + (long)iw * q->C, sizeof(float) * q->C);
        }
      }
    }
  }
}

/* dx[b, ih, iw, c] += G[m, (kh, kw, c)] in m order, then (kh, kw) order */
static void col2im(const conv_geom *q, const float *gcols, long m0, int rows, float *dx) {
  const int K = q->KH * q->KW * q->C;
  for (int r = 0; r < rows; r++) {
    const long m = m0 + r;
    const int ow = (int)(m % q->OW);
    const int oh = (int)((m / q->OW) % q->OH);
    const int b = (int)(m / ((long)q->OW * q->OH));
    const float *s = gcols + (long)r * K;
    for (int kh = 0; kh < q->KH; kh++) {
      const int ih = oh * q->SH + kh - q->PT;
      if (ih < 0 || ih >= q->H) continue;
      for (int kw = 0; kw < q->KW; kw++) {
        const int iw = ow * q->SW + kw - q->PL;
        if (iw < 0 || iw >= q->W) continue;
        float *d = dx + (((long)b * q->H + ih) * q->W + iw) * q->C;
        const float *g = s + (kh * q->KW + kw) * q->C;
        for (int c = 0; c < q->C; c++) d[c] = d[c] + g[c];
      }
    }
  }
}

/* B = the filter (or its transpose) packed once per call on the calling thread's buffer, or NULL when out of memory */
static __thread growbuf filter_buf;
static const float *packed_filter(const gemm_args *b) {
  float *d = grow(&filter_buf, gemm_packed_b_size(b->K, b->N));
  if (d) gemm_pack_b(b, d);
  return d;
}

static int chunk_rows(int K) {
  long r = (1L << 17) / (K > 0 ? K : 1); /* about 512 KiB of patches: they stay in L2 for the product */
  if (r < 96) r = 96;
  return (int)r;
}

/* rows [lo, hi) of y = conv(x, f), in chunks of R rows, on one thread's scratch */
typedef struct {
  const conv_geom *q;
  const float *x, *f, *fpk;
  float *y;
  long M;
  int R, K, direct, T;
  int ok[MAX_THREADS];
} fwd_ctx;

/* (threads > 1: one chunk's product split across the pool; else on this thread's scratch) */
static void fwd_rows(fwd_ctx *c, long lo, long hi, scratch3 *s, int t, int threads) {
  float *p = c->direct ? NULL : grow(&s->pc, (size_t)c->R * c->K);
  c->ok[t] = c->direct || p;
  for (long m0 = lo; m0 < hi && c->ok[t]; m0 += c->R) {
    const int rows = hi - m0 < c->R ? (int)(hi - m0) : c->R;
    const float *a = c->direct ? c->x + m0 * c->q->C : p;
    if (!c->direct) im2col(c->q, c->x, m0, rows, p);
    gemm_args g = {rows, c->q->CO, c->K, a, c->K, 1, c->f, c->q->CO, 1, c->y + m0 * c->q->CO, c->q->CO, 0, c->fpk};
    c->ok[t] = threads > 1 ? gemm_run(&g, threads) : gemm_local(&g, s);
  }
}

static void fwd_task(void *v, int t, scratch3 *s) {
  fwd_ctx *c = (fwd_ctx *)v;
  const long chunks = (c->M + c->R - 1) / c->R;
  fwd_rows(c, chunks * t / c->T * c->R, (chunks * (t + 1) / c->T) * c->R < c->M ? (chunks * (t + 1) / c->T) * c->R : c->M, s, t, 1);
}

/* y = act(conv(x, f) + bias); with threads, whole chunks (patches and product) per thread */
int conv_forward(const conv_geom *q, const float *x, const float *f, const float *bias, int act, float alpha, float *y, int threads) {
  const int K = q->KH * q->KW * q->C;
  const long M = (long)q->B * q->OH * q->OW;
  const int direct = q->KH == 1 && q->KW == 1 && q->SH == 1 && q->SW == 1 && q->PT == 0 && q->PL == 0;
  fwd_ctx c = {q, x, f, NULL, y, M, chunk_rows(K), K, direct, 1, {0}};
  const long chunks = (M + c.R - 1) / c.R;
  /* the filter packed once for all chunks (and threads) */
  const gemm_args fb = {0, q->CO, K, NULL, 0, 0, f, q->CO, 1, NULL, 0, 0, NULL};
  if (M > 0 && !(c.fpk = packed_filter(&fb))) return 0;
  int ok = 1;
  if (threads > 1 && chunks >= 2 && (double)M * K * q->CO >= 2e6) {
    c.T = pool_threads(threads < chunks ? threads : (int)chunks);
    pool_run(c.T, fwd_task, &c);
    for (int t = 0; t < c.T; t++) ok = ok && c.ok[t];
  } else {
    /* one chunk (or one thread): the product itself may be split */
    fwd_rows(&c, 0, M, pool_own_scratch(), 0, threads);
    ok = c.ok[0];
  }
  if (!ok) return 0;
  if (bias || act != ACT_LINEAR) {
    float *row = y;
    for (long m = 0; m < M; m++, row += q->CO) {
      for (int c2 = 0; c2 < q->CO; c2++) {
        float v = row[c2];
        if (bias) v = v + bias[c2];
        if (act == ACT_RELU) v = v > 0.0f ? v : 0.0f;
        else if (act == ACT_RELU6) v = v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
        else if (act == ACT_LEAKY) v = v < 0.0f ? alpha * v : v;
        row[c2] = v;
      }
    }
  }
  return 1;
}

/* dx for the images [b0, b1): G = dy f^T in chunks, scattered back in m order (images are disjoint in dx) */
typedef struct {
  const conv_geom *q;
  const float *dy, *f, *fpk;
  float *dx;
  int R, K, T;
  int ok[MAX_THREADS];
} bpi_ctx;

/* (threads > 1: each chunk's product split across the pool; else on this thread's scratch) */
static void bpi_images(bpi_ctx *c, int b0, int b1, scratch3 *s, int t, int threads) {
  const conv_geom *q = c->q;
  const long per = (long)q->OH * q->OW;
  float *gcols = grow(&s->pc, (size_t)c->R * c->K);
  c->ok[t] = gcols != NULL;
  for (long m0 = b0 * per; m0 < b1 * per && c->ok[t]; m0 += c->R) {
    const int rows = b1 * per - m0 < c->R ? (int)(b1 * per - m0) : c->R;
    gemm_args g = {rows, c->K, q->CO, c->dy + m0 * q->CO, q->CO, 1, c->f, 1, q->CO, gcols, c->K, 0, c->fpk};
    c->ok[t] = threads > 1 ? gemm_run(&g, threads) : gemm_local(&g, s);
    if (c->ok[t]) col2im(q, gcols, m0, rows, c->dx);
  }
}

static void bpi_task(void *v, int t, scratch3 *s) {
  bpi_ctx *c = (bpi_ctx *)v;
  bpi_images(c, (int)((long)c->q->B * t / c->T), (int)((long)c->q->B * (t + 1) / c->T), s, t, 1);
}

/* dx = conv^T(dy, f): G = dy f^T, scattered back (dx is zeroed first); with threads, whole images per thread */
int conv_backprop_input(const conv_geom *q, const float *dy, const float *f, float *dx, int threads) {
  const int K = q->KH * q->KW * q->C;
  const long M = (long)q->B * q->OH * q->OW;
  const int direct = q->KH == 1 && q->KW == 1 && q->SH == 1 && q->SW == 1 && q->PT == 0 && q->PL == 0 &&
                     q->OH == q->H && q->OW == q->W;
  if (direct) {
    gemm_args g = {(int)M, K, q->CO, dy, q->CO, 1, f, 1, q->CO, dx, K, 0};
    return gemm_run(&g, threads);
  }
  memset(dx, 0, sizeof(float) * (size_t)q->B * q->H * q->W * q->C);
  bpi_ctx c = {q, dy, f, NULL, dx, chunk_rows(K), K, 1, {0}};
  /* f^T packed once for all chunks (and threads) */
  const gemm_args fb = {0, K, q->CO, NULL, 0, 0, f, 1, q->CO, NULL, 0, 0, NULL};
  if (M > 0 && !(c.fpk = packed_filter(&fb))) return 0;
  int ok = 1;
  if (threads > 1 && q->B >= 2 && (double)M * K * q->CO >= 2e6) {
    c.T = pool_threads(threads < q->B ? threads : q->B);
    pool_run(c.T, bpi_task, &c);
    for (int t = 0; t < c.T; t++) ok = ok && c.ok[t];
    return ok;
  }
  bpi_images(&c, 0, q->B, pool_own_scratch(), 0, threads);
  return c.ok[0];
}

/* one chunk of the filter gradient on T threads: the patches split by rows, then the product by outputs */
typedef struct {
  const conv_geom *q;
  const float *x, *dy;
  float *p, *out;
  long m0;
  int rows, K, T, transposed, acc, phase;
  int ok[MAX_THREADS];
} bpf_ctx;

static void bpf_task(void *v, int t, scratch3 *s) {
  bpf_ctx *c = (bpf_ctx *)v;
  const conv_geom *q = c->q;
  if (c->phase == 0) {
    const int r0 = (int)((long)c->rows * t / c->T), r1 = (int)((long)c->rows * (t + 1) / c->T);
    im2col(q, c->x, c->m0 + r0, r1 - r0, c->p + (long)r0 * c->K);
    c->ok[t] = 1;
    return;
  }
  const int M = c->transposed ? q->CO : c->K, MR = gemm_mr();
  const int units = (M + MR - 1) / MR;
  const int i0 = (int)((long)units * t / c->T) * MR, i1t = (int)((long)units * (t + 1) / c->T) * MR, i1 = i1t < M ? i1t : M;
  if (i1 <= i0) {
    c->ok[t] = 1;
    return;
  }
  const float *dy = c->dy + c->m0 * q->CO;
  if (c->transposed) {
    /* A(i = co, k = m) = dy[m, co]; B(k = m, j = kk) = P[m, kk]; C = t[co, kk] */
    gemm_args g = {i1 - i0, c->K, c->rows, dy + i0, 1, q->CO, c->p, c->K, 1, c->out + (long)i0 * c->K, c->K, c->acc};
    c->ok[t] = gemm_local(&g, s);
  } else {
    /* A(i = kk, k = m) = P[m, kk]; B(k = m, j = co) = dy[m, co]; C = dw[kk, co] */
    gemm_args g = {i1 - i0, q->CO, c->rows, c->p + i0, 1, c->K, dy, q->CO, 1, c->out + (long)i0 * q->CO, q->CO, c->acc};
    c->ok[t] = gemm_local(&g, s);
  }
}

/* dW[k, co] = sum_m P[m, k] dy[m, co] in m order: as dW = P^T dy, or as dW^T = dy^T P (then transposed
 * into dw) when that wastes less of the 6 x 16 tiles on padding (the same sums either way). With threads,
 * each chunk's patches are split by rows and its product by output rows: no sum is split. */
int conv_backprop_filter(const conv_geom *q, const float *x, const float *dy, float *dw, int threads) {
  const int K = q->KH * q->KW * q->C;
  const long M = (long)q->B * q->OH * q->OW;
  const int MR = gemm_mr(), NR = gemm_nr();
  const long padded_direct = (long)((K + MR - 1) / MR * MR) * ((q->CO + NR - 1) / NR * NR);
  const long padded_transposed = (long)((q->CO + MR - 1) / MR * MR) * ((K + NR - 1) / NR * NR);
  const int transposed = padded_transposed < padded_direct;
  const int T = threads > 1 && (double)M * K * q->CO >= 2e6 ? pool_threads(threads) : 1;
  /* threaded: 2 MiB chunks, so that each product outweighs the two hand-offs */
  const int R = T > 1 ? 4 * chunk_rows(K) : chunk_rows(K);
  float *p = grow(&pool_own_scratch()->pc, (size_t)R * K);
  float *t = transposed ? (float *)malloc(sizeof(float) * (size_t)K * q->CO) : dw;
  if (!p || !t) {
    if (transposed) free(t);
    return 0;
  }
  int ok = 1;
  if (M == 0) memset(t, 0, sizeof(float) * (size_t)K * q->CO);
  for (long m0 = 0; m0 < M && ok; m0 += R) {
    const int rows = M - m0 < R ? (int)(M - m0) : R;
    if (T > 1) {
      bpf_ctx c = {q, x, dy, p, t, m0, rows, K, T, transposed, m0 > 0, 0, {0}};
      pool_run(T, bpf_task, &c);
      c.phase = 1;
      pool_run(T, bpf_task, &c);
      for (int i = 0; i < T; i++) ok = ok && c.ok[i];
      continue;
    }
    im2col(q, x, m0, rows, p);
    if (transposed) {
      gemm_args g = {q->CO, K, rows, dy + m0 * q->CO, 1, q->CO, p, K, 1, t, K, m0 > 0};
      ok = gemm_local(&g, pool_own_scratch());
    } else {
      gemm_args g = {K, q->CO, rows, p, 1, K, dy + m0 * q->CO, q->CO, 1, dw, q->CO, m0 > 0};
      ok = gemm_local(&g, pool_own_scratch());
    }
  }
  if (ok && transposed)
    for (int k = 0; k < K; k++)
      for (int co = 0; co < q->CO; co++) dw[(long)k * q->CO + co] = t[(long)co * K + k];
  if (transposed) free(t);
  return ok;
}
