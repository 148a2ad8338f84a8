/*
 * The layers of a training step other than the convolutions (see layers.h). The loops
 * marked CLONES are compiled twice, AVX2 and baseline, and picked at load: the same
 * operations either way.
 */
#include "layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

/* ---------------------------------------------------------------- batch norm */

CLONES static void bn_forward_loops(int64_t R, int64_t C, const float *x, const float *g, const float *b, float *y, float *mo, float *vo,
                                    double eps, double *mean, double *var, double *sc, double *sh) {
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (int64_t c = 0; c < C; c++) mean[c] /= (double)R;
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) {
      const double d = x[r * C + c] - mean[c];
      var[c] += d * d;
    }
  for (int64_t c = 0; c < C; c++) {
    var[c] /= (double)R;
    sc[c] = g[c] / sqrt(var[c] + eps);
    sh[c] = b[c];
    mo[c] = (float)mean[c];
    vo[c] = (float)var[c];
  }
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) y[r * C + c] = (float)((x[r * C + c] - mean[c]) * sc[c] + sh[c]);
}

CLONES static void bn_backward_loops(int64_t R, int64_t C, const float *dy, const float *x, const float *g, const float *mean, const float *var,
                                     float *dx, float *dg, float *db, double eps, double *sdy, double *sdyx, double *inv, double *k1, double *k2) {
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) {
      const double d = dy[r * C + c];
      sdy[c] += d;
      sdyx[c] += d * ((double)x[r * C + c] - mean[c]);
    }
  for (int64_t c = 0; c < C; c++) {
    inv[c] = 1.0 / sqrt((double)var[c] + eps);
    const double dgc = inv[c] * sdyx[c];
    db[c] = (float)sdy[c];
    dg[c] = (float)dgc;
    k1[c] = g[c] * inv[c]; /* dx = k1 (dy - sdy / M) - k2 (x - mean) */
    k2[c] = g[c] * inv[c] * inv[c] * dgc / (double)R;
  }
  for (int64_t c = 0; c < C; c++) sdy[c] /= (double)R;
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++)
      dx[r * C + c] = (float)(k1[c] * ((double)dy[r * C + c] - sdy[c]) - k2[c] * ((double)x[r * C + c] - mean[c]));
}

int layer_bn_forward(int64_t R, int64_t C, const float *x, const float *g, const float *b, float *y, float *mo, float *vo, double eps) {
  double *acc = (double *)calloc((size_t)C * 4, sizeof(double));
  if (!acc) return 0;
  bn_forward_loops(R, C, x, g, b, y, mo, vo, eps, acc, acc + C, acc + 2 * C, acc + 3 * C);
  free(acc);
  return 1;
}

int layer_bn_backward(int64_t R, int64_t C, const float *dy, const float *x, const float *g, const float *mean, const float *var, float *dx,
                      float *dg, float *db, double eps) {
  double *acc = (double *)calloc((size_t)C * 5, sizeof(double));
  if (!acc) return 0;
  bn_backward_loops(R, C, dy, x, g, mean, var, dx, dg, db, eps, acc, acc + C, acc + 2 * C, acc + 3 * C, acc + 4 * C);
  free(acc);
  return 1;
}

/* ---------------------------------------------------------------- element-wise */

