/*
 * kerats-blas: the optional native acceleration for kerats' WebAssembly backend.
 *
 * The wasm backend keeps every tensor in one WebAssembly memory (an ArrayBuffer). These functions
 * take that buffer plus float offsets into it and run the hot loops of training, writing the results
 * back into the same memory: no copies in or out. GEMM runs on the system's OpenBLAS when the addon
 * was built with it (KERATS_HAVE_OPENBLAS: Debian's libopenblas-dev present), else on the bundled
 * blocked SGEMM of kerats_sgemm.c, which needs only a C compiler; useBundled(true) picks the bundled
 * one even where OpenBLAS exists. Built from source by native/build.mjs; kerats works without it.
 * Plain N-API (node_api.h), so one build serves every Node version >= 18.
 *
 * Layouts are the wasm backend's: row-major, NHWC images, HWIO filters. Offsets and sizes are in
 * float32 elements. Argument checking is done here too, because a wrong offset would write outside
 * the tensors it was given.
 */
#include "kerats_napi.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include "kerats_sgemm.h"
#include "kerats_norm.h"
#include "kerats_rnn.h"
#include "kerats_attention.h"

#ifdef KERATS_HAVE_OPENBLAS
#include <cblas.h>
/* OpenBLAS's own API (declared in its cblas.h on Debian, repeated for other distributions). */
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
static int use_bundled = 0;
#else
static const int use_bundled = 1;
#endif

/* Row-major C = op(A) op(B) + beta C on the GEMM in use. */
static void sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, const float *b, float beta, float *c) {
  const int64_t lda = ta ? m : k, ldb = tb ? k : n;
#ifdef KERATS_HAVE_OPENBLAS
  if (!use_bundled) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f,
                a, (int)lda, b, (int)ldb, beta, c, (int)n);
    return;
  }
#endif
  kerats_sgemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, n);
}

/* The same with explicit row strides, for the recurrent layers (kerats_rnn.c). */
void kerats_gemm_ld(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                    float beta, float *c, int64_t ldc) {
#ifdef KERATS_HAVE_OPENBLAS
  if (!use_bundled) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f,
                a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
    return;
  }
#endif
  kerats_sgemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

/*
 * gemm(heap, transA, transB, m, n, k, aOff, bOff, cOff, batch, strideA, strideB, strideC, beta)
 * C[i] = op(A[i]) · op(B[i]) + beta·C[i] for i < batch; op(A) is m×k, op(B) is k×n, C is m×n.
 * A stride of 0 reuses one matrix for every batch entry.
 */
static napi_value Gemm(napi_env env, napi_callback_info info) {
  Call c;
  if (!start(&c, env, info, 14)) return NULL;
  int ta = (int)arg_int(&c, 1), tb = (int)arg_int(&c, 2);
  int64_t m = arg_int(&c, 3), n = arg_int(&c, 4), k = arg_int(&c, 5);
  int64_t ao = arg_int(&c, 6), bo = arg_int(&c, 7), co = arg_int(&c, 8);
  int64_t batch = arg_int(&c, 9), sa = arg_int(&c, 10), sb = arg_int(&c, 11), sc = arg_int(&c, 12);
  float beta = (float)arg_num(&c, 13);
  if (c.failed) return NULL;
  if (m <= 0 || n <= 0 || k <= 0 || batch <= 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) {
    fail(&c, "kerats-blas: gemm sizes must be positive 32-bit integers");
    return NULL;
  }
  float *a = span(&c, ao, sa * (batch - 1) + m * k);
  float *b = span(&c, bo, sb * (batch - 1) + k * n);
  float *out = span(&c, co, sc * (batch - 1) + m * n);
  if (c.failed) return NULL;
  for (int64_t i = 0; i < batch; i++) {
    sgemm(ta, tb, m, n, k, a + i * sa, b + i * sb, beta, out + i * sc);
  }
  return NULL;
}

/* Activation codes shared with src/runtime/native-blas.ts. */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_ELU = 3, ACT_SIGMOID = 4, ACT_LEAKY = 5 };

