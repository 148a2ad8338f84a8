/*
 * dflsim's native kernels: one single-precision GEMM and the three convolutions of a
 * training step (forward, input gradient, filter gradient) built on it, reading and
 * writing the TensorFlow.js wasm backend's heap in place.
 *
 * Every output element is defined by one summation order, whatever the machine:
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
 *
 * Pointers into the heap are float offsets checked against its length before any work.
 */
#include <node_api.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

#define MR 6
#define NR 16
#define KC 256
#define MC 96
#define NC 1024

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

/* A buffer kept by its thread and grown as needed (no allocation, no page faults per call). */
typedef struct {
  float *buf;
  size_t cap;
} growbuf;

static float *grow(growbuf *b, size_t n) {
  if (n > b->cap) {
    free(b->buf);
    b->buf = (float *)malloc(sizeof(float) * n);
    b->cap = b->buf ? n : 0;
  }
  return b->buf;
}

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

#define MAX_THREADS 64

/* Each calling thread (the main thread, or a pool worker's) has its own scratch and its own
 * helper threads, started on first use and kept, parked on a condition variable between tasks.
 * A task is fn(ctx, t, scratch) for t = 0 .. T-1, t = 0 on the caller. */
typedef struct {
  growbuf pa, pb, pc;
} scratch3;
typedef void (*task_fn)(void *ctx, int t, scratch3 *s);

typedef struct pool {
  int n; /* helpers */
  pthread_t tid[MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  unsigned gen;
  int pending, stop, ntasks;
  task_fn fn;
  void *ctx;
  scratch3 sc[MAX_THREADS];
  struct {
    struct pool *p;
    int idx;
  } arg[MAX_THREADS];
} pool;

static __thread pool *tls_pool;
static __thread scratch3 tls_sc;
static __thread napi_env tls_env;

typedef struct {
  struct pool *p;
  int idx;
} helper_arg;

static void *helper_main(void *v) {
  pool *p = ((helper_arg *)v)->p;
  const int idx = ((helper_arg *)v)->idx;
  unsigned seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->gen == seen && !p->stop) pthread_cond_wait(&p->go, &p->mu);
    if (p->stop) break;
    seen = p->gen;
    const int t = idx + 1;
    const int run = t < p->ntasks;
    task_fn fn = p->fn;
    void *ctx = p->ctx;
    pthread_mutex_unlock(&p->mu);
    if (run) fn(ctx, t, &p->sc[idx]);
    pthread_mutex_lock(&p->mu);
    if (--p->pending == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static void pool_destroy(void *v) {
  pool *p = (pool *)v;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->go);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n; i++) pthread_join(p->tid[i], NULL);
  for (int i = 0; i < p->n; i++) {
    free(p->sc[i].pa.buf);
    free(p->sc[i].pb.buf);
    free(p->sc[i].pc.buf);
  }
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->go);
  pthread_cond_destroy(&p->done);
  if (tls_pool == p) tls_pool = NULL;
  free(p);
}

/* this thread's pool with at least `helpers` helpers (fewer if threads cannot be started) */
static pool *get_pool(int helpers) {
  pool *p = tls_pool;
  if (p && p->n >= helpers) return p;
  if (p) {
    if (tls_env) napi_remove_env_cleanup_hook(tls_env, pool_destroy, p);
    pool_destroy(p);
  }
  p = (pool *)calloc(1, sizeof(pool));
  if (!p) return NULL;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->go, NULL);
  pthread_cond_init(&p->done, NULL);
  for (int i = 0; i < helpers; i++) {
    p->arg[i].p = p;
    p->arg[i].idx = i;
    if (pthread_create(&p->tid[i], NULL, helper_main, &p->arg[i]) != 0) break;
    p->n = i + 1;
  }
  tls_pool = p;
  /* a pool worker's isolate can end before the process: stop its helpers with it */
  if (tls_env) napi_add_env_cleanup_hook(tls_env, pool_destroy, p);
  return p;
}

