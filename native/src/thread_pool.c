/*
 * dflsim's helper threads: one pool per calling thread, its helpers parked on a condition
 * variable between tasks (see thread_pool.h). Threads never share an output element, so
 * the pool never changes a result.
 */
#include "thread_pool.h"

#include <pthread.h>
#include <stdlib.h>

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

void pool_bind_env(napi_env env) { tls_env = env; }

scratch3 *pool_own_scratch(void) { return &tls_sc; }

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
int pool_threads(int T) {
  if (T <= 1) return 1;
  if (T > MAX_THREADS) T = MAX_THREADS;
  pool *p = get_pool(T - 1);
  return p ? (p->n + 1 < T ? p->n + 1 : T) : 1;
}

void pool_run(int T, task_fn fn, void *ctx) {
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
