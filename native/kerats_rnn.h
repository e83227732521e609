/* Whole-sequence recurrent layers (kerats_rnn.c) and the GEMM they share with kerats_blas.c. */
#ifndef KERATS_RNN_H
#define KERATS_RNN_H
#include <node_api.h>
#include <stdint.h>

/* Row-major C = op(A) op(B) + beta C with explicit row strides, on the GEMM in use (OpenBLAS or bundled). */
void kerats_gemm_ld(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                    float beta, float *c, int64_t ldc);
/* Adds rnnForward, rnnBackward and rnnWorkspace to the addon's exports. */
void kerats_rnn_register(napi_env env, napi_value exports);
/* The workspace a forward pass fills for the backward one, in floats. */
int64_t kerats_rnn_workspace(int cell, int64_t b, int64_t t, int64_t u);
#endif