/* epilogue(heap, off, rows, cols, biasOff (-1: none), act, leakyAlpha): out = act(out + bias) in place. */
static napi_value Epilogue(napi_env env, napi_callback_info info) {
  Call c;
  if (!start(&c, env, info, 7)) return NULL;
  int64_t off = arg_int(&c, 1), rows = arg_int(&c, 2), cols = arg_int(&c, 3), bo = arg_int(&c, 4);
  int act = (int)arg_int(&c, 5);
  float alpha = (float)arg_num(&c, 6);
  float *out = span(&c, off, rows * cols);
  float *bias = bo >= 0 ? span(&c, bo, cols) : NULL;
  if (c.failed) return NULL;
  for (int64_t r = 0; r < rows; r++) {
    float *row = out + r * cols;
    if (bias) for (int64_t j = 0; j < cols; j++) row[j] += bias[j];
    switch (act) {
      case ACT_RELU: for (int64_t j = 0; j < cols; j++) row[j] = row[j] > 0 ? row[j] : 0; break;
      case ACT_RELU6: for (int64_t j = 0; j < cols; j++) row[j] = row[j] < 0 ? 0 : (row[j] > 6 ? 6 : row[j]); break;
      case ACT_ELU: for (int64_t j = 0; j < cols; j++) row[j] = row[j] > 0 ? row[j] : expm1f(row[j]); break;
      case ACT_SIGMOID: for (int64_t j = 0; j < cols; j++) row[j] = 1.0f / (1.0f + expf(-row[j])); break;
      case ACT_LEAKY: for (int64_t j = 0; j < cols; j++) row[j] = row[j] > 0 ? row[j] : alpha * row[j]; break;
      default: break;
    }
  }
  return NULL;
}

typedef struct {
  int64_t n, h, w, ch, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow;
} Geometry;

static int read_geometry(Call *c, size_t first, Geometry *g) {
  int64_t *f = &g->n;
  for (size_t i = 0; i < 14; i++) f[i] = arg_int(c, first + i);
  if (c->failed) return 0;
  for (size_t i = 0; i < 10; i++) {
    if (f[i] <= 0) { fail(c, "kerats-blas: convolution sizes must be positive"); return 0; }
  }
  if (g->oh <= 0 || g->ow <= 0) { fail(c, "kerats-blas: empty convolution output"); return 0; }
  return 1;
}

/*
 * im2col(heap, xOff, colOff, n, h, w, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW)
 * col[(b·oh + y)·ow + x, (i·kw + j)·c + ch] = x[b, y·sh + i·dh - pt, x·sw + j·dw - pl, ch] (0 outside).
 */
static napi_value Im2col(napi_env env, napi_callback_info info) {
  Call c;
  Geometry g;
  if (!start(&c, env, info, 17) ) return NULL;
  int64_t xo = arg_int(&c, 1), co = arg_int(&c, 2);
  if (!read_geometry(&c, 3, &g)) return NULL;
  const int64_t K = g.kh * g.kw * g.ch;
  const float *x = span(&c, xo, g.n * g.h * g.w * g.ch);
  float *col = span(&c, co, g.n * g.oh * g.ow * K);
  if (c.failed) return NULL;
  const size_t run = (size_t)g.ch * sizeof(float);
  for (int64_t b = 0; b < g.n; b++) {
    const float *xb = x + b * g.h * g.w * g.ch;
    for (int64_t y = 0; y < g.oh; y++) {
      for (int64_t xx = 0; xx < g.ow; xx++) {
        float *dst = col + ((b * g.oh + y) * g.ow + xx) * K;
        for (int64_t i = 0; i < g.kh; i++) {
          const int64_t iy = y * g.sh + i * g.dh - g.pt;
          for (int64_t j = 0; j < g.kw; j++, dst += g.ch) {
            const int64_t ix = xx * g.sw + j * g.dw - g.pl;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) memset(dst, 0, run);
            else memcpy(dst, xb + (iy * g.w + ix) * g.ch, run);
          }
        }
      }
    }
  }
  return NULL;
}

