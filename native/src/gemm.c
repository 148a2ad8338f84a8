/*
 * dflsim's GEMM: packed panels, an MR x NR micro-kernel (AVX-512, AVX2 + FMA, or a portable
 * loop of fmaf with the same bits), and the split of one product across threads.
 *
 * The order of every sum (see gemm.h): each element of C is one chain of fused multiply-adds,
 * c = fma(a_k, b_k, c) for k = 0 .. K-1 in order, starting from 0 (or C's old value). The
 * micro-kernels keep each element's chain in one lane of one register, the reduction blocks
 * (KC) hand the partial sum on through C, and tiles and threads split outputs, never a sum.
 */
#include "gemm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "thread_pool.h"

/* ---------------------------------------------------------------- micro-kernels */

/* c[mr x nr] (row stride ldc) = (acc ? c : 0) + sum_p A(i, p) * bp[p*nr + j], one fma per p in p order,
 * where A(i, p) = ap[i*ars + p*aps] (a packed panel: ars = 1, aps = mr; rows read in place: aps = 1) */
typedef void (*kernel_fn)(int kc, const float *ap, long ars, long aps, const float *bp, float *c, long ldc, int acc);

#define PMR 6
#define PNR 16
static void kernel_portable(int kc, const float *ap, long ars, long aps, const float *bp, float *c, long ldc, int acc) {
  float t[PMR][PNR];
  for (int i = 0; i < PMR; i++)
    for (int j = 0; j < PNR; j++) t[i][j] = acc ? c[i * ldc + j] : 0.0f;
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < PMR; i++) {
      const float a = ap[i * ars + p * aps];
      for (int j = 0; j < PNR; j++) t[i][j] = fmaf(a, bp[p * PNR + j], t[i][j]);
    }
  }
  for (int i = 0; i < PMR; i++)
    for (int j = 0; j < PNR; j++) c[i * ldc + j] = t[i][j];
}

#ifdef DFLSIM_X86
/* 6 x 16: twelve 8-lane accumulators */
#define AMR 6
#define ANR 16
__attribute__((target("avx2,fma"))) static void kernel_avx2(int kc, const float *ap, long ars, long aps, const float *bp, float *c, long ldc,
                                                             int acc) {
  __m256 c0[AMR], c1[AMR];
#pragma GCC unroll 16
  for (int i = 0; i < AMR; i++) {
    c0[i] = acc ? _mm256_loadu_ps(c + i * ldc) : _mm256_setzero_ps();
    c1[i] = acc ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_setzero_ps();
  }
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
#pragma GCC unroll 16
    for (int i = 0; i < AMR; i++) {
      const __m256 a = _mm256_broadcast_ss(ap + i * ars);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
    ap += aps;
    bp += ANR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < AMR; i++) {
    _mm256_storeu_ps(c + i * ldc, c0[i]);
    _mm256_storeu_ps(c + i * ldc + 8, c1[i]);
  }
}

