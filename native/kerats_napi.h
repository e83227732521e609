/*
 * kerats_napi.h: the N-API argument handling every kernel file of the addon shares (kerats_blas.c,
 * kerats_norm.c, kerats_rnn.c, kerats_attention.c). Every exported function takes the wasm memory's
 * ArrayBuffer first, then float32 offsets and sizes; these read them and check each range against
 * the memory before a kernel touches it, because a wrong offset would write outside its tensors.
 * Static inline so each file gets its own copy and the addon needs no extra source file.
 */
#ifndef KERATS_NAPI_H
#define KERATS_NAPI_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

/* The most arguments any exported function takes (the recurrent and attention ones). */
#define KERATS_MAX_ARGS 24

typedef struct {
  napi_env env;
  napi_value argv[KERATS_MAX_ARGS];
  size_t argc;
  float *heap;
  size_t heap_len; /* in floats */
  int failed;
} Call;

/* Throws a RangeError (only the first one of a call) and marks the call failed. */
static inline void fail(Call *c, const char *msg) {
  if (!c->failed) napi_throw_range_error(c->env, NULL, msg);
  c->failed = 1;
}

/* Reads the arguments (at least `want`) and the heap; 0 with a thrown TypeError when they are wrong. */
static inline int start(Call *c, napi_env env, napi_callback_info info, size_t want) {
  c->env = env;
  c->argc = KERATS_MAX_ARGS;
  c->failed = 0;
  c->heap = NULL;
  c->heap_len = 0;
  if (want > KERATS_MAX_ARGS || napi_get_cb_info(env, info, &c->argc, c->argv, NULL, NULL) != napi_ok || c->argc < want) {
    napi_throw_type_error(env, NULL, "kerats-blas: wrong number of arguments");
    return 0;
  }
  void *data = NULL;
  size_t bytes = 0;
  bool is_ab = false;
  napi_is_arraybuffer(env, c->argv[0], &is_ab);
  if (!is_ab || napi_get_arraybuffer_info(env, c->argv[0], &data, &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "kerats-blas: first argument must be the WebAssembly memory's ArrayBuffer");
    return 0;
  }
  c->heap = (float *)data;
  c->heap_len = bytes / sizeof(float);
  return 1;
}

static inline int64_t arg_int(Call *c, size_t i) {
  int64_t v = 0;
  if (c->failed) return 0;
  if (napi_get_value_int64(c->env, c->argv[i], &v) != napi_ok) fail(c, "kerats-blas: expected an integer argument");
  return v;
}

static inline double arg_num(Call *c, size_t i) {
  double v = 0;
  if (c->failed) return 0;
  if (napi_get_value_double(c->env, c->argv[i], &v) != napi_ok) fail(c, "kerats-blas: expected a number argument");
  return v;
}

/* A pointer to `count` floats at `offset`, or NULL (and a thrown error) when it leaves the heap. */
static inline float *span(Call *c, int64_t offset, int64_t count) {
  if (c->failed) return NULL;
  if (offset < 0 || count < 0 || (uint64_t)offset + (uint64_t)count > c->heap_len) {
    fail(c, "kerats-blas: tensor range outside the WebAssembly memory");
    return NULL;
  }
  return c->heap + offset;
}

/* The same at the offset given by argument i. */
static inline float *arg_span(Call *c, size_t i, int64_t count) {
  return span(c, arg_int(c, i), count);
}

/* The same, or NULL without an error for offset -1 when `optional` (a tensor the caller left out). */
static inline float *span_optional(Call *c, int64_t offset, int64_t count, int optional) {
  if (c->failed) return NULL;
  if (optional && offset == -1) return NULL;
  return span(c, offset, count);
}
#endif