/* run fn for t = 0 .. T-1 (fewer threads than T is not allowed: returns the T used, 1 without helpers) */
static int pool_threads(int T) {
  if (T <= 1) return 1;
  if (T > MAX_THREADS) T = MAX_THREADS;
  pool *p = get_pool(T - 1);
  return p ? (p->n + 1 < T ? p->n + 1 : T) : 1;
}
static void pool_run(int T, task_fn fn, void *ctx) {
  if (T <= 1) {
    fn(ctx, 0, &tls_sc);
    return;
  }
  pool *p = tls_pool;
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->ntasks = T;
  p->pending = p->n;
  p->gen++;
  pthread_cond_broadcast(&p->go);
  pthread_mutex_unlock(&p->mu);
  fn(ctx, 0, &tls_sc);
  pthread_mutex_lock(&p->mu);
  while (p->pending > 0) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

static void gemm_task(void *ctx, int t, scratch3 *s) { run_job(&((gemm_job *)ctx)[t], &s->pa, &s->pb); }

/* one thread's whole product on its own scratch */
static int gemm_local(const gemm_args *g, scratch3 *s) {
  gemm_job job = {*g, 0, g->N, 0};
  run_job(&job, &s->pa, &s->pb);
  return job.ok;
}

/* C = A B (or C += A B) over `threads` threads: row ranges (MR multiples) when C is tall,
 * else column ranges (NR multiples); either way each element is one thread's. */
static int gemm_run(const gemm_args *g, int threads) {
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

/* ---------------------------------------------------------------- convolutions (NHWC, HWIO) */

typedef struct {
  int B, H, W, C;      /* input */
  int KH, KW, CO;      /* filter [KH, KW, C, CO] */
  int SH, SW, PT, PL;  /* strides, top/left padding */
  int OH, OW;          /* output */
} conv_geom;

/* Rows [m0, m0 + rows) of the patch matrix P[m, (kh, kw, c)] (zeros outside the image). */
static void im2col(const conv_geom *q, const float *x, long m0, int rows, float *p) {
  const int K = q->KH * q->KW * q->C;
  const int run = q->KW * q->C;
  for (int r = 0; r < rows; r++) {
    const long m = m0 + r;
    const int ow = (int)(m % q->OW);
    const int oh = (int)((m / q->OW) % q->OH);
    const int b = (int)(m / ((long)q->OW * q->OH));
    float *d = p + (long)r * K;
    const int iw0 = ow * q->SW - q->PL;
    for (int kh = 0; kh < q->KH; kh++, d += run) {
      const int ih = oh * q->SH + kh - q->PT;
      if (ih < 0 || ih >= q->H) {
        memset(d, 0, sizeof(float) * run);
        continue;
      }
      const float *src = x + (((long)b * q->H + ih) * q->W) * q->C;
      if (iw0 >= 0 && iw0 + q->KW <= q->W) {
        const float *s0 = src + (long)iw0 * q->C;
        if (run <= 32) /* the stem's runs of 5: a call to memcpy costs more than the copy */
          for (int t = 0; t < run; t++) d[t] = s0[t];
        else
          memcpy(d, s0, sizeof(float) * run);
      } else {
        for (int kw = 0; kw < q->KW; kw++) {
          const int iw = iw0 + kw;
          if (iw < 0 || iw >= q->W) memset(d + kw * q->C, 0, sizeof(float) * q->C);
          else memcpy(d + kw * q->C, src + (long)iw * q->C, sizeof(float) * q->C);
        }
      }
    }
  }
}

/* dx[b, ih, iw, c] += G[m, (kh, kw, c)] in m order, then (kh, kw) order */
static void col2im(const conv_geom *q, const float *gcols, long m0, int rows, float *dx) {
  const int K = q->KH * q->KW * q->C;
  for (int r = 0; r < rows; r++) {
    const long m = m0 + r;
    const int ow = (int)(m % q->OW);
    const int oh = (int)((m / q->OW) % q->OH);
    const int b = (int)(m / ((long)q->OW * q->OH));
    const float *s = gcols + (long)r * K;
    for (int kh = 0; kh < q->KH; kh++) {
      const int ih = oh * q->SH + kh - q->PT;
      if (ih < 0 || ih >= q->H) continue;
      for (int kw = 0; kw < q->KW; kw++) {
        const int iw = ow * q->SW + kw - q->PL;
        if (iw < 0 || iw >= q->W) continue;
        float *d = dx + (((long)b * q->H + ih) * q->W + iw) * q->C;
        const float *g = s + (kh * q->KW + kw) * q->C;
        for (int c = 0; c < q->C; c++) d[c] = d[c] + g[c];
      }
    }
  }
}

static int chunk_rows(int K) {
  long r = (1L << 17) / (K > 0 ? K : 1); /* about 512 KiB of patches: they stay in L2 for the product */
  if (r < 96) r = 96;
  return (int)r;
}

#define ACT_LINEAR 0
#define ACT_RELU 1
#define ACT_RELU6 2
#define ACT_LEAKY 3

/* rows [lo, hi) of y = conv(x, f), in chunks of R rows, on one thread's scratch */
typedef struct {
  const conv_geom *q;
  const float *x, *f;
  float *y;
  long M;
  int R, K, direct, T;
  int ok[MAX_THREADS];
} fwd_ctx;

/* (threads > 1: one chunk's product split across the pool; else on this thread's scratch) */
static void fwd_rows(fwd_ctx *c, long lo, long hi, scratch3 *s, int t, int threads) {
  float *p = c->direct ? NULL : grow(&s->pc, (size_t)c->R * c->K);
  c->ok[t] = c->direct || p;
  for (long m0 = lo; m0 < hi && c->ok[t]; m0 += c->R) {
    const int rows = hi - m0 < c->R ? (int)(hi - m0) : c->R;
    const float *a = c->direct ? c->x + m0 * c->q->C : p;
    if (!c->direct) im2col(c->q, c->x, m0, rows, p);
    gemm_args g = {rows, c->q->CO, c->K, a, c->K, 1, c->f, c->q->CO, 1, c->y + m0 * c->q->CO, c->q->CO, 0};
    c->ok[t] = threads > 1 ? gemm_run(&g, threads) : gemm_local(&g, s);
  }
}

static void fwd_task(void *v, int t, scratch3 *s) {
  fwd_ctx *c = (fwd_ctx *)v;
  const long chunks = (c->M + c->R - 1) / c->R;
  fwd_rows(c, chunks * t / c->T * c->R, (chunks * (t + 1) / c->T) * c->R < c->M ? (chunks * (t + 1) / c->T) * c->R : c->M, s, t, 1);
}

/* y = act(conv(x, f) + bias); with threads, whole chunks (patches and product) per thread */
static int conv_forward(const conv_geom *q, const float *x, const float *f, const float *bias, int act, float alpha, float *y,
                        int threads) {
  const int K = q->KH * q->KW * q->C;
  const long M = (long)q->B * q->OH * q->OW;
  const int direct = q->KH == 1 && q->KW == 1 && q->SH == 1 && q->SW == 1 && q->PT == 0 && q->PL == 0;
  fwd_ctx c = {q, x, f, y, M, chunk_rows(K), K, direct, 1, {0}};
  const long chunks = (M + c.R - 1) / c.R;
  int ok = 1;
  if (threads > 1 && chunks >= 2 && (double)M * K * q->CO >= 2e6) {
    c.T = pool_threads(threads < chunks ? threads : (int)chunks);
    pool_run(c.T, fwd_task, &c);
    for (int t = 0; t < c.T; t++) ok = ok && c.ok[t];
  } else {
    /* one chunk (or one thread): the product itself may be split */
    fwd_rows(&c, 0, M, &tls_sc, 0, threads);
    ok = c.ok[0];
  }
  if (!ok) return 0;
  if (bias || act != ACT_LINEAR) {
    float *row = y;
    for (long m = 0; m < M; m++, row += q->CO) {
      for (int c2 = 0; c2 < q->CO; c2++) {
        float v = row[c2];
        if (bias) v = v + bias[c2];
        if (act == ACT_RELU) v = v > 0.0f ? v : 0.0f;
        else if (act == ACT_RELU6) v = v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
        else if (act == ACT_LEAKY) v = v < 0.0f ? alpha * v : v;
        row[c2] = v;
      }
    }
  }
  return 1;
}

/* dx for the images [b0, b1): G = dy f^T in chunks, scattered back in m order (images are disjoint in dx) */
typedef struct {
  const conv_geom *q;
  const float *dy, *f;
  float *dx;
  int R, K, T;
  int ok[MAX_THREADS];
} bpi_ctx;

/* (threads > 1: each chunk's product split across the pool; else on this thread's scratch) */
static void bpi_images(bpi_ctx *c, int b0, int b1, scratch3 *s, int t, int threads) {
  const conv_geom *q = c->q;
  const long per = (long)q->OH * q->OW;
  float *gcols = grow(&s->pc, (size_t)c->R * c->K);
  c->ok[t] = gcols != NULL;
  for (long m0 = b0 * per; m0 < b1 * per && c->ok[t]; m0 += c->R) {
    const int rows = b1 * per - m0 < c->R ? (int)(b1 * per - m0) : c->R;
    gemm_args g = {rows, c->K, q->CO, c->dy + m0 * q->CO, q->CO, 1, c->f, 1, q->CO, gcols, c->K, 0};
    c->ok[t] = threads > 1 ? gemm_run(&g, threads) : gemm_local(&g, s);
    if (c->ok[t]) col2im(q, gcols, m0, rows, c->dx);
  }
}

static void bpi_task(void *v, int t, scratch3 *s) {
  bpi_ctx *c = (bpi_ctx *)v;
  bpi_images(c, (int)((long)c->q->B * t / c->T), (int)((long)c->q->B * (t + 1) / c->T), s, t, 1);
}

/* dx = conv^T(dy, f): G = dy f^T, scattered back (dx is zeroed first); with threads, whole images per thread */
static int conv_backprop_input(const conv_geom *q, const float *dy, const float *f, float *dx, int threads) {
  const int K = q->KH * q->KW * q->C;
  const long M = (long)q->B * q->OH * q->OW;
  const int direct = q->KH == 1 && q->KW == 1 && q->SH == 1 && q->SW == 1 && q->PT == 0 && q->PL == 0 &&
                     q->OH == q->H && q->OW == q->W;
  if (direct) {
    gemm_args g = {(int)M, K, q->CO, dy, q->CO, 1, f, 1, q->CO, dx, K, 0};
    return gemm_run(&g, threads);
  }
  memset(dx, 0, sizeof(float) * (size_t)q->B * q->H * q->W * q->C);
  bpi_ctx c = {q, dy, f, dx, chunk_rows(K), K, 1, {0}};
  int ok = 1;
  if (threads > 1 && q->B >= 2 && (double)M * K * q->CO >= 2e6) {
    c.T = pool_threads(threads < q->B ? threads : q->B);
    pool_run(c.T, bpi_task, &c);
    for (int t = 0; t < c.T; t++) ok = ok && c.ok[t];
    return ok;
  }
  bpi_images(&c, 0, q->B, &tls_sc, 0, threads);
  return c.ok[0];
}

/* one chunk of the filter gradient on T threads: the patches split by rows, then the product by outputs */
typedef struct {
  const conv_geom *q;
  const float *x, *dy;
  float *p, *out;
  long m0;
  int rows, K, T, transposed, acc, phase;
  int ok[MAX_THREADS];
} bpf_ctx;

static void bpf_task(void *v, int t, scratch3 *s) {
  bpf_ctx *c = (bpf_ctx *)v;
  const conv_geom *q = c->q;
  if (c->phase == 0) {
    const int r0 = (int)((long)c->rows * t / c->T), r1 = (int)((long)c->rows * (t + 1) / c->T);
    im2col(q, c->x, c->m0 + r0, r1 - r0, c->p + (long)r0 * c->K);
    c->ok[t] = 1;
    return;
  }
  const int M = c->transposed ? q->CO : c->K;
  const int units = (M + MR - 1) / MR;
  const int i0 = (int)((long)units * t / c->T) * MR, i1t = (int)((long)units * (t + 1) / c->T) * MR, i1 = i1t < M ? i1t : M;
  if (i1 <= i0) {
    c->ok[t] = 1;
    return;
  }
  const float *dy = c->dy + c->m0 * q->CO;
  if (c->transposed) {
    /* A(i = co, k = m) = dy[m, co]; B(k = m, j = kk) = P[m, kk]; C = t[co, kk] */
    gemm_args g = {i1 - i0, c->K, c->rows, dy + i0, 1, q->CO, c->p, c->K, 1, c->out + (long)i0 * c->K, c->K, c->acc};
    c->ok[t] = gemm_local(&g, s);
  } else {
    /* A(i = kk, k = m) = P[m, kk]; B(k = m, j = co) = dy[m, co]; C = dw[kk, co] */
    gemm_args g = {i1 - i0, q->CO, c->rows, c->p + i0, 1, c->K, dy, q->CO, 1, c->out + (long)i0 * q->CO, q->CO, c->acc};
    c->ok[t] = gemm_local(&g, s);
  }
}

/* dW[k, co] = sum_m P[m, k] dy[m, co] in m order: as dW = P^T dy, or as dW^T = dy^T P (then transposed
 * into dw) when that wastes less of the 6 x 16 tiles on padding (the same sums either way). With threads,
 * each chunk's patches are split by rows and its product by output rows: no sum is split. */
static int conv_backprop_filter(const conv_geom *q, const float *x, const float *dy, float *dw, int threads) {
  const int K = q->KH * q->KW * q->C;
  const long M = (long)q->B * q->OH * q->OW;
  const long padded_direct = (long)((K + MR - 1) / MR * MR) * ((q->CO + NR - 1) / NR * NR);
  const long padded_transposed = (long)((q->CO + MR - 1) / MR * MR) * ((K + NR - 1) / NR * NR);
  const int transposed = padded_transposed < padded_direct;
  const int T = threads > 1 && (double)M * K * q->CO >= 2e6 ? pool_threads(threads) : 1;
  /* threaded: 2 MiB chunks, so that each product outweighs the two hand-offs */
  const int R = T > 1 ? 4 * chunk_rows(K) : chunk_rows(K);
  float *p = grow(&tls_sc.pc, (size_t)R * K);
  float *t = transposed ? (float *)malloc(sizeof(float) * (size_t)K * q->CO) : dw;
  if (!p || !t) {
    if (transposed) free(t);
    return 0;
  }
  int ok = 1;
  if (M == 0) memset(t, 0, sizeof(float) * (size_t)K * q->CO);
  for (long m0 = 0; m0 < M && ok; m0 += R) {
    const int rows = M - m0 < R ? (int)(M - m0) : R;
    if (T > 1) {
      bpf_ctx c = {q, x, dy, p, t, m0, rows, K, T, transposed, m0 > 0, 0, {0}};
      pool_run(T, bpf_task, &c);
      c.phase = 1;
      pool_run(T, bpf_task, &c);
      for (int i = 0; i < T; i++) ok = ok && c.ok[i];
      continue;
    }
    im2col(q, x, m0, rows, p);
    if (transposed) {
      gemm_args g = {q->CO, K, rows, dy + m0 * q->CO, 1, q->CO, p, K, 1, t, K, m0 > 0};
      ok = gemm_local(&g, &tls_sc);
    } else {
      gemm_args g = {K, q->CO, rows, p, 1, K, dy + m0 * q->CO, q->CO, 1, dw, q->CO, m0 > 0};
      ok = gemm_local(&g, &tls_sc);
    }
  }
  if (ok && transposed)
    for (int k = 0; k < K; k++)
      for (int co = 0; co < q->CO; co++) dw[(long)k * q->CO + co] = t[(long)co * K + k];
  if (transposed) free(t);
  return ok;
}

/* ---------------------------------------------------------------- N-API glue */

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "dflsim native: bad arguments");    \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static int get_heap(napi_env env, napi_value v, float **heap, size_t *len) {
  napi_typedarray_type type;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &ab, &off) != napi_ok || type != napi_float32_array) return 0;
  *heap = (float *)data;
  return 1;
}

