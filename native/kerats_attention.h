/* kerats_attention.c: fused scaled dot-product attention over the wasm heap (see that file). */
#ifndef KERATS_ATTENTION_H
#define KERATS_ATTENTION_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>

/* Adds attentionForward and attentionBackward to the addon's exports (as kerats_norm_define and
   kerats_rnn_register do for theirs). */
void kerats_attention_define(napi_env env, napi_value exports);
#endif