CLONES static void relu_loop(int64_t n, const float *x, float *y) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
CLONES static void relu_grad_loop(int64_t n, const float *y, const float *dy, float *dx) {
  for (int64_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
/* out = x + y (out may be y: x + out) */
CLONES static void add_loop(int64_t n, const float *x, const float *y, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = x[i] + y[i];
}
CLONES static void col_sums_loop(int64_t R, int64_t C, const float *x, double *acc) {
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) acc[c] += x[r * C + c];
}
CLONES static void affine_loop(int64_t n, const float *x, float *y, float a, float b) {
  for (int64_t i = 0; i < n; i++) {
    const float t = x[i] * a;
    y[i] = t + b;
  }
}

void layer_relu(int64_t n, const float *x, float *y) { relu_loop(n, x, y); }

void layer_relu_grad(int64_t n, const float *y, const float *dy, float *dx) { relu_grad_loop(n, y, dy, dx); }

void layer_add(int64_t n, const float *x, const float *y, float *out) { add_loop(n, x, y, out); }

int layer_col_sums(int64_t R, int64_t C, const float *x, float *out) {
  double *acc = (double *)calloc((size_t)C, sizeof(double));
  if (!acc) return 0;
  col_sums_loop(R, C, x, acc);
  for (int64_t c = 0; c < C; c++) out[c] = (float)acc[c];
  free(acc);
  return 1;
}

void layer_affine(int64_t n, const float *x, float *y, float a, float b) { affine_loop(n, x, y, a, b); }

void layer_pair_mean(int64_t n, const float *p, float *f) {
  for (int64_t i = 0; i < n; i++) {
    const float t = p[2 * i] + p[2 * i + 1];
    f[i] = t / 2.0f;
  }
}

void layer_swap_last2(int64_t N, int64_t A, int64_t Bd, const float *src, float *dst) {
  for (int64_t n = 0; n < N; n++)
    for (int64_t i = 0; i < A; i++)
      for (int64_t j = 0; j < Bd; j++) dst[(n * Bd + j) * A + i] = src[(n * A + i) * Bd + j];
}

void layer_bias_add(int64_t R, int64_t C, float *x, const float *b) {
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) x[r * C + c] = x[r * C + c] + b[c];
}

/* ---------------------------------------------------------------- max pooling */

void layer_max_pool(const pool_geom *g, const float *x, float *y) {
  const int64_t B = g->B, H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW, FH = g->FH, FW = g->FW, SH = g->SH, SW = g->SW,
                PT = g->PT, PL = g->PL;
  for (int64_t b = 0; b < B; b++)
    for (int64_t r = 0; r < OH; r++)
      for (int64_t q = 0; q < OW; q++) {
        float *o = y + ((b * OH + r) * OW + q) * C;
        for (int64_t c = 0; c < C; c++) o[c] = -INFINITY;
        for (int64_t kh = 0; kh < FH; kh++) {
          const int64_t hh = r * SH - PT + kh;
          if (hh < 0 || hh >= H) continue;
          for (int64_t kw = 0; kw < FW; kw++) {
            const int64_t ww = q * SW - PL + kw;
            if (ww < 0 || ww >= W) continue;
            const float *s = x + ((b * H + hh) * W + ww) * C;
            for (int64_t c = 0; c < C; c++) o[c] = s[c] > o[c] || s[c] != s[c] ? s[c] : o[c];
          }
        }
      }
}

/* first[c] = the first taps[t] (in order) with x[taps[t] + c] == y[c], or -1 */
CLONES static void first_match(long nt, const long *taps, const float *x, const float *y, long C, long *first) {
  for (long c = 0; c < C; c++) first[c] = -1;
  for (long t = nt - 1; t >= 0; t--) {
    const float *xt = x + taps[t];
    const long tap = taps[t];
    for (long c = 0; c < C; c++) first[c] = xt[c] == y[c] ? tap : first[c];
  }
}

int layer_max_pool_grad(const pool_geom *g, const float *x, const float *y, const float *dy, float *dx) {
  const long B = g->B, H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW, FH = g->FH, FW = g->FW, SH = g->SH, SW = g->SW, DH = g->DH,
             DW = g->DW, PT = g->PT, PL = g->PL;
  memset(dx, 0, sizeof(float) * B * H * W * C);
  const long maxTaps = ((FH + DH - 1) / DH) * ((FW + DW - 1) / DW);
  long *taps = (long *)malloc(sizeof(long) * (maxTaps > 0 ? maxTaps : 1) + sizeof(long) * C);
  if (!taps) return 0;
  long *firstTap = taps + (maxTaps > 0 ? maxTaps : 1);
  for (long b = 0; b < B; b++) {
    const float *xi = x + b * H * W * C;
    float *dxi = dx + b * H * W * C;
    for (long r = 0; r < OH; r++) {
      for (long c0 = 0; c0 < OW; c0++) {
        long nt = 0;
        for (long kh = 0; kh < FH; kh += DH) {
          const long hh = r * SH - PT + kh;
          if (hh < 0 || hh >= H) continue;
          for (long kw = 0; kw < FW; kw += DW) {
            const long ww = c0 * SW - PL + kw;
            if (ww < 0 || ww >= W) continue;
            taps[nt++] = (hh * W + ww) * C;
          }
        }
        const long o = ((b * OH + r) * OW + c0) * C;
        /* the first tap (in order) equal to the maximum, per channel: taps in order, channels inner */
        first_match(nt, taps, xi, y + o, C, firstTap);
        for (long c = 0; c < C; c++) {
          long arg = -1;
          if (firstTap[c] >= 0) {
            arg = firstTap[c] + c;
          } else {
            float best = -INFINITY;
            for (long u = 0; u < nt; u++) {
              /* (a NaN window: the largest x by `>`, as the JS loop) */
              const float xv = xi[taps[u] + c];
              if (xv > best) {
                best = xv;
                arg = taps[u] + c;
              }
            }
          }
          if (arg >= 0) dxi[arg] = dxi[arg] + dy[o + c];
        }
      }
    }
  }
  free(taps);
  return 1;
}