static int get_ints(napi_env env, napi_value *argv, size_t from, size_t n, int64_t *out) {
  for (size_t i = 0; i < n; i++)
    if (napi_get_value_int64(env, argv[from + i], &out[i]) != napi_ok) return 0;
  return 1;
}

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int span_ok(int64_t off, int64_t n, size_t len) { return off >= 0 && n >= 0 && (uint64_t)(off + n) <= len; }

static int geom_ok(const conv_geom *q) {
  return q->B >= 0 && q->H > 0 && q->W > 0 && q->C > 0 && q->KH > 0 && q->KW > 0 && q->CO > 0 && q->SH > 0 && q->SW > 0 &&
         q->PT >= 0 && q->PL >= 0 && q->OH >= 0 && q->OW >= 0 && (long)(q->OH - 1) * q->SH - q->PT <= q->H + q->KH &&
         (long)(q->OW - 1) * q->SW - q->PL <= q->W + q->KW;
}

/* gemm(heap, M, N, K, aOff, rsa, csa, bOff, rsb, csb, cOff, ldc, acc, threads) */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  tls_env = env;
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) return fail(env, "dflsim native gemm: expected 14 arguments");
  float *heap;
  size_t len;
  int64_t v[13];
  if (!get_heap(env, argv[0], &heap, &len) || !get_ints(env, argv, 1, 13, v)) return fail(env, "dflsim native gemm: bad arguments");
  const int64_t M = v[0], N = v[1], K = v[2];
  if (M < 0 || N < 0 || K < 0 || M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) return fail(env, "dflsim native gemm: bad sizes");
  const int64_t amax = (M > 0 ? (M - 1) * v[4] : 0) + (K > 0 ? (K - 1) * v[5] : 0);
  const int64_t bmax = (K > 0 ? (K - 1) * v[7] : 0) + (N > 0 ? (N - 1) * v[8] : 0);
  if (v[4] < 0 || v[5] < 0 || v[7] < 0 || v[8] < 0 || v[10] < N ||
      (M > 0 && K > 0 && !span_ok(v[3], amax + 1, len)) || (K > 0 && N > 0 && !span_ok(v[6], bmax + 1, len)) ||
      (M > 0 && N > 0 && !span_ok(v[9], (M - 1) * v[10] + N, len)))
    return fail(env, "dflsim native gemm: operand outside the heap");
  gemm_args g = {(int)M, (int)N, (int)K, heap + v[3], v[4], v[5], heap + v[6], v[7], v[8], heap + v[9], v[10], (int)v[11]};
  if (!gemm_run(&g, (int)v[12])) return fail(env, "dflsim native gemm: out of memory");
  return NULL;
}

