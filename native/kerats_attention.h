/* kerats_attention.c: fused scaled dot-product attention over the wasm heap (see that file). */
#ifndef KERATS_ATTENTION_H
#define KERATS_ATTENTION_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>

/* Row-major C = op(A) op(B) + beta C with row strides, on the GEMM in use (kerats_blas.c). */
void kerats_gemm_ld(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                    float beta, float *c, int64_t ldc);
/* The addon's functions attentionForward and attentionBackward. */
napi_value KeratsAttentionForward(napi_env env, napi_callback_info info);
napi_value KeratsAttentionBackward(napi_env env, napi_callback_info info);
#endif
