/*
 * Helper threads for the kernels. Each calling thread (the main thread, or a pool worker's)
 * has its own scratch and its own helper threads, started on first use and kept, parked on
 * a condition variable between tasks. A task is fn(ctx, t, scratch) for t = 0 .. T-1,
 * t = 0 on the caller; each t has a scratch of its own.
 */
#ifndef DFLSIM_THREAD_POOL_H
#define DFLSIM_THREAD_POOL_H

#include <node_api.h>
#include "scratch.h"

#define MAX_THREADS 64

typedef void (*task_fn)(void *ctx, int t, scratch3 *s);

/* the Node environment calling on this thread: a pool started on it is stopped with it */
void pool_bind_env(napi_env env);

/* the calling thread's own scratch (the one task 0 gets) */
scratch3 *pool_own_scratch(void);

/* the number of threads pool_run may use for T tasks: T, or fewer when helpers cannot be
 * started (1 without helpers); starts this thread's helpers as needed */
int pool_threads(int T);

/* run fn for t = 0 .. T-1 and wait for all; T from pool_threads */
void pool_run(int T, task_fn fn, void *ctx);

#endif