/* conv2d(heap, op, B, H, W, C, KH, KW, CO, SH, SW, PT, PL, OH, OW, xOff, fOff, outOff, biasOff, act, alpha, threads)
 * op 0: out = act(conv(x = input, f) + bias); op 1: out = dx from x = dy; op 2: out = dW from x = input, f = dy */
static napi_value js_conv(napi_env env, napi_callback_info info) {
  tls_env = env;
  size_t argc = 22;
  napi_value argv[22];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 22) return fail(env, "dflsim native conv2d: expected 22 arguments");
  float *heap;
  size_t len;
  int64_t v[19];
  double alpha;
  int64_t threads;
  if (!get_heap(env, argv[0], &heap, &len) || !get_ints(env, argv, 1, 19, v) || napi_get_value_double(env, argv[20], &alpha) != napi_ok ||
      napi_get_value_int64(env, argv[21], &threads) != napi_ok)
    return fail(env, "dflsim native conv2d: bad arguments");
  for (int i = 1; i < 14; i++)
    if (v[i] < 0 || v[i] > INT32_MAX) return fail(env, "dflsim native conv2d: bad geometry");
  const int op = (int)v[0];
  conv_geom q = {(int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7],
                 (int)v[8], (int)v[9], (int)v[10], (int)v[11], (int)v[12], (int)v[13]};
  if (!geom_ok(&q)) return fail(env, "dflsim native conv2d: bad geometry");
  const int64_t nx = (int64_t)q.B * q.H * q.W * q.C;
  const int64_t nf = (int64_t)q.KH * q.KW * q.C * q.CO;
  const int64_t ny = (int64_t)q.B * q.OH * q.OW * q.CO;
  int ok;
  if (op == 0) {
    if (!span_ok(v[14], nx, len) || !span_ok(v[15], nf, len) || !span_ok(v[16], ny, len) || (v[17] >= 0 && !span_ok(v[17], q.CO, len)) ||
        v[18] < 0 || v[18] > 3)
      return fail(env, "dflsim native conv2d: operand outside the heap");
    ok = conv_forward(&q, heap + v[14], heap + v[15], v[17] >= 0 ? heap + v[17] : NULL, (int)v[18], (float)alpha, heap + v[16], (int)threads);
  } else if (op == 1) {
    if (!span_ok(v[14], ny, len) || !span_ok(v[15], nf, len) || !span_ok(v[16], nx, len))
      return fail(env, "dflsim native conv2d: operand outside the heap");
    ok = conv_backprop_input(&q, heap + v[14], heap + v[15], heap + v[16], (int)threads);
  } else if (op == 2) {
    if (!span_ok(v[14], nx, len) || !span_ok(v[15], ny, len) || !span_ok(v[16], nf, len))
      return fail(env, "dflsim native conv2d: operand outside the heap");
    ok = conv_backprop_filter(&q, heap + v[14], heap + v[15], heap + v[16], (int)threads);
  } else {
    return fail(env, "dflsim native conv2d: bad op");
  }
  if (!ok) return fail(env, "dflsim native conv2d: out of memory");
  return NULL;
}

/* mix(out, [s0, s1, ...], weights): out[p] = f32(((0 + w0*s0[p]) + w1*s1[p]) + ...) in float64, the
 * terms in the given order: the same IEEE operations, element by element, as mixing.ts's loops */