/* ---------------------------------------------------------------- the general native step */

CLONES static void mul_loop(int64_t n, const float *x, const float *m, float *y) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * m[i];
}

void layer_mul(int64_t n, const float *x, const float *m, float *y) { mul_loop(n, x, m, y); }

void layer_act_forward(int kind, int64_t n, const float *x, float *y, float alpha) {
  switch (kind) {
    case LAYER_ACT_RELU:
      relu_loop(n, x, y);
      break;
    case LAYER_ACT_RELU6:
      for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? (x[i] < 6.0f ? x[i] : 6.0f) : 0.0f;
      break;
    case LAYER_ACT_LEAKY:
      for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? alpha * x[i] : x[i];
      break;
    case LAYER_ACT_SIGMOID:
      for (int64_t i = 0; i < n; i++) y[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
      break;
    default:
      if (x != y) memcpy(y, x, sizeof(float) * (size_t)n);
  }
}

void layer_act_backward(int kind, int64_t n, const float *y, const float *dy, float *dx, float alpha) {
  switch (kind) {
    case LAYER_ACT_RELU:
      relu_grad_loop(n, y, dy, dx);
      break;
    case LAYER_ACT_RELU6:
      for (int64_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f && y[i] < 6.0f ? dy[i] : 0.0f;
      break;
    case LAYER_ACT_LEAKY:
      for (int64_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : alpha * dy[i];
      break;
    case LAYER_ACT_SIGMOID:
      for (int64_t i = 0; i < n; i++) dx[i] = (float)((double)dy[i] * (double)y[i] * (1.0 - (double)y[i]));
      break;
    default:
      if (dx != dy) memcpy(dx, dy, sizeof(float) * (size_t)n);
  }
}

void layer_softmax(int64_t R, int64_t C, const float *x, float *y) {
  for (int64_t r = 0; r < R; r++) {
    const float *xr = x + r * C;
    float *yr = y + r * C;
    float m = -INFINITY;
    for (int64_t c = 0; c < C; c++) m = xr[c] > m ? xr[c] : m;
    double s = 0;
    for (int64_t c = 0; c < C; c++) s += exp((double)xr[c] - (double)m);
    for (int64_t c = 0; c < C; c++) yr[c] = (float)(exp((double)xr[c] - (double)m) / s);
  }
}

void layer_softmax_backward(int64_t R, int64_t C, const float *y, const float *dy, float *dx) {
  for (int64_t r = 0; r < R; r++) {
    const float *yr = y + r * C, *dr = dy + r * C;
    float *xr = dx + r * C;
    double s = 0;
    for (int64_t c = 0; c < C; c++) s += (double)dr[c] * (double)yr[c];
    for (int64_t c = 0; c < C; c++) xr[c] = (float)((double)yr[c] * ((double)dr[c] - s));
  }
}

/* the taps of window (r, q) inside the image, as offsets of (row, column) pixels; returns their count */
static int64_t window_taps(const pool_geom *g, int64_t r, int64_t q, int64_t *taps) {
  int64_t nt = 0;
  for (int64_t kh = 0; kh < g->FH; kh++) {
    const int64_t hh = r * g->SH - g->PT + kh;
    if (hh < 0 || hh >= g->H) continue;
    for (int64_t kw = 0; kw < g->FW; kw++) {
      const int64_t ww = q * g->SW - g->PL + kw;
      if (ww < 0 || ww >= g->W) continue;
      taps[nt++] = (hh * g->W + ww) * g->C;
    }
  }
  return nt;
}

void layer_avg_pool(const pool_geom *g, const float *x, float *y) {
  const int64_t B = g->B, H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
  int64_t *taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)(g->FH * g->FW > 0 ? g->FH * g->FW : 1));
  if (!taps) return;
  for (int64_t b = 0; b < B; b++)
    for (int64_t r = 0; r < OH; r++)
      for (int64_t q = 0; q < OW; q++) {
        const int64_t nt = window_taps(g, r, q, taps);
        const float *xi = x + b * H * W * C;
        float *o = y + ((b * OH + r) * OW + q) * C;
        for (int64_t c = 0; c < C; c++) {
          double s = 0;
          for (int64_t t = 0; t < nt; t++) s += xi[taps[t] + c];
          o[c] = nt ? (float)(s / (double)nt) : 0.0f;
        }
      }
  free(taps);
}

void layer_avg_pool_grad(const pool_geom *g, const float *dy, float *dx) {
  const int64_t B = g->B, H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
  memset(dx, 0, sizeof(float) * (size_t)(B * H * W * C));
  int64_t *taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)(g->FH * g->FW > 0 ? g->FH * g->FW : 1));
  if (!taps) return;
  for (int64_t b = 0; b < B; b++)
    for (int64_t r = 0; r < OH; r++)
      for (int64_t q = 0; q < OW; q++) {
        const int64_t nt = window_taps(g, r, q, taps);
        if (!nt) continue;
        float *dxi = dx + b * H * W * C;
        const float *d = dy + ((b * OH + r) * OW + q) * C;
        for (int64_t t = 0; t < nt; t++)
          for (int64_t c = 0; c < C; c++) {
            const float v = d[c] / (float)nt;
            dxi[taps[t] + c] = dxi[taps[t] + c] + v;
          }
      }
  free(taps);
}

