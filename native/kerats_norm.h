/* kerats_norm.c: one-pass normalisation and bias + activation gradient loops (see there). */
#ifndef KERATS_NORM_H
#define KERATS_NORM_H
#include <node_api.h>
/* Adds layerNorm, layerNormGrad, batchNorm, batchNormGrad, biasActGrad and adam to the addon's exports. */
void kerats_norm_define(napi_env env, napi_value exports);
#endif
