/*
 * kerats_norm.c: the one-pass loops behind kerats' fused normalisation layers and the bias +
 * activation backward of Dense/Conv2D and the Adam step (src/runtime/wasm-kernels/fused-norm.ts, which has the same
 * loops in JavaScript for when this addon is absent). Like kerats_blas.c they read and write the
 * WebAssembly backend's memory in place: the first argument is its ArrayBuffer, the others float32
 * offsets into it and sizes, each range checked against the memory before anything is touched.
 *
 * LayerNorm normalises each of `rows` rows of `d` contiguous floats; BatchNorm each of the `c`
 * channels (the last axis) over all `rows`. Sums accumulate in double: a batch's statistics add up
 * to hundreds of thousands of values.
 */
#include "kerats_napi.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kerats_norm.h"

static int sizes_ok(Call *a, int64_t rows, int64_t d) {
  if (a->failed) return 0;
  if (rows <= 0 || d <= 0) { fail(a, "kerats-blas: normalisation sizes must be positive"); return 0; }
  return 1;
}

static double *scratch(Call *a, int64_t n) {
  double *p = calloc((size_t)n, sizeof(double));
  if (!p) fail(a, "kerats-blas: out of memory");
  return p;
}

/* layerNorm(heap, x, gamma, beta, y, mean, rstd, rows, d, eps) */
static napi_value LayerNorm(napi_env env, napi_callback_info info) {
  Call a;
  if (!start(&a, env, info, 10)) return NULL;
  const int64_t rows = arg_int(&a, 7), d = arg_int(&a, 8);
  const float eps = (float)arg_num(&a, 9);
  if (!sizes_ok(&a, rows, d)) return NULL;
  const float *x = arg_span(&a, 1, rows * d), *g = arg_span(&a, 2, d), *b = arg_span(&a, 3, d);
  float *y = arg_span(&a, 4, rows * d), *mean = arg_span(&a, 5, rows), *rstd = arg_span(&a, 6, rows);
  if (a.failed) return NULL;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += xr[j];
    const float m = (float)(s / (double)d);
    double v = 0;
    for (int64_t j = 0; j < d; j++) { const double t = (double)xr[j] - m; v += t * t; }
    const float rs = (float)(1.0 / sqrt(v / (double)d + eps));
    mean[r] = m;
    rstd[r] = rs;
    for (int64_t j = 0; j < d; j++) yr[j] = (xr[j] - m) * rs * g[j] + b[j];
  }
  return NULL;
}

/* layerNormGrad(heap, dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, d) */
static napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  Call a;
  if (!start(&a, env, info, 11)) return NULL;
  const int64_t rows = arg_int(&a, 9), d = arg_int(&a, 10);
  if (!sizes_ok(&a, rows, d)) return NULL;
  const float *dy = arg_span(&a, 1, rows * d), *x = arg_span(&a, 2, rows * d), *g = arg_span(&a, 3, d);
  const float *mean = arg_span(&a, 4, rows), *rstd = arg_span(&a, 5, rows);
  float *dx = arg_span(&a, 6, rows * d), *dg = arg_span(&a, 7, d), *db = arg_span(&a, 8, d);
  if (a.failed) return NULL;
  double *acc = scratch(&a, 2 * d);
  if (!acc) return NULL;
  double *accg = acc, *accb = acc + d;
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * d, *xr = x + r * d;
    float *dxr = dx + r * d;
    const float m = mean[r], rs = rstd[r];
    double s1 = 0, s2 = 0;
    for (int64_t j = 0; j < d; j++) {
      const float xh = (xr[j] - m) * rs, t = dyr[j] * g[j];
      s1 += t;
      s2 += (double)t * xh;
      accg[j] += (double)dyr[j] * xh;
      accb[j] += dyr[j];
    }
    const float m1 = (float)(s1 / (double)d), m2 = (float)(s2 / (double)d);
    for (int64_t j = 0; j < d; j++) dxr[j] = rs * (dyr[j] * g[j] - m1 - (xr[j] - m) * rs * m2);
  }
  for (int64_t j = 0; j < d; j++) { dg[j] = (float)accg[j]; db[j] = (float)accb[j]; }
  free(acc);
  return NULL;
}