int layer_spatial_mean(int64_t B, int64_t S, int64_t C, const float *x, float *y) {
  double *acc = (double *)malloc(sizeof(double) * (size_t)C);
  if (!acc) return 0;
  for (int64_t b = 0; b < B; b++) {
    for (int64_t c = 0; c < C; c++) acc[c] = 0;
    col_sums_loop(S, C, x + b * S * C, acc);
    for (int64_t c = 0; c < C; c++) y[b * C + c] = (float)(acc[c] / (double)S);
  }
  free(acc);
  return 1;
}

void layer_spatial_mean_grad(int64_t B, int64_t S, int64_t C, const float *dy, float *dx) {
  const float inv = (float)S;
  for (int64_t b = 0; b < B; b++)
    for (int64_t s = 0; s < S; s++)
      for (int64_t c = 0; c < C; c++) dx[(b * S + s) * C + c] = dy[b * C + c] / inv;
}

void layer_copy_cols(int64_t R, int64_t C, const float *src, int64_t sstride, float *dst, int64_t dstride) {
  for (int64_t r = 0; r < R; r++) memcpy(dst + r * dstride, src + r * sstride, sizeof(float) * (size_t)C);
}

double loss_mse(int64_t N, const float *o, const float *y, float *d) {
  double loss = 0;
  for (int64_t i = 0; i < N; i++) {
    const double e = (double)o[i] - (double)y[i];
    loss += e * e;
    d[i] = (float)(2.0 * e / (double)N);
  }
  return N ? loss / (double)N : 0;
}

/* a class index read from a float label, or -1 outside [0, K) */
static int64_t label_index(float v, int64_t K) {
  if (!(v >= 0.0f) || v >= (float)K) return -1;
  return (int64_t)v;
}

