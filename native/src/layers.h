/*
 * The layers of a training step other than the convolutions and products: batch norm,
 * ReLU, addition, column sums, affine maps, max pooling and its gradient, and FADNet's
 * support-branch and head operations (fadnet-step.ts, max-pool-grad.ts). Per-channel sums
 * are float64 over rows in order; everything else is element-wise, each in the order of
 * the code it replaces.
 *
 * Callers check that every operand lies inside its buffer; these functions do not.
 */
#ifndef DFLSIM_LAYERS_H
#define DFLSIM_LAYERS_H

#include <stdint.h>

/* batch norm, training: batch mean and biased variance (float64 over rows, centred second pass)
 * into mean and var, y = (x - mean) * gamma / sqrt(var + eps) + beta; 0 when out of memory */
int layer_bn_forward(int64_t R, int64_t C, const float *x, const float *gamma, const float *beta, float *y, float *mean, float *var,
                     double eps);

/* its gradient: dbeta = sum dy; dgamma = inv sum dy (x - mean);
 * dx = gamma inv (dy - dbeta / M - (x - mean) inv dgamma / M); 0 when out of memory */
int layer_bn_backward(int64_t R, int64_t C, const float *dy, const float *x, const float *gamma, const float *mean, const float *var,
                      float *dx, float *dgamma, float *dbeta, double eps);

/* y = max(x, 0) */
void layer_relu(int64_t n, const float *x, float *y);

/* dx = y > 0 ? dy : 0 (dx may be dy) */
void layer_relu_grad(int64_t n, const float *y, const float *dy, float *dx);

/* out = x + y (out may be y) */
void layer_add(int64_t n, const float *x, const float *y, float *out);

/* out[c] = sum over rows of x[r, c] (float64, in row order); 0 when out of memory */
int layer_col_sums(int64_t R, int64_t C, const float *x, float *out);

/* y = f32(f32(x * a) + b) */
void layer_affine(int64_t n, const float *x, float *y, float a, float b);

/* f[i] = f32(f32(p[2i] + p[2i+1]) / 2) (a support branch's mean of adjacent pairs) */
void layer_pair_mean(int64_t n, const float *p, float *f);

/* dst[n, b, a] = src[n, a, b] */
void layer_swap_last2(int64_t N, int64_t A, int64_t B, const float *src, float *dst);

/* x[r, c] = x[r, c] + bias[c] */
void layer_bias_add(int64_t R, int64_t C, float *x, const float *bias);

/* a max pool's geometry (NHWC): input B x H x W x C, output OH x OW, window FH x FW,
 * strides SH, SW, dilations DH, DW (the gradient only), top and left padding PT, PL */
typedef struct {
  int64_t B, H, W, C, OH, OW, FH, FW, SH, SW, DH, DW, PT, PL;
} pool_geom;

/* y = the window maxima (taps outside the image skipped; NaN wins) */
void layer_max_pool(const pool_geom *q, const float *x, float *y);

/* dx = 0; for each image, window (row-major) and channel, dy goes to the first tap (row-major in
 * the window) whose x equals the window's maximum y; where none does (NaN), to the first tap of
 * the largest x by `>` (none: nowhere), as max-pool-grad.ts's JS loop; 0 when out of memory */
int layer_max_pool_grad(const pool_geom *q, const float *x, const float *y, const float *dy, float *dx);

/* FADNet's head: its operands, B x F unless said */
typedef struct {
  const float *z, *mask, *f1, *f2, *f3;
  const float *k;  /* the Accumulation's 3 weights */
  const float *kb; /* its bias (1) */
  const float *y;  /* the targets (B) */
  float *fs, *fc, *dfs;
  float *dp[3]; /* B x 2F each */
  float *gk;    /* 3 */
  float *gkb;   /* 1 */
} fadnet_head_io;

/* FADNet's dropout, Accumulation, Aggregation and MSE loss, and their gradients; returns the loss:
 *   fs = z mask; fc = f32(f32(f32(f1 k0 + f2 k1) + f3 k2) + kb) (each product and sum in float32);
 *   out_b = f32(sum_j fs fc / F) (float64 sum); loss = mean_b (out_b - y_b)^2 (float64);
 *   with s_b = 2 (out_b - y_b) / (B F): dfs = s fc mask (the gradient before dropout), dfc = s fs;
 *   dp_i[2j] = dp_i[2j+1] = f32(f32(dfc_j k_i) / 2); gk_i = sum dfc f_i, gkb = sum dfc (float64) */
double fadnet_head(int64_t B, int64_t F, const fadnet_head_io *io);

#endif
