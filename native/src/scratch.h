/*
 * Scratch buffers kept by the thread that uses them and grown as needed: no allocation
 * and no page faults per call.
 */
#ifndef DFLSIM_SCRATCH_H
#define DFLSIM_SCRATCH_H

#include <stddef.h>
#include <stdlib.h>

/* A buffer kept by its thread and grown as needed (no allocation, no page faults per call). */
typedef struct {
  float *buf;
  size_t cap;
} growbuf;

/* at least n floats (old contents dropped), or NULL when out of memory */
static inline float *grow(growbuf *b, size_t n) {
  if (n > b->cap) {
    free(b->buf);
    b->buf = (float *)malloc(sizeof(float) * n);
    b->cap = b->buf ? n : 0;
  }
  return b->buf;
}

/* one thread's scratch: packed A and B panels for the GEMM, and patches (or their gradients) */
typedef struct {
  growbuf pa, pb, pc;
} scratch3;

#endif