double loss_softmax_xent(int64_t B, int64_t K, const float *z, const float *labels, float *dz) {
  double loss = 0;
  for (int64_t b = 0; b < B; b++) {
    const float *zr = z + b * K;
    float *dr = dz + b * K;
    const int64_t t = label_index(labels[b], K);
    float m = -INFINITY;
    for (int64_t j = 0; j < K; j++) m = zr[j] > m ? zr[j] : m;
    double s = 0;
    for (int64_t j = 0; j < K; j++) s += exp((double)zr[j] - (double)m);
    const double lse = (double)m + log(s);
    loss += t >= 0 ? lse - (double)zr[t] : lse;
    for (int64_t j = 0; j < K; j++) {
      const double p = exp((double)zr[j] - (double)m) / s;
      dr[j] = (float)((p - (j == t ? 1.0 : 0.0)) / (double)B);
    }
  }
  return B ? loss / (double)B : 0;
}

double loss_categorical_xent(int64_t B, int64_t K, const float *p, const float *labels, float *dp, double eps) {
  double loss = 0;
  for (int64_t b = 0; b < B; b++) {
    const float *pr = p + b * K;
    float *dr = dp + b * K;
    const int64_t t = label_index(labels[b], K);
    double S = 0;
    for (int64_t j = 0; j < K; j++) S += pr[j];
    double q = t >= 0 ? (double)pr[t] / S : 0;
    const int clipped = !(q > eps && q < 1.0 - eps);
    q = q < eps ? eps : (q > 1.0 - eps ? 1.0 - eps : q);
    if (t >= 0) loss -= log(q);
    for (int64_t j = 0; j < K; j++) {
      double g = t >= 0 && !clipped ? 1.0 / S : 0;
      if (j == t && !clipped) g -= 1.0 / (double)pr[t];
      dr[j] = (float)(g / (double)B);
    }
  }
  return B ? loss / (double)B : 0;
}

double loss_binary_xent(int64_t N, const float *p, const float *y, float *dp, double eps) {
  double loss = 0;
  for (int64_t i = 0; i < N; i++) {
    double q = p[i];
    const int clipped = !(q > eps && q < 1.0 - eps);
    q = q < eps ? eps : (q > 1.0 - eps ? 1.0 - eps : q);
    const double t = y[i];
    loss -= t * log(q) + (1.0 - t) * log(1.0 - q);
    dp[i] = clipped ? 0.0f : (float)((q - t) / (q * (1.0 - q)) / (double)N);
  }
  return N ? loss / (double)N : 0;
}

void layer_pair_mean_grad(int64_t n, const float *df, float *dp) {
  for (int64_t i = 0; i < n; i++) {
    const float h = df[i] / 2.0f;
    dp[2 * i] = h;
    dp[2 * i + 1] = h;
  }
}

void layer_accumulate(int64_t n, int Q, const float *const *f, const float *k, const float *kb, float *out) {
  for (int64_t i = 0; i < n; i++) {
    float acc = f[0][i] * k[0];
    for (int q = 1; q < Q; q++) {
      const float p = f[q][i] * k[q];
      acc = acc + p;
    }
    out[i] = acc + kb[0];
  }
}

void layer_accumulate_grad(int64_t n, int Q, const float *dc, const float *const *f, const float *k, float *const *df, float *gk, float *gkb) {
  double g[8] = {0}, gb = 0;
  for (int64_t i = 0; i < n; i++) {
    for (int q = 0; q < Q; q++) g[q] += (double)dc[i] * f[q][i];
    gb += dc[i];
    for (int q = 0; q < Q; q++)
      if (df[q]) df[q][i] = dc[i] * k[q];
  }
  for (int q = 0; q < Q; q++) gk[q] = (float)g[q];
  gkb[0] = (float)gb;
}

double layer_aggregation_mse(int64_t B, int64_t F, const float *fs, const float *fc, const float *y, float *out, float *dfs, float *dfc) {
  double loss = 0;
  for (int64_t b = 0; b < B; b++) {
    double sum = 0;
    for (int64_t j = 0; j < F; j++) sum += (double)fs[b * F + j] * (double)fc[b * F + j];
    const float o = (float)(sum / (double)F);
    out[b] = o;
    const double d = (double)o - (double)y[b];
    loss += d * d;
    const double sb = (2.0 * d / (double)B) / (double)F;
    for (int64_t j = 0; j < F; j++) {
      const int64_t i = b * F + j;
      dfs[i] = (float)(sb * fc[i]);
      dfc[i] = (float)(sb * fs[i]);
    }
  }
  return loss / (double)B;
}