/* 12 x 32: twenty-four 16-lane accumulators */
#define XMR 12
#define XNR 32
__attribute__((target("avx512f"))) static void kernel_avx512(int kc, const float *ap, long ars, long aps, const float *bp, float *c, long ldc,
                                                              int acc) {
  __m512 c0[XMR], c1[XMR];
#pragma GCC unroll 16
  for (int i = 0; i < XMR; i++) {
    c0[i] = acc ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
    c1[i] = acc ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();
  }
  for (int p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 16
    for (int i = 0; i < XMR; i++) {
      const __m512 a = _mm512_set1_ps(ap[i * ars]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
    ap += aps;
    bp += XNR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < XMR; i++) {
    _mm512_storeu_ps(c + i * ldc, c0[i]);
    _mm512_storeu_ps(c + i * ldc + 16, c1[i]);
  }
}
#endif

/* a code path: its micro-kernel, tile and reduction block (a kc x nr panel of B is 16 KiB: it stays in L1) */
typedef struct {
  const char *name;
  kernel_fn kernel;
  int mr, nr, kc;
} path_t;

static const path_t PORTABLE = {"portable", kernel_portable, PMR, PNR, 256};
#ifdef DFLSIM_X86
static const path_t AVX2 = {"avx2", kernel_avx2, AMR, ANR, 256};
static const path_t AVX512 = {"avx512", kernel_avx512, XMR, XNR, 128};
#endif
static const path_t *path = &PORTABLE;

int gemm_mr(void) { return path->mr; }
int gemm_nr(void) { return path->nr; }

/* ---------------------------------------------------------------- GEMM */

static void pack_a(const gemm_args *g, const path_t *P, int i0, int mc, int p0, int kc, float *dst) {
  const int MR = P->mr;
  for (int ir = 0; ir < mc; ir += MR) {
    const int mr = mc - ir < MR ? mc - ir : MR;
    if (g->csa == 1) {
      /* rows contiguous: walk each row once (a transpose into the panel) */
      float *d = dst + (long)ir * kc;
      for (int i = 0; i < mr; i++) {
        const float *src = g->a + (long)(i0 + ir + i) * g->rsa + p0;
        for (int p = 0; p < kc; p++) d[p * MR + i] = src[p];
      }
      for (int i = mr; i < MR; i++)
        for (int p = 0; p < kc; p++) d[p * MR + i] = 0.0f;
      continue;
    }
    for (int p = 0; p < kc; p++) {
      const float *src = g->a + (long)(i0 + ir) * g->rsa + (long)(p0 + p) * g->csa;
      float *d = dst + (long)ir * kc + (long)p * MR;
      int i = 0;
      for (; i < mr; i++) d[i] = src[(long)i * g->rsa];
      for (; i < MR; i++) d[i] = 0.0f;
    }
  }
}

/* columns [j0, j0 + nc) of rows [p0, p0 + kc) of B as panels of NR columns, each kc x NR (zeros past N) */
static void pack_b(const gemm_args *g, const path_t *P, int j0, int nc, int p0, int kc, float *dst) {
  const int NR = P->nr;
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = nc - jr < NR ? nc - jr : NR;
    float *d0 = dst + (long)jr * kc;
    for (int p = 0; p < kc; p++) {
      const float *src = g->b + (long)(p0 + p) * g->rsb + (long)(j0 + jr) * g->csb;
      float *d = d0 + (long)p * NR;
      int j = 0;
      if (g->csb == 1) {
        for (; j < nr; j++) d[j] = src[j];
      } else {
        for (; j < nr; j++) d[j] = src[(long)j * g->csb];
      }
      for (; j < NR; j++) d[j] = 0.0f;
    }
  }
}

static long round_up(long n, long m) { return (n + m - 1) / m * m; }

/* all of B: the block of rows [p0, p0 + kc) at p0 * Npad, its panel of columns j at + j * kc */
size_t gemm_packed_b_size(int K, int N) { return (size_t)(K > 0 ? K : 1) * (size_t)round_up(N > 0 ? N : 1, path->nr); }

void gemm_pack_b(const gemm_args *g, float *dst) {
  const path_t *P = path;
  const long npad = round_up(g->N, P->nr);
  for (int p0 = 0; p0 < g->K; p0 += P->kc) {
    const int kc = g->K - p0 < P->kc ? g->K - p0 : P->kc;
    pack_b(g, P, 0, g->N, p0, kc, dst + (long)p0 * npad);
  }
}

/* Columns [jlo, jhi) of C. Scratch: packed A (MC x KC) and B (KC x NC). */
static void gemm_cols(const gemm_args *g, const path_t *P, int jlo, int jhi, float *pa, float *pb) {
  const int MR = P->mr, NR = P->nr, KC = P->kc;
  const long npad = round_up(g->N, NR);
  float tile[MR_MAX * NR_MAX];
  for (int j0 = jlo; j0 < jhi; j0 += NC) {
    const int nc = jhi - j0 < NC ? jhi - j0 : NC;
    for (int p0 = 0; p0 < g->K || (p0 == 0 && g->K == 0); p0 += KC) {
      const int kc = g->K - p0 < KC ? g->K - p0 : KC;
      const int acc = g->acc || p0 > 0;
      if (kc == 0) {
        /* K == 0: C = 0 unless accumulating */
        if (!acc)
          for (int i = 0; i < g->M; i++) memset(g->c + i * g->ldc + j0, 0, sizeof(float) * nc);
        break;
      }
      const float *bblock = pb;
      if (g->bpk) bblock = g->bpk + (long)p0 * npad + (long)j0 * kc;
      else pack_b(g, P, j0, nc, p0, kc, pb);
      for (int i0 = 0; i0 < g->M; i0 += MC) {
        const int mc = g->M - i0 < MC ? g->M - i0 : MC;
        /* rows or columns of A contiguous: full panels are read in place, only a ragged last one is packed */
        const int direct = g->csa == 1 || g->rsa == 1;
        const int full = direct ? mc / MR * MR : 0;
        if (!direct) pack_a(g, P, i0, mc, p0, kc, pa);
        else if (full < mc) pack_a(g, P, i0 + full, mc - full, p0, kc, pa + (long)full * kc);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = nc - jr < NR ? nc - jr : NR;
          const float *bp = bblock + (long)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = mc - ir < MR ? mc - ir : MR;
            float *c = g->c + (long)(i0 + ir) * g->ldc + (j0 + jr);
            const int inplace = ir < full;
            const float *ap = inplace ? g->a + (long)(i0 + ir) * g->rsa + (long)p0 * g->csa : pa + (long)ir * kc;
            const long ars = inplace ? g->rsa : 1, aps = inplace ? g->csa : MR;
            if (mr == MR && nr == NR) {
              P->kernel(kc, ap, ars, aps, bp, c, g->ldc, acc);
            } else {
              for (int i = 0; i < MR; i++)
                for (int j = 0; j < NR; j++) tile[i * NR + j] = (acc && i < mr && j < nr) ? c[i * g->ldc + j] : 0.0f;
              P->kernel(kc, ap, ars, aps, bp, tile, NR, acc);
              for (int i = 0; i < mr; i++)
                for (int j = 0; j < nr; j++) c[i * g->ldc + j] = tile[i * NR + j];
            }
          }
        }
      }
    }
  }
}

