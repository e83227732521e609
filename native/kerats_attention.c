/*
 * Fused scaled dot-product attention for kerats' MultiHeadAttention on the wasm backend
 * (src/runtime/wasm-kernels/fused-attention.ts). One call per direction does, for every
 * (batch, head) pair, scores = scale · Q Kᵀ, the mask (-1e9 added to masked scores, as Keras),
 * the softmax and context = P V, reading the projections in their (batch, seq, heads, dim) layout
 * straight from the wasm heap: no transposes, no per-head tensors. The (batch, head) pairs are
 * split over threads; each runs its small GEMMs on the bundled SGEMM (kerats_sgemm.c), which
 * does products this small single-threaded, allocation-local and lock-free, whichever GEMM the
 * addon uses for the large ones (OpenBLAS serialises concurrent calls on internal locks and its
 * idle workers spin, both of which cost more than a 64x64x32 product here).
 *
 * Layouts (row-major, float32, offsets in floats): q (B, T, H, dk), k (B, S, H, dk),
 * v (B, S, H, dv), mask (MB, T, S) with MB 1 or B (nonzero: attend), ctx (B, T, H, dv),
 * probs (B, H, T, S).
 */
#include "kerats_attention.h"
#include "kerats_napi.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "kerats_sgemm.h"
#include "kerats_math.h"

#define ATT_MAX_THREADS 64

typedef struct {
  const float *q, *k, *v, *mask, *dctx, *dprobs;
  float *ctx, *probs, *dq, *dk, *dv;
  int64_t B, T, S, H, DK, DV, MB;
  /* Row strides of q, k, v (and dq, dk, dv): H·dk, H·dk, H·dv, or one packed row's width. */
  int64_t ldq, ldk, ldv;
  int causal;
  float scale;
  int64_t from, to; /* the (batch, head) pairs of this job */
} Job;

/*
 * e^x for x <= 0 (scores minus their row maximum), Cephes's expf polynomial (about 1 ulp): plain
 * arithmetic the compiler vectorises, unlike a libm call per element, which made the softmax the
 * slowest part of the kernel. Below -87 (masked scores) it is 0, as expf underflows there.
 */
static inline float exp_nonpositive(float x) {
  const float big = 12582912.0f; /* 1.5 * 2^23: adding and subtracting it rounds to an integer */
  /* Branch-free (1 below the range, else 0), so the loop calling this has no control flow. */
  const float under = (float)(x < -87.0f);
  const float xc = x + under * (-87.0f - x);
  const float n = (xc * 1.44269504088896341f + big) - big;
  const float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  const float p = cephes_expf_poly(r);
  const int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale * (1.0f - under);
}