/* batchNorm(heap, x, gamma, beta, y, mean, variance, rstd, rows, c, eps): batch statistics per channel. */
static napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Call a;
  if (!start(&a, env, info, 11)) return NULL;
  const int64_t rows = arg_int(&a, 8), c = arg_int(&a, 9);
  const double eps = arg_num(&a, 10);
  if (!sizes_ok(&a, rows, c)) return NULL;
  const float *x = arg_span(&a, 1, rows * c), *g = arg_span(&a, 2, c), *b = arg_span(&a, 3, c);
  float *y = arg_span(&a, 4, rows * c), *mean = arg_span(&a, 5, c), *var = arg_span(&a, 6, c), *rstd = arg_span(&a, 7, c);
  if (a.failed) return NULL;
  double *s = scratch(&a, c);
  float *k = s ? malloc((size_t)(2 * c) * sizeof(float)) : NULL;
  if (!k) { free(s); if (s) fail(&a, "kerats-blas: out of memory"); return NULL; }
  float *shift = k + c;
  for (int64_t r = 0; r < rows; r++) { const float *xr = x + r * c; for (int64_t j = 0; j < c; j++) s[j] += xr[j]; }
  for (int64_t j = 0; j < c; j++) { mean[j] = (float)(s[j] / (double)rows); s[j] = 0; }
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    for (int64_t j = 0; j < c; j++) { const double t = (double)xr[j] - mean[j]; s[j] += t * t; }
  }
  for (int64_t j = 0; j < c; j++) {
    const double v = s[j] / (double)rows;
    const float rs = (float)(1.0 / sqrt(v + eps));
    var[j] = (float)v;
    rstd[j] = rs;
    k[j] = rs * g[j];
    shift[j] = b[j] - mean[j] * k[j];
  }
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    float *yr = y + r * c;
    for (int64_t j = 0; j < c; j++) yr[j] = xr[j] * k[j] + shift[j];
  }
  free(s);
  free(k);
  return NULL;
}

/* batchNormGrad(heap, dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, c) */
static napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  Call a;
  if (!start(&a, env, info, 11)) return NULL;
  const int64_t rows = arg_int(&a, 9), c = arg_int(&a, 10);
  if (!sizes_ok(&a, rows, c)) return NULL;
  const float *dy = arg_span(&a, 1, rows * c), *x = arg_span(&a, 2, rows * c), *g = arg_span(&a, 3, c);
  const float *mean = arg_span(&a, 4, c), *rstd = arg_span(&a, 5, c);
  float *dx = arg_span(&a, 6, rows * c), *dg = arg_span(&a, 7, c), *db = arg_span(&a, 8, c);
  if (a.failed) return NULL;
  double *s = scratch(&a, 2 * c);
  float *coef = s ? malloc((size_t)(3 * c) * sizeof(float)) : NULL;
  if (!coef) { free(s); if (s) fail(&a, "kerats-blas: out of memory"); return NULL; }
  double *sdy = s, *sdyx = s + c;
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * c, *xr = x + r * c;
    for (int64_t j = 0; j < c; j++) { sdy[j] += dyr[j]; sdyx[j] += (double)dyr[j] * (xr[j] - mean[j]); }
  }
  /* dx = k·dy - q·(x - mean) - p, with k = rstd·gamma, q = k·rstd²·Σdy(x-mean)/rows, p = k·Σdy/rows. */
  float *k = coef, *q = coef + c, *p = coef + 2 * c;
  for (int64_t j = 0; j < c; j++) {
    const double rs = rstd[j];
    db[j] = (float)sdy[j];
    dg[j] = (float)(sdyx[j] * rs);
    k[j] = (float)(rs * g[j]);
    q[j] = (float)(rs * g[j] * rs * rs * sdyx[j] / (double)rows);
    p[j] = (float)(rs * g[j] * sdy[j] / (double)rows);
  }
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * c, *xr = x + r * c;
    float *dxr = dx + r * c;
    for (int64_t j = 0; j < c; j++) dxr[j] = k[j] * dyr[j] - q[j] * (xr[j] - mean[j]) - p[j];
  }
  free(s);
  free(coef);
  return NULL;
}

/* Activation codes shared with NORM_ACTIVATIONS in src/runtime/native/blas.ts. */
enum { NACT_LINEAR = 0, NACT_RELU = 1, NACT_ELU = 3, NACT_SIGMOID = 4, NACT_TANH = 6 };

/*
 * One row: dz = dy·act'(y), part += dz. Restrict-qualified, and each value loaded before the select, so the compiler
 * vectorises it: a relu's mask is random, and a branch per element mispredicts half the time.
 */