typedef struct {
  gemm_args g;
  int jlo, jhi;
  int ok;
} gemm_job;

static void run_job(gemm_job *job, growbuf *pa, growbuf *pb) {
  const path_t *P = path;
  const gemm_args *g = &job->g;
  const long kc = g->K < P->kc ? (g->K > 0 ? g->K : 1) : P->kc;
  const int ncols = job->jhi - job->jlo;
  const long nc = round_up(ncols < NC ? ncols : NC, P->nr);
  const long mc = round_up(g->M < MC ? g->M : MC, P->mr);
  float *a = grow(pa, (size_t)(mc * kc)), *b = g->bpk ? NULL : grow(pb, (size_t)(kc * nc));
  job->ok = a && (b || g->bpk);
  if (job->ok) gemm_cols(g, P, job->jlo, job->jhi, a, b);
}

static void gemm_task(void *ctx, int t, scratch3 *s) { run_job(&((gemm_job *)ctx)[t], &s->pa, &s->pb); }

/* one thread's whole product on its own scratch */
int gemm_local(const gemm_args *g, scratch3 *s) {
  gemm_job job = {*g, 0, g->N, 0};
  run_job(&job, &s->pa, &s->pb);
  return job.ok;
}

/* C = A B (or C += A B) over `threads` threads: row ranges (MR multiples) when C is tall,
 * else column ranges (NR multiples); either way each element is one thread's. */
int gemm_run(const gemm_args *g, int threads) {
  if (g->M <= 0 || g->N <= 0) return 1;
  const int MR = path->mr, NR = path->nr;
  const int rows = g->M >= g->N;
  const int units = rows ? (g->M + MR - 1) / MR : (g->N + NR - 1) / NR;
  if (threads > units) threads = units;
  /* below about 70 us of work a helper costs more than it saves */
  if ((double)g->M * g->N * (g->K + 1) < 2e6) threads = 1;
  threads = pool_threads(threads);
  gemm_job jobs[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    const int lo = (int)((long)units * t / threads), hi = (int)((long)units * (t + 1) / threads);
    jobs[t].g = *g;
    jobs[t].ok = 0;
    if (rows) {
      const int i0 = lo * MR, i1 = hi * MR < g->M ? hi * MR : g->M;
      jobs[t].g.M = i1 - i0;
      jobs[t].g.a = g->a + (long)i0 * g->rsa;
      jobs[t].g.c = g->c + (long)i0 * g->ldc;
      jobs[t].jlo = 0;
      jobs[t].jhi = g->N;
    } else {
      jobs[t].jlo = lo * NR;
      jobs[t].jhi = hi * NR < g->N ? hi * NR : g->N;
    }
  }
  pool_run(threads, gemm_task, jobs);
  int ok = 1;
  for (int t = 0; t < threads; t++) ok = ok && jobs[t].ok;
  return ok;
}

/* ---------------------------------------------------------------- the code path */

static int rank_of(const char *name) {
  if (!name) return 2;
  if (strcmp(name, "portable") == 0) return 0;
  if (strcmp(name, "avx2") == 0) return 1;
  return 2; /* "avx512", "auto" */
}

static int cap = 2; /* DFLSIM_NATIVE_ISA, read at load */

const char *gemm_select_kernel(const char *want) {
  int r = rank_of(want);
  if (r > cap) r = cap;
  path = &PORTABLE;
#ifdef DFLSIM_X86
  /* AVX-512 kernels need the OS to save the zmm registers: __builtin_cpu_supports checks XGETBV */
  if (r >= 2 && __builtin_cpu_supports("avx512f")) path = &AVX512;
  else if (r >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) path = &AVX2;
#endif
  return path->name;
}

void gemm_init(void) {
#ifdef DFLSIM_X86
  __builtin_cpu_init();
#endif
  const char *env = getenv("DFLSIM_NATIVE_ISA");
  cap = env && *env ? rank_of(env) : 2;
  gemm_select_kernel("auto");
}

const char *gemm_kernel_name(void) { return path->name; }