#define MIX_MAX 64
static napi_value js_mix(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3) return fail(env, "dflsim native mix: expected 3 arguments");
  float *out;
  size_t n;
  if (!get_heap(env, argv[0], &out, &n)) return fail(env, "dflsim native mix: out must be a Float32Array");
  uint32_t k;
  bool isArr;
  if (napi_is_array(env, argv[1], &isArr) != napi_ok || !isArr || napi_get_array_length(env, argv[1], &k) != napi_ok || k < 1 || k > MIX_MAX)
    return fail(env, "dflsim native mix: sources must be an array of 1 to 64 Float32Arrays");
  napi_typedarray_type wt;
  size_t wn;
  void *wdata;
  napi_value wab;
  size_t woff;
  if (napi_get_typedarray_info(env, argv[2], &wt, &wn, &wdata, &wab, &woff) != napi_ok || wt != napi_float64_array || wn != k)
    return fail(env, "dflsim native mix: weights must be a Float64Array, one per source");
  const double *w = (const double *)wdata;
  const float *src[MIX_MAX];
  for (uint32_t q = 0; q < k; q++) {
    napi_value e;
    float *d;
    size_t len;
    if (napi_get_element(env, argv[1], q, &e) != napi_ok || !get_heap(env, e, &d, &len) || len != n)
      return fail(env, "dflsim native mix: every source must be a Float32Array as long as out");
    src[q] = d;
  }
  for (size_t p = 0; p < n; p++) {
    double x = 0.0;
    for (uint32_t q = 0; q < k; q++) x = x + w[q] * (double)src[q][p];
    out[p] = (float)x;
  }
  return NULL;
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

/* adam(heap, gOff, n, m, v, w, off, b1, c1, b2, c2, lrT, eps): one Adam step of n elements from the
 * gradient at gOff on the heap into m, v, w (Float32Arrays) from index off, in float64 exactly as
 * adam.ts's scalar loop: mi = b1*m + c1*g; vi = b2*v + (c2*g)*g; m = f32(mi); v = f32(vi);
 * w = f32(w - (lrT*mi) / (sqrt(vi) + eps)) */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) return fail(env, "dflsim native adam: expected 13 arguments");
  float *heap, *m, *v, *w;
  size_t hn, mn, vn, wn;
  int64_t g0, n, off;
  double k[6];
  if (!get_heap(env, argv[0], &heap, &hn) || !get_heap(env, argv[3], &m, &mn) || !get_heap(env, argv[4], &v, &vn) ||
      !get_heap(env, argv[5], &w, &wn) || napi_get_value_int64(env, argv[1], &g0) != napi_ok ||
      napi_get_value_int64(env, argv[2], &n) != napi_ok || napi_get_value_int64(env, argv[6], &off) != napi_ok)
    return fail(env, "dflsim native adam: bad arguments");
  for (int i = 0; i < 6; i++)
    if (napi_get_value_double(env, argv[7 + i], &k[i]) != napi_ok) return fail(env, "dflsim native adam: bad arguments");
  if (!span_ok(g0, n, hn) || !span_ok(off, n, mn) || !span_ok(off, n, vn) || !span_ok(off, n, wn))
    return fail(env, "dflsim native adam: operand out of range");
  adam_loop(n, heap + g0, m + off, v + off, w + off, k[0], k[1], k[2], k[3], k[4], k[5]);
  return NULL;
}

/* first[c] = the first taps[t] (in order) with x[taps[t] + c] == y[c], or -1 */
CLONES static void first_match(long nt, const long *taps, const float *x, const float *y, long C, long *first) {
  for (long c = 0; c < C; c++) first[c] = -1;
  for (long t = nt - 1; t >= 0; t--) {
    const float *xt = x + taps[t];
    const long tap = taps[t];
    for (long c = 0; c < C; c++) first[c] = xt[c] == y[c] ? tap : first[c];
  }
}

/* maxPoolGrad(heap, B, H, W, C, OH, OW, FH, FW, SH, SW, DH, DW, PT, PL, xOff, yOff, dyOff, dxOff):
 * dx = 0; for each image, window (row-major) and channel, dy goes to the first tap (row-major in
 * the window) whose x equals the window's maximum y; where none does (NaN), to the first tap of
 * the largest x by `>` (none: nowhere), as max-pool-grad.ts's JS loop */
static napi_value js_pool_grad(napi_env env, napi_callback_info info) {
  size_t argc = 19;
  napi_value argv[19];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 19) return fail(env, "dflsim native maxPoolGrad: expected 19 arguments");
  float *heap;
  size_t len;
  int64_t v[18];
  if (!get_heap(env, argv[0], &heap, &len) || !get_ints(env, argv, 1, 18, v)) return fail(env, "dflsim native maxPoolGrad: bad arguments");
  for (int i = 0; i < 14; i++)
    if (v[i] < 0 || v[i] > INT32_MAX) return fail(env, "dflsim native maxPoolGrad: bad geometry");
  const long B = v[0], H = v[1], W = v[2], C = v[3], OH = v[4], OW = v[5], FH = v[6], FW = v[7], SH = v[8], SW = v[9], DH = v[10],
             DW = v[11], PT = v[12], PL = v[13];
  if (SH < 1 || SW < 1 || DH < 1 || DW < 1 || C < 1) return fail(env, "dflsim native maxPoolGrad: bad geometry");
  if (!span_ok(v[14], B * H * W * C, len) || !span_ok(v[15], B * OH * OW * C, len) || !span_ok(v[16], B * OH * OW * C, len) ||
      !span_ok(v[17], B * H * W * C, len))
    return fail(env, "dflsim native maxPoolGrad: operand outside the heap");
  const float *x = heap + v[14], *y = heap + v[15], *dy = heap + v[16];
  float *dx = heap + v[17];
  memset(dx, 0, sizeof(float) * B * H * W * C);
  const long maxTaps = ((FH + DH - 1) / DH) * ((FW + DW - 1) / DW);
  long *taps = (long *)malloc(sizeof(long) * (maxTaps > 0 ? maxTaps : 1) + sizeof(long) * C);
  if (!taps) return fail(env, "dflsim native maxPoolGrad: out of memory");
  long *firstTap = taps + (maxTaps > 0 ? maxTaps : 1);
  for (long b = 0; b < B; b++) {
    const float *xi = x + b * H * W * C;
    float *dxi = dx + b * H * W * C;
    for (long r = 0; r < OH; r++) {
      for (long c0 = 0; c0 < OW; c0++) {
        long nt = 0;
        for (long kh = 0; kh < FH; kh += DH) {
          const long hh = r * SH - PT + kh;
          if (hh < 0 || hh >= H) continue;
          for (long kw = 0; kw < FW; kw += DW) {
            const long ww = c0 * SW - PL + kw;
            if (ww < 0 || ww >= W) continue;
            taps[nt++] = (hh * W + ww) * C;
          }
        }
        const long o = ((b * OH + r) * OW + c0) * C;
        /* the first tap (in order) equal to the maximum, per channel: taps in order, channels inner */
        first_match(nt, taps, xi, y + o, C, firstTap);
        for (long c = 0; c < C; c++) {
          long arg = -1;
          if (firstTap[c] >= 0) {
            arg = firstTap[c] + c;
          } else {
            float best = -INFINITY;
            for (long u = 0; u < nt; u++) {
              /* (a NaN window: the largest x by `>`, as the JS loop) */
              const float xv = xi[taps[u] + c];
              if (xv > best) {
                best = xv;
                arg = taps[u] + c;
              }
            }
          }
          if (arg >= 0) dxi[arg] = dxi[arg] + dy[o + c];
        }
      }
    }
  }
  free(taps);
  return NULL;
}

