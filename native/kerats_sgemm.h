/* kerats' bundled SGEMM (kerats_sgemm.c): row-major C = op(A) op(B) + beta C, no BLAS needed. */
#ifndef KERATS_SGEMM_H
#define KERATS_SGEMM_H
#include <stdint.h>

/* op(A) is m x k (A is k x m when ta), op(B) is k x n (B is n x k when tb); lda/ldb/ldc are row strides. */
void kerats_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                  float beta, float *c, int64_t ldc);
/* Sets the thread count when n > 0; returns the count in use (default: the online CPUs). */
int kerats_sgemm_threads(int n);
/* The micro-kernel chosen for this CPU: "AVX2/FMA", "NEON" or "portable C". */
const char *kerats_sgemm_kernel(void);
#endif
