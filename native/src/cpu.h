/*
 * What the compiler and the CPU offer dflsim's kernels: x86 intrinsics, and a second copy
 * of the element-wise loops compiled for AVX2, picked at load.
 *
 * Nothing here changes a result: the build never lets the compiler contract a multiply and
 * an add (-ffp-contract=off, no -mfma); the products' fused multiply-adds are explicit
 * (fmaf and intrinsics, see gemm.h), and the AVX2 copies only widen loops whose lanes never mix.
 */
#ifndef DFLSIM_CPU_H
#define DFLSIM_CPU_H

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DFLSIM_X86 1
#endif

/* element-wise loops compiled twice, AVX2 and baseline, picked at load (the same operations either way:
 * no fused multiply-add, lanes never mix) */
#if defined(DFLSIM_X86) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

#endif