/* ---------------------------------------------------------------- FADNet's other layers (fadnet-step.ts)
 * Per-channel sums are float64 over rows in order; everything else is element-wise. */

typedef struct {
  napi_env env;
  float *heap;
  size_t len;
  int64_t v[24];
  double d[4];
} args_t;

/* heap, then ni ints, then nd doubles */
static int read_args(napi_env env, napi_callback_info info, size_t ni, size_t nd, args_t *a, const char *name) {
  napi_value argv[32];
  size_t argc = 32;
  a->env = env;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 + ni + nd || !get_heap(env, argv[0], &a->heap, &a->len) ||
      !get_ints(env, argv, 1, ni, a->v)) {
    napi_throw_error(env, NULL, name);
    return 0;
  }
  for (size_t i = 0; i < nd; i++)
    if (napi_get_value_double(env, argv[1 + ni + i], &a->d[i]) != napi_ok) {
      napi_throw_error(env, NULL, name);
      return 0;
    }
  return 1;
}
#define SPAN(a, off, n) span_ok((a)->v[off], (n), (a)->len)

CLONES static void bn_forward_loops(int64_t R, int64_t C, const float *x, const float *g, const float *b, float *y, float *mo, float *vo,
                                    double eps, double *mean, double *var, double *sc, double *sh) {
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (int64_t c = 0; c < C; c++) mean[c] /= (double)R;
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) {
      const double d = x[r * C + c] - mean[c];
      var[c] += d * d;
    }
  for (int64_t c = 0; c < C; c++) {
    var[c] /= (double)R;
    sc[c] = g[c] / sqrt(var[c] + eps);
    sh[c] = b[c];
    mo[c] = (float)mean[c];
    vo[c] = (float)var[c];
  }
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) y[r * C + c] = (float)((x[r * C + c] - mean[c]) * sc[c] + sh[c]);
}

CLONES static void bn_backward_loops(int64_t R, int64_t C, const float *dy, const float *x, const float *g, const float *mean, const float *var,
                                     float *dx, float *dg, float *db, double eps, double *sdy, double *sdyx, double *inv, double *k1, double *k2) {
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) {
      const double d = dy[r * C + c];
      sdy[c] += d;
      sdyx[c] += d * ((double)x[r * C + c] - mean[c]);
    }
  for (int64_t c = 0; c < C; c++) {
    inv[c] = 1.0 / sqrt((double)var[c] + eps);
    const double dgc = inv[c] * sdyx[c];
    db[c] = (float)sdy[c];
    dg[c] = (float)dgc;
    k1[c] = g[c] * inv[c]; /* dx = k1 (dy - sdy / M) - k2 (x - mean) */
    k2[c] = g[c] * inv[c] * inv[c] * dgc / (double)R;
  }
  for (int64_t c = 0; c < C; c++) sdy[c] /= (double)R;
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++)
      dx[r * C + c] = (float)(k1[c] * ((double)dy[r * C + c] - sdy[c]) - k2[c] * ((double)x[r * C + c] - mean[c]));
}

/* bnForward(heap, rows, C, x, gamma, beta, y, mean, var, eps): batch mean and biased variance
 * (float64 over rows, centred second pass), y = (x - mean) * gamma / sqrt(var + eps) + beta */
static napi_value js_bn_forward(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 8, 1, &a, "dflsim native bnForward: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 1 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, C) || !SPAN(&a, 4, C) || !SPAN(&a, 5, R * C) || !SPAN(&a, 6, C) || !SPAN(&a, 7, C))
    return fail(env, "dflsim native bnForward: operand outside the heap");
  const float *x = a.heap + a.v[2], *g = a.heap + a.v[3], *b = a.heap + a.v[4];
  float *y = a.heap + a.v[5], *mo = a.heap + a.v[6], *vo = a.heap + a.v[7];
  const double eps = a.d[0];
  double *acc = (double *)calloc((size_t)C * 4, sizeof(double));
  if (!acc) return fail(env, "dflsim native bnForward: out of memory");
  bn_forward_loops(R, C, x, g, b, y, mo, vo, eps, acc, acc + C, acc + 2 * C, acc + 3 * C);
  free(acc);
  return NULL;
}

/* bnBackward(heap, rows, C, dy, x, gamma, mean, var, dx, dgamma, dbeta, eps):
 * dbeta = sum dy; dgamma = inv sum dy (x - mean); dx = gamma inv (dy - dbeta / M - (x - mean) inv dgamma / M) */
static napi_value js_bn_backward(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 10, 1, &a, "dflsim native bnBackward: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 1 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, R * C) || !SPAN(&a, 4, C) || !SPAN(&a, 5, C) || !SPAN(&a, 6, C) ||
      !SPAN(&a, 7, R * C) || !SPAN(&a, 8, C) || !SPAN(&a, 9, C))
    return fail(env, "dflsim native bnBackward: operand outside the heap");
  const float *dy = a.heap + a.v[2], *x = a.heap + a.v[3], *g = a.heap + a.v[4], *mean = a.heap + a.v[5], *var = a.heap + a.v[6];
  float *dx = a.heap + a.v[7], *dg = a.heap + a.v[8], *db = a.heap + a.v[9];
  const double eps = a.d[0];
  double *acc = (double *)calloc((size_t)C * 5, sizeof(double));
  if (!acc) return fail(env, "dflsim native bnBackward: out of memory");
  bn_backward_loops(R, C, dy, x, g, mean, var, dx, dg, db, eps, acc, acc + C, acc + 2 * C, acc + 3 * C, acc + 4 * C);
  free(acc);
  return NULL;
}