static void act_grad_row(const float *restrict dy, const float *restrict y, float *restrict dz, float *restrict part, int64_t c, int act) {
  switch (act) {
    case NACT_RELU: for (int64_t j = 0; j < c; j++) { const float g = dy[j]; dz[j] = y[j] > 0.0f ? g : 0.0f; } break;
    case NACT_ELU: for (int64_t j = 0; j < c; j++) { const float g = dy[j], v = y[j], e = g * (v + 1.0f); dz[j] = v >= 0.0f ? g : e; } break; /* as tfjs's EluGrad */
    case NACT_SIGMOID: for (int64_t j = 0; j < c; j++) dz[j] = dy[j] * y[j] * (1.0f - y[j]); break;
    case NACT_TANH: for (int64_t j = 0; j < c; j++) dz[j] = dy[j] * (1.0f - y[j] * y[j]); break;
    default: for (int64_t j = 0; j < c; j++) dz[j] = dy[j]; break;
  }
  for (int64_t j = 0; j < c; j++) part[j] += dz[j];
}

/* biasActGrad(heap, dy, y, dz, dbias, rows, c, act): dz = dy·act'(y), dbias = Σ over rows of dz. */
static napi_value BiasActGrad(napi_env env, napi_callback_info info) {
  Call a;
  if (!start(&a, env, info, 8)) return NULL;
  const int64_t rows = arg_int(&a, 5), c = arg_int(&a, 6);
  const int act = (int)arg_int(&a, 7);
  if (!sizes_ok(&a, rows, c)) return NULL;
  const float *dy = arg_span(&a, 1, rows * c), *y = arg_span(&a, 2, rows * c);
  float *dz = arg_span(&a, 3, rows * c), *db = arg_span(&a, 4, c);
  if (a.failed) return NULL;
  /* Float partial sums per block of rows, added into double: vectorisable and still exact enough. */
  double *acc = scratch(&a, c);
  float *part = acc ? calloc((size_t)c, sizeof(float)) : NULL;
  if (!part) { free(acc); if (acc) fail(&a, "kerats-blas: out of memory"); return NULL; }
  for (int64_t r = 0; r < rows; r++) {
    act_grad_row(dy + r * c, y + r * c, dz + r * c, part, c, act);
    if ((r & 63) == 63 || r == rows - 1) {
      for (int64_t j = 0; j < c; j++) { acc[j] += part[j]; part[j] = 0; }
    }
  }
  for (int64_t j = 0; j < c; j++) db[j] = (float)acc[j];
  free(acc);
  free(part);
  return NULL;
}

/*
 * adam(heap, w, g, m, v, w2, m2, v2, n, alpha, beta1, beta2, eps): one Adam step in one pass, in the
 * float32 operation order of kerats' Adam rule: m2 = m + (g - m)(1 - beta1), v2 = v + (g² - v)(1 - beta2),
 * w2 = w - (m2·alpha)/(sqrt(v2) + eps).
 */
static napi_value Adam(napi_env env, napi_callback_info info) {
  Call a;
  if (!start(&a, env, info, 13)) return NULL;
  const int64_t n = arg_int(&a, 8);
  const float alpha = (float)arg_num(&a, 9), c1 = (float)(1.0 - arg_num(&a, 10)), c2 = (float)(1.0 - arg_num(&a, 11)), eps = (float)arg_num(&a, 12);
  if (!sizes_ok(&a, n, 1)) return NULL;
  const float *w = arg_span(&a, 1, n), *g = arg_span(&a, 2, n), *m = arg_span(&a, 3, n), *v = arg_span(&a, 4, n);
  float *w2 = arg_span(&a, 5, n), *m2 = arg_span(&a, 6, n), *v2 = arg_span(&a, 7, n);
  if (a.failed) return NULL;
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] + (gi - m[i]) * c1;
    const float vi = v[i] + (gi * gi - v[i]) * c2;
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = w[i] - (mi * alpha) / (sqrtf(vi) + eps);
  }
  return NULL;
}

void kerats_norm_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"layerNorm", NULL, LayerNorm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNormGrad", NULL, LayerNormGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"batchNorm", NULL, BatchNorm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"batchNormGrad", NULL, BatchNormGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"biasActGrad", NULL, BiasActGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adam", NULL, Adam, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