/* Masked (Keras: -1e9 added), scaled, softmaxed scores of one (batch, head): p holds Q Kᵀ on entry. */
static void softmax_rows(const Job *g, int64_t b, float *p) {
  const float *mask = g->mask ? g->mask + (g->MB == 1 ? 0 : b) * g->T * g->S : NULL;
  const int64_t S = g->S;
  const float scale = g->scale;
  for (int64_t i = 0; i < g->T; i++) {
    float *row = p + i * S;
    for (int64_t j = 0; j < S; j++) row[j] *= scale;
    /* A key masked by both the mask and causality still gets -1e9 once: Keras ANDs the masks first. */
    if (mask) {
      const float *mrow = mask + i * S;
      for (int64_t j = 0; j < S; j++) row[j] += (mrow[j] == 0.0f || (g->causal && j > i)) ? -1e9f : 0.0f;
    } else if (g->causal) {
      for (int64_t j = i + 1; j < S; j++) row[j] += -1e9f;
    }
    /* Eight running maxima and sums, so the loops vectorise without reassociation flags. */
    float m8[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    int64_t j = 0;
    for (; j + 8 <= S; j += 8)
      for (int l = 0; l < 8; l++) m8[l] = row[j + l] > m8[l] ? row[j + l] : m8[l];
    float mx = m8[0];
    for (int l = 1; l < 8; l++) mx = m8[l] > mx ? m8[l] : mx;
    for (; j < S; j++) mx = row[j] > mx ? row[j] : mx;
    for (j = 0; j < S; j++) row[j] = exp_nonpositive(row[j] - mx);
    float s8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (j = 0; j + 8 <= S; j += 8)
      for (int l = 0; l < 8; l++) s8[l] += row[j + l];
    float sum = 0.0f;
    for (int l = 0; l < 8; l++) sum += s8[l];
    for (; j < S; j++) sum += row[j];
    const float inv = 1.0f / sum;
    for (j = 0; j < S; j++) row[j] *= inv;
  }
}

static void *forward_job(void *arg) {
  const Job *g = (const Job *)arg;
  const int64_t ldq = g->ldq, ldk = g->ldk, ldv = g->ldv, ldc = g->H * g->DV;
  for (int64_t pair = g->from; pair < g->to; pair++) {
    const int64_t b = pair / g->H, h = pair % g->H;
    float *p = g->probs + pair * g->T * g->S;
    kerats_sgemm(0, 1, g->T, g->S, g->DK, g->q + b * g->T * ldq + h * g->DK, ldq, g->k + b * g->S * ldk + h * g->DK, ldk, 0.0f, p, g->S);
    softmax_rows(g, b, p);
    kerats_sgemm(0, 0, g->T, g->DV, g->S, p, g->S, g->v + b * g->S * ldv + h * g->DV, ldv, 0.0f, g->ctx + b * g->T * ldc + h * g->DV, ldc);
  }
  return NULL;
}

/* dP = dctx Vᵀ (+ dprobs); dV = Pᵀ dctx; dS = scale · P ⊙ (dP - rowsum(dP ⊙ P)); dQ = dS K; dK = dSᵀ Q. */
static void *backward_job(void *arg) {
  const Job *g = (const Job *)arg;
  const int64_t ldq = g->ldq, ldk = g->ldk, ldv = g->ldv, ldc = g->H * g->DV;
  float *ds = (float *)malloc((size_t)(g->T * g->S) * sizeof(float));
  if (!ds) return (void *)1;
  for (int64_t pair = g->from; pair < g->to; pair++) {
    const int64_t b = pair / g->H, h = pair % g->H;
    const float *p = g->probs + pair * g->T * g->S;
    const float *dctx = g->dctx + b * g->T * ldc + h * g->DV;
    const float *q = g->q + b * g->T * ldq + h * g->DK;
    const float *k = g->k + b * g->S * ldk + h * g->DK;
    kerats_sgemm(0, 1, g->T, g->S, g->DV, dctx, ldc, g->v + b * g->S * ldv + h * g->DV, ldv, 0.0f, ds, g->S);
    if (g->dprobs) {
      const float *dp = g->dprobs + pair * g->T * g->S;
      for (int64_t i = 0; i < g->T * g->S; i++) ds[i] += dp[i];
    }
    kerats_sgemm(1, 0, g->S, g->DV, g->T, p, g->S, dctx, ldc, 0.0f, g->dv + b * g->S * ldv + h * g->DV, ldv);
    for (int64_t i = 0; i < g->T; i++) {
      float *row = ds + i * g->S;
      const float *prow = p + i * g->S;
      float r8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t j = 0;
      for (; j + 8 <= g->S; j += 8)
        for (int l = 0; l < 8; l++) r8[l] += row[j + l] * prow[j + l];
      float r = 0.0f;
      for (int l = 0; l < 8; l++) r += r8[l];
      for (; j < g->S; j++) r += row[j] * prow[j];
      for (int64_t j = 0; j < g->S; j++) row[j] = g->scale * prow[j] * (row[j] - r);
    }
    kerats_sgemm(0, 0, g->T, g->DK, g->S, ds, g->S, k, ldk, 0.0f, g->dq + b * g->T * ldq + h * g->DK, ldq);
    kerats_sgemm(1, 0, g->S, g->DK, g->T, ds, g->S, q, ldq, 0.0f, g->dk + b * g->S * ldk + h * g->DK, ldk);
  }
  free(ds);
  return NULL;
}

/* Runs `fn` over the (batch, head) pairs on up to the GEMM's thread count; returns 0 when a job ran out of memory. */
static int run_pairs(Job *base, void *(*fn)(void *)) {
  const int64_t pairs = base->B * base->H;
  const double work = (double)pairs * (double)base->T * (double)base->S * (double)(base->DK + base->DV);
  int threads = kerats_sgemm_threads(0);
  if (threads > ATT_MAX_THREADS) threads = ATT_MAX_THREADS;
  if (threads > pairs) threads = (int)pairs;
  /* Below ~a million multiply-adds a thread costs more than it saves. */
  if (work < 1.0e6 || threads < 1) threads = 1;
  Job jobs[ATT_MAX_THREADS];
  pthread_t ids[ATT_MAX_THREADS];
  int started[ATT_MAX_THREADS];
  void *results[ATT_MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    jobs[t] = *base;
    jobs[t].from = pairs * t / threads;
    jobs[t].to = pairs * (t + 1) / threads;
    results[t] = NULL;
  }
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, fn, &jobs[t]) == 0;
  results[0] = fn(&jobs[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(ids[t], &results[t]);
    else results[t] = fn(&jobs[t]); /* no thread to be had: do its share here */
  }
  for (int t = 0; t < threads; t++) if (results[t]) return 0;
  return 1;
}

/*
 * Reads B, T, S, H, dk, dv from argv[first..first+5] and checks they are positive; then the row
 * strides: argv[packed], when given and > 0, is the width of a packed [q | k | v] row (self-attention
 * from one projection), else q, k, v are separate (B, T, H, d) tensors.
 */
static int read_dims(Call *c, size_t first, size_t packed, Job *g) {
  g->B = arg_int(c, first);
  g->T = arg_int(c, first + 1);
  g->S = arg_int(c, first + 2);
  g->H = arg_int(c, first + 3);
  g->DK = arg_int(c, first + 4);
  g->DV = arg_int(c, first + 5);
  if (c->failed) return 0;
  if (g->B <= 0 || g->T <= 0 || g->S <= 0 || g->H <= 0 || g->DK <= 0 || g->DV <= 0 ||
      g->T > INT32_MAX || g->S > INT32_MAX || g->H * g->DK > INT32_MAX || g->H * g->DV > INT32_MAX) {
    fail(c, "kerats-blas: attention sizes must be positive 32-bit integers");
    return 0;
  }
  const int64_t width = c->argc > packed ? arg_int(c, packed) : 0;
  if (width > 0 && (width < g->H * (2 * g->DK + g->DV) || g->S != g->T || width > INT32_MAX)) {
    fail(c, "kerats-blas: a packed attention row must hold q, k and v of one sequence");
    return 0;
  }
  g->ldq = width > 0 ? width : g->H * g->DK;
  g->ldk = width > 0 ? width : g->H * g->DK;
  g->ldv = width > 0 ? width : g->H * g->DV;
  return !c->failed;
}

/* Floats from a q/k/v (or gradient) offset to the end of its last row. */
static int64_t rows_span(int64_t rows, int64_t ld, int64_t width) {
  return (rows - 1) * ld + width;
}

/*
 * attentionForward(heap, qOff, kOff, vOff, maskOff (-1: none), ctxOff, probsOff, B, T, S, H, dk, dv,
 *                  maskBatch (1 or B), causal (0/1), scale[, packedRowWidth])
 */
static napi_value KeratsAttentionForward(napi_env env, napi_callback_info info) {
  Call c;
  Job g;
  memset(&g, 0, sizeof g);
  if (!start(&c, env, info, 16)) return NULL;
  const int64_t qo = arg_int(&c, 1), ko = arg_int(&c, 2), vo = arg_int(&c, 3), mo = arg_int(&c, 4), co = arg_int(&c, 5), po = arg_int(&c, 6);
  if (!read_dims(&c, 7, 16, &g)) return NULL;
  g.MB = arg_int(&c, 13);
  g.causal = arg_int(&c, 14) != 0;
  g.scale = (float)arg_num(&c, 15);
  if (c.failed) return NULL;
  if (mo >= 0 && g.MB != 1 && g.MB != g.B) { fail(&c, "kerats-blas: the attention mask's batch must be 1 or the batch"); return NULL; }
  g.q = span(&c, qo, rows_span(g.B * g.T, g.ldq, g.H * g.DK));
  g.k = span(&c, ko, rows_span(g.B * g.S, g.ldk, g.H * g.DK));
  g.v = span(&c, vo, rows_span(g.B * g.S, g.ldv, g.H * g.DV));
  g.mask = mo >= 0 ? span(&c, mo, g.MB * g.T * g.S) : NULL;
  g.ctx = span(&c, co, g.B * g.T * g.H * g.DV);
  g.probs = span(&c, po, g.B * g.H * g.T * g.S);
  if (c.failed) return NULL;
  if (!run_pairs(&g, forward_job)) fail(&c, "kerats-blas: out of memory in attention");
  return NULL;
}

/*
 * attentionBackward(heap, dctxOff, dprobsOff (-1: none), qOff, kOff, vOff, probsOff, dqOff, dkOff, dvOff,
 *                   B, T, S, H, dk, dv, scale[, packedRowWidth])
 */
static napi_value KeratsAttentionBackward(napi_env env, napi_callback_info info) {
  Call c;
  Job g;
  memset(&g, 0, sizeof g);
  if (!start(&c, env, info, 17)) return NULL;
  const int64_t go = arg_int(&c, 1), gpo = arg_int(&c, 2), qo = arg_int(&c, 3), ko = arg_int(&c, 4), vo = arg_int(&c, 5), po = arg_int(&c, 6);
  const int64_t dqo = arg_int(&c, 7), dko = arg_int(&c, 8), dvo = arg_int(&c, 9);
  if (!read_dims(&c, 10, 17, &g)) return NULL;
  g.scale = (float)arg_num(&c, 16);
  g.dctx = span(&c, go, g.B * g.T * g.H * g.DV);
  g.dprobs = gpo >= 0 ? span(&c, gpo, g.B * g.H * g.T * g.S) : NULL;
  g.q = span(&c, qo, rows_span(g.B * g.T, g.ldq, g.H * g.DK));
  g.k = span(&c, ko, rows_span(g.B * g.S, g.ldk, g.H * g.DK));
  g.v = span(&c, vo, rows_span(g.B * g.S, g.ldv, g.H * g.DV));
  g.probs = span(&c, po, g.B * g.H * g.T * g.S);
  g.dq = span(&c, dqo, rows_span(g.B * g.T, g.ldq, g.H * g.DK));
  g.dk = span(&c, dko, rows_span(g.B * g.S, g.ldk, g.H * g.DK));
  g.dv = span(&c, dvo, rows_span(g.B * g.S, g.ldv, g.H * g.DV));
  if (c.failed) return NULL;
  if (!run_pairs(&g, backward_job)) fail(&c, "kerats-blas: out of memory in attention");
  return NULL;
}

void kerats_attention_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"attentionForward", NULL, KeratsAttentionForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attentionBackward", NULL, KeratsAttentionBackward, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