CLONES static void relu_loop(int64_t n, const float *x, float *y) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
CLONES static void relu_grad_loop(int64_t n, const float *y, const float *dy, float *dx) {
  for (int64_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
/* out = x + y (out may be y: x + out) */
CLONES static void add_loop(int64_t n, const float *x, const float *y, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = x[i] + y[i];
}
CLONES static void col_sums_loop(int64_t R, int64_t C, const float *x, double *acc) {
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) acc[c] += x[r * C + c];
}
CLONES static void affine_loop(int64_t n, const float *x, float *y, float a, float b) {
  for (int64_t i = 0; i < n; i++) {
    const float t = x[i] * a;
    y[i] = t + b;
  }
}

/* affine(heap, n, x, y, a, b): y = f32(f32(x * a) + b) (a, b rounded to float32) */
static napi_value js_affine(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 3, 2, &a, "dflsim native affine: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 2, n)) return fail(env, "dflsim native affine: operand outside the heap");
  affine_loop(n, a.heap + a.v[1], a.heap + a.v[2], (float)a.d[0], (float)a.d[1]);
  return NULL;
}

/* pairMean(heap, n, p, f): f[i] = f32(f32(p[2i] + p[2i+1]) / 2) (a support branch's mean of adjacent pairs) */
static napi_value js_pair_mean(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 3, 0, &a, "dflsim native pairMean: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, 2 * n) || !SPAN(&a, 2, n)) return fail(env, "dflsim native pairMean: operand outside the heap");
  const float *p = a.heap + a.v[1];
  float *f = a.heap + a.v[2];
  for (int64_t i = 0; i < n; i++) {
    const float t = p[2 * i] + p[2 * i + 1];
    f[i] = t / 2.0f;
  }
  return NULL;
}

/* swapLast2(heap, N, A, B, src, dst): dst[n, b, a] = src[n, a, b] */
static napi_value js_swap_last2(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 5, 0, &a, "dflsim native swapLast2: bad arguments")) return NULL;
  const int64_t N = a.v[0], A = a.v[1], Bd = a.v[2];
  if (N < 0 || A < 0 || Bd < 0 || !SPAN(&a, 3, N * A * Bd) || !SPAN(&a, 4, N * A * Bd)) return fail(env, "dflsim native swapLast2: operand outside the heap");
  const float *src = a.heap + a.v[3];
  float *dst = a.heap + a.v[4];
  for (int64_t n = 0; n < N; n++)
    for (int64_t i = 0; i < A; i++)
      for (int64_t j = 0; j < Bd; j++) dst[(n * Bd + j) * A + i] = src[(n * A + i) * Bd + j];
  return NULL;
}

/* biasAdd(heap, rows, C, x, bias): x[r, c] = x[r, c] + bias[c] */
static napi_value js_bias_add(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native biasAdd: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 0 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, C)) return fail(env, "dflsim native biasAdd: operand outside the heap");
  float *x = a.heap + a.v[2];
  const float *b = a.heap + a.v[3];
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) x[r * C + c] = x[r * C + c] + b[c];
  return NULL;
}

/* fadnetHead(heap, B, F, z, mask, f1, f2, f3, k, kb, y, fs, fc, dfs, dp1, dp2, dp3, gk, gkb) -> loss:
 * FADNet's dropout, Accumulation, Aggregation and MSE loss, and their gradients:
 *   fs = z mask; fc = f32(f32(f32(f1 k0 + f2 k1) + f3 k2) + kb) (each product and sum in float32);
 *   out_b = f32(sum_j fs fc / F) (float64 sum); loss = mean_b (out_b - y_b)^2 (float64);
 *   with s_b = 2 (out_b - y_b) / (B F): dfs = s fc mask (the gradient before dropout), dfc = s fs;
 *   dp_i[2j] = dp_i[2j+1] = f32(f32(dfc_j k_i) / 2); gk_i = sum dfc f_i, gkb = sum dfc (float64) */
static napi_value js_fadnet_head(napi_env env, napi_callback_info info) {
  args_t a;
  napi_value out;
  if (!read_args(env, info, 18, 0, &a, "dflsim native fadnetHead: bad arguments")) return NULL;
  const int64_t B = a.v[0], F = a.v[1], n = B * F;
  if (B < 1 || F < 1) return fail(env, "dflsim native fadnetHead: bad sizes");
  const int big[] = {2, 3, 4, 5, 6, 10, 11, 12}; /* z, mask, f1, f2, f3, fs, fc, dfs: B x F */
  for (int i = 0; i < 8; i++)
    if (!SPAN(&a, big[i], n)) return fail(env, "dflsim native fadnetHead: operand outside the heap");
  if (!SPAN(&a, 7, 3) || !SPAN(&a, 8, 1) || !SPAN(&a, 9, B) || !SPAN(&a, 13, 2 * n) || !SPAN(&a, 14, 2 * n) || !SPAN(&a, 15, 2 * n) ||
      !SPAN(&a, 16, 3) || !SPAN(&a, 17, 1))
    return fail(env, "dflsim native fadnetHead: operand outside the heap");
  float *h = a.heap;
  const float *z = h + a.v[2], *mask = h + a.v[3], *f1 = h + a.v[4], *f2 = h + a.v[5], *f3 = h + a.v[6], *y = h + a.v[9];
  const float k0 = h[a.v[7]], k1 = h[a.v[7] + 1], k2 = h[a.v[7] + 2], kb = h[a.v[8]];
  float *fs = h + a.v[10], *fc = h + a.v[11], *dfs = h + a.v[12], *dp[3] = {h + a.v[13], h + a.v[14], h + a.v[15]};
  float *gk = h + a.v[16], *gkb = h + a.v[17];
  double loss = 0, g0 = 0, g1 = 0, g2 = 0, gb = 0;
  for (int64_t b = 0; b < B; b++) {
    double sum = 0;
    for (int64_t j = 0; j < F; j++) {
      const int64_t i = b * F + j;
      fs[i] = z[i] * mask[i];
      const float p0 = f1[i] * k0, p1 = f2[i] * k1, p2 = f3[i] * k2;
      const float t0 = p0 + p1, t1 = t0 + p2;
      fc[i] = t1 + kb;
      sum += (double)fs[i] * (double)fc[i];
    }
    const float o = (float)(sum / (double)F);
    const double d = (double)o - (double)y[b];
    loss += d * d;
    const double sb = (2.0 * d / (double)B) / (double)F;
    for (int64_t j = 0; j < F; j++) {
      const int64_t i = b * F + j;
      dfs[i] = (float)(sb * fc[i] * mask[i]);
      const float dc = (float)(sb * fs[i]);
      g0 += (double)dc * f1[i];
      g1 += (double)dc * f2[i];
      g2 += (double)dc * f3[i];
      gb += dc;
      const float kk[3] = {k0, k1, k2};
      for (int q = 0; q < 3; q++) {
        const float t = dc * kk[q];
        const float hlf = t / 2.0f;
        dp[q][2 * i] = hlf;
        dp[q][2 * i + 1] = hlf;
      }
    }
  }
  gk[0] = (float)g0;
  gk[1] = (float)g1;
  gk[2] = (float)g2;
  gkb[0] = (float)gb;
  CHECK(napi_create_double(env, loss / (double)B, &out));
  return out;
}

