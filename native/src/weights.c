/*
 * Mixing and Adam on flat weight vectors (see weights.h): element-wise, in float64, in the
 * order of the TypeScript loops they replace, so the bits are theirs.
 */
#include "weights.h"

#include <math.h>

#include "cpu.h"

void weights_mix(size_t n, uint32_t k, const float *const *src, const double *w, float *out) {
  for (size_t p = 0; p < n; p++) {
    double x = 0.0;
    for (uint32_t q = 0; q < k; q++) x = x + w[q] * (double)src[q][p];
    out[p] = (float)x;
  }
}

CLONES static void adam_loop(int64_t n, const float *g, float *m, float *v, float *w, double b1, double c1, double b2, double c2, double lrT,
                             double eps) {
  for (int64_t i = 0; i < n; i++) {
    const double gi = g[i];
    const double mi = b1 * (double)m[i] + c1 * gi;
    const double vi = b2 * (double)v[i] + (c2 * gi) * gi;
    m[i] = (float)mi;
    v[i] = (float)vi;
    w[i] = (float)((double)w[i] - (lrT * mi) / (sqrt(vi) + eps));
  }
}

void weights_adam(int64_t n, const float *g, float *m, float *v, float *w, double b1, double c1, double b2, double c2, double lrT,
                  double eps) {
  adam_loop(n, g, m, v, w, b1, c1, b2, c2, lrT, eps);
}
