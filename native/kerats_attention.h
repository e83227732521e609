/* kerats_attention.c: fused scaled dot-product attention over the wasm heap (see that file). */
#ifndef KERATS_ATTENTION_H
#define KERATS_ATTENTION_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>

/* The addon's functions attentionForward and attentionBackward. */
napi_value KeratsAttentionForward(napi_env env, napi_callback_info info);
napi_value KeratsAttentionBackward(napi_env env, napi_callback_info info);
#endif