/* relu(heap, n, x, y): y = max(x, 0); reluGrad(heap, n, y, dy, dx): dx = y > 0 ? dy : 0 (dx may be dy) */
static napi_value js_relu(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 3, 0, &a, "dflsim native relu: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 2, n)) return fail(env, "dflsim native relu: operand outside the heap");
  const float *x = a.heap + a.v[1];
  float *y = a.heap + a.v[2];
  relu_loop(n, x, y);
  return NULL;
}
static napi_value js_relu_grad(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native reluGrad: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 2, n) || !SPAN(&a, 3, n)) return fail(env, "dflsim native reluGrad: operand outside the heap");
  const float *y = a.heap + a.v[1], *dy = a.heap + a.v[2];
  float *dx = a.heap + a.v[3];
  relu_grad_loop(n, y, dy, dx);
  return NULL;
}

/* add(heap, n, a, b, out, acc): out = a + b; acc = 1: out += a (b ignored) */
static napi_value js_add(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 5, 0, &a, "dflsim native add: bad arguments")) return NULL;
  const int64_t n = a.v[0];
  if (!SPAN(&a, 1, n) || !SPAN(&a, 3, n) || (!a.v[4] && !SPAN(&a, 2, n))) return fail(env, "dflsim native add: operand outside the heap");
  const float *x = a.heap + a.v[1];
  float *out = a.heap + a.v[3];
  add_loop(n, x, a.v[4] ? out : a.heap + a.v[2], out);
  return NULL;
}

/* colSums(heap, rows, C, x, out): out[c] = sum over rows of x[r, c] (float64, in row order) */
static napi_value js_col_sums(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 4, 0, &a, "dflsim native colSums: bad arguments")) return NULL;
  const int64_t R = a.v[0], C = a.v[1];
  if (R < 0 || C < 1 || !SPAN(&a, 2, R * C) || !SPAN(&a, 3, C)) return fail(env, "dflsim native colSums: operand outside the heap");
  const float *x = a.heap + a.v[2];
  float *out = a.heap + a.v[3];
  double *acc = (double *)calloc((size_t)C, sizeof(double));
  if (!acc) return fail(env, "dflsim native colSums: out of memory");
  col_sums_loop(R, C, x, acc);
  for (int64_t c = 0; c < C; c++) out[c] = (float)acc[c];
  free(acc);
  return NULL;
}

/* maxPool(heap, B, H, W, C, OH, OW, FH, FW, SH, SW, PT, PL, x, y): window maxima (taps outside the image skipped) */
static napi_value js_max_pool(napi_env env, napi_callback_info info) {
  args_t a;
  if (!read_args(env, info, 14, 0, &a, "dflsim native maxPool: bad arguments")) return NULL;
  const int64_t B = a.v[0], H = a.v[1], W = a.v[2], C = a.v[3], OH = a.v[4], OW = a.v[5], FH = a.v[6], FW = a.v[7], SH = a.v[8],
                SW = a.v[9], PT = a.v[10], PL = a.v[11];
  if (B < 0 || H < 1 || W < 1 || C < 1 || OH < 0 || OW < 0 || FH < 1 || FW < 1 || SH < 1 || SW < 1 || !SPAN(&a, 12, B * H * W * C) ||
      !SPAN(&a, 13, B * OH * OW * C))
    return fail(env, "dflsim native maxPool: operand outside the heap");
  const float *x = a.heap + a.v[12];
  float *y = a.heap + a.v[13];
  for (int64_t b = 0; b < B; b++)
    for (int64_t r = 0; r < OH; r++)
      for (int64_t q = 0; q < OW; q++) {
        float *o = y + ((b * OH + r) * OW + q) * C;
        for (int64_t c = 0; c < C; c++) o[c] = -INFINITY;
        for (int64_t kh = 0; kh < FH; kh++) {
          const int64_t hh = r * SH - PT + kh;
          if (hh < 0 || hh >= H) continue;
          for (int64_t kw = 0; kw < FW; kw++) {
            const int64_t ww = q * SW - PL + kw;
            if (ww < 0 || ww >= W) continue;
            const float *s = x + ((b * H + hh) * W + ww) * C;
            for (int64_t c = 0; c < C; c++) o[c] = s[c] > o[c] || s[c] != s[c] ? s[c] : o[c];
          }
        }
      }
  return NULL;
}

/* forceKernel("portable" | "avx2" | "auto"): for tests; returns the kernel in use */
static napi_value js_kernel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc == 1) {
    char want[16] = {0};
    size_t n;
    CHECK(napi_get_value_string_utf8(env, argv[0], want, sizeof want, &n));
    if (strcmp(want, "portable") == 0) {
      kernel = kernel_portable;
      kernel_name = "portable";
    } else {
      kernel = kernel_portable;
      kernel_name = "portable";
#ifdef DFLSIM_X86
      if (__builtin_cpu_supports("avx2")) {
        kernel = kernel_avx2;
        kernel_name = "avx2";
      }
#endif
    }
  }
  napi_value out;
  CHECK(napi_create_string_utf8(env, kernel_name, NAPI_AUTO_LENGTH, &out));
  return out;
}

NAPI_MODULE_INIT() {
#ifdef DFLSIM_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    kernel = kernel_avx2;
    kernel_name = "avx2";
  }
#endif
  napi_property_descriptor props[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, js_conv, NULL, NULL, NULL, napi_default, NULL},
      {"kernel", NULL, js_kernel, NULL, NULL, NULL, napi_default, NULL},
      {"mix", NULL, js_mix, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, js_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"bnForward", NULL, js_bn_forward, NULL, NULL, NULL, napi_default, NULL},
      {"bnBackward", NULL, js_bn_backward, NULL, NULL, NULL, napi_default, NULL},
      {"relu", NULL, js_relu, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, js_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"add", NULL, js_add, NULL, NULL, NULL, napi_default, NULL},
      {"colSums", NULL, js_col_sums, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool", NULL, js_max_pool, NULL, NULL, NULL, napi_default, NULL},
      {"affine", NULL, js_affine, NULL, NULL, NULL, napi_default, NULL},
      {"pairMean", NULL, js_pair_mean, NULL, NULL, NULL, napi_default, NULL},
      {"swapLast2", NULL, js_swap_last2, NULL, NULL, NULL, napi_default, NULL},
      {"biasAdd", NULL, js_bias_add, NULL, NULL, NULL, napi_default, NULL},
      {"fadnetHead", NULL, js_fadnet_head, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
