/*
 * dflsim's convolutions (NHWC input, HWIO filter): the forward pass with bias and
 * activation, the input gradient and the filter gradient, each a GEMM over patches
 * (see gemm.h for the order of every sum). Threads split outputs, never a sum.
 */
#ifndef DFLSIM_CONV_H
#define DFLSIM_CONV_H

typedef struct {
  int B, H, W, C;      /* input */
  int KH, KW, CO;      /* filter [KH, KW, C, CO] */
  int SH, SW, PT, PL;  /* strides, top/left padding */
  int OH, OW;          /* output */
} conv_geom;

/* the activations conv_forward applies after the bias */
#define ACT_LINEAR 0
#define ACT_RELU 1
#define ACT_RELU6 2
#define ACT_LEAKY 3

/* y = act(conv(x, f) + bias) (bias may be NULL; alpha: the leaky ReLU's slope); 0 when out of memory */
int conv_forward(const conv_geom *q, const float *x, const float *f, const float *bias, int act, float alpha, float *y, int threads);

/* dx = conv^T(dy, f), the input gradient (dx is overwritten); 0 when out of memory */
int conv_backprop_input(const conv_geom *q, const float *dy, const float *f, float *dx, int threads);

/* dw[k, co] = sum over m of P[m, k] dy[m, co] in m order, the filter gradient; 0 when out of memory */
int conv_backprop_filter(const conv_geom *q, const float *x, const float *dy, float *dw, int threads);

#endif