/* col2im(heap, colOff, dxOff, ...geometry): dx = 0, then every col entry is added back where im2col took it. */
static napi_value Col2im(napi_env env, napi_callback_info info) {
  Call c;
  Geometry g;
  if (!start(&c, env, info, 17)) return NULL;
  int64_t co = arg_int(&c, 1), xo = arg_int(&c, 2);
  if (!read_geometry(&c, 3, &g)) return NULL;
  const int64_t K = g.kh * g.kw * g.ch;
  const float *col = span(&c, co, g.n * g.oh * g.ow * K);
  float *dx = span(&c, xo, g.n * g.h * g.w * g.ch);
  if (c.failed) return NULL;
  memset(dx, 0, (size_t)(g.n * g.h * g.w * g.ch) * sizeof(float));
  for (int64_t b = 0; b < g.n; b++) {
    float *xb = dx + b * g.h * g.w * g.ch;
    for (int64_t y = 0; y < g.oh; y++) {
      for (int64_t xx = 0; xx < g.ow; xx++) {
        const float *src = col + ((b * g.oh + y) * g.ow + xx) * K;
        for (int64_t i = 0; i < g.kh; i++) {
          const int64_t iy = y * g.sh + i * g.dh - g.pt;
          for (int64_t j = 0; j < g.kw; j++, src += g.ch) {
            const int64_t ix = xx * g.sw + j * g.dw - g.pl;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
            float *d = xb + (iy * g.w + ix) * g.ch;
            for (int64_t q = 0; q < g.ch; q++) d[q] += src[q];
          }
        }
      }
    }
  }
  return NULL;
}

/*
 * filterGrad(heap, xOff, dyOff, dwOff, outChannels, ...geometry): the filter gradient
 * dW[(i·kw + j)·c + ch, co] = Σ x[b, y·sh + i·dh - pt, x·sw + j·dw - pl, ch] · dy[b, y, x, co]
 * accumulated pixel by pixel. For filters with few taps·in-channels (first layers, 3x3x1) this beats
 * im2col + GEMM, whose inner dimension would be every pixel of the batch.
 */
static napi_value FilterGrad(napi_env env, napi_callback_info info) {
  Call c;
  Geometry g;
  if (!start(&c, env, info, 18)) return NULL;
  int64_t xo = arg_int(&c, 1), yo = arg_int(&c, 2), wo = arg_int(&c, 3), co = arg_int(&c, 4);
  if (!read_geometry(&c, 5, &g)) return NULL;
  if (co <= 0) { fail(&c, "kerats-blas: convolution sizes must be positive"); return NULL; }
  const int64_t K = g.kh * g.kw * g.ch;
  const float *x = span(&c, xo, g.n * g.h * g.w * g.ch);
  const float *dy = span(&c, yo, g.n * g.oh * g.ow * co);
  float *dw = span(&c, wo, K * co);
  if (c.failed) return NULL;
  memset(dw, 0, (size_t)(K * co) * sizeof(float));
  for (int64_t b = 0; b < g.n; b++) {
    const float *xb = x + b * g.h * g.w * g.ch;
    for (int64_t y = 0; y < g.oh; y++) {
      for (int64_t xx = 0; xx < g.ow; xx++) {
        const float *d = dy + ((b * g.oh + y) * g.ow + xx) * co;
        for (int64_t i = 0; i < g.kh; i++) {
          const int64_t iy = y * g.sh + i * g.dh - g.pt;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t j = 0; j < g.kw; j++) {
            const int64_t ix = xx * g.sw + j * g.dw - g.pl;
            if (ix < 0 || ix >= g.w) continue;
            const float *src = xb + (iy * g.w + ix) * g.ch;
            float *row = dw + (i * g.kw + j) * g.ch * co;
            for (int64_t q = 0; q < g.ch; q++, row += co) {
              const float v = src[q];
              for (int64_t o = 0; o < co; o++) row[o] += v * d[o];
            }
          }
        }
      }
    }
  }
  return NULL;
}

/*
 * maxPoolGrad(heap, xOff, dyOff, dxOff, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, outH, outW)
 * dx = 0, then each window's dy goes to the window's first maximum of x in row-major window order
 * (as tfjs's cpu backend does; NaN never wins).
 */
static napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Call c;
  if (!start(&c, env, info, 16)) return NULL;
  int64_t xo = arg_int(&c, 1), yo = arg_int(&c, 2), dxo = arg_int(&c, 3);
  int64_t n = arg_int(&c, 4), h = arg_int(&c, 5), w = arg_int(&c, 6), ch = arg_int(&c, 7);
  int64_t kh = arg_int(&c, 8), kw = arg_int(&c, 9), sh = arg_int(&c, 10), sw = arg_int(&c, 11);
  int64_t pt = arg_int(&c, 12), pl = arg_int(&c, 13), oh = arg_int(&c, 14), ow = arg_int(&c, 15);
  if (c.failed) return NULL;
  if (n <= 0 || h <= 0 || w <= 0 || ch <= 0 || kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || oh <= 0 || ow <= 0) {
    fail(&c, "kerats-blas: pooling sizes must be positive");
    return NULL;
  }
  const float *x = span(&c, xo, n * h * w * ch);
  const float *dy = span(&c, yo, n * oh * ow * ch);
  float *dx = span(&c, dxo, n * h * w * ch);
  if (c.failed) return NULL;
  memset(dx, 0, (size_t)(n * h * w * ch) * sizeof(float));
  for (int64_t b = 0; b < n; b++) {
    for (int64_t y = 0; y < oh; y++) {
      const int64_t h0 = y * sh - pt < 0 ? 0 : y * sh - pt;
      const int64_t h1 = y * sh - pt + kh > h ? h : y * sh - pt + kh;
      for (int64_t xx = 0; xx < ow; xx++) {
        const int64_t w0 = xx * sw - pl < 0 ? 0 : xx * sw - pl;
        const int64_t w1 = xx * sw - pl + kw > w ? w : xx * sw - pl + kw;
        const float *g = dy + ((b * oh + y) * ow + xx) * ch;
        for (int64_t q = 0; q < ch; q++) {
          float best = -INFINITY;
          int64_t where = -1;
          for (int64_t i = h0; i < h1; i++) {
            for (int64_t j = w0; j < w1; j++) {
              const int64_t p = ((b * h + i) * w + j) * ch + q;
              if (x[p] > best) { best = x[p]; where = p; }
            }
          }
          if (where >= 0) dx[where] += g[q];
        }
      }
    }
  }
  return NULL;
}

/* threads([n]): sets the GEMM thread count (OpenBLAS's and the bundled one's) when given; returns the count in use. */
static napi_value Threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t n = 0;
  if (argc >= 1 && napi_get_value_int32(env, argv[0], &n) == napi_ok && n > 0) {
    kerats_sgemm_threads(n);
#ifdef KERATS_HAVE_OPENBLAS
    openblas_set_num_threads(n);
#endif
  }
  napi_value out;
#ifdef KERATS_HAVE_OPENBLAS
  if (!use_bundled) {
    napi_create_int32(env, openblas_get_num_threads(), &out);
    return out;
  }
#endif
  napi_create_int32(env, kerats_sgemm_threads(0), &out);
  return out;
}

/* config(): the GEMM in use, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64" or "bundled SGEMM (AVX2/FMA)". */
static napi_value Config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  char text[256];
#ifdef KERATS_HAVE_OPENBLAS
  if (!use_bundled) {
    const char *s = openblas_get_config();
    napi_create_string_utf8(env, s ? s : "OpenBLAS", NAPI_AUTO_LENGTH, &out);
    return out;
  }
#endif
  snprintf(text, sizeof text, "bundled SGEMM (%s)", kerats_sgemm_kernel());
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

/* useBundled([on]): switches between OpenBLAS and the bundled SGEMM when built with both; returns whether the bundled one is in use. */
static napi_value UseBundled(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
#ifdef KERATS_HAVE_OPENBLAS
  bool on = false;
  if (argc >= 1 && napi_get_value_bool(env, argv[0], &on) == napi_ok) use_bundled = on ? 1 : 0;
#endif
  napi_value out;
  napi_get_boolean(env, use_bundled != 0, &out);
  return out;
}

/* hasOpenBlas(): whether this build links OpenBLAS. */
static napi_value HasOpenBlas(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
#ifdef KERATS_HAVE_OPENBLAS
  napi_get_boolean(env, true, &out);
#else
  napi_get_boolean(env, false, &out);
#endif
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epilogue", NULL, Epilogue, NULL, NULL, NULL, napi_enumerable, NULL},
      {"im2col", NULL, Im2col, NULL, NULL, NULL, napi_enumerable, NULL},
      {"col2im", NULL, Col2im, NULL, NULL, NULL, napi_enumerable, NULL},
      {"filterGrad", NULL, FilterGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"maxPoolGrad", NULL, MaxPoolGrad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_enumerable, NULL},
      {"useBundled", NULL, UseBundled, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hasOpenBlas", NULL, HasOpenBlas, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  kerats_norm_define(env, exports);
  kerats_attention_define(env, exports);
  kerats_rnn_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
