/*
 * Updates of a silo's flat weight vectors: mixing (mixing.ts) and Adam (adam.ts), in
 * float64 with the same IEEE operations, element by element, as those TypeScript loops.
 */
#ifndef DFLSIM_WEIGHTS_H
#define DFLSIM_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

/* out[p] = f32(((0 + w0*s0[p]) + w1*s1[p]) + ...) in float64, the k terms in the given order */
void weights_mix(size_t n, uint32_t k, const float *const *src, const double *w, float *out);

/* one Adam step of n elements: mi = b1*m + c1*g; vi = b2*v + (c2*g)*g; m = f32(mi); v = f32(vi);
 * w = f32(w - (lrT*mi) / (sqrt(vi) + eps)), all in float64 */
void weights_adam(int64_t n, const float *g, float *m, float *v, float *w, double b1, double c1, double b2, double c2, double lrT,
                  double eps);

#endif
