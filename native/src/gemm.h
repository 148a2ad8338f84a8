/*
 * dflsim's single-precision GEMM. Every output element is defined by one summation order,
 * whatever the machine:
 *
 *     c = 0 (or C's old value when accumulating);  for k = 0 .. K-1:  c = fma(a_k, b_k, c)
 *
 * where fma(a, b, c) is the fused multiply-add, a * b + c rounded once to float32 (C's
 * fmaf, exact on every machine, in hardware or in software). One rounding per term, terms
 * in k order: the portable loop (fmaf), the AVX2 + FMA kernel (_mm256_fmadd_ps) and the
 * AVX-512 kernel (_mm512_fmadd_ps) give the same bits, and so does any blocking of the
 * loops (a block of the reduction starts from the partial sum the previous block left in
 * C) and any tile size (tiles split outputs, never a sum). The compiler never contracts or
 * reorders anything else (-ffp-contract=off, no fast math).
 *
 * Threads split the output into disjoint column (or row) ranges, so they do not change
 * any element's order either.
 */
#ifndef DFLSIM_GEMM_H
#define DFLSIM_GEMM_H

#include "scratch.h"

/* the kernel family runs and checkpoints record (the sums above; a new one when they change) */
#define GEMM_FAMILY "native-fma"

/* the largest micro-kernel tile (rows x columns) of any code path */
#define MR_MAX 16
#define NR_MAX 32
/* the blocking of rows (MC, a multiple of every path's tile rows) and columns (NC) */
#define MC 96
#define NC 1024

/* A(i, k) = a[i*rsa + k*csa]; B(k, j) = b[k*rsb + j*csb]; C row-major with row stride ldc.
 * bpk: NULL, or all of B packed beforehand by gemm_pack_b (with the same code path). */
typedef struct {
  int M, N, K;
  const float *a;
  long rsa, csa;
  const float *b;
  long rsb, csb;
  float *c;
  long ldc;
  int acc;
  const float *bpk;
} gemm_args;

/* C = A B (or C += A B) over `threads` threads (fewer for small products); 0 when out of memory */
int gemm_run(const gemm_args *g, int threads);

/* one thread's whole product on its own scratch; 0 when out of memory */
int gemm_local(const gemm_args *g, scratch3 *s);

/* floats gemm_pack_b needs for a K x N operand B */
size_t gemm_packed_b_size(int K, int N);

/* all of g's B packed into dst (gemm_packed_b_size floats), for products that reuse one B:
 * set g->bpk = dst. Valid until the code path changes (gemm_select_kernel). */
void gemm_pack_b(const gemm_args *g, float *dst);

/* the micro-kernel's tile in use: rows (at most MR_MAX) and columns (at most NR_MAX) */
int gemm_mr(void);
int gemm_nr(void);

/* at load: the widest code path the CPU has (AVX-512, AVX2 + FMA, portable), capped by
 * the environment variable DFLSIM_NATIVE_ISA=portable|avx2|avx512 when set */
void gemm_init(void);

/* Use the code path `want` ("portable", "avx2", "avx512"; "auto": the widest the CPU has), or
 * the widest below it that the CPU has (the same bits whichever); returns the one in use. */
const char *gemm_select_kernel(const char *want);

/* the code path in use: "avx512", "avx2" or "portable" */
const char *gemm_kernel_name(void);

#endif
