/*
 * dflsim's single-precision GEMM. Every output element is defined by one summation order,
 * whatever the machine:
 *
 *     c = 0 (or C's old value when accumulating);  for k = 0 .. K-1:  c = f32(c + f32(a_k * b_k))
 *
 * The multiply and the add are rounded separately (no fused multiply-add: the build uses
 * -ffp-contract=off and the vector path never enables FMA), so the AVX2 kernel and the
 * portable one give the same bits, and so does any blocking of the loops: a block of the
 * reduction starts from the partial sum the previous block left in C.
 *
 * Threads split the output into disjoint column (or row) ranges, so they do not change
 * any element's order either.
 */
#ifndef DFLSIM_GEMM_H
#define DFLSIM_GEMM_H

#include "scratch.h"

/* the micro-kernel's tile (MR x NR) and the blocking of the reduction (KC), rows (MC), columns (NC) */
#define MR 6
#define NR 16
#define KC 256
#define MC 96
#define NC 1024

/* A(i, k) = a[i*rsa + k*csa]; B(k, j) = b[k*rsb + j*csb]; C row-major with row stride ldc. */
typedef struct {
  int M, N, K;
  const float *a;
  long rsa, csa;
  const float *b;
  long rsb, csb;
  float *c;
  long ldc;
  int acc;
} gemm_args;

/* C = A B (or C += A B) over `threads` threads (fewer for small products); 0 when out of memory */
int gemm_run(const gemm_args *g, int threads);

/* one thread's whole product on its own scratch; 0 when out of memory */
int gemm_local(const gemm_args *g, scratch3 *s);

/* at load: the AVX2 micro-kernel where the CPU has it, else the portable one */
void gemm_init(void);

/* Use the AVX2 micro-kernel where the CPU has it (allow_avx2 != 0), else the portable one
 * (the same bits); returns the name of the one in use, "avx2" or "portable". */
const char *gemm_select_kernel(int allow_avx2);

/* the micro-kernel in use: "avx2" or "portable" */
const char *gemm_kernel_name(void);

#endif
