/*
 * dflsim's GEMM: packed panels, an MR x NR micro-kernel (AVX2, or a portable loop with the
 * same bits) and the split of one product across threads. See gemm.h for the order of
 * every sum.
 */
#include "gemm.h"

#include <string.h>

#include "cpu.h"
#include "thread_pool.h"

/* ---------------------------------------------------------------- micro-kernels */

/* c[MR x NR] (row stride ldc) = (acc ? c : 0) + sum_p A(i, p) * bp[p*NR + j], in p order, where
 * A(i, p) = ap[i*ars + p*aps] (a packed panel: ars = 1, aps = MR; rows read in place: aps = 1) */
static void kernel_portable(int kc, const float *ap, long ars, long aps, const float *bp, float *c, int ldc, int acc) {
  float t[MR][NR];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) t[i][j] = acc ? c[i * ldc + j] : 0.0f;
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      const float a = ap[i * ars + p * aps];
      for (int j = 0; j < NR; j++) {
        const float prod = a * bp[p * NR + j];
        t[i][j] = t[i][j] + prod;
      }
    }
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) c[i * ldc + j] = t[i][j];
}

#ifdef DFLSIM_X86
__attribute__((target("avx2"))) static void kernel_avx2(int kc, const float *ap, long ars, long aps, const float *bp, float *c, int ldc,
                                                         int acc) {
  const float *a0 = ap, *a1 = ap + ars, *a2 = ap + 2 * ars, *a3 = ap + 3 * ars, *a4 = ap + 4 * ars, *a5 = ap + 5 * ars;
  __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
  if (acc) {
    c00 = _mm256_loadu_ps(c + 0 * ldc); c01 = _mm256_loadu_ps(c + 0 * ldc + 8);
    c10 = _mm256_loadu_ps(c + 1 * ldc); c11 = _mm256_loadu_ps(c + 1 * ldc + 8);
    c20 = _mm256_loadu_ps(c + 2 * ldc); c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
    c30 = _mm256_loadu_ps(c + 3 * ldc); c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
    c40 = _mm256_loadu_ps(c + 4 * ldc); c41 = _mm256_loadu_ps(c + 4 * ldc + 8);
    c50 = _mm256_loadu_ps(c + 5 * ldc); c51 = _mm256_loadu_ps(c + 5 * ldc + 8);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
  }
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(a0);
    c00 = _mm256_add_ps(c00, _mm256_mul_ps(a, b0));
    c01 = _mm256_add_ps(c01, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(a1);
    c10 = _mm256_add_ps(c10, _mm256_mul_ps(a, b0));
    c11 = _mm256_add_ps(c11, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(a2);
    c20 = _mm256_add_ps(c20, _mm256_mul_ps(a, b0));
    c21 = _mm256_add_ps(c21, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(a3);
    c30 = _mm256_add_ps(c30, _mm256_mul_ps(a, b0));
    c31 = _mm256_add_ps(c31, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(a4);
    c40 = _mm256_add_ps(c40, _mm256_mul_ps(a, b0));
    c41 = _mm256_add_ps(c41, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(a5);
    c50 = _mm256_add_ps(c50, _mm256_mul_ps(a, b0));
    c51 = _mm256_add_ps(c51, _mm256_mul_ps(a, b1));
    a0 += aps; a1 += aps; a2 += aps; a3 += aps; a4 += aps; a5 += aps;
    bp += NR;
  }
  _mm256_storeu_ps(c + 0 * ldc, c00); _mm256_storeu_ps(c + 0 * ldc + 8, c01);
  _mm256_storeu_ps(c + 1 * ldc, c10); _mm256_storeu_ps(c + 1 * ldc + 8, c11);
  _mm256_storeu_ps(c + 2 * ldc, c20); _mm256_storeu_ps(c + 2 * ldc + 8, c21);
  _mm256_storeu_ps(c + 3 * ldc, c30); _mm256_storeu_ps(c + 3 * ldc + 8, c31);
  _mm256_storeu_ps(c + 4 * ldc, c40); _mm256_storeu_ps(c + 4 * ldc + 8, c41);
  _mm256_storeu_ps(c + 5 * ldc, c50); _mm256_storeu_ps(c + 5 * ldc + 8, c51);
}
#endif

typedef void (*kernel_fn)(int, const float *, long, long, const float *, float *, int, int);
static kernel_fn kernel = kernel_portable;
static const char *kernel_name = "portable";

/* ---------------------------------------------------------------- GEMM */

static void pack_a(const gemm_args *g, int i0, int mc, int p0, int kc, float *dst) {
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

static void pack_b(const gemm_args *g, int j0, int nc, int p0, int kc, float *dst) {
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

/* Columns [jlo, jhi) of C. Scratch: packed A (MC x KC) and B (KC x NC). */
static void gemm_cols(const gemm_args *g, int jlo, int jhi, float *pa, float *pb) {
  float tile[MR * NR];
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
      pack_b(g, j0, nc, p0, kc, pb);
      for (int i0 = 0; i0 < g->M; i0 += MC) {
        const int mc = g->M - i0 < MC ? g->M - i0 : MC;
        /* rows of A contiguous: full panels are read in place, only a ragged last one is packed */
        const int direct = g->csa == 1;
        const int full = direct ? mc / MR * MR : 0;
        if (!direct) pack_a(g, i0, mc, p0, kc, pa);
        else if (full < mc) pack_a(g, i0 + full, mc - full, p0, kc, pa + (long)full * kc);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = mc - ir < MR ? mc - ir : MR;
            float *c = g->c + (long)(i0 + ir) * g->ldc + (j0 + jr);
            const int inplace = ir < full;
            const float *ap = inplace ? g->a + (long)(i0 + ir) * g->rsa + p0 : pa + (long)ir * kc;
            const long ars = inplace ? g->rsa : 1, aps = inplace ? 1 : MR;
            const float *bp = pb + (long)jr * kc;
            if (mr == MR && nr == NR) {
              kernel(kc, ap, ars, aps, bp, c, (int)g->ldc, acc);
            } else {
              for (int i = 0; i < MR; i++)
                for (int j = 0; j < NR; j++) tile[i * NR + j] = (acc && i < mr && j < nr) ? c[i * g->ldc + j] : 0.0f;
              kernel(kc, ap, ars, aps, bp, tile, NR, acc);
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
  const gemm_args *g = &job->g;
  const long kc = g->K < KC ? (g->K > 0 ? g->K : 1) : KC;
  const int ncols = job->jhi - job->jlo;
  const long nc = ((ncols < NC ? ncols : NC) + NR - 1) / NR * NR;
  const long mc = ((g->M < MC ? g->M : MC) + MR - 1) / MR * MR;
  float *a = grow(pa, (size_t)(mc * kc)), *b = grow(pb, (size_t)(kc * nc));
  job->ok = a && b;
  if (job->ok) gemm_cols(g, job->jlo, job->jhi, a, b);
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

void gemm_init(void) {
#ifdef DFLSIM_X86
  __builtin_cpu_init();
#endif
  gemm_select_kernel(1);
}

const char *gemm_select_kernel(int allow_avx2) {
  kernel = kernel_portable;
  kernel_name = "portable";
#ifdef DFLSIM_X86
  if (allow_avx2 && __builtin_cpu_supports("avx2")) {
    kernel = kernel_avx2;
    kernel_name = "avx2";
  }
#endif
  return kernel_name;
}

const char *gemm_kernel_name(void) { return kernel_name; }
