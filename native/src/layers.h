/*
 * The layers of a training step other than the convolutions and products: batch norm,
 * ReLU, addition, column sums, affine maps, max pooling and its gradient, and the
 * general native step's (src/learning/tf/native-step/, max-pool-grad.ts). Per-channel sums
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

/* ---------------------------------------------------------------- the general native step (native-step/)
 * Element-wise loops in index order; per-row and per-channel sums in float64, in index order. */

/* y = x m (dropout with its scaled mask; also its gradient) */
void layer_mul(int64_t n, const float *x, const float *m, float *y);

/* activations by kind: 1 ReLU, 2 ReLU6, 3 leaky ReLU (slope alpha), 4 sigmoid (in float64, rounded once) */
#define LAYER_ACT_RELU 1
#define LAYER_ACT_RELU6 2
#define LAYER_ACT_LEAKY 3
#define LAYER_ACT_SIGMOID 4
void layer_act_forward(int kind, int64_t n, const float *x, float *y, float alpha);

/* its gradient from the output y: ReLU dy [y > 0]; ReLU6 dy [0 < y < 6]; leaky y > 0 ? dy : f32(alpha dy);
 * sigmoid f32(dy y (1 - y)) in float64 (dx may be dy) */
void layer_act_backward(int kind, int64_t n, const float *y, const float *dy, float *dx, float alpha);

/* row-wise softmax of an R x C matrix: m = max, e = exp(x - m), y = f32(e / sum e) (float64) */
void layer_softmax(int64_t R, int64_t C, const float *x, float *y);

/* its gradient: dx = f32(y (dy - sum_j dy_j y_j)) (float64; dx may be dy) */
void layer_softmax_backward(int64_t R, int64_t C, const float *y, const float *dy, float *dx);

/* average pooling (NHWC, pool_geom without dilation): y = f32(sum of the taps inside the image / their count),
 * float64 sums in window order (row-major) */
void layer_avg_pool(const pool_geom *q, const float *x, float *y);

/* its gradient: dx = 0; for each window (row-major) and tap, dx[tap] = f32(dx[tap] + f32(dy / count)) */
void layer_avg_pool_grad(const pool_geom *q, const float *dy, float *dx);

/* global average pooling: y[b, c] = f32(sum over the S = H W positions of x[b, s, c] / S) (float64, in order) */
int layer_spatial_mean(int64_t B, int64_t S, int64_t C, const float *x, float *y);

/* its gradient: dx[b, s, c] = f32(dy[b, c] / S) */
void layer_spatial_mean_grad(int64_t B, int64_t S, int64_t C, const float *dy, float *dx);

/* dst[r * dstride + c] = src[r * sstride + c] for c < C (a block of columns: concatenation and its gradient) */
void layer_copy_cols(int64_t R, int64_t C, const float *src, int64_t sstride, float *dst, int64_t dstride);

/* losses over a batch: each returns the loss (float64) and writes its gradient with respect to the output.
 * MSE over N values: loss = sum (o - y)^2 / N; d = f32(2 (o - y) / N) */
double loss_mse(int64_t N, const float *o, const float *y, float *d);

/* softmax cross-entropy from logits z (B x K) and class indices (B; outside [0, K): a zero one-hot row):
 * loss = mean_b (log sum_j exp z_j - z_label); dz = f32((softmax - onehot) / B) (float64) */
double loss_softmax_xent(int64_t B, int64_t K, const float *z, const float *labels, float *dz);

/* categorical cross-entropy on probabilities p (B x K) and class indices, as Keras: q = clip(p / sum p, eps, 1 - eps),
 * loss = mean_b -log q_label; dp_j = f32((1 / sum p - [j = label] [q_label unclipped] / p_label) / B) */
double loss_categorical_xent(int64_t B, int64_t K, const float *p, const float *labels, float *dp, double eps);

/* binary cross-entropy on probabilities p and targets y (N values), as Keras: q = clip(p, eps, 1 - eps),
 * loss = mean -(y log q + (1 - y) log(1 - q)); dp = f32((q - y) / (q (1 - q)) / N) where p is not clipped, else 0 */
double loss_binary_xent(int64_t N, const float *p, const float *y, float *dp, double eps);

/* the gradient of layer_pair_mean: dp[2i] = dp[2i+1] = f32(df[i] / 2) */
void layer_pair_mean_grad(int64_t n, const float *df, float *dp);

/* FADNet's Accumulation over n values of Q inputs f[q]: out = f32(...f32(f32(f[0] k0) + f32(f[1] k1)) ... + kb) */
void layer_accumulate(int64_t n, int Q, const float *const *f, const float *k, const float *kb, float *out);

/* its gradient from dc: gk[q] = sum dc f[q] (float64), gkb = sum dc (float64), df[q] = f32(dc k[q]) (df[q] may be NULL) */
void layer_accumulate_grad(int64_t n, int Q, const float *dc, const float *const *f, const float *k, float *const *df, float *gk, float *gkb);

/* FADNet's Aggregation with the MSE loss, forward and backward in one pass:
 * out_b = f32(sum_j fs fc / F) (float64 sum); loss = mean_b (out_b - y_b)^2 (float64);
 * with s_b = 2 (out_b - y_b) / B / F (float64): dfs = f32(s fc), dfc = f32(s fs); returns the loss */
double layer_aggregation_mse(int64_t B, int64_t F, const float *fs, const float *fc, const float *y, float *out, float *dfs, float *dfc);

#endif
